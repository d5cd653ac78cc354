"""Consensus math: pure numpy over integer-coded annotations. No Django import, ever.

Input convention everywhere: parallel int arrays ``item_idx``, ``worker_idx``, ``label_idx``
(one entry per annotation, dense codes) plus ``n_items``, ``n_workers``, ``n_labels``. Labels
are opaque category codes ``0..L-1`` for any ``L >= 2``. Results are frozen dataclasses.
The methods the desk knows are in the registry, :mod:`articles.consensus.methods`.
"""

from articles.consensus.agreement import (
    agreement_with_consensus,
    alpha_by_group,
    estimated_accuracy,
    item_agreement,
    krippendorff_alpha,
)
from articles.consensus.arrays import (
    NO_LABEL,
    TIE_ATOL,
    Estimate,
    Posteriors,
    Reliability,
    codes_in,
    id_codes,
    sort_annotations,
)
from articles.consensus.calibrated import CalibratedResult, calibrated_dawid_skene
from articles.consensus.calibration import (
    CalibrationReport,
    calibration_error,
    calibration_report,
)
from articles.consensus.dawid_skene import DawidSkeneResult, dawid_skene
from articles.consensus.known import UNKNOWN, accuracy_on_known, known_codes, with_known_answers
from articles.consensus.majority import majority_vote
from articles.consensus.methods import (
    DEFAULT_METHOD,
    METHOD_NAMES,
    METHODS,
    ConsensusMethod,
    UnknownMethodError,
    get_method,
)
from articles.consensus.rules import (
    CONTESTED,
    PENDING,
    SETTLED,
    STATUS_NAMES,
    Outcome,
    decide,
    threshold_problem,
)
from articles.consensus.weighted import (
    WeightedResult,
    log_odds_weight,
    posteriors_from_reliability,
    smoothed_accuracy,
    symmetric_confusion,
    weighted_vote,
)

__all__ = [
    "CONTESTED",
    "DEFAULT_METHOD",
    "METHODS",
    "METHOD_NAMES",
    "NO_LABEL",
    "PENDING",
    "SETTLED",
    "STATUS_NAMES",
    "TIE_ATOL",
    "UNKNOWN",
    "CalibratedResult",
    "CalibrationReport",
    "ConsensusMethod",
    "DawidSkeneResult",
    "Estimate",
    "Outcome",
    "Posteriors",
    "Reliability",
    "UnknownMethodError",
    "WeightedResult",
    "accuracy_on_known",
    "agreement_with_consensus",
    "alpha_by_group",
    "calibrated_dawid_skene",
    "calibration_error",
    "calibration_report",
    "codes_in",
    "dawid_skene",
    "decide",
    "estimated_accuracy",
    "get_method",
    "id_codes",
    "item_agreement",
    "known_codes",
    "krippendorff_alpha",
    "log_odds_weight",
    "majority_vote",
    "posteriors_from_reliability",
    "smoothed_accuracy",
    "sort_annotations",
    "symmetric_confusion",
    "threshold_problem",
    "weighted_vote",
    "with_known_answers",
]
