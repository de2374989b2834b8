"""nextbest.ScoringPipeline, and the model fixtures shared with Rust and C replayed from Python."""

import json
import pickle

import numpy as np
import pytest

import nextbest
from nextbest import NextbestError

from fixture_files import FIXTURES, read_expected


def reasons(tokens, names):
    idx = [int(t) for t in tokens[0::2]]
    val = [float(t) for t in tokens[1::2]]
    return [names[i] if i >= 0 else None for i in idx], val


def test_logistic_fixture_replays_exactly():
    doc = (FIXTURES / "logistic_small.json").read_text()
    model = nextbest.LogisticRegression.from_json(doc)
    header, rows = read_expected("logistic_small_expected.txt")
    names = header["features"][1:]
    k = int(header["k"][0])
    assert model.model_.feature_names == names
    X = np.array([[float(t) for t in r["x"]] for r in rows])
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], [float(r["proba"][0]) for r in rows], rtol=1e-12, atol=0)
    np.testing.assert_allclose(model.decision_function(X), [float(r["decision"][0]) for r in rows], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(model.explain(X), [[float(t) for t in r["explain"]] for r in rows], rtol=1e-12, atol=1e-15)
    codes = model.model_.reason_codes(X, k)
    for i, r in enumerate(rows):
        up_names, up_vals = reasons(r["raising"], names)
        assert [names[j] if j >= 0 else None for j in codes[0][i]] == up_names
        np.testing.assert_allclose(np.nan_to_num(codes[1][i]), up_vals, rtol=1e-12)
        down_names, _ = reasons(r["lowering"], names)
        assert [names[j] if j >= 0 else None for j in codes[2][i]] == down_names


def test_scoring_fixture_replays_exactly():
    scorer = nextbest.ScoringPipeline.from_json((FIXTURES / "scoring_small.json").read_text())
    header, rows = read_expected("scoring_small_expected.txt")
    numeric, categorical = header["numeric"], header["categorical"]
    names = header["features"][1:]
    assert scorer.feature_names == names
    X = {}
    for j, col in enumerate(numeric):
        X[col] = np.array([float(r["row"][j]) for r in rows])
    for j, col in enumerate(categorical):
        X[col] = [None if r["row"][len(numeric) + j] == "~" else r["row"][len(numeric) + j] for r in rows]
    np.testing.assert_allclose(scorer.predict_proba(X), [float(r["proba"][0]) for r in rows], rtol=1e-12)
    np.testing.assert_allclose(scorer.explain(X), [[float(t) for t in r["explain"]] for r in rows], rtol=1e-12, atol=1e-15)
    codes = scorer.reason_codes(X, k=int(header["k"][0]))
    for i, r in enumerate(rows):
        up_names, _ = reasons(r["raising"], names)
        assert [codes[f"raising_{j + 1}"][i] for j in range(len(up_names))] == up_names


def make_customers(n=600, seed=0):
    rng = np.random.default_rng(seed)
    income = rng.lognormal(8, 0.6, size=n)
    age = rng.uniform(20, 70, size=n)
    region = rng.choice(["north", "south", "east"], size=n).astype(object)
    region[rng.uniform(size=n) < 0.05] = None
    z = 0.8 * (np.log(income) - 8) / 0.6 - 0.03 * (age - 45) + (region == "south") * 0.7 - 0.5
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return {"income": income, "age": age, "region": region}, y


def test_pipeline_chains_features_model_and_calibrator():
    X, y = make_customers()
    features = nextbest.FeaturePipeline(numeric=["income", "age"], categorical=["region"], log1p=["income"]).fit(X)
    Z = features.transform(X)
    model = nextbest.LogisticRegression().fit(Z, y)
    half = len(y) // 2
    for method in ("platt", "isotonic"):
        for on in ("decision_function", "predict_proba"):
            raw = model.decision_function(Z) if on == "decision_function" else model.predict_proba(Z)[:, 1]
            cal = nextbest.Calibrator(method).fit(raw[half:], y[half:])
            scorer = nextbest.ScoringPipeline(features, model, cal, calibrate_on=on)
            np.testing.assert_allclose(scorer.predict_proba(X), cal.predict(raw), rtol=1e-12)
            again = pickle.loads(pickle.dumps(scorer))
            np.testing.assert_array_equal(again.predict_proba(X), scorer.predict_proba(X))
    plain = nextbest.ScoringPipeline(features, model)
    np.testing.assert_allclose(plain.predict_proba(X), model.predict_proba(Z)[:, 1], rtol=1e-12)
    np.testing.assert_allclose(plain.explain(X), model.explain(Z), rtol=1e-12, atol=1e-15)
    codes = plain.reason_codes(X, k=2)
    assert set(codes["raising_1"]) <= set(features.feature_names_out()) | {None}
    assert plain.input_names == ["income", "age", "region"]
    doc = json.loads(plain.to_json())
    assert (doc["kind"], doc["version"]) == ("scoring_pipeline", 1)
    assert doc["payload"]["model"]["kind"] == "logistic_regression"


def test_pipeline_refuses_mismatched_parts_and_bad_rows():
    X, y = make_customers()
    features = nextbest.FeaturePipeline(numeric=["income", "age"], categorical=["region"]).fit(X)
    other = nextbest.LogisticRegression().fit(np.column_stack([X["income"], X["age"]]), y)
    with pytest.raises(NextbestError, match="the model takes 2 features but the feature pipeline makes"):
        nextbest.ScoringPipeline(features, other)
    with pytest.raises(NextbestError, match="fitted nextbest model"):
        nextbest.ScoringPipeline(features, "model")
    with pytest.raises(nextbest.NotFittedError):
        nextbest.ScoringPipeline(features, nextbest.LogisticRegression())
    model = nextbest.LogisticRegression().fit(features.transform(X), y)
    with pytest.raises(NextbestError, match="calibrate_on"):
        cal = nextbest.Calibrator("platt").fit(model.decision_function(features.transform(X)), y)
        nextbest.ScoringPipeline(features, model, cal, calibrate_on="proba")
    scorer = nextbest.ScoringPipeline(features, model)
    with pytest.raises(NextbestError, match="age"):
        scorer.predict_proba({"income": X["income"], "region": X["region"]})
    doc = json.loads(scorer.to_json())
    doc["version"] = 9
    with pytest.raises(NextbestError, match="version 9") as info:
        nextbest.ScoringPipeline.from_json(json.dumps(doc))
    assert info.value.kind == "unsupported version"
    doc = json.loads(scorer.to_json())
    doc["payload"]["model"]["payload"]["coef"].append(1.0)
    doc["payload"]["model"]["payload"]["reference"].append(1.0)
    with pytest.raises(NextbestError) as info:
        nextbest.ScoringPipeline.from_json(json.dumps(doc))
    assert info.value.kind == "bad document"
