"""Metrics of scores and probabilities: ranking, calibration, lift, stability and fairness.

Every function takes array-likes with one value per row (NumPy arrays of any numeric or
boolean dtype, pandas Series, lists): labels ``y`` (0/1, ``False``/``True``), scores (any
finite numbers, higher meaning more likely positive) or probabilities of class 1 (in
``[0, 1]``), and optional ``sample_weight`` (finite, ``>= 0``, not all zero). Where
scikit-learn has the same metric the value is the same (to rounding), ties and weights
included. Empty input, NaN or infinite values, labels other than 0 and 1, and inputs of
different lengths raise ``nextbest.NextbestError`` naming the argument and the row. The work
is done by the Rust library, without the GIL, in ``O(n log n)``.

>>> from nextbest import metrics
>>> y = [0, 1, 0, 1, 0, 0, 1, 0, 0, 0]
>>> score = [0.1, 0.9, 0.3, 0.6, 0.2, 0.5, 0.8, 0.4, 0.1, 0.2]
>>> metrics.roc_auc(y, score)
1.0
>>> round(metrics.lift_at(y, score, fraction=0.2), 4)
3.3333

Functions
---------
roc_auc, pr_auc
    Area under the ROC curve; average precision.
log_loss, brier
    Log loss and Brier score of probabilities.
lift_at, gain_curve
    Lift in the top fraction by score; the cumulative gain curve.
calibration_curve, expected_calibration_error
    Reliability curve and expected calibration error (ECE).
psi, PsiReference
    Population stability index, one-shot or with bins frozen from a reference sample.
group_report
    Per-group AUC, positive rate, selection rate and disparate impact.
"""

import numpy as np

from . import _nextbest as _nb
from ._nextbest import NextbestError, PsiReference

__all__ = [
    "PsiReference",
    "brier",
    "calibration_curve",
    "expected_calibration_error",
    "gain_curve",
    "group_report",
    "lift_at",
    "log_loss",
    "pr_auc",
    "psi",
    "roc_auc",
]


def roc_auc(y, score, sample_weight=None):
    """Area under the ROC curve, as ``sklearn.metrics.roc_auc_score``.

    The probability that a random positive row scores above a random negative one, tied
    scores counting one half.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels, 0 or 1 (bool, int or float).
    score : array-like of shape (n_samples,)
        Scores: finite numbers, higher meaning more likely positive.
    sample_weight : array-like of shape (n_samples,), optional
        Weights ``>= 0``.

    Returns
    -------
    float
        Raises ``NextbestError`` when ``y`` holds a single class.
    """
    return _nb.metrics_roc_auc(y, score, sample_weight)


def pr_auc(y, score, sample_weight=None):
    """Average precision, as ``sklearn.metrics.average_precision_score``.

    The precision at each distinct score weighted by the recall it adds: a step function,
    not the trapezoidal area under the precision-recall curve. Needs at least one positive.
    Parameters as :func:`roc_auc`.
    """
    return _nb.metrics_pr_auc(y, score, sample_weight)


def log_loss(y, prob, sample_weight=None):
    """Mean negative log-likelihood, as ``sklearn.metrics.log_loss``.

    ``prob`` are probabilities of class 1, in ``[0, 1]``; they are read as float64 and clipped
    to ``[eps, 1 - eps]`` with ``eps`` the float64 machine epsilon. ``y`` may hold a single
    class (scikit-learn then needs ``labels=[0, 1]``).
    """
    return _nb.metrics_log_loss(y, prob, sample_weight)


def brier(y, prob, sample_weight=None):
    """Mean squared difference between ``prob`` (in ``[0, 1]``) and ``y``, as
    ``sklearn.metrics.brier_score_loss``."""
    return _nb.metrics_brier(y, prob, sample_weight)


def lift_at(y, score, fraction=0.1, sample_weight=None):
    """Lift of targeting the top ``fraction`` of rows by score.

    The positive rate among the top ``fraction`` (in ``(0, 1]``) of the population (of the
    total weight when weighted) divided by the overall positive rate: 3.0 means the top
    decile responds three times as often as average. Rows of tied scores straddling the cut
    count with the share of them that fits, so that the answer never depends on row order;
    it equals ``gain(fraction) / fraction`` on :func:`gain_curve` interpolated linearly.
    """
    return _nb.metrics_lift_at(y, score, fraction, sample_weight)


