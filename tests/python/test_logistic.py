"""nextbest.LogisticRegression against scikit-learn's exact solver, its estimator checks, and
every bad input."""

import json
import pickle
import threading
import warnings

import numpy as np
import pytest

import nextbest
from nextbest import LogisticRegression, NextbestError

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression as SkLogistic  # noqa: E402


def make_data(n=2000, p=6, seed=0, imbalance=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * (1 + np.arange(p) * 0.5)
    beta = np.sin(np.arange(p) * 1.3)
    z = (X / (1 + np.arange(p) * 0.5)) @ beta - 0.3 - imbalance
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def exact_sklearn(X, y, l2=1.0, sample_weight=None, class_weight=None, fit_intercept=True):
    return SkLogistic(
        C=1.0 / l2,
        solver="newton-cholesky",
        tol=1e-12,
        max_iter=1000,
        class_weight=class_weight,
        fit_intercept=fit_intercept,
    ).fit(X, y, sample_weight=sample_weight)


def assert_close(ours, theirs, rtol=1e-5):
    scale = np.maximum(np.abs(theirs), 1e-3)
    assert np.all(np.abs(ours - theirs) <= rtol * scale), (ours, theirs)


@pytest.mark.parametrize(
    "l2,weights,class_weight,fit_intercept",
    [
        (1.0, False, None, True),
        (0.01, False, None, True),
        (10.0, True, None, True),
        (1.0, False, "balanced", True),
        (1.0, True, "balanced", True),
        (1.0, False, {0: 0.3, 1: 2.5}, True),
        (1.0, True, None, False),
    ],
)
def test_coefficients_equal_the_exact_optimum(l2, weights, class_weight, fit_intercept):
    X, y = make_data(imbalance=1.0)
    w = np.random.default_rng(1).uniform(0.1, 3, size=len(y)) if weights else None
    ours = LogisticRegression(l2=l2, class_weight=class_weight, fit_intercept=fit_intercept)
    ours.fit(X, y, sample_weight=w)
    theirs = exact_sklearn(X, y, l2, w, class_weight, fit_intercept)
    assert ours.converged_
    assert_close(ours.coef_, theirs.coef_)
    assert_close(ours.intercept_, theirs.intercept_)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_large_and_wide_problems_reach_the_optimum():
    # 200k rows: the subsampled-Hessian Newton path, against scikit-learn.
    X, y = make_data(200_000, 10, seed=3)
    ours = LogisticRegression().fit(X, y)
    assert ours.converged_ and ours.model_.report["solver"] == "newton"
    assert_close(ours.coef_, exact_sklearn(X, y).coef_, rtol=1e-5)
    # 1100 features: L-BFGS, checked by the optimality conditions.
    X, y = make_data(3000, 1100, seed=3)
    X /= X.std(axis=0)
    m = LogisticRegression().fit(X, y)
    assert m.converged_ and m.model_.report["solver"] == "lbfgs"
    beta, b = m.coef_.ravel(), m.intercept_[0]
    p = 1 / (1 + np.exp(-(X @ beta + b)))
    assert np.abs(X.T @ (p - y) + beta).max() / len(y) < 1e-7
    assert abs(np.sum(p - y)) / len(y) < 1e-7


def test_l1_solution_satisfies_the_optimality_conditions():
    X, y = make_data(3000, 12, seed=4)
    l1, l2 = 40.0, 0.5
    m = LogisticRegression(l1=l1, l2=l2).fit(X, y)
    beta, b = m.coef_.ravel(), m.intercept_[0]
    p = 1 / (1 + np.exp(-(X @ beta + b)))
    g = X.T @ (p - y) + l2 * beta
    assert abs(np.sum(p - y)) / len(y) < 1e-7
    nonzero = beta != 0
    assert np.all(np.abs(g[nonzero] + l1 * np.sign(beta[nonzero])) / len(y) < 1e-7)
    assert np.all(np.abs(g[~nonzero]) <= l1 * (1 + 1e-9))
    assert (~nonzero).sum() >= 1


def test_passes_scikit_learn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(LogisticRegression(), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:300]) for r in results if r["status"] == "failed"]
    assert not failed, failed
    assert len(results) > 50


def test_binary_only_tags_and_not_fitted_errors():
    from sklearn.exceptions import NotFittedError as SkNotFitted
    from sklearn.utils import get_tags

    assert get_tags(LogisticRegression()).classifier_tags.multi_class is False
    with pytest.raises(NextbestError, match="Only binary classification is supported"):
        LogisticRegression().fit(np.eye(3), [0, 1, 2])
    for method in ("predict", "predict_proba", "decision_function", "explain", "reason_codes"):
        with pytest.raises(SkNotFitted) as info:
            getattr(LogisticRegression(), method)(np.eye(2))
        assert isinstance(info.value, nextbest.NotFittedError)
        assert isinstance(info.value, NextbestError)


