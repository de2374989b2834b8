"""nextbest.GradientBoostingClassifier: scikit-learn compatibility, missing values, categories,
monotone constraints, explanations, persistence, early stopping and bad input."""

import pickle
import threading
import warnings

import numpy as np
import pytest

import nextbest
from nextbest import GradientBoostingClassifier, NextbestError


def make_data(n, p, seed=0, missing=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    z = 2 * X[:, 0] + 1.5 * X[:, 1] * X[:, min(2, p - 1)]
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    if missing:
        X[rng.random(X.shape) < missing] = np.nan
    return X, y


def test_passes_scikit_learn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(
            GradientBoostingClassifier(n_estimators=20, min_samples_leaf=2),
            on_fail=None,
            # Bins come from the rows, not their weights (as in LightGBM and scikit-learn's
            # HistGradientBoostingClassifier), so a weight of 2 is not exactly a duplicated row.
            expected_failed_checks={
                "check_sample_weight_equivalence_on_dense_data": "bins ignore sample weights"
            },
        )
    failed = [(r["check_name"], str(r["exception"])[:300]) for r in results if r["status"] == "failed"]
    assert not failed, failed
    assert len(results) > 50


def test_learns_and_explains_exactly():
    X, y = make_data(5000, 4, seed=1, missing=0.05)
    m = GradientBoostingClassifier(n_estimators=60).fit(X, y)
    Xt, yt = make_data(3000, 4, seed=2, missing=0.05)
    auc = nextbest.metrics.roc_auc(yt, m.predict_proba(Xt)[:, 1])
    assert auc > 0.8
    phi = m.explain(Xt[:50])
    assert phi.shape == (50, 5)
    np.testing.assert_allclose(phi.sum(axis=1), m.decision_function(Xt[:50]), atol=1e-9)
    assert np.all(phi[:, -1] == phi[0, -1])
    imp = m.feature_importances_
    assert imp.shape == (4,) and abs(imp.sum() - 1) < 1e-12 and imp[0] > imp[3]
    assert m.feature_importance("split").sum() >= 60
    with pytest.raises(NextbestError, match="importance kind"):
        m.feature_importance("cover")
    codes = m.reason_codes(Xt[:10], k=2)
    assert set(codes) == {
        "raising_1", "raising_1_contribution", "raising_2", "raising_2_contribution",
        "lowering_1", "lowering_1_contribution", "lowering_2", "lowering_2_contribution",
    }


def test_dataframes_names_and_layouts():
    pd = pytest.importorskip("pandas")
    X, y = make_data(2000, 3, seed=3)
    df = pd.DataFrame(X, columns=["income", "age", "balance"])
    m = GradientBoostingClassifier(n_estimators=20).fit(df, y)
    assert list(m.feature_names_in_) == ["income", "age", "balance"]
    ref = m.predict_proba(df)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(m.predict_proba(X.copy()), ref)
        np.testing.assert_array_equal(m.predict_proba(np.asfortranarray(X)), ref)
        np.testing.assert_allclose(m.predict_proba(X.astype(np.float32)), m.predict_proba(X.astype(np.float32).astype(float)))
    codes = m.reason_codes(df.iloc[:5], k=1)
    assert set(codes["raising_1"]) <= {"income", "age", "balance", None}
    # The same model from column-major training data.
    m2 = GradientBoostingClassifier(n_estimators=20).fit(np.asfortranarray(X), y)
    np.testing.assert_array_equal(m2.predict_proba(X), ref)


def test_missing_values_are_native_and_infinity_is_refused():
    X, y = make_data(3000, 3, seed=4, missing=0.2)
    m = GradientBoostingClassifier(n_estimators=10).fit(X, y)
    p = m.predict_proba(np.full((2, 3), np.nan))
    assert np.all((p > 0) & (p < 1))
    bad = X[:5].copy()
    bad[3, 2] = np.inf
    with pytest.raises(NextbestError, match=r"X\[3, 2\] is inf"):
        m.predict_proba(bad)
    with pytest.raises(NextbestError, match=r"X\[3, 2\] is inf"):
        GradientBoostingClassifier().fit(np.vstack([bad, X]), np.r_[y[:5], y])


def test_categorical_features_and_monotone_constraints():
    rng = np.random.default_rng(5)
    n = 4000
    cat = rng.integers(0, 6, n).astype(float)
    x1 = rng.normal(size=n)
    z = np.where(np.isin(cat, [1, 4]), 1.5, -1.0) + 0.8 * x1
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    X = np.c_[cat, x1]
    m = GradientBoostingClassifier(n_estimators=40, categorical_features=[0], monotone_constraints=[0, 1]).fit(X, y)
    grid = np.c_[np.full(81, 4.0), np.linspace(-4, 4, 81)]
    assert np.all(np.diff(m.decision_function(grid)) >= 0)
    p = m.predict_proba(np.array([[1.0, 0.0], [2.0, 0.0], [7.0, 0.0]]))[:, 1]
    assert p[0] > p[1]
    with pytest.raises(NextbestError, match="categorical feature 0 must hold integer codes"):
        GradientBoostingClassifier(categorical_features=[0]).fit(np.c_[cat + 0.5, x1], y)
    with pytest.raises(NextbestError, match="cannot have a monotone constraint"):
        GradientBoostingClassifier(categorical_features=[0], monotone_constraints=[1, 0]).fit(X, y)


def test_early_stopping_and_eval_set():
    X, y = make_data(4000, 4, seed=6)
    m = GradientBoostingClassifier(n_estimators=500, learning_rate=0.5, early_stopping_rounds=5).fit(
        X[:3000], y[:3000], eval_set=[(X[3000:], y[3000:])]
    )
    assert m.n_estimators_ < 500
    assert int(np.argmin(m.evals_result_)) + 1 == m.n_estimators_
    with pytest.raises(NextbestError, match="needs an evaluation set"):
        GradientBoostingClassifier(early_stopping_rounds=5).fit(X, y)
    with pytest.raises(NextbestError, match="evaluation set has 2 features"):
        GradientBoostingClassifier().fit(X, y, eval_set=(X[:, :2], y))
    with pytest.raises(NextbestError, match="not among the classes"):
        GradientBoostingClassifier().fit(X, y, eval_set=(X, y + 5))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"learning_rate": 0.0}, "learning_rate must be in"),
        ({"num_leaves": 1}, "num_leaves must be at least 2"),
        ({"max_bins": 300}, "max_bins must be from 2 to 255"),
        ({"monotone_constraints": [1, 0]}, "monotone_constraints has 2 values"),
        ({"monotone_constraints": [1, 0, 3, 0]}, r"monotone_constraints\[2\] is 3"),
        ({"n_estimators": "many"}, "n_estimators must be an int"),
        ({"subsample": 0}, "subsample must be in"),
    ],
)
def test_bad_parameters(params, match):
    X, y = make_data(200, 4, seed=7)
    with pytest.raises(NextbestError, match=match):
        GradientBoostingClassifier(**params).fit(X, y)


