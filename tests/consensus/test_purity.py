from tests.fresh import ROOT, run_fresh


def test_consensus_package_imports_no_django():
    code = (
        "import articles.consensus, articles.consensus.csvio, sys; "
        "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "assert not loaded, loaded"
    )
    result = run_fresh(code)
    assert result.returncode == 0, result.stderr


def test_consensus_package_source_has_no_django_import():
    package = ROOT / "articles" / "consensus"
    for path in package.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text, path.name
        assert "from django" not in text, path.name
