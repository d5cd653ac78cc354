"""Order-independent fingerprints of each item's inputs, computed for all items at once.

A claim's consensus is a function of its set of (annotator, label) pairs plus the method and its
parameters. Each pair is hashed to 64 bits (splitmix64), the hashes of an item are summed
(wrapping), and the sum is mixed with a hash of the parameters. Summing makes the result
independent of row order; (item, annotator) pairs are unique, so a set hash is enough. The
sweep and the full recompute use this same function, so an unchanged claim gets the
same fingerprint from either and is not rewritten.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

_U64 = np.uint64


def _splitmix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        z = x + _U64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
        return z ^ (z >> _U64(31))


def params_hash(params: str) -> int:
    """A 64-bit hash of a canonical parameter string (method, thresholds, reliability run)."""
    return int.from_bytes(hashlib.sha256(params.encode()).digest()[:8], "big")


def item_fingerprints(
    item_idx: npt.NDArray[np.int64],
    worker_ids: npt.NDArray[np.int64],
    label_idx: npt.NDArray[np.int64],
    *,
    n_items: int,
    params: str,
    known: npt.NDArray[np.int64] | None = None,
    min_votes: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.uint64]:
    """One 64-bit fingerprint per item (`fingerprint_hex` spells them as stored).

    `worker_ids` must be stable identifiers (database ids), not per-run dense codes, so that the
    fingerprint of a claim does not depend on which other claims were loaded with it. Items with
    no annotations get the fingerprint of the empty set under `params`. `known` (per item, -1
    where unknown) enters too: marking or changing a known answer changes the fingerprint; so
    does `min_votes` (per item, the ratings it needs before it can settle).
    """
    pair = _splitmix64(
        (worker_ids.astype(np.uint64) << _U64(8)) ^ label_idx.astype(np.uint64) ^ _U64(1 << 63)
    )
    sums = np.zeros(n_items, dtype=np.uint64)
    if item_idx.size:
        sorted_items = item_idx
        if np.any(item_idx[1:] < item_idx[:-1]):
            order = np.argsort(item_idx, kind="stable")
            sorted_items, pair = item_idx[order], pair[order]
        starts = np.flatnonzero(np.r_[True, sorted_items[1:] != sorted_items[:-1]])
        with np.errstate(over="ignore"):
            sums[sorted_items[starts]] = np.add.reduceat(pair, starts, dtype=np.uint64)
    if known is not None:
        fixed = np.flatnonzero(known >= 0)
        with np.errstate(over="ignore"):
            # A tag no (annotator, label) pair hash can take the place of: bit 62 set, 63 not.
            sums[fixed] += _splitmix64(known[fixed].astype(np.uint64) | _U64(1 << 62))
    if min_votes is not None:
        with np.errstate(over="ignore"):
            # Bit 61 set, 62 and 63 not: apart from the pair and known-answer tags.
            sums += _splitmix64(min_votes.astype(np.uint64) | _U64(1 << 61))
    with np.errstate(over="ignore"):
        return _splitmix64(sums ^ _U64(params_hash(params)))


def fingerprint_hex(values: npt.NDArray[np.uint64]) -> list[str]:
    """The 16-hex-digit spelling of fingerprints, as stored on Consensus rows."""
    return [f"{v:016x}" for v in values.tolist()]