def gain_curve(y, score, sample_weight=None):
    """Cumulative gain curve: share of positives captured vs share of population targeted.

    Rows are targeted by descending score, tied scores together: one point per distinct
    score, after ``(0, 0)`` and ending at ``(1, 1)``.

    Returns
    -------
    targeted, captured : ndarray of float64
        The share of the population (of the weight) targeted, and of positives captured.
    """
    return _nb.metrics_gain_curve(y, score, sample_weight)


def calibration_curve(
    y, prob, n_bins=10, strategy="uniform", sample_weight=None, return_counts=False
):
    """Reliability curve, as ``sklearn.calibration.calibration_curve``.

    ``prob`` (in ``[0, 1]``) is cut into ``n_bins`` bins of equal width (``"uniform"``) or at
    its quantiles (``"quantile"``); a probability on an edge falls in the lower bin and empty
    bins are dropped. With ``sample_weight`` the bins are the same and their means weighted.
    Note that scikit-learn's default is ``n_bins=5``.

    Returns
    -------
    prob_true : ndarray
        The (weighted) share of positives in each non-empty bin.
    prob_pred : ndarray
        The (weighted) mean probability in each non-empty bin.
    counts : ndarray
        Only with ``return_counts=True``: the rows (total weight) of each bin.
    """
    prob_true, prob_pred, counts = _nb.metrics_calibration_curve(
        y, prob, n_bins, strategy, sample_weight
    )
    if return_counts:
        return prob_true, prob_pred, counts
    return prob_true, prob_pred


def expected_calibration_error(y, prob, n_bins=10, strategy="uniform", sample_weight=None):
    """Expected calibration error (ECE).

    ``sum_b (n_b / n) * |mean(y)_b - mean(prob)_b|`` over the non-empty bins of
    :func:`calibration_curve` (weights and counts weighted by ``sample_weight``).
    """
    return _nb.metrics_expected_calibration_error(y, prob, n_bins, strategy, sample_weight)


def psi(expected_scores, actual_scores, bins=10):
    """Population stability index of ``actual_scores`` against ``expected_scores``.

    The bins are frozen from the expected sample: its quantiles (NumPy's default) at
    ``1/bins, 2/bins, ...`` are the inner edges, equal edges merged, outer edges -inf and
    +inf; a score on an edge falls in the lower bin. Then
    ``PSI = sum((a - e) * log(a / e))`` over the bins, with ``e`` and ``a`` the expected and
    actual shares floored at ``1e-4``. Below 0.1 is usually read as stable, above 0.25 as a
    major shift. To compare many samples with one reference, fit a :class:`PsiReference`.
    """
    return _nb.metrics_psi(expected_scores, actual_scores, bins)


def _error(message, kind):
    err = NextbestError(message)
    err.kind = kind
    return err


def group_report(y, score, groups, threshold=0.5, sample_weight=None):
    """Per-group figures for a fairness review.

    Parameters
    ----------
    y, score, sample_weight
        As :func:`roc_auc`.
    groups : array-like of shape (n_samples,)
        The group of each row: any sortable labels (str, int, a pandas Series or
        Categorical).
    threshold : float, default=0.5
        A row is selected when its score is at least ``threshold``.

    Returns
    -------
    dict of str to list or ndarray
        One entry per group, in sorted order of the labels; ``pandas.DataFrame(report)``
        makes a table of it. ``group``: the label; ``n``: rows; ``weight``: total sample
        weight; ``positive_rate``: share of positive rows; ``auc``: ROC AUC within the group
        (NaN when the group holds a single class); ``selection_rate``: share selected;
        ``disparate_impact``: selection rate divided by the highest selection rate of any
        group (1 for that reference group, NaN when no row is selected; the "four-fifths
        rule" flags values below 0.8).
    """
    labels = np.asarray(groups)
    if labels.ndim != 1:
        raise _error(
            f"groups must be one-dimensional, got an array of {labels.ndim} dimensions",
            "shape mismatch",
        )
    try:
        names, codes = np.unique(labels, return_inverse=True)
    except TypeError as e:
        raise _error(f"groups could not be sorted: {e}", "invalid argument") from None
    report = _nb.metrics_group_report(
        y, score, codes.astype(np.uint32), len(names), threshold, sample_weight
    )
    return {"group": names.tolist(), **report}
