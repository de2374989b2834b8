"""nextbest.metrics against scikit-learn (to 1e-9) and NumPy references of the same
definitions, on random data with ties, weights and various dtypes; bad input raises
NextbestError naming the problem."""

import pickle

import numpy as np
import pytest

import nextbest
import nextbest.metrics
from nextbest import NextbestError, metrics

sk = pytest.importorskip("sklearn.metrics")
sk_calibration = pytest.importorskip("sklearn.calibration")

TOL = 1e-9
SEEDS = range(12)


def data(seed, n=None):
    """Labels, scores with many ties, probabilities on a grid (bin edges included) and
    weights with some zeros."""
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(20, 400))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    score = np.round(rng.normal(size=n) + y, 1)
    prob = rng.integers(0, 21, n) / 20.0
    w = rng.uniform(0.0, 3.0, n)
    w[rng.random(n) < 0.1] = 0.0
    w[:2] = 1.0
    return y, score, prob, w


def close(a, b, tol=TOL):
    return abs(a - b) <= tol * max(1.0, abs(b))


def raises(call, *words, kind=None):
    with pytest.raises(NextbestError) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    if kind is not None:
        assert info.value.kind == kind, (info.value.kind, message)
    return info.value


def test_importable():
    assert nextbest.metrics is metrics
    assert metrics.PsiReference.__module__ == "nextbest.metrics"
    assert set(metrics.__all__) <= set(dir(metrics))


@pytest.mark.parametrize("seed", SEEDS)
def test_classification_matches_sklearn(seed):
    y, score, prob, w = data(seed)
    for sw in (None, w):
        assert close(metrics.roc_auc(y, score, sw), sk.roc_auc_score(y, score, sample_weight=sw))
        assert close(
            metrics.pr_auc(y, score, sw), sk.average_precision_score(y, score, sample_weight=sw)
        )
        assert close(
            metrics.log_loss(y, prob, sw), sk.log_loss(y, prob, sample_weight=sw, labels=[0, 1])
        )
        assert close(metrics.brier(y, prob, sw), sk.brier_score_loss(y, prob, sample_weight=sw))
    # Continuous scores, few ties.
    s = np.random.default_rng(seed).normal(size=len(y)) + y
    assert close(metrics.roc_auc(y, s), sk.roc_auc_score(y, s))
    assert close(metrics.pr_auc(y, s, w), sk.average_precision_score(y, s, sample_weight=w))


def test_types_are_python_floats_and_dtypes_are_read():
    pd = pytest.importorskip("pandas")
    y, score, prob, w = data(3, n=200)
    expected = sk.roc_auc_score(y, score, sample_weight=w)
    variants = [
        (y.astype(bool), score, w),
        (y.astype(np.int8), score.astype(np.float32), w.astype(np.float32)),
        (y.astype(np.float32), (score * 10).astype(np.int64), w),
        (y.tolist(), score.tolist(), w.tolist()),
        (pd.Series(y), pd.Series(score), pd.Series(w)),
        (pd.Series(y.astype(bool)), pd.Series(score, dtype="Float64"), w),
        (y[::-1].copy()[::-1], np.repeat(score, 2)[::2], w),  # a strided view
    ]
    for yy, ss, ww in variants:
        ref = sk.roc_auc_score(
            np.asarray(yy, dtype=float),
            np.asarray(ss, dtype=float),
            sample_weight=np.asarray(ww, dtype=float),
        )
        got = metrics.roc_auc(yy, ss, sample_weight=ww)
        assert type(got) is float
        assert close(got, ref) and close(ref, expected, 1e-6)
    # float32 probabilities are read as float64 (and clipped at float64's epsilon).
    p32 = prob.astype(np.float32)
    ref = sk.log_loss(y, p32.astype(np.float64), labels=[0, 1])
    assert close(metrics.log_loss(y.astype(bool), p32), ref)
    assert type(metrics.lift_at(y, score)) is float
    assert type(metrics.psi(score, prob)) is float


def test_log_loss_clips_certain_probabilities():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.0, 1.0, 1.0, 0.0])
    assert close(metrics.log_loss(y, p), sk.log_loss(y, p))
    assert metrics.log_loss([1, 1], [1.0, 1.0]) < 1e-15  # a single class is fine


