from tests.fresh import ROOT, run_fresh


def test_claimfinding_package_imports_no_django():
    code = (
        "import articles.claimfinding, sys; "
        "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "assert not loaded, loaded"
    )
    result = run_fresh(code)
    assert result.returncode == 0, result.stderr


def test_claimfinding_package_source_has_no_django_import():
    package = ROOT / "articles" / "claimfinding"
    paths = list(package.glob("*.py"))
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text, path.name
        assert "from django" not in text, path.name


HEAVY = ("scipy", "sklearn")


def _loaded_heavy(code):
    probe = (
        f"{code}; import sys; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    result = run_fresh(probe, DJANGO_SETTINGS_MODULE="factcheck.settings")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_claimfinding_package_loads_no_matrix_libraries():
    # Every process imports the package (through the import services): scipy and scikit-learn
    # cost seconds at start-up and are only needed when a batch is matched.
    assert _loaded_heavy("import articles.claimfinding") == "[]"


def test_django_start_up_loads_no_matrix_libraries():
    code = (
        "import django; django.setup(); "
        "import articles.admin, articles.services.claimfinding, articles.tasks; "
        "from django.core.management import call_command; call_command('check')"
    )
    assert _loaded_heavy(code) == "[]"


def test_scoring_loads_no_pandas():
    # pyarrow imports pandas (a sixth of a second in a fresh worker) when it converts Python or
    # numpy values: the scorer hands it buffers only.
    code = (
        "from articles.claimfinding import ArticleText, batch_candidates; import sys; "
        "found = batch_candidates([ArticleText(1, 'Ana Soler said it cost $42,000. Yes.')], "
        "min_score=-10.0); assert found; assert 'pandas' not in sys.modules"
    )
    result = run_fresh(code)
    assert result.returncode == 0, result.stderr
