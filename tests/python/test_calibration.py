"""nextbest's Calibrator against scikit-learn's: isotonic predictions to 1e-9, Platt's A and B
to 1e-5 with an objective no worse; persistence, pickling and bad inputs."""

import json
import pickle

import numpy as np
import pytest

from nextbest import NextbestError
from nextbest.calibration import Calibrator
from nextbest.exceptions import NotFittedError

sklearn = pytest.importorskip("sklearn")
from sklearn.calibration import _sigmoid_calibration  # noqa: E402
from sklearn.isotonic import IsotonicRegression  # noqa: E402


def make_data(seed, n=2000, weighted=True, scale=1.0, offset=0.0, ties=True):
    rng = np.random.default_rng(seed)
    s = rng.normal(size=n)
    if ties:
        s[: n // 2] = np.round(s[: n // 2], 1)  # many tied scores
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * s))).astype(float)
    w = None
    if weighted:
        w = rng.uniform(0, 3, n)
        w[rng.random(n) < 0.1] = 0.0
    return s * scale + offset, y, w


def platt_objective(s, y, w, a, b):
    """scikit-learn's Platt objective: weighted cross-entropy against smoothed targets."""
    w = np.ones_like(s) if w is None else w
    n1, n0 = w[y > 0].sum(), w[y <= 0].sum()
    t = np.where(y > 0, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))
    u = a * s + b  # P = 1 / (1 + exp(u)): -ln P = softplus(u), -ln(1 - P) = softplus(-u)
    return float(np.sum(w * (t * np.logaddexp(0, u) + (1 - t) * np.logaddexp(0, -u))))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weighted", [False, True])
def test_isotonic_matches_sklearn(seed, weighted):
    s, y, w = make_data(seed, weighted=weighted)
    ours = Calibrator(method="isotonic").fit(s, y, sample_weight=w)
    ref = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(s, y, sample_weight=w)
    rng = np.random.default_rng(100 + seed)
    probe = np.concatenate(
        [s, rng.normal(scale=2, size=3000), ref.X_thresholds_, [-50.0, 50.0, 0.0]]
    )
    np.testing.assert_allclose(ours.predict(probe), ref.predict(probe), rtol=0, atol=1e-9)
    # The same thresholds, but where SciPy's rounding splits a block (0.49999999999999994
    # then 0.5) scikit-learn keeps two more points on the same line.
    x, p = ours.thresholds_
    kept = np.isin(ref.X_thresholds_, x)
    assert np.isin(x, ref.X_thresholds_).all() and kept.sum() == len(x)
    np.testing.assert_allclose(p, ref.y_thresholds_[kept], rtol=0, atol=1e-12)


def test_isotonic_tiny_and_constant_cases_match_sklearn():
    cases = [
        ([0.5, 0.5, 0.5, 1.0], [1, 0, 0, 1], None),
        ([2.0, 2.0, 2.0], [1, 0, 0], None),
        ([1.0, 2.0, 2.5, 3.0, 4.0], [1, 0, 0, 1, 1], [1.0, 2.0, 1.0, 1.0, 0.0]),
        ([0.0, 1e-16, 2e-16, 1.0], [0, 1, 0, 1], None),  # sklearn's tie tolerance
    ]
    probe = np.linspace(-1, 5, 61)
    for s, y, w in cases:
        ours = Calibrator().fit(s, y, w).predict(probe)
        ref = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
        ref = ref.fit(np.array(s), np.array(y, float), w).predict(probe)
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "seed, scale, offset, weighted",
    [(0, 1.0, 0.0, False), (1, 1.0, 0.0, True), (2, 5.0, 1.0, True), (3, 40.0, 0.0, True),
     (4, 0.01, 0.5, False), (5, 1000.0, 3000.0, True)],
)
def test_platt_matches_sklearn(seed, scale, offset, weighted):
    s, y, w = make_data(seed, weighted=weighted, scale=scale, offset=offset, ties=False)
    ours = Calibrator(method="platt").fit(s, y, sample_weight=w)
    a_ref, b_ref = _sigmoid_calibration(s, y, sample_weight=w)
    assert ours.a_ == pytest.approx(a_ref, rel=1e-5)
    assert ours.b_ == pytest.approx(b_ref, rel=1e-5, abs=1e-6)
    f_ours = platt_objective(s, y, w, ours.a_, ours.b_)
    f_ref = platt_objective(s, y, w, a_ref, b_ref)
    assert f_ours <= f_ref * (1 + 1e-14)
    probe = np.linspace(s.min() - scale, s.max() + scale, 101)
    expected = 1 / (1 + np.exp(a_ref * probe + b_ref))
    np.testing.assert_allclose(ours.predict(probe), expected, rtol=1e-5, atol=1e-7)


def test_platt_on_separable_data_is_finite_and_optimal():
    s = np.linspace(-3, 3, 100)
    y = (s > 0).astype(int)
    ours = Calibrator("platt").fit(s, y)
    a_ref, b_ref = _sigmoid_calibration(s, y)
    assert np.isfinite(ours.a_) and ours.a_ < 0
    assert platt_objective(s, y, None, ours.a_, ours.b_) <= platt_objective(
        s, y, None, a_ref, b_ref
    ) * (1 + 1e-14)
    assert ours.a_ == pytest.approx(a_ref, rel=1e-4)


