"""System checks of the consensus settings: each invalid value gets its own error id at start-up,
and the jobs refuse the same values with the same message."""

import ast
import re
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from articles.checks import SETTINGS_TAG, consensus_settings_check
from articles.consensus import DEFAULT_METHOD
from articles.services.consensus_config import SETTING_RULES, ConsensusConfig
from factcheck.celery import refuse_invalid_settings

ROOT = Path(__file__).resolve().parents[1]

INVALID = [
    ("FACTCHECK_CONSENSUS_METHOD", "bayes", "articles.E001", "must be one of majority"),
    ("FACTCHECK_CONSENSUS_METHOD", "", "articles.E001", "got ''"),
    ("FACTCHECK_CONSENSUS_THRESHOLD", 0.0, "articles.E002", r"must be in \(0, 1\]"),
    ("FACTCHECK_CONSENSUS_THRESHOLD", 1.5, "articles.E002", "got 1.5"),
    ("FACTCHECK_CONSENSUS_THRESHOLD", float("nan"), "articles.E002", "got nan"),
    ("FACTCHECK_CONSENSUS_THRESHOLD", "0.8", "articles.E002", "got '0.8'"),
    ("FACTCHECK_CONSENSUS_MIN_ANNOTATIONS", 0, "articles.E003", "at least 1, got 0"),
    ("FACTCHECK_CONSENSUS_MIN_ANNOTATIONS", 2.5, "articles.E003", "whole number"),
    ("FACTCHECK_CONSENSUS_MIN_ANNOTATIONS", True, "articles.E003", "got True"),
    ("FACTCHECK_RELIABILITY_MIN_HISTORY", -1, "articles.E004", "at least 0, got -1"),
    ("FACTCHECK_ANNOTATORS_PER_CLAIM", 0, "articles.E005", "at least 1, got 0"),
    ("FACTCHECK_STALE_SWEEP_SECONDS", 0, "articles.E006", "positive number, got 0"),
    ("FACTCHECK_STALE_SWEEP_SECONDS", -5.0, "articles.E006", "got -5.0"),
    ("FACTCHECK_STALE_SWEEP_BATCH", 0, "articles.E007", "at least 1, got 0"),
    ("FACTCHECK_STALE_SWEEP_BUDGET_SECONDS", 0, "articles.E008", "positive number, got 0"),
]


def test_checks_default_settings_are_valid():
    assert consensus_settings_check() == []
    assert run_checks(tags=[SETTINGS_TAG]) == []


def test_checks_every_rule_has_its_own_id():
    ids = [rule.check_id for rule in SETTING_RULES]
    assert len(set(ids)) == len(ids)
    assert {setting for setting, *_ in INVALID} == {rule.setting for rule in SETTING_RULES}


@pytest.mark.parametrize(("setting", "value", "check_id", "message"), INVALID)
def test_checks_report_an_invalid_setting(setting, value, check_id, message):
    with override_settings(**{setting: value}):
        errors = run_checks(tags=[SETTINGS_TAG])

    assert [error.id for error in errors] == [check_id]
    assert errors[0].msg.startswith(setting)
    assert re.search(message, errors[0].msg), errors[0].msg
    assert errors[0].hint


def test_checks_report_every_invalid_setting_at_once():
    with override_settings(
        FACTCHECK_CONSENSUS_METHOD="bayes",
        FACTCHECK_CONSENSUS_THRESHOLD=2,
        FACTCHECK_STALE_SWEEP_BATCH=-1,
    ):
        ids = [error.id for error in consensus_settings_check()]
    assert ids == ["articles.E001", "articles.E002", "articles.E007"]


def test_checks_report_a_missing_setting(settings):
    del settings.FACTCHECK_CONSENSUS_THRESHOLD
    errors = consensus_settings_check()
    assert [(error.id, error.msg) for error in errors] == [
        ("articles.E002", "FACTCHECK_CONSENSUS_THRESHOLD is not set")
    ]


def test_checks_run_with_manage_py_check():
    with (
        override_settings(FACTCHECK_CONSENSUS_THRESHOLD=0),
        pytest.raises(SystemCheckError, match=r"articles\.E002"),
    ):
        call_command("check")


READ_BY_CONFIG = {
    "FACTCHECK_CONSENSUS_METHOD",
    "FACTCHECK_CONSENSUS_THRESHOLD",
    "FACTCHECK_CONSENSUS_MIN_ANNOTATIONS",
    "FACTCHECK_RELIABILITY_MIN_HISTORY",
}


@pytest.mark.parametrize(
    ("setting", "value", "check_id", "message"),
    [case for case in INVALID if case[0] in READ_BY_CONFIG],
)
def test_consensus_config_refuses_what_the_checks_report(setting, value, check_id, message):
    with override_settings(**{setting: value}), pytest.raises(ImproperlyConfigured) as raised:
        ConsensusConfig.from_settings()
    assert str(raised.value).startswith(setting)


def test_consensus_config_from_default_settings():
    config = ConsensusConfig.from_settings()
    assert config.method.name == DEFAULT_METHOD
    assert 0 < config.threshold <= 1


@pytest.mark.django_db
def test_recompute_command_reports_an_invalid_setting_cleanly():
    with (
        override_settings(FACTCHECK_CONSENSUS_METHOD="bayes"),
        pytest.raises(CommandError, match="FACTCHECK_CONSENSUS_METHOD must be one of"),
    ):
        call_command("recompute_consensus", "--no-progress")


def test_celery_worker_refuses_to_start_on_invalid_settings():
    refuse_invalid_settings()  # valid: starts
    with (
        override_settings(FACTCHECK_CONSENSUS_MIN_ANNOTATIONS=0),
        pytest.raises(SystemCheckError, match=r"articles\.E003"),
    ):
        refuse_invalid_settings()


def test_settings_default_method_is_the_registry_default():
    # settings.py cannot import the app; its default must still name the registry's default.
    tree = ast.parse((ROOT / "factcheck" / "settings.py").read_text(encoding="utf-8"))
    defaults = [
        keyword.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == "FACTCHECK_CONSENSUS_METHOD"
        for keyword in node.keywords
        if keyword.arg == "default" and isinstance(keyword.value, ast.Constant)
    ]
    assert defaults == [DEFAULT_METHOD]