def numpy_ties(y, score, w):
    """Distinct scores, highest first, with their weight and positive weight."""
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    keep = w > 0
    uniq, inv = np.unique(-np.asarray(score, dtype=float)[keep], return_inverse=True)
    weight = np.bincount(inv, weights=w[keep])
    pos = np.bincount(inv, weights=(w * y)[keep])
    return weight, pos


def numpy_gain(y, score, w=None):
    weight, pos = numpy_ties(y, score, w)
    return (
        np.concatenate([[0.0], np.cumsum(weight) / weight.sum()]),
        np.concatenate([[0.0], np.cumsum(pos) / pos.sum()]),
    )


def numpy_lift(y, score, fraction, w=None):
    weight, pos = numpy_ties(y, score, w)
    target = fraction * weight.sum()
    before = np.cumsum(weight) - weight
    share = np.clip((target - before) / weight, 0.0, 1.0)
    return (np.sum(pos * share) / target) / (pos.sum() / weight.sum())


@pytest.mark.parametrize("seed", SEEDS)
def test_lift_and_gain(seed):
    y, score, _, w = data(seed)
    for sw in (None, w):
        targeted, captured = metrics.gain_curve(y, score, sw)
        ref_t, ref_c = numpy_gain(y, score, sw)
        assert targeted.dtype == np.float64 and targeted.shape == ref_t.shape
        np.testing.assert_allclose(targeted, ref_t, rtol=0, atol=TOL)
        np.testing.assert_allclose(captured, ref_c, rtol=0, atol=TOL)
        assert (targeted[0], captured[0], targeted[-1], captured[-1]) == (0, 0, 1, 1)
        for fraction in (0.01, 0.1, 0.25, 0.5, 0.999, 1.0):
            lift = metrics.lift_at(y, score, fraction, sw)
            assert close(lift, numpy_lift(y, score, fraction, sw))
            assert close(lift * fraction, np.interp(fraction, targeted, captured))
    # The default is the top decile; row order does not matter, even with ties at the cut.
    perm = np.random.default_rng(seed).permutation(len(y))
    assert close(metrics.lift_at(y, score), metrics.lift_at(y[perm], score[perm], 0.1))


def test_lift_by_hand():
    # The top 25% is half of the tied pair at 0.5 (one positive in two rows).
    assert metrics.lift_at([1, 0, 0, 0], [0.5, 0.5, 0.1, 0.1], fraction=0.25) == 2.0
    t, c = metrics.gain_curve([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.8])
    assert t.tolist() == [0.0, 0.25, 0.75, 1.0] and c.tolist() == [0.0, 0.5, 1.0, 1.0]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_calibration_curve_matches_sklearn(seed, strategy):
    y, _, prob, w = data(seed)
    continuous = np.random.default_rng(seed).beta(2, 5, len(y))
    for p in (prob, continuous):
        for n_bins in (1, 3, 5, 10, 17):
            got = metrics.calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
            ref = sk_calibration.calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
            for a, b in zip(got, ref):
                assert a.shape == b.shape, (n_bins, a, b)
                np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
            _, _, counts = metrics.calibration_curve(
                y, p, n_bins, strategy, return_counts=True
            )
            assert counts.sum() == len(y)
            for sw in (None, w):
                ece = metrics.expected_calibration_error(y, p, n_bins, strategy, sw)
                assert close(ece, numpy_ece(y, p, n_bins, strategy, sw))


def numpy_ece(y, p, n_bins, strategy, w=None):
    w = np.ones(len(y)) if w is None else w
    if strategy == "quantile":
        bins = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        bins = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(bins[1:-1], p)
    total = np.bincount(ids, weights=w, minlength=n_bins)
    true = np.bincount(ids, weights=w * y, minlength=n_bins)
    pred = np.bincount(ids, weights=w * p, minlength=n_bins)
    nz = total > 0
    gap = np.abs(true[nz] / total[nz] - pred[nz] / total[nz])
    return float(np.sum(total[nz] / total.sum() * gap))


def numpy_psi(expected, actual, bins):
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1))[1:-1])
    e = np.bincount(np.searchsorted(edges, expected), minlength=len(edges) + 1) / len(expected)
    a = np.bincount(np.searchsorted(edges, actual), minlength=len(edges) + 1) / len(actual)
    e, a = np.maximum(e, 1e-4), np.maximum(a, 1e-4)
    return float(np.sum((a - e) * np.log(a / e))), edges