def test_input_types():
    pd = pytest.importorskip("pandas")
    s = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    y = [0, 1, 0, 1, 1, 1]
    expected = Calibrator().fit(s, y).predict(s)
    for scores, labels in [
        (np.array(s, dtype=np.float32).astype(np.float64), np.array(y, dtype=np.int64)),
        (np.array(s), np.array(y, dtype=bool)),
        (tuple(s), [bool(v) for v in y]),
        (pd.Series(s), pd.Series(y, dtype="int8")),
        (pd.Series(s), pd.Series(y).astype(bool)),
    ]:
        got = Calibrator().fit(scores, labels).predict(scores)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, expected)
    cal = Calibrator().fit(s, y)
    np.testing.assert_array_equal(cal.predict(np.arange(3, dtype=np.uint8)), cal.predict([0, 1, 2]))
    np.testing.assert_array_equal(cal.transform(s), expected)


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_json_and_pickle_round_trip(method):
    s, y, w = make_data(7, n=500)
    cal = Calibrator(method=method).fit(s, y, w)
    doc = cal.to_json()
    parsed = json.loads(doc)
    assert (parsed["format"], parsed["kind"], parsed["version"]) == ("nextbest", "calibrator", 1)
    assert parsed["payload"]["method"] == method
    back = Calibrator.from_json(doc)
    assert back.method == method
    assert back.to_json() == doc
    probe = np.linspace(-4, 4, 1001)
    np.testing.assert_array_equal(back.predict(probe), cal.predict(probe))
    again = pickle.loads(pickle.dumps(cal))
    assert again.to_json() == doc and again.get_params() == {"method": method}
    np.testing.assert_array_equal(again.predict(probe), cal.predict(probe))
    model = pickle.loads(pickle.dumps(cal.model_))
    assert model.to_json() == doc


def test_estimator_protocol_and_attributes():
    cal = Calibrator()
    assert repr(cal) == "Calibrator()"
    assert repr(cal.set_params(method="platt")) == "Calibrator(method='platt')"
    with pytest.raises(NextbestError, match="no parameter"):
        cal.set_params(kind="x")
    for call in [lambda: cal.predict([0.1]), cal.to_json, lambda: cal.a_]:
        with pytest.raises(NotFittedError):
            call()
    assert not hasattr(cal, "a_")
    cal.fit([0.1, 0.2, 0.3], [0, 1, 1])
    assert isinstance(cal.a_, float) and isinstance(cal.b_, float)
    assert not hasattr(cal, "thresholds_")
    iso = Calibrator("isotonic").fit([0.1, 0.2, 0.3], [0, 1, 1])
    assert not hasattr(iso, "a_")
    x, p = iso.thresholds_
    assert x.tolist() == [0.1, 0.2, 0.3] and p.tolist() == [0.0, 1.0, 1.0]


def raises(call, *words, kind=None):
    with pytest.raises(NextbestError) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    if kind is not None:
        assert info.value.kind == kind, info.value.kind
    return info.value


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_bad_inputs(method):
    s, y = [0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1]
    fit = Calibrator(method=method).fit
    raises(lambda: fit([0.1, np.nan, 0.3, 0.4], y), "scores[1] is NaN", kind="non-finite value")
    raises(lambda: fit(s, [0, 1, 1]), "y has 3 values", kind="shape mismatch")
    raises(lambda: fit(s, [0, 1, 2, 1]), "y[2] is 2", "0 or 1", kind="invalid argument")
    raises(lambda: fit(s, [-1, 1, 0, 1]), "y[0] is -1", "0 or 1")
    raises(lambda: fit(s, [1, 1, 1, 1]), "only one class", "class 0")
    raises(lambda: fit(s, y, [1, -1, 1, 1]), "sample_weight[1] is -1", ">= 0")
    raises(lambda: fit(s, y, [0, 0, 0, 0]), "zero for every row")
    raises(lambda: fit(s, y, [1, 0, 1, 0]), "only one class", "class 1")
    raises(lambda: fit(s, y, [1, np.inf, 1, 1]), "sample_weight[1] is inf")
    raises(lambda: fit(s, y, [1, 1]), "sample_weight has 2 values", kind="shape mismatch")
    raises(lambda: fit([], []), "0 scores", kind="empty input")
    raises(lambda: fit(["a", "b"], [0, 1]), "scores[0] must be a number")
    raises(lambda: fit(np.array(["a", "b"]), [0, 1]), "scores must hold numbers")
    raises(lambda: fit(np.ones((2, 2)), [0, 1]), "one-dimensional", kind="shape mismatch")
    raises(lambda: fit(s, "0101"), "y must be a sequence")
    raises(lambda: fit(s, y, sample_weight=object()), "sample_weight")
    cal = fit(s, y)
    raises(lambda: cal.predict([0.1, np.inf]), "scores[1] is inf", kind="non-finite value")
    raises(lambda: cal.predict(None), "scores")


def test_bad_methods_and_documents():
    raises(lambda: Calibrator(method="sigmoid").fit([0.1, 0.2], [0, 1]), '"sigmoid"', "platt")
    raises(lambda: Calibrator(method=1).fit([0.1, 0.2], [0, 1]), "method must be a str")
    doc = Calibrator().fit([0.1, 0.2, 0.3], [0, 1, 1]).to_json()
    raises(lambda: Calibrator.from_json(doc.replace('"version":1', '"version":2')),
           "version 2", kind="unsupported version")
    raises(lambda: Calibrator.from_json(doc.replace('"calibrator"', '"logistic_regression"')),
           kind="wrong kind")
    bad = json.loads(doc)
    bad["payload"]["scores"] = [0.3, 0.2, 0.1]
    raises(lambda: Calibrator.from_json(json.dumps(bad)), "strictly increasing",
           kind="bad document")
    bad["payload"]["scores"] = [0.1, float("nan"), 0.3]
    raises(lambda: Calibrator.from_json(json.dumps(bad)), kind="bad document")
    raises(lambda: Calibrator.from_json("{"), kind="bad document")
    raises(lambda: Calibrator.from_json(42), "document must be a str")
