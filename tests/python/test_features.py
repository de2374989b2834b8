"""nextbest.FeaturePipeline from Python: inputs (dicts, DataFrames, every dtype), agreement with
scikit-learn, persistence, parameters and errors."""

import copy
import json
import pickle
import sys
import threading

import numpy as np
import pytest

import nextbest
from nextbest import FeaturePipeline, NextbestError

TOL = 1e-12


def raises(call, *words, kind=None):
    """Asserts `call()` raises NextbestError whose message contains every word."""
    with pytest.raises(NextbestError) as info:
        call()
    err = info.value
    assert isinstance(err, ValueError)
    for word in words:
        assert word in str(err), (word, str(err))
    if kind is not None:
        assert err.kind == kind, (err.kind, str(err))
    return err


def make_data(n, seed, unseen=False):
    """Numeric columns with NaN, a skewed positive one, and categorical columns whose category
    counts are all distinct (scikit-learn and nextbest break ties at the cut differently)."""
    rng = np.random.default_rng(seed)
    income = rng.normal(3000.0, 800.0, n)
    income[rng.random(n) < 0.1] = np.nan
    age = rng.integers(18, 90, n).astype(float)
    age[rng.random(n) < 0.05] = np.nan
    balance = rng.lognormal(6.0, 1.5, n)
    balance[rng.random(n) < 0.08] = np.nan
    tenure = rng.random(n) * 20.0  # no missing value
    counts = {"a": 40, "b": 25, "c": 15, "d": 9, "e": 5, "f": 3, "g": 2, None: 7}
    pool = [k for k, c in counts.items() for _ in range(c)]
    region = [pool[i] for i in rng.integers(0, len(pool), n)]
    if not unseen:
        # Exact counts at fit: a shuffled multiset.
        reps = -(-n // len(pool))
        region = list(rng.permutation(np.array(pool * reps, dtype=object)))[:n]
    else:
        for i in rng.choice(n, size=max(3, n // 20), replace=False):
            region[i] = "zzz-unseen"
    channel = [["web", "branch", "phone", "app", None][i] for i in rng.choice(5, n, p=[0.4, 0.3, 0.15, 0.1, 0.05])]
    return {
        "income": income,
        "age": age,
        "balance": balance,
        "tenure": tenure,
        "region": np.array(region, dtype=object),
        "channel": np.array(channel, dtype=object),
    }


NUM = ["income", "age", "balance", "tenure"]
CAT = ["region", "channel"]
TRAIN = make_data(499, 1)
TEST = make_data(200, 2, unseen=True)


def as_frame(data):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(data)


def filled(data, cols):
    """The data with missing categories as the string "__missing__" (scikit-learn's view)."""
    out = dict(data)
    for c in cols:
        out[c] = np.array(["__missing__" if v is None else v for v in data[c]], dtype=object)
    return out


def sk_name(name):
    """The scikit-learn name (ColumnTransformer(verbose_feature_names_out=False)) of a nextbest
    output column."""
    if name.endswith("__missing") and "=" not in name:
        return "missingindicator_" + name[: -len("__missing")]
    if "=" in name:
        col, label = name.split("=", 1)
        if label == "__other__":
            return f"{col}_infrequent_sklearn"
        return f"{col}_{label}"
    return name


def aligned(pipe, ours, sk_ct, theirs):
    """Scikit-learn's output with its columns in our order (every column must be matched).

    Without infrequent categories scikit-learn has no column for them and writes a row of
    zeros for an unknown value: nextbest's `__other__` column is then 1 - (the row's sum)."""
    their_names = list(sk_ct.get_feature_names_out())
    names = pipe.feature_names_out()
    columns, used = [], []
    for n in names:
        sk = sk_name(n)
        if sk in their_names:
            used.append(their_names.index(sk))
            columns.append(theirs[:, used[-1]])
        else:
            assert n.endswith("=__other__"), (n, their_names)
            col = n.split("=")[0]
            block = [i for i, t in enumerate(their_names) if t.startswith(col + "_")]
            columns.append(1.0 - theirs[:, block].sum(axis=1))
    assert sorted(used) == list(range(len(their_names))), (names, their_names)
    return ours, np.column_stack(columns)


# --- basics ---------------------------------------------------------------------------------


def test_exports_and_signature():
    assert "FeaturePipeline" in nextbest.__all__ and "transaction_features" in nextbest.__all__
    assert FeaturePipeline.__module__ == "nextbest"
    if sys.version_info >= (3, 10):
        import inspect

        sig = inspect.signature(FeaturePipeline)
        assert list(sig.parameters) == [
            "numeric", "categorical", "impute", "impute_value", "scale", "log1p", "clip",
            "bins", "max_categories", "min_frequency", "handle_unknown", "encoding",
            "add_indicator", "columns",
        ]
        assert sig.parameters["max_categories"].default == 32


def test_fit_transform_on_a_dict():
    pipe = FeaturePipeline(numeric=NUM, categorical=CAT)
    assert pipe.fit(TRAIN) is pipe
    z = pipe.transform(TRAIN)
    assert z.dtype == np.float64 and z.flags["C_CONTIGUOUS"]
    assert z.shape == (499, pipe.n_outputs_) == (499, len(pipe.feature_names_out()))
    assert np.isfinite(z).all()
    np.testing.assert_array_equal(pipe.fit_transform(TRAIN), z)
    # Standardized numeric columns: mean 0, std 1 (after median imputation).
    np.testing.assert_allclose(z[:, :4].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z[:, :4].std(axis=0), 1.0, atol=1e-12)
    # One-hot blocks sum to one per row.
    names = pipe.feature_names_out()
    for c in CAT:
        block = [i for i, n in enumerate(names) if n.startswith(c + "=")]
        np.testing.assert_array_equal(z[:, block].sum(axis=1), 1.0)
    # Extra columns of X are ignored; column order in X does not matter.
    shuffled = {k: TRAIN[k] for k in reversed(list(TRAIN))}
    shuffled["unused"] = ["x"] * 499
    np.testing.assert_array_equal(pipe.transform(shuffled), z)


def test_rare_unseen_and_missing_categories():
    train = {"k": ["a"] * 5 + ["b"] * 3 + ["c"] + [None] * 2}
    pipe = FeaturePipeline(categorical=["k"], min_frequency=2).fit(train)
    assert pipe.feature_names_out() == ["k=a", "k=b", "k=__missing__", "k=__other__"]
    assert pipe.categories("k") == ["a", "b", "__missing__", "__other__"]
    z = pipe.transform({"k": ["c", "new", None, "b", "a"]})
    np.testing.assert_array_equal(
        z,
        [[0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]],
    )
    ordinal = FeaturePipeline(categorical=["k"], min_frequency=2, encoding="ordinal").fit(train)
    assert ordinal.feature_names_out() == ["k"]
    np.testing.assert_array_equal(ordinal.transform({"k": ["c", "new", None, "b", "a"]}).ravel(), [3, 3, 2, 1, 0])
    # max_categories=None keeps every category seen often enough; an int caps them,
    # __other__ included.
    many = {"k": [f"v{i:02d}" for i in range(40) for _ in range(i + 1)]}
    assert len(FeaturePipeline(categorical=["k"], max_categories=None).fit(many).categories("k")) == 41
    assert FeaturePipeline(categorical=["k"]).fit(many).categories("k")[-2:] == ["v39", "__other__"]
    assert len(FeaturePipeline(categorical=["k"]).fit(many).categories("k")) == 32
    # No missing value at fit: missing values at transform go to __other__.
    p = FeaturePipeline(categorical=["k"]).fit({"k": ["a", "b"]})
    np.testing.assert_array_equal(p.transform({"k": [None]}), [[0, 0, 1]])


def test_dict_and_dataframe_agree():
    df = as_frame(TRAIN)
    test_df = as_frame(TEST)
    a = FeaturePipeline(numeric=NUM, categorical=CAT).fit(TRAIN)
    b = FeaturePipeline(numeric=NUM, categorical=CAT).fit(df)
    assert a.to_json() == b.to_json()
    np.testing.assert_array_equal(a.transform(TEST), b.transform(test_df))
    # Lists, tuples and pandas Series in a dict work too.
    as_lists = {k: list(v) for k, v in TEST.items()}
    as_lists["tenure"] = tuple(as_lists["tenure"])
    np.testing.assert_array_equal(a.transform(as_lists), a.transform(TEST))
    series = {k: test_df[k] for k in test_df.columns}
    np.testing.assert_array_equal(a.transform(series), a.transform(TEST))


def test_any_mapping_is_accepted():
    from collections import OrderedDict
    from types import MappingProxyType

    pipe = FeaturePipeline(numeric=NUM, categorical=CAT).fit(TRAIN)
    want = pipe.transform(TEST)
    np.testing.assert_array_equal(pipe.transform(OrderedDict(TEST)), want)
    np.testing.assert_array_equal(pipe.transform(MappingProxyType(TEST)), want)


# --- agreement with scikit-learn ------------------------------------------------------------


def sklearn_reference(num_steps, num_cols, cat_cols, **ohe):
    pytest.importorskip("sklearn")
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    parts = []
    if num_cols:
        parts.append(("num", Pipeline(num_steps), num_cols))
    if cat_cols:
        parts.append(
            (
                "cat",
                OneHotEncoder(handle_unknown="infrequent_if_exist", sparse_output=False, **ohe),
                cat_cols,
            )
        )
    return ColumnTransformer(parts, verbose_feature_names_out=False)


def compare(pipe, ct, num_cols, cat_cols, train=TRAIN, test=TEST):
    pd = pytest.importorskip("pandas")
    sk_train = pd.DataFrame(filled(train, cat_cols))
    sk_test = pd.DataFrame(filled(test, cat_cols))
    theirs_train = ct.fit_transform(sk_train)
    theirs_test = ct.transform(sk_test)
    ours_train = pipe.fit_transform(pd.DataFrame(train))
    ours_test = pipe.transform(test)
    for ours, theirs in ((ours_train, theirs_train), (ours_test, theirs_test)):
        ours, theirs = aligned(pipe, ours, ct, theirs)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


def test_matches_sklearn_median_standard_onehot():
    from_sk = pytest.importorskip("sklearn.impute")
    from sklearn.preprocessing import StandardScaler

    steps = [("imp", from_sk.SimpleImputer(strategy="median")), ("sc", StandardScaler())]
    for mf, mc in [(3, None), (10, 5), (0.02, 6), (1, 4)]:
        ct = sklearn_reference(steps, NUM, CAT, min_frequency=mf, max_categories=mc)
        pipe = FeaturePipeline(numeric=NUM, categorical=CAT, min_frequency=mf, max_categories=mc)
        compare(pipe, ct, NUM, CAT)


@pytest.mark.parametrize(
    "variant",
    ["robust", "minmax", "mean", "constant", "indicator", "bins", "log1p", "none"],
)
def test_matches_sklearn_numeric_variants(variant):
    pytest.importorskip("sklearn")
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import (
        FunctionTransformer,
        KBinsDiscretizer,
        MinMaxScaler,
        RobustScaler,
        StandardScaler,
    )

    median = ("imp", SimpleImputer(strategy="median"))
    standard = ("sc", StandardScaler())
    steps, kw = {
        "robust": ([median, ("sc", RobustScaler())], dict(scale="robust")),
        "minmax": ([median, ("sc", MinMaxScaler())], dict(scale="minmax")),
        "mean": ([("imp", SimpleImputer(strategy="mean")), standard], dict(impute="mean")),
        "constant": (
            [("imp", SimpleImputer(strategy="constant", fill_value=-7.5)), standard],
            dict(impute="constant", impute_value=-7.5),
        ),
        "indicator": (
            [("imp", SimpleImputer(strategy="median", add_indicator=True)), ("sc", "passthrough")],
            dict(add_indicator=True, scale="none"),
        ),
        "bins": (
            [
                median,
                (
                    "kb",
                    KBinsDiscretizer(
                        n_bins=5, encode="ordinal", strategy="quantile", subsample=None,
                        quantile_method="linear",
                    ),
                ),
            ],
            dict(bins=5),
        ),
        "log1p": (
            [("log", FunctionTransformer(np.log1p, feature_names_out="one-to-one")), median, standard],
            dict(log1p=True),
        ),
        "none": ([median, ("sc", "passthrough")], dict(scale="none")),
    }[variant]
    num = ["income", "age", "balance", "tenure"] if variant != "log1p" else ["age", "balance", "tenure"]
    ct = sklearn_reference(steps, num, ["region"], min_frequency=4)
    pipe = FeaturePipeline(numeric=num, categorical=["region"], min_frequency=4, **kw)
    compare(pipe, ct, num, ["region"])
    if variant == "indicator":
        names = pipe.feature_names_out()
        # Only columns with missing values at fit get an indicator, right after the column.
        assert names[:7] == ["income", "income__missing", "age", "age__missing", "balance", "balance__missing", "tenure"]


def test_clip_matches_a_numpy_reference():
    x = TRAIN["balance"]
    pipe = FeaturePipeline(numeric=["balance"], clip=(0.05, 0.95), log1p=["balance"]).fit(TRAIN)
    logged = np.log1p(x[~np.isnan(x)])
    lo, hi = np.quantile(logged, [0.05, 0.95])
    clipped = np.clip(np.log1p(x), lo, hi)
    filled_ = np.where(np.isnan(clipped), np.nanmedian(clipped), clipped)
    want = (filled_ - filled_.mean()) / filled_.std()
    np.testing.assert_allclose(pipe.transform(TRAIN).ravel(), want, rtol=0, atol=TOL)
    t = TEST["balance"]
    tc = np.clip(np.log1p(t), lo, hi)
    tc = np.where(np.isnan(tc), np.nanmedian(clipped), tc)
    np.testing.assert_allclose(pipe.transform(TEST).ravel(), (tc - filled_.mean()) / filled_.std(), atol=TOL)


def test_works_inside_sklearn():
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    pipe = FeaturePipeline(numeric=NUM, categorical=CAT, scale="robust")
    twin = clone(pipe)
    assert twin is not pipe and twin.get_params() == pipe.get_params()
    y = np.nan_to_num(TRAIN["income"]) * 0.01 + TRAIN["tenure"]
    model = Pipeline([("features", pipe), ("lr", LinearRegression())]).fit(TRAIN, y)
    assert model.predict(TEST).shape == (200,)
    check_is_fitted(pipe)
    with pytest.raises(Exception):
        check_is_fitted(FeaturePipeline(numeric=NUM))
    assert list(pipe.get_feature_names_out()) == pipe.feature_names_out()


# --- names, parameters, persistence ---------------------------------------------------------


def test_feature_names_and_categories():
    pipe = FeaturePipeline(
        numeric=["income", "tenure"], categorical=["channel"], add_indicator=True
    ).fit(TRAIN)
    assert pipe.feature_names_out() == [
        "income", "income__missing", "tenure",
        "channel=app", "channel=branch", "channel=phone", "channel=web",
        "channel=__missing__", "channel=__other__",
    ]
    assert pipe.n_outputs_ == 9
    assert pipe.categories("channel") == ["app", "branch", "phone", "web", "__missing__", "__other__"]
    names = pipe.get_feature_names_out()
    assert isinstance(names, np.ndarray) and names.dtype == object and list(names) == pipe.feature_names_out()
    raises(lambda: pipe.categories("income"), '"income"', kind="not found")
    raises(lambda: pipe.categories(3), "name must be a str")


def test_get_and_set_params():
    numeric = ["income", "age"]
    pipe = FeaturePipeline(numeric, ["region"], "mean", scale="robust")
    params = pipe.get_params()
    assert params["numeric"] is numeric and params["categorical"] == ["region"]
    assert params["impute"] == "mean" and params["scale"] == "robust"
    assert params["max_categories"] == 32 and params["columns"] is None and params["log1p"] == ()
    assert pipe.get_params(deep=False) == params
    assert FeaturePipeline(**params).get_params() == params
    pipe.fit(TRAIN)
    before = pipe.transform(TEST)
    assert pipe.set_params(scale="minmax", impute="median") is pipe
    assert pipe.get_params()["scale"] == "minmax"
    # set_params does not refit: the fitted pipeline is unchanged until fit is called again.
    np.testing.assert_array_equal(pipe.transform(TEST), before)
    pipe.fit(TRAIN)
    z = pipe.transform(TRAIN)
    assert z[:, 0].min() == 0.0 and z[:, 0].max() == 1.0
    # A bad set_params changes nothing.
    raises(lambda: pipe.set_params(scale="zscore"), "scale", '"zscore"')
    raises(lambda: pipe.set_params(nope=1), "unknown parameter", '"nope"')
    assert pipe.get_params()["scale"] == "minmax"


def test_repr():
    assert repr(FeaturePipeline()) == "FeaturePipeline(numeric=(), categorical=())"
    r = repr(FeaturePipeline(numeric=["a"], categorical=["k"], scale="robust", clip=(0.01, 0.99)))
    assert r == "FeaturePipeline(numeric=['a'], categorical=['k'], scale='robust', clip=(0.01, 0.99))"
    many = repr(FeaturePipeline(numeric=[f"column_{i}" for i in range(100)]))
    assert len(many) < 300 and "'column_15'..., categorical=())" in many


def test_json_and_pickle_round_trips():
    pipe = FeaturePipeline(
        numeric=NUM, categorical=CAT, log1p=["balance"], clip=(0.01, 0.99), add_indicator=True,
        columns={"tenure": {"bins": 4}, "channel": {"encoding": "ordinal"}},
    ).fit(TRAIN)
    want = pipe.transform(TEST)
    doc = pipe.to_json()
    assert json.loads(doc)["kind"] == "feature_pipeline"
    loaded = FeaturePipeline.from_json(doc)
    np.testing.assert_array_equal(loaded.transform(TEST), want)
    assert loaded.to_json() == doc
    assert loaded.feature_names_out() == pipe.feature_names_out()
    assert loaded.get_params()["numeric"] == NUM and loaded.get_params()["categorical"] == CAT
    for copy_ in (pickle.loads(pickle.dumps(pipe)), copy.deepcopy(pipe), copy.copy(pipe)):
        np.testing.assert_array_equal(copy_.transform(TEST), want)
        assert copy_.get_params()["columns"] == pipe.get_params()["columns"]
        assert repr(copy_) == repr(pipe)
    # Unfitted pipelines pickle too, keeping their parameters.
    fresh = pickle.loads(pickle.dumps(FeaturePipeline(numeric=["age"], scale="minmax")))
    assert fresh.get_params()["scale"] == "minmax" and not fresh.__sklearn_is_fitted__()
    raises(lambda: fresh.transform(TRAIN), kind="not fitted")


def test_per_column_overrides():
    pipe = FeaturePipeline(
        numeric=["income", "balance", "tenure"],
        categorical=["region", "channel"],
        columns={
            "balance": {"log1p": True, "scale": "robust", "impute": "constant", "impute_value": 0.0},
            "tenure": {"bins": 3},
            "region": {"min_frequency": 10, "encoding": "ordinal"},
            "channel": {"max_categories": 3},
        },
    ).fit(TRAIN)
    parts = [
        FeaturePipeline(numeric=["income"]),
        FeaturePipeline(numeric=["balance"], log1p=True, scale="robust", impute="constant"),
        FeaturePipeline(numeric=["tenure"], bins=3),
        FeaturePipeline(categorical=["region"], min_frequency=10, encoding="ordinal"),
        FeaturePipeline(categorical=["channel"], max_categories=3),
    ]
    want = np.hstack([p.fit(TRAIN).transform(TEST) for p in parts])
    np.testing.assert_array_equal(pipe.transform(TEST), want)
    assert pipe.feature_names_out() == sum((p.feature_names_out() for p in parts), [])
    # log1p as a list of columns.
    a = FeaturePipeline(numeric=["balance", "tenure"], log1p=["balance"]).fit(TRAIN)
    b = FeaturePipeline(numeric=["balance", "tenure"], columns={"balance": {"log1p": True}}).fit(TRAIN)
    assert a.to_json() == b.to_json()


# --- input types ----------------------------------------------------------------------------


def test_pandas_dtypes():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "cat": pd.Series(["b", "a", None, "b", "c"], dtype="category"),
            "cat_unused": pd.Categorical(["x", "x", "y", "x", "x"], categories=["x", "y", "never"]),
            "int_na": pd.Series([1, None, 3, 4, 5], dtype="Int64"),
            "float_na": pd.Series([1.5, None, 3.0, 4.0, 5.0], dtype="Float64"),
            "bool_na": pd.Series([True, None, False, True, True], dtype="boolean"),
            "obj": pd.Series(["b", "a", None, "b", "c"], dtype=object),
            "string": pd.Series(["b", "a", None, "b", "c"], dtype="string"),
            "codes": [101, 202, 101, 303, 101],
        }
    )
    plain = {
        "cat": ["b", "a", None, "b", "c"],
        "cat_unused": ["x", "x", "y", "x", "x"],
        "int_na": [1.0, np.nan, 3.0, 4.0, 5.0],
        "float_na": [1.5, np.nan, 3.0, 4.0, 5.0],
        "bool_na": [1.0, np.nan, 0.0, 1.0, 1.0],
        "obj": ["b", "a", None, "b", "c"],
        "string": ["b", "a", None, "b", "c"],
        "codes": ["101", "202", "101", "303", "101"],
    }
    kw = dict(numeric=["int_na", "float_na", "bool_na"], categorical=["cat", "cat_unused", "obj", "string", "codes"])
    a = FeaturePipeline(**kw).fit(df)
    b = FeaturePipeline(**kw).fit(plain)
    assert a.to_json() == b.to_json()
    np.testing.assert_array_equal(a.transform(df), b.transform(plain))
    assert a.categories("cat") == ["a", "b", "c", "__missing__", "__other__"]
    assert a.categories("codes") == ["101", "202", "303", "__other__"]
    # An unused category is not an output category; a category dtype at transform with
    # categories never seen at fit maps them to __other__.
    assert a.categories("cat_unused") == ["x", "y", "__other__"]
    test = df.copy()
    test["cat"] = pd.Series(["c", "zz", None, "a", "b"], dtype="category")
    z = a.transform(test)
    names = a.feature_names_out()
    assert z[1, names.index("cat=__other__")] == 1.0 and z[2, names.index("cat=__missing__")] == 1.0
    # Integer-coded categories read the same from ints, floats and strings.
    for codes in ([202, 101, 999], [202.0, 101.0, 999.0], ["202", "101", "999"], np.array([202, 101, 999], dtype=np.int16)):
        t = a.transform({**{k: v[:3] for k, v in plain.items()}, "codes": codes})
        block = [i for i, n in enumerate(names) if n.startswith("codes=")]
        np.testing.assert_array_equal(t[:, block], [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])


def test_numeric_dtypes_and_layouts():
    x = np.array([1.0, 2.5, np.nan, 4.0, 8.0, -3.0])
    pipe = FeaturePipeline(numeric=["x"]).fit({"x": x})
    want = pipe.transform({"x": x})
    for v in (
        x.astype(np.float32),
        x.astype(">f8"),
        np.ascontiguousarray(np.stack([x, x], axis=1))[:, 0],  # strided
        x.tolist(),
        [1, 2.5, None, 4, 8, -3],
        np.array([1, 2.5, None, 4, 8, -3], dtype=object),
    ):
        np.testing.assert_array_equal(pipe.transform({"x": v}), want)
    ints = FeaturePipeline(numeric=["x"]).fit({"x": np.array([1, 2, 3], dtype=np.int8)})
    np.testing.assert_allclose(ints.transform({"x": np.array([2], dtype=np.uint64)}), [[0.0]])
    flags = FeaturePipeline(numeric=["x"], scale="none").fit({"x": np.array([True, False, True])})
    np.testing.assert_array_equal(flags.transform({"x": [False, True]}).ravel(), [0.0, 1.0])


def test_string_and_object_columns():
    a = FeaturePipeline(categorical=["k"]).fit({"k": np.array(["north", "south", "north", "éé"])})
    b = FeaturePipeline(categorical=["k"]).fit({"k": ["north", "south", "north", "éé"]})
    assert a.to_json() == b.to_json()
    assert a.categories("k") == ["north", "south", "éé", "__other__"]
    # Missing values in object columns: None, NaN and pd.NA.
    c = FeaturePipeline(categorical=["k"]).fit({"k": ["a", None, float("nan"), "a"]})
    assert c.categories("k") == ["a", "__missing__", "__other__"]
    # Mixed objects: numbers as core writes them, anything else through str().
    d = FeaturePipeline(categorical=["k"]).fit({"k": ["a", 2.0, 2.5, 7, True]})
    assert d.categories("k") == ["2", "2.5", "7", "True", "a", "__other__"]
    # Bytes arrays are read as ASCII strings.
    e = FeaturePipeline(categorical=["k"]).fit({"k": np.array([b"x", b"y"])})
    assert e.categories("k") == ["x", "y", "__other__"]
    # Many rows of few distinct strings: codes are shared.
    big = np.array(["alpha", "beta", "gamma", None] * 50_000, dtype=object)
    f = FeaturePipeline(categorical=["k"]).fit({"k": big})
    z = f.transform({"k": big})
    assert z.shape == (200_000, 5) and z.sum() == 200_000


# --- errors ---------------------------------------------------------------------------------


def test_bad_parameters():
    raises(lambda: FeaturePipeline(numeric=["a"], impute="mode"), "impute", '"mode"', kind="invalid argument")
    raises(lambda: FeaturePipeline(numeric=["a"], scale="zscore"), "scale", '"zscore"')
    raises(lambda: FeaturePipeline(categorical=["k"], encoding="dummy"), "encoding", '"dummy"')
    raises(lambda: FeaturePipeline(categorical=["k"], handle_unknown="ignore"), "handle_unknown", '"ignore"')
    raises(lambda: FeaturePipeline(numeric="a"), "numeric", "single str")
    raises(lambda: FeaturePipeline(numeric=["a", 3]), "numeric[1]", "int")
    raises(lambda: FeaturePipeline(numeric=["a"], nope=1), "unknown parameter", '"nope"')
    raises(lambda: FeaturePipeline(["a"], numeric=["b"]), '"numeric"', "twice")
    raises(lambda: FeaturePipeline(*range(15)), "at most 14 positional")
    raises(lambda: FeaturePipeline(numeric=["a"], log1p=["b"]), "log1p", '"b"')
    raises(lambda: FeaturePipeline(numeric=["a"], log1p="a"), "log1p")
    raises(lambda: FeaturePipeline(numeric=["a"], clip=0.5), "clip must be None or a pair")
    raises(lambda: FeaturePipeline(numeric=["a"], clip=(0.1, 0.5, 0.9)), "clip", "3 values")
    raises(lambda: FeaturePipeline(numeric=["a"], bins=2.5), "bins must be an int")
    raises(lambda: FeaturePipeline(numeric=["a"], bins=-1), "bins must be a non-negative int")
    raises(lambda: FeaturePipeline(categorical=["k"], min_frequency=True), "min_frequency")
    raises(lambda: FeaturePipeline(categorical=["k"], min_frequency="5"), "min_frequency", "str")
    raises(lambda: FeaturePipeline(categorical=["k"], max_categories=2.0), "max_categories must be an int")
    raises(lambda: FeaturePipeline(numeric=["a"], add_indicator=1), "add_indicator must be True or False")
    raises(lambda: FeaturePipeline(numeric=["a"], impute_value="x"), "impute_value must be a number")
    # Values are checked by core at fit.
    x = {"a": [1.0, 2.0, 3.0], "k": ["x", "y", "x"]}
    raises(lambda: FeaturePipeline(numeric=["a"], clip=(0.9, 0.1)).fit(x), '"a"', "clip quantiles")
    raises(lambda: FeaturePipeline(numeric=["a"], bins=1).fit(x), '"a"', "bins is 1")
    raises(lambda: FeaturePipeline(categorical=["k"], max_categories=1).fit(x), '"k"', "max_categories")
    raises(lambda: FeaturePipeline(categorical=["k"], min_frequency=1.5).fit(x), '"k"', "min_frequency 1.5")
    raises(lambda: FeaturePipeline().fit(x), "at least one numeric or categorical column")
    raises(lambda: FeaturePipeline(numeric=["a"], categorical=["a"]).fit(x), '"a"', "listed twice")
    raises(
        lambda: FeaturePipeline(numeric=["a"], impute="constant", impute_value=float("nan")).fit(x),
        "imputation constant",
        kind="non-finite value",
    )


def test_bad_overrides():
    raises(lambda: FeaturePipeline(numeric=["a"], columns={"b": {"scale": "robust"}}), '"b"', "neither", kind="not found")
    raises(
        lambda: FeaturePipeline(numeric=["a"], columns={"a": {"encoding": "ordinal"}}),
        'columns["a"]', 'unknown option "encoding"', "numeric",
    )
    raises(
        lambda: FeaturePipeline(categorical=["k"], columns={"k": {"scale": "robust"}}),
        'columns["k"]', 'unknown option "scale"', "categorical",
    )
    raises(lambda: FeaturePipeline(numeric=["a"], columns={"a": {"scale": "zz"}}), 'columns["a"]', '"zz"')
    raises(lambda: FeaturePipeline(numeric=["a"], columns={"a": {"impute": "mode"}}), 'columns["a"]', '"mode"')
    raises(lambda: FeaturePipeline(numeric=["a"], columns={"a": {"log1p": "yes"}}), 'columns["a"]', "log1p")
    raises(lambda: FeaturePipeline(numeric=["a"], columns={"a": 3}), 'columns["a"] must be a dict')
    raises(lambda: FeaturePipeline(numeric=["a"], columns=["a"]), "columns must be None or a dict")
    raises(lambda: FeaturePipeline(numeric=["a"], columns={1: {}}), "columns: keys must be column names")


def test_bad_inputs_name_column_and_row():
    pipe = FeaturePipeline(numeric=["a"], categorical=["k"]).fit({"a": [1.0, 2.0, np.nan], "k": ["x", "y", None]})
    raises(lambda: FeaturePipeline(numeric=["nope"]).fit({"a": [1.0]}), '"nope"', kind="not found")
    raises(lambda: FeaturePipeline(numeric=["a", "nope"]).fit({"a": [1.0]}), '"nope"', '"a"', kind="not found")
    raises(lambda: pipe.transform({"a": [1.0]}), '"k"', kind="not found")
    raises(
        lambda: pipe.transform({"a": ["1", "two", "3"], "k": ["x"] * 3}),
        'column "a"', "holds strings", "row 0",
        kind="invalid argument",
    )
    raises(lambda: pipe.transform({"a": [1.0, np.inf, 2.0], "k": ["x"] * 3}), 'column "a"', "row 1", "inf", kind="non-finite value")
    raises(lambda: pipe.transform({"a": [1.0, -np.inf], "k": ["x"] * 2}), "row 1")
    raises(lambda: pipe.transform({"a": [1.0, 2.0], "k": ["x"] * 3}), "3 rows", kind="shape mismatch")
    raises(lambda: pipe.transform({"a": np.zeros((3, 2)), "k": ["x"] * 3}), 'column "a"', "one-dimensional", kind="shape mismatch")
    raises(lambda: pipe.transform([[1.0, "x"]]), "X must be a pandas DataFrame or a dict", "list")
    raises(lambda: pipe.transform(np.zeros((2, 2))), "X must be", "ndarray")
    raises(lambda: pipe.transform(None), "X must be", "NoneType")
    dates = np.array(["2024-01-01", "2024-02-01", "2024-03-01"], dtype="datetime64[D]")
    raises(lambda: pipe.transform({"a": dates, "k": ["x"] * 3}), 'column "a"', "datetimes", kind="invalid argument")
    raises(lambda: pipe.transform({"a": np.array([1j, 2j, 3j]), "k": ["x"] * 3}), 'column "a"', "complex128")
    with_log = FeaturePipeline(numeric=["a"], log1p=True).fit({"a": [0.0, 1.0]})
    raises(lambda: with_log.transform({"a": [0.5, -1.0]}), 'column "a"', "row 1", "log1p")


def test_dataframe_errors():
    pd = pytest.importorskip("pandas")
    pipe = FeaturePipeline(numeric=["a"]).fit(pd.DataFrame({"a": [1.0, 2.0]}))
    raises(lambda: pipe.transform(pd.DataFrame({"b": [1.0]})), '"a"', '"b"', kind="not found")
    when = pd.DataFrame({"a": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    raises(lambda: pipe.transform(when), 'column "a"', "datetimes")
    aware = pd.DataFrame({"a": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC")})
    raises(lambda: pipe.transform(aware), 'column "a"', "datetimes")
    raises(lambda: pipe.transform(pd.DataFrame({"a": ["x", "y"]})), 'column "a"', "holds strings", "row 0")


def test_unknown_values_with_handle_unknown_error():
    pipe = FeaturePipeline(categorical=["k"], handle_unknown="error").fit({"k": ["a", "b", "a"]})
    assert pipe.feature_names_out() == ["k=a", "k=b"]
    raises(lambda: pipe.transform({"k": ["a", "q"]}), 'column "k"', "row 1", '"q"', kind="not found")
    raises(lambda: pipe.transform({"k": ["a", None]}), 'column "k"', "row 1", "missing")
    np.testing.assert_array_equal(pipe.transform({"k": ["b"]}), [[0.0, 1.0]])


def test_wrong_documents():
    raises(lambda: FeaturePipeline.from_json(nextbest.ThompsonBandit(["a"], seed=1).to_json()), kind="wrong kind")
    raises(lambda: FeaturePipeline.from_json("{}"), kind="bad document")
    raises(lambda: FeaturePipeline.from_json(b"{}"), "document must be a str")
    pipe = FeaturePipeline(numeric=["a"]).fit({"a": [1.0, 2.0]})
    doc = json.loads(pipe.to_json())
    doc["payload"]["numeric"][0]["scale"] = -1.0
    raises(lambda: FeaturePipeline.from_json(json.dumps(doc)), "scale", kind="bad document")
    doc["version"] = 99
    raises(lambda: FeaturePipeline.from_json(json.dumps(doc)), kind="unsupported version")


def test_empty_input():
    raises(lambda: FeaturePipeline(numeric=["a"]).fit({"a": []}), "0 rows", kind="empty input")
    raises(lambda: FeaturePipeline(numeric=["a"]).fit({"a": [None, None]}), '"a"', "only missing")
    pipe = FeaturePipeline(numeric=["a"], categorical=["k"]).fit({"a": [1.0, 2.0], "k": ["x", "y"]})
    z = pipe.transform({"a": [], "k": []})
    assert z.shape == (0, pipe.n_outputs_) and z.dtype == np.float64


def test_not_fitted():
    pipe = FeaturePipeline(numeric=["a"])
    assert not pipe.__sklearn_is_fitted__()
    for call in (
        lambda: pipe.transform({"a": [1.0]}),
        pipe.feature_names_out,
        pipe.get_feature_names_out,
        pipe.to_json,
        lambda: pipe.n_outputs_,
        lambda: pipe.categories("a"),
    ):
        raises(call, "not fitted", kind="not fitted")


def test_failures_leave_the_pipeline_usable():
    pipe = FeaturePipeline(numeric=["a"], categorical=["k"]).fit({"a": [1.0, 2.0, 3.0], "k": ["x", "y", "x"]})
    doc = pipe.to_json()
    good = {"a": [1.5, np.nan], "k": ["y", None]}
    want = pipe.transform(good)
    raises(lambda: pipe.transform({"a": [np.inf, 1.0], "k": ["x", "x"]}), "inf")
    raises(lambda: pipe.transform({"a": [1.0]}), '"k"')
    raises(lambda: pipe.fit({"a": [], "k": []}), "0 rows")
    raises(lambda: pipe.fit({"a": [np.inf], "k": ["x"]}), "inf")
    assert pipe.to_json() == doc
    np.testing.assert_array_equal(pipe.transform(good), want)


def test_threads_share_one_pipeline():
    pipe = FeaturePipeline(numeric=NUM, categorical=CAT).fit(TRAIN)
    want = pipe.transform(TEST)
    results, errors = [], []

    def work():
        try:
            for _ in range(20):
                results.append(pipe.transform(TEST))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 80
    for r in results:
        np.testing.assert_array_equal(r, want)


def test_pandas_is_never_imported_for_plain_inputs():
    import subprocess

    code = (
        "import sys, nextbest\n"
        "p = nextbest.FeaturePipeline(numeric=['a'], categorical=['k'])\n"
        "p.fit({'a': [1.0, 2.0], 'k': ['x', None]}).transform({'a': [1.0], 'k': ['y']})\n"
        "nextbest.transaction_features([1], [0], [1.0], '1970-01-02')\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_doc_examples_run():
    import doctest

    for obj in (FeaturePipeline, nextbest.transaction_features):
        finder = doctest.DocTestFinder(recurse=False)
        runner = doctest.DocTestRunner()
        for test in finder.find(obj, obj.__name__, globs={}):
            runner.run(test)
        assert runner.failures == 0, obj
        assert runner.tries > 0, obj


def test_shared_fixture_replays_exactly():
    """The pipeline document shared with the Rust and C tests gives the same outputs here."""
    import pathlib

    fixtures = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
    pipe = nextbest.FeaturePipeline.from_json((fixtures / "pipeline_small.json").read_text())
    numeric, categorical, names, rows, outs = [], [], [], [], []
    for line in (fixtures / "pipeline_small_expected.txt").read_text().splitlines():
        head, *rest = line.split(" ")
        if head == "numeric":
            numeric = rest
        elif head == "categorical":
            categorical = rest
        elif head == "outputs":
            names = rest[1:]
        elif head == "row":
            rows.append(rest)
        elif head == "out":
            outs.append([float(v) for v in rest])
    assert pipe.feature_names_out() == names
    X = {name: np.array([float(r[i]) for r in rows]) for i, name in enumerate(numeric)}
    for j, name in enumerate(categorical):
        X[name] = np.array([None if r[len(numeric) + j] == "~" else r[len(numeric) + j] for r in rows], dtype=object)
    np.testing.assert_allclose(pipe.transform(X), np.array(outs), rtol=0, atol=1e-12)