@pytest.mark.parametrize("seed", SEEDS)
def test_psi_matches_numpy_reference(seed):
    rng = np.random.default_rng(seed)
    expected = rng.normal(size=int(rng.integers(5, 2000)))
    for actual in (
        rng.normal(0.3, 1.2, size=500),
        np.round(rng.normal(size=300), 1),
        np.full(10, 100.0),  # every row beyond the last edge: empty bins are floored
    ):
        for bins in (1, 2, 5, 10, 20):
            ref, edges = numpy_psi(expected, actual, bins)
            assert close(metrics.psi(expected, actual, bins), ref)
            r = metrics.PsiReference(expected, bins=bins)
            np.testing.assert_array_equal(r.edges, edges)
            assert close(r.psi(actual), ref)
    # Ties in the expected sample: equal quantiles are merged.
    tied = np.round(rng.normal(size=200))
    ref, edges = numpy_psi(tied, expected, 10)
    r = metrics.PsiReference(tied)
    assert r.n_bins == len(edges) + 1 < 10
    assert close(r.psi(expected), ref)
    assert close(r.expected_shares.sum(), 1.0)
    assert metrics.psi(tied, tied) == 0.0


def test_psi_reference_persists():
    r = metrics.PsiReference(np.arange(1000) / 1000.0, bins=10)
    assert repr(r) == "PsiReference(n_bins=10)"
    copy = metrics.PsiReference.from_json(r.to_json())
    assert copy == r
    assert pickle.loads(pickle.dumps(r)) == r
    shifted = np.arange(1000) / 1000.0 + 0.2
    assert r.psi(shifted) > 0.25
    np.testing.assert_allclose(r.actual_shares(shifted)[:2], [0.0, 0.0])
    raises(lambda: metrics.PsiReference.from_json("{}"), kind="bad document")
    doc = r.to_json().replace('"expected":[', '"expected":[0.5,')
    raises(lambda: metrics.PsiReference.from_json(doc), "shares", kind="bad document")


def test_group_report():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1234)
    n = 600
    y, score, _, w = data(7, n)
    groups = rng.choice(["north", "south", "east", "west"], n)
    groups[:20] = "tiny"
    y[:20] = 1  # one class only: AUC is NaN
    for sw in (None, w):
        report = metrics.group_report(y, score, groups, threshold=0.5, sample_weight=sw)
        assert report["group"] == ["east", "north", "south", "tiny", "west"]
        frame = pd.DataFrame(report)
        assert list(frame.columns) == [
            "group", "n", "weight", "positive_rate", "auc", "selection_rate", "disparate_impact"
        ]
        ww = np.ones(n) if sw is None else sw
        rates = []
        for k, g in enumerate(report["group"]):
            m = groups == g
            assert report["n"][k] == m.sum()
            assert close(report["weight"][k], ww[m].sum())
            assert close(report["positive_rate"][k], np.average(y[m], weights=ww[m]))
            if g == "tiny":
                assert np.isnan(report["auc"][k])
            else:
                ref = sk.roc_auc_score(y[m], score[m], sample_weight=ww[m])
                assert close(report["auc"][k], ref)
            rates.append(np.average(score[m] >= 0.5, weights=ww[m]))
        np.testing.assert_allclose(report["selection_rate"], rates, rtol=0, atol=TOL)
        np.testing.assert_allclose(
            report["disparate_impact"], np.array(rates) / max(rates), rtol=0, atol=TOL
        )
    # Integer labels sort as numbers; pandas categorical Series work.
    report = metrics.group_report([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2], [10, 10, 2, 2])
    assert report["group"] == [2, 10]
    series = pd.Series(["b", "a", "b", "a"], dtype="category")
    report = metrics.group_report([1, 0, 0, 1], [0.9, 0.6, 0.1, 0.2], series)
    assert report["group"] == ["a", "b"]
    assert report["selection_rate"].tolist() == [0.5, 0.5]
    assert report["disparate_impact"].tolist() == [1.0, 1.0]
    # Nobody selected: no disparate impact.
    report = metrics.group_report([1, 0], [0.1, 0.2], ["a", "b"], threshold=0.9)
    assert np.isnan(report["disparate_impact"]).all()