def test_float32_fortran_lists_and_dataframes_give_the_same_model():
    X, y = make_data(500, 4, seed=5)
    ref = LogisticRegression().fit(X, y)
    for variant in (np.asfortranarray(X), X.tolist(), X[::1, :]):
        m = LogisticRegression().fit(variant, y)
        np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-9)
    m32 = LogisticRegression().fit(X.astype(np.float32), y)
    np.testing.assert_allclose(
        m32.predict_proba(X.astype(np.float32)),
        ref.predict_proba(X.astype(np.float32).astype(np.float64)),
        rtol=1e-4,
    )
    np.testing.assert_allclose(ref.predict_proba(np.asfortranarray(X)), ref.predict_proba(X), rtol=1e-14)
    np.testing.assert_array_equal(ref.predict_proba(X[::2]), ref.predict_proba(np.ascontiguousarray(X[::2])))
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X, columns=["income", "age", "tenure", "balance"])
    md = LogisticRegression().fit(df, y)
    assert md.feature_names_in_.tolist() == ["income", "age", "tenure", "balance"]
    np.testing.assert_allclose(md.coef_, ref.coef_, rtol=1e-9)
    codes = md.reason_codes(df.iloc[:5], k=2)
    assert set(codes["raising_1"]) <= {"income", "age", "tenure", "balance", None}
    with pytest.raises(NextbestError, match="feature names should match"):
        md.predict(df[["age", "income", "tenure", "balance"]])


def test_string_labels_and_class_weight_dict():
    X, y = make_data(800, 3, seed=6)
    labels = np.where(y == 1, "took card", "declined")
    m = LogisticRegression(class_weight={"took card": 2.0}).fit(X, labels)
    assert m.classes_.tolist() == ["declined", "took card"]
    assert set(m.predict(X)) <= {"declined", "took card"}
    theirs = exact_sklearn(X, y, class_weight={1: 2.0})
    assert_close(m.coef_, theirs.coef_)
    with pytest.raises(NextbestError, match="not in y"):
        LogisticRegression(class_weight={"other": 2.0}).fit(X, labels)


def test_explanations_and_reason_codes():
    X, y = make_data(300, 5, seed=7)
    m = LogisticRegression().fit(X, y)
    e = m.explain(X)
    assert e.shape == (300, 6)
    np.testing.assert_allclose(e.sum(axis=1), m.decision_function(X), atol=1e-10)
    reference = X.mean(axis=0)
    np.testing.assert_allclose(e[:, :5], (X - reference) * m.coef_, atol=1e-10)
    np.testing.assert_allclose(e[:, 5], m.intercept_[0] + reference @ m.coef_.ravel(), atol=1e-10)
    codes = m.reason_codes(X, k=2)
    contrib = e[:, :5]
    for i in range(300):
        order = [j for j in np.argsort(-contrib[i], kind="stable") if contrib[i, j] > 0][:2]
        got = [codes[f"raising_{r}"][i] for r in (1, 2)]
        assert got[: len(order)] == order
        assert all(v is None for v in got[len(order):])
        low = [j for j in np.argsort(contrib[i], kind="stable") if contrib[i, j] < 0][:2]
        assert [codes[f"lowering_{r}"][i] for r in (1, 2)][: len(low)] == low
        if order:
            assert codes["raising_1_contribution"][i] == contrib[i, order[0]]
    with pytest.raises(NextbestError, match="k must be at least 1"):
        m.reason_codes(X, k=0)


