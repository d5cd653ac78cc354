"""Consensus configuration: the `FACTCHECK_*` consensus settings, what makes each valid, and the
`ConsensusConfig` the jobs compute with.

The rules live here once. `articles.checks` reports every broken one at start-up (`manage.py
check`, `runserver`, `migrate`, a Celery worker starting); `ConsensusConfig.from_settings()`
applies the same rules when a job runs, so a value changed behind the checks' back still fails
with the same clear message instead of deep inside the math.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from articles.consensus import METHOD_NAMES, METHODS, ConsensusMethod, get_method
from articles.consensus.rules import threshold_problem
from articles.selectors.consensus import LABELS


def _method_problem(value: object) -> str | None:
    if isinstance(value, str) and value in METHODS:
        return None
    return f"must be one of {', '.join(METHOD_NAMES)}, got {value!r}"


def _whole_number(*, at_least: int) -> Callable[[object], str | None]:
    def problem(value: object) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and value >= at_least:
            return None
        return f"must be a whole number of at least {at_least}, got {value!r}"

    return problem


def _positive_number(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a positive number, got {value!r}"
    if value > 0:
        return None
    return f"must be a positive number, got {value!r}"


@dataclass(frozen=True)
class SettingRule:
    """One consensus setting: its name, its system-check id, and why a value is invalid."""

    setting: str
    check_id: str
    problem: Callable[[object], str | None]
    hint: str

    def check(self) -> str | None:
        """The current value's problem as a sentence naming the setting, or None."""
        if not hasattr(settings, self.setting):
            return f"{self.setting} is not set"
        problem = self.problem(getattr(settings, self.setting))
        return None if problem is None else f"{self.setting} {problem}"


SETTING_RULES: tuple[SettingRule, ...] = (
    SettingRule(
        "FACTCHECK_CONSENSUS_METHOD",
        "articles.E001",
        _method_problem,
        "A method registered in articles/consensus/methods.py.",
    ),
    SettingRule(
        "FACTCHECK_CONSENSUS_THRESHOLD",
        "articles.E002",
        threshold_problem,
        "The top probability a claim needs to be settled, e.g. 0.8.",
    ),
    SettingRule(
        "FACTCHECK_CONSENSUS_MIN_ANNOTATIONS",
        "articles.E003",
        _whole_number(at_least=1),
        "Annotations a claim needs before it can settle, e.g. 3.",
    ),
    SettingRule(
        "FACTCHECK_RELIABILITY_MIN_HISTORY",
        "articles.E004",
        _whole_number(at_least=0),
        "Annotations an annotator needs before their full confusion matrix is trusted, e.g. 20.",
    ),
    SettingRule(
        "FACTCHECK_ANNOTATORS_PER_CLAIM",
        "articles.E005",
        _whole_number(at_least=1),
        "Annotators each claim is assigned to, e.g. 3.",
    ),
    SettingRule(
        "FACTCHECK_STALE_SWEEP_SECONDS",
        "articles.E006",
        _positive_number,
        "Seconds between two sweeps of claims whose consensus job was lost, e.g. 60.",
    ),
    SettingRule(
        "FACTCHECK_STALE_SWEEP_BATCH",
        "articles.E007",
        _whole_number(at_least=1),
        "Stale claims the sweep recomputes together in one transaction, e.g. 500.",
    ),
    SettingRule(
        "FACTCHECK_STALE_SWEEP_BUDGET_SECONDS",
        "articles.E008",
        _positive_number,
        "Seconds one sweep job runs batches before it queues the next one, e.g. 10.",
    ),
)

_RULES = {rule.setting: rule for rule in SETTING_RULES}


def _valid_setting(name: str) -> Any:
    """The value of a consensus setting, or ImproperlyConfigured saying what is wrong."""
    problem = _RULES[name].check()
    if problem is not None:
        raise ImproperlyConfigured(problem)
    return getattr(settings, name)


@dataclass(frozen=True)
class ConsensusConfig:
    """The settings a consensus computation runs with."""

    method: ConsensusMethod
    threshold: float
    min_annotations: int
    min_history: int

    @classmethod
    def from_settings(cls) -> ConsensusConfig:
        """Read and validate the settings; ImproperlyConfigured names the first invalid one."""
        return cls(
            method=get_method(_valid_setting("FACTCHECK_CONSENSUS_METHOD")),
            threshold=float(_valid_setting("FACTCHECK_CONSENSUS_THRESHOLD")),
            min_annotations=int(_valid_setting("FACTCHECK_CONSENSUS_MIN_ANNOTATIONS")),
            min_history=int(_valid_setting("FACTCHECK_RELIABILITY_MIN_HISTORY")),
        )

    def min_votes(self, required: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The ratings each claim needs before its consensus can settle: the desk's minimum,
        or the claim's own required count when that is lower (a claim that needs 2
        annotators settles on 2 ratings)."""
        return np.minimum(np.asarray(required, dtype=np.int64), self.min_annotations)

    def parameters(self, run_id: int | None) -> dict[str, Any]:
        """The parameters stored with each Consensus row and ConsensusRun."""
        return {
            "threshold": self.threshold,
            "min_annotations": self.min_annotations,
            "min_history": self.min_history,
            "reliability_run": run_id,
            "labels": list(LABELS),
        }

    def fingerprint_key(self, model_hash: str) -> str:
        """What besides a claim's own annotations its consensus depends on. The reliability model
        enters by content, not by run id, so re-estimating the same model rewrites nothing; a
        method that uses no reliability model does not depend on it at all."""
        params = self.parameters(None)
        uses_model = model_hash if self.method.uses_reliability else ""
        return json.dumps([self.method.name, params, uses_model], sort_keys=True)


def stale_sweep_batch() -> int:
    """How many stale claims the sweep recomputes in one transaction
    (FACTCHECK_STALE_SWEEP_BATCH)."""
    return int(_valid_setting("FACTCHECK_STALE_SWEEP_BATCH"))


def stale_sweep_budget() -> float:
    """Seconds one sweep job runs batches before it hands the rest to the next job
    (FACTCHECK_STALE_SWEEP_BUDGET_SECONDS)."""
    return float(_valid_setting("FACTCHECK_STALE_SWEEP_BUDGET_SECONDS"))