Y, S = [0, 1, 0, 1], [0.5, 0.5, 0.2, 0.8]
EMPTY, SHAPE, NONFINITE, INVALID = (
    "empty input", "shape mismatch", "non-finite value", "invalid argument"
)
m = metrics
BAD = [
    (lambda: m.roc_auc([], []), EMPTY, ["y is empty"]),
    (lambda: m.psi([], [1.0]), EMPTY, ["expected_scores is empty"]),
    (lambda: m.PsiReference([1.0, 2.0]).psi([]), EMPTY, ["actual_scores is empty"]),
    (lambda: m.roc_auc(Y, S[:3]), SHAPE, ["score has 3 values, expected 4"]),
    (lambda: m.brier(Y, S, [1, 2]), SHAPE, ["sample_weight has 2 values"]),
    (lambda: m.group_report(Y, S, ["a", "b"]), SHAPE, ["groups has 2 values, expected 4"]),
    (lambda: m.group_report(Y, S, [["a", "b"], ["a", "b"]]), SHAPE, ["one-dimensional"]),
    (lambda: m.roc_auc(np.zeros((2, 2)), S), SHAPE, ["y must be one-dimensional"]),
    (lambda: m.roc_auc(1, S), SHAPE, ["one-dimensional"]),
    (lambda: m.roc_auc(Y, [0.1, np.nan, 0.2, 0.3]), NONFINITE, ["score[1] is NaN"]),
    (lambda: m.pr_auc(Y, [0.1, np.inf, 0.2, 0.3]), NONFINITE, ["score[1] is inf"]),
    (lambda: m.roc_auc(Y, S, [1, None, 1, 1]), NONFINITE, ["sample_weight[1] is NaN"]),
    (lambda: m.psi([1.0], [np.nan]), NONFINITE, ["actual_scores[0] is NaN"]),
    (lambda: m.group_report(Y, S, list("abab"), np.nan), NONFINITE, ["threshold is NaN"]),
    (lambda: m.roc_auc([0, 2, 0, 1], S), INVALID, ["y[1] is 2, but y must be 0 or 1"]),
    (lambda: m.roc_auc([0, -1, 0, 1], S), INVALID, ["y[1] is -1"]),
    (lambda: m.roc_auc([0, 0.5, 0, 1], S), INVALID, ["y[1] is 0.5"]),
    (lambda: m.roc_auc(["a", "b", "a", "b"], S), INVALID, ["y"]),
    (lambda: m.roc_auc([1, 1], [0.1, 0.2]), INVALID, ["no negative row", "ROC AUC"]),
    (lambda: m.pr_auc([0, 0], [0.1, 0.2]), INVALID, ["no positive row"]),
    (lambda: m.gain_curve([0, 0], [1, 2]), INVALID, ["no positive row"]),
    (lambda: m.log_loss(Y, [0.1, 1.2, 0.3, 0.4]), INVALID, ["prob[1] is 1.2", "[0, 1]"]),
    (lambda: m.calibration_curve(Y, [-0.1, 0.2, 0.3, 0.4]), INVALID, ["prob[0] is -0.1"]),
    (lambda: m.roc_auc(Y, S, [1, -1, 1, 1]), INVALID, ["sample_weight[1] is -1", ">= 0"]),
    (lambda: m.roc_auc(Y, S, [0, 0, 0, 0]), INVALID, ["sample_weight is zero for every row"]),
    (lambda: m.lift_at(Y, S, 0), INVALID, ["fraction is 0", "(0, 1]"]),
    (lambda: m.lift_at(Y, S, 1.5), INVALID, ["fraction is 1.5", "(0, 1]"]),
    (lambda: m.lift_at(Y, S, float("nan")), INVALID, ["fraction is NaN"]),
    (lambda: m.lift_at(Y, S, "top"), INVALID, ["fraction must be a number"]),
    (lambda: m.calibration_curve(Y, S, 0), INVALID, ["n_bins must be between 1"]),
    (lambda: m.calibration_curve(Y, S, -3), INVALID, ["n_bins must be a non-negative int"]),
    (lambda: m.calibration_curve(Y, S, 2.5), INVALID, ["n_bins must be an int"]),
    (lambda: m.expected_calibration_error(Y, S, 5, "kmeans"), INVALID, ['"kmeans"']),
    (lambda: m.psi([1.0], [1.0], bins=0), INVALID, ["bins must be between 1"]),
    (lambda: m.group_report(Y, S, ["a", None, 1, "b"]), INVALID, ["could not be sorted"]),
]


@pytest.mark.parametrize("call, kind, words", BAD)
def test_bad_input(call, kind, words):
    err = raises(call, *words, kind=kind)
    assert isinstance(err, ValueError)
