"""A plain Dawid-Skene, written to be read rather than to be fast: textbook EM with a Python loop
over the annotations in every step. It pins the optimised `articles.consensus.dawid_skene` (its
ragged column layout, base-2 logarithms and bincount scatters) to the algorithm it implements.

Same conventions as ours (and crowd-kit's):

* start: each item's posterior is its vote shares; the class prior is their mean over the items
  that have annotations; the first confusion matrices come from an M-step on those shares;
* M-step: ``count[w][k][y]`` = sum of ``posterior[item][k]`` over ``w``'s annotations with label
  ``y``; counts of labels ``w`` gave are floored at 1e-10, labels ``w`` never gave stay 0; each
  row ``count[w][k]`` is normalised; an annotator without annotations gets uniform rows;
* E-step: ``posterior[i][k]`` proportional to ``prior[k] * prod confusion[w][k][y]`` over the
  item's annotations, computed in log space with the prior floored at 1e-10;
* stop when the evidence lower bound per annotation improves by less than ``tol``;
* ties: two top posteriors within 1e-12 give no label (-1); items without annotations have an
  all-zero row and no label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EPS = 1e-10
TIE = 1e-12


@dataclass
class ReferenceResult:
    probs: np.ndarray  # (n_items, n_labels)
    labels: np.ndarray  # (n_items,), -1 for ties and items without annotations
    tie: np.ndarray  # (n_items,) bool
    priors: np.ndarray  # (n_labels,)
    confusion: np.ndarray  # (n_workers, n_labels, n_labels) [true, given]
    n_iter: int
    converged: bool
    elbo: float


def reference_dawid_skene(
    items, workers, labels, *, n_items, n_workers, n_labels, tol=1e-5, max_iter=100
):
    annotations = list(zip(items.tolist(), workers.tolist(), labels.tolist(), strict=True))
    by_item: dict[int, list[tuple[int, int]]] = {}
    for item, worker, label in annotations:
        by_item.setdefault(item, []).append((worker, label))
    present = sorted(by_item)

    # Start from vote shares.
    post = {}
    for item in present:
        shares = [0.0] * n_labels
        for _, label in by_item[item]:
            shares[label] += 1.0
        post[item] = [share / len(by_item[item]) for share in shares]
    priors = class_prior(post, present, n_labels)
    confusion = m_step(post, annotations, n_workers, n_labels)

    loss = -math.inf
    elbo = math.nan
    n_iter = 0
    converged = False
    for _ in range(max_iter):
        post = e_step(by_item, present, priors, confusion, n_labels)
        priors = class_prior(post, present, n_labels)
        confusion = m_step(post, annotations, n_workers, n_labels)
        elbo = lower_bound(post, present, annotations, priors, confusion, n_labels)
        n_iter += 1
        if elbo - loss < tol:
            converged = True
            break
        loss = elbo

    probs = np.zeros((n_items, n_labels))
    for item in present:
        probs[item] = post[item]
    top = np.full(n_items, -1)
    tie = np.zeros(n_items, dtype=bool)
    for item in present:
        ranked = sorted(range(n_labels), key=lambda k, row=post[item]: (-row[k], k))
        best, second = post[item][ranked[0]], post[item][ranked[1]]
        if best - second <= TIE:
            tie[item] = True
        else:
            top[item] = ranked[0]
    return ReferenceResult(
        probs=probs,
        labels=top,
        tie=tie,
        priors=np.array(priors),
        confusion=np.array(confusion),
        n_iter=n_iter,
        converged=converged,
        elbo=elbo,
    )


def class_prior(post, present, n_labels):
    return [sum(post[item][k] for item in present) / len(present) for k in range(n_labels)]


def m_step(post, annotations, n_workers, n_labels):
    """Confusion matrices ``confusion[w][k][y]`` from expected counts under ``post``."""
    raw = [[[0.0] * n_labels for _ in range(n_labels)] for _ in range(n_workers)]
    given = [[False] * n_labels for _ in range(n_workers)]
    for item, worker, label in annotations:
        given[worker][label] = True
        for k in range(n_labels):
            raw[worker][k][label] += post[item][k]
    confusion = []
    for worker in range(n_workers):
        if not any(given[worker]):
            confusion.append([[1.0 / n_labels] * n_labels for _ in range(n_labels)])
            continue
        rows = []
        for k in range(n_labels):
            counts = [
                max(raw[worker][k][y], EPS) if given[worker][y] else 0.0 for y in range(n_labels)
            ]
            total = sum(counts)
            rows.append([count / total for count in counts])
        confusion.append(rows)
    return confusion


def e_step(by_item, present, priors, confusion, n_labels):
    post = {}
    for item in present:
        scores = [math.log(max(priors[k], EPS)) for k in range(n_labels)]
        for worker, label in by_item[item]:
            for k in range(n_labels):
                scores[k] += math.log(confusion[worker][k][label])
        top = max(scores)
        weights = [math.exp(score - top) for score in scores]
        total = sum(weights)
        post[item] = [weight / total for weight in weights]
    return post


def lower_bound(post, present, annotations, priors, confusion, n_labels):
    """Evidence lower bound per annotation, as crowd-kit computes it: the expected joint
    log-likelihood with the prior counted once per annotation, plus the entropy of the
    posteriors floored at 1e-10."""
    joint = 0.0
    for item, worker, label in annotations:
        for k in range(n_labels):
            joint += post[item][k] * (
                math.log(confusion[worker][k][label]) + math.log(max(priors[k], EPS))
            )
    entropy = 0.0
    for item in present:
        for p in post[item]:
            p = max(p, EPS)
            entropy -= p * math.log(p)
    return (joint + entropy) / len(annotations)