def test_persistence_pickle_documents_and_scoring_pipeline():
    X, y = make_data(2000, 4, seed=8, missing=0.05)
    m = GradientBoostingClassifier(n_estimators=30, monotone_constraints=[1, 0, 0, 0]).fit(X, y)
    ref = m.predict_proba(X)
    back = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(back.predict_proba(X), ref)
    loaded = GradientBoostingClassifier.from_json(m.to_json())
    np.testing.assert_array_equal(loaded.predict_proba(X), ref)
    assert loaded.get_params()["monotone_constraints"] == [1, 0, 0, 0]
    assert loaded.to_json() == m.to_json()
    logistic = nextbest.LogisticRegression().fit(np.nan_to_num(X), y).to_json()
    with pytest.raises(NextbestError, match="logistic_regression"):
        GradientBoostingClassifier.from_json(logistic)
    doc = m.to_json().replace('"version":1', '"version":99', 1)
    with pytest.raises(NextbestError, match="version"):
        GradientBoostingClassifier.from_json(doc)


def test_inside_a_scoring_pipeline_with_a_calibrator():
    rng = np.random.default_rng(10)
    n = 3000
    raw = {
        "income": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(8, 0.5, n)),
        "age": rng.integers(18, 80, n).astype(float),
        "region": rng.choice(["north", "south", "east"], n).tolist(),
    }
    y = (rng.random(n) < 1 / (1 + np.exp(-(np.nan_to_num(raw["income"]) / 3000 - 1)))).astype(int)
    features = nextbest.FeaturePipeline(numeric=["income", "age"], categorical=["region"]).fit(raw)
    Z = features.transform(raw)
    model = GradientBoostingClassifier(n_estimators=20).fit(Z, y)
    cal = nextbest.Calibrator("isotonic").fit(model.decision_function(Z), y)
    scorer = nextbest.ScoringPipeline(features, model, cal, calibrate_on="decision_function")
    np.testing.assert_allclose(scorer.predict_proba(raw), cal.predict(model.decision_function(Z)), rtol=1e-12)
    again = nextbest.ScoringPipeline.from_json(scorer.to_json())
    np.testing.assert_array_equal(again.predict_proba(raw), scorer.predict_proba(raw))
    np.testing.assert_allclose(scorer.explain(raw), model.explain(Z), atol=1e-12)


def test_deterministic_and_thread_count_independent():
    X, y = make_data(40_000, 6, seed=9)
    params = dict(n_estimators=8, subsample=0.7, colsample=0.5, seed=3)
    one = GradientBoostingClassifier(n_threads=1, **params).fit(X, y)
    two = GradientBoostingClassifier(n_threads=2, **params).fit(X, y)
    assert one.model_.to_json() == two.model_.to_json().replace('"n_threads":2', '"n_threads":1')
    other = GradientBoostingClassifier(n_threads=1, **{**params, "seed": 4}).fit(X, y)
    assert not np.array_equal(one.predict_proba(X), other.predict_proba(X))
    expected = one.predict_proba(X[:2000])
    results = []

    def work():
        results.append(one.predict_proba(X[:2000]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)