def test_persistence_pickle_and_documents():
    X, y = make_data(300, 4, seed=8)
    m = LogisticRegression(l2=0.5, class_weight="balanced").fit(X, y)
    again = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(again.predict_proba(X), m.predict_proba(X))
    assert again.get_params() == m.get_params()
    doc = m.to_json()
    loaded = LogisticRegression.from_json(doc)
    np.testing.assert_array_equal(loaded.predict_proba(X), m.predict_proba(X))
    assert loaded.get_params()["class_weight"] == "balanced"
    d = json.loads(doc)
    assert (d["format"], d["kind"], d["version"]) == ("nextbest", "logistic_regression", 1)
    future = dict(d, version=2)
    with pytest.raises(NextbestError, match="version 2 is not supported") as info:
        LogisticRegression.from_json(json.dumps(future))
    assert info.value.kind == "unsupported version"
    bandit = nextbest.ThompsonBandit(["a", "b"], seed=1).to_json()
    with pytest.raises(NextbestError, match="not a \"logistic_regression\"") as info:
        LogisticRegression.from_json(bandit)
    assert info.value.kind == "wrong kind"
    d["payload"]["coef"] = d["payload"]["coef"][:2]
    with pytest.raises(NextbestError, match="bad|coef|reference") as info:
        LogisticRegression.from_json(json.dumps(d))
    assert info.value.kind == "bad document"


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda X, y: (np.where(np.eye(1, X.size, 17).reshape(X.shape) == 1, np.nan, X), y), r"X\[2, 5\] is NaN"),
        (lambda X, y: (X, np.where(np.arange(len(y)) == 3, np.nan, y)), r"y\[3\] is nan"),
        (lambda X, y: (X, np.zeros_like(y)), "only one class"),
        (lambda X, y: (X, y * 0.5), "Unknown label type"),
        (lambda X, y: (X[:, :0], y), "0 feature"),
        (lambda X, y: (X[:0], y[:0]), "empty"),
        (lambda X, y: (X[:10], y), "y has 40 values but X has 10 rows"),
        (lambda X, y: (X[0], y), "Reshape your data"),
    ],
)
def test_bad_training_input(make, match):
    X, y = make_data(40, 6, seed=9)
    X, y = make(X.copy(), y.copy())
    with pytest.raises(NextbestError, match=match):
        LogisticRegression().fit(X, y)


def test_bad_parameters_and_weights():
    X, y = make_data(40, 3, seed=10)
    for params, match in [
        (dict(l2=-1.0), "l2 must be a finite number >= 0"),
        (dict(l1=-0.1), "l1 must be"),
        (dict(tol=0.0), "tol must be"),
        (dict(max_iter=0), "max_iter must be at least 1"),
        (dict(class_weight="auto"), "class_weight must be"),
        (dict(fit_intercept="yes"), "fit_intercept must be a bool"),
    ]:
        with pytest.raises(NextbestError, match=match):
            LogisticRegression(**params).fit(X, y)
    w = np.ones(40)
    w[5] = -2
    with pytest.raises(NextbestError, match=r"sample_weight\[5\] is -2"):
        LogisticRegression().fit(X, y, sample_weight=w)
    with pytest.raises(NextbestError, match="zero for every row"):
        LogisticRegression().fit(X, y, sample_weight=np.zeros(40))
    m = LogisticRegression().fit(X, y)
    with pytest.raises(NextbestError, match="X has 2 features, but LogisticRegression is expecting 3"):
        m.predict_proba(X[:, :2])
    Xn = X.copy()
    Xn[4, 1] = np.inf
    with pytest.raises(NextbestError, match=r"X\[4, 1\] is inf"):
        m.predict_proba(Xn)
    before = m.coef_.copy()
    with pytest.raises(NextbestError):
        m.fit(Xn, y)
    np.testing.assert_array_equal(m.coef_, before)  # a failed fit leaves the model as it was


def test_convergence_is_reported():
    X, y = make_data(500, 4, seed=11)
    with pytest.warns(Warning, match="stopped after 1 iterations"):
        m = LogisticRegression(max_iter=1).fit(X, y)
    assert not m.converged_
    assert m.model_.report["n_iter"] == 1


def test_same_data_gives_identical_models_and_threads_share_one():
    X, y = make_data(50_000, 8, seed=12)
    a = LogisticRegression().fit(X, y)
    b = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    expected = a.predict_proba(X[:1000])
    results = []

    def work():
        results.append(a.predict_proba(X[:1000]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_large_predictions_in_either_order_equal_small_ones():
    # 70,000 rows: the (n, 2) result is made by numpy.zeros and written in place.
    X, y = make_data(70_000, 5, seed=13)
    m = LogisticRegression().fit(X[:5000], y[:5000])
    z = X @ m.coef_[0] + m.intercept_[0]
    for A in (X, np.asfortranarray(X)):
        p = m.predict_proba(A)
        assert p.shape == (70_000, 2) and p.dtype == np.float64 and p.flags.c_contiguous
        np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-z)), rtol=0, atol=1e-15)
        np.testing.assert_array_equal(p[:, 0], 1 - p[:, 1])
        # The first rows alone, in the same order (so that each sum is the same), give the same bits.
        np.testing.assert_array_equal(p[:100], m.predict_proba(np.array(A[:100], order="K")))
    X[65_536, 3] = np.nan
    with pytest.raises(NextbestError, match=r"X\[65536, 3\] is NaN"):
        m.predict_proba(X)
