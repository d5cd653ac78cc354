import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_claimfinding_package_imports_no_django():
    code = (
        "import articles.claimfinding, sys; "
        "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "assert not loaded, loaded"
    )
    result = subprocess.run(  # noqa: S603 - fixed command, our own interpreter
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_claimfinding_package_source_has_no_django_import():
    package = ROOT / "articles" / "claimfinding"
    paths = list(package.glob("*.py"))
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text, path.name
        assert "from django" not in text, path.name
