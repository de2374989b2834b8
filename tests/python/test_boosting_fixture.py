"""The gradient-boosting fixture shared with Rust and C (tests/fixtures/boosting_small.json and
boosting_small_expected.txt, written by bindings-c/tests/fixtures.rs) replayed from Python,
through the native model and through the scikit-learn facade."""

import json
import pickle
import warnings

import numpy as np
import pytest

import nextbest
from nextbest import NextbestError
from nextbest._nextbest import GradientBoostingModel

from fixture_files import FIXTURES, read_expected

DOC = (FIXTURES / "boosting_small.json").read_text()


HEADER, ROWS = read_expected("boosting_small_expected.txt")
NAMES = HEADER["features"][1:]
K = int(HEADER["k"][0])
X = np.array([[float(t) for t in r["x"]] for r in ROWS])
DECISION = np.array([float(r["decision"][0]) for r in ROWS])
PROBA = np.array([float(r["proba"][0]) for r in ROWS])
EXPLAIN = np.array([[float(t) for t in r["explain"]] for r in ROWS])


def reasons(tokens):
    """The feature indices and contributions of a raising/lowering line."""
    return [int(t) for t in tokens[0::2]], [float(t) for t in tokens[1::2]]


def facade():
    """The fixture as a GradientBoostingClassifier; it knows its feature names, so scoring a
    bare array warns (as scikit-learn does): that warning is not what these tests check."""
    return nextbest.GradientBoostingClassifier.from_json(DOC)


def quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return f(*args, **kwargs)


def test_the_fixture_holds_what_these_tests_need():
    assert int(HEADER["features"][0]) == len(NAMES) == X.shape[1] == 5
    assert int(HEADER["rows"][0]) == len(ROWS) == X.shape[0]
    assert np.isnan(X).any(axis=1).sum() >= 2, "rows with missing values"
    assert np.isnan(X).all(axis=1).any(), "a row of nothing but missing values"
    doc = json.loads(DOC)
    assert (doc["kind"], doc["version"]) == ("gradient_boosting", 1)
    params = doc["payload"]["params"]
    assert params["categorical_features"] and any(params["monotone_constraints"])
    seg = params["categorical_features"][0]
    seen = {c for tree in doc["payload"]["trees"] for node in tree for c in node.get("categories", [])}
    assert any(v == v and v not in seen for v in X[:, seg]), "a segment code the trees never send left"


def test_native_model_replays_exactly():
    model = GradientBoostingModel.from_json(DOC)
    assert model.feature_names == NAMES
    assert model.n_features == len(NAMES)
    np.testing.assert_allclose(model.predict_proba(X), PROBA, rtol=1e-12, atol=1e-12)
    both = model.predict_proba(X, both=True)
    assert both.shape == (len(ROWS), 2)
    np.testing.assert_allclose(both[:, 1], PROBA, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(both[:, 0], 1 - PROBA, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.decision_function(X), DECISION, rtol=1e-12, atol=1e-12)
    explain = model.explain(X)
    assert explain.shape == (len(ROWS), len(NAMES) + 1)
    np.testing.assert_allclose(explain, EXPLAIN, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(explain.sum(axis=1), DECISION, rtol=1e-12, atol=1e-12)
    up, up_c, down, down_c = model.reason_codes(X, K)
    for i, r in enumerate(ROWS):
        want_up, want_up_c = reasons(r["raising"])
        want_down, want_down_c = reasons(r["lowering"])
        assert list(up[i]) == want_up and list(down[i]) == want_down, f"row {i}"
        # Padding (feature -1) has contribution 0.0 in the file; the native arrays may say NaN.
        np.testing.assert_allclose(np.where(up[i] < 0, 0.0, up_c[i]), want_up_c, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.where(down[i] < 0, 0.0, down_c[i]), want_down_c, rtol=1e-12, atol=1e-12)
    # One row at a time gives the batch's values, bit for bit.
    for i in range(len(ROWS)):
        one = X[i : i + 1]
        assert model.decision_function(one)[0] == model.decision_function(X)[i]
        np.testing.assert_array_equal(model.explain(one)[0], explain[i])
    # The document reads back to its own text; pickling goes through it.
    assert model.to_json() == DOC.rstrip("\n")
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


def test_facade_replays_exactly():
    est = facade()
    assert list(est.feature_names_in_) == NAMES
    assert est.n_features_in_ == len(NAMES)
    assert list(est.classes_) == [0, 1]
    assert est.n_estimators_ == len(json.loads(DOC)["payload"]["trees"])
    np.testing.assert_allclose(quiet(est.predict_proba, X)[:, 1], PROBA, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(quiet(est.decision_function, X), DECISION, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(quiet(est.explain, X), EXPLAIN, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(quiet(est.predict, X), (DECISION > 0).astype(int))
    codes = quiet(est.reason_codes, X, k=K)
    for i, r in enumerate(ROWS):
        for way in ("raising", "lowering"):
            idx, vals = reasons(r[way])
            assert [codes[f"{way}_{j + 1}"][i] for j in range(K)] == [NAMES[j] if j >= 0 else None for j in idx]
            got = [codes[f"{way}_{j + 1}_contribution"][i] for j in range(K)]
            np.testing.assert_allclose(np.nan_to_num(got), vals, rtol=1e-12, atol=1e-12)
    # The parameters the model was fitted with come back as the estimator's.
    params = json.loads(DOC)["payload"]["params"]
    assert est.categorical_features == params["categorical_features"]
    assert est.monotone_constraints == params["monotone_constraints"]
    assert est.num_leaves == params["num_leaves"]
    assert est.to_json() == DOC.rstrip("\n")


def test_nan_is_missing_and_infinity_an_error():
    model = GradientBoostingModel.from_json(DOC)
    all_missing = int(np.flatnonzero(np.isnan(X).all(axis=1))[0])
    z = model.decision_function(np.full((3, X.shape[1]), np.nan))
    np.testing.assert_allclose(z, DECISION[all_missing], rtol=1e-12, atol=1e-12)
    bad = X.copy()
    bad[all_missing + 1, 2] = np.inf
    for call in (model.predict_proba, model.decision_function, model.explain):
        with pytest.raises(NextbestError, match=rf"X\[{all_missing + 1}, 2\] is inf") as info:
            call(bad)
        assert info.value.kind == "non-finite value"
    with pytest.raises(NextbestError, match=r"X\[0, 4\] is -inf"):
        model.reason_codes(np.array([[1.0, 30.0, np.nan, 0.0, -np.inf]]), K)


def test_hostile_documents_are_refused():
    doc = json.loads(DOC)
    doc["version"] = 2
    with pytest.raises(NextbestError, match="version 2") as info:
        GradientBoostingModel.from_json(json.dumps(doc))
    assert info.value.kind == "unsupported version"
    for node, edit, message in [
        (0, {"children": [1, 10**6]}, "children 1 and 1000000"),
        (0, {"children": [1, 1]}, "children 1 and 1"),
        (1, {"children": [0, 2]}, "node 1: children 0 and 2"),
    ]:
        doc = json.loads(DOC)
        doc["payload"]["trees"][3][node].update(edit)
        with pytest.raises(NextbestError, match=message) as info:
            GradientBoostingModel.from_json(json.dumps(doc))
        assert info.value.kind == "bad document"
        assert "tree 3" in str(info.value)
