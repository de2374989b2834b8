"""nextbest.transaction_features from Python: a pandas reference implementation of part of the
features (recency, per-window credit and debit counts, sums and means, category shares,
balances), the input types, and errors."""

import datetime as dt
import pathlib

import numpy as np
import pytest

import nextbest
from nextbest import NextbestError, transaction_features

DAY = 86_400
AS_OF = int(np.datetime64("2024-06-30T00:00:00", "s").astype(np.int64))
FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "cdnow_slice.txt"


def raises(call, *words, kind=None):
    with pytest.raises(NextbestError) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    if kind is not None:
        assert info.value.kind == kind, (info.value.kind, str(info.value))
    return info.value


def random_log(n=3000, customers=150, seed=7, string_ids=False):
    """An unsorted log over 500 days before AS_OF and 30 after, with zero amounts, missing
    categories and balances."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1000, 1000 + customers, n)
    # A few customers only have transactions after AS_OF: they get no row.
    late = rng.integers(5000, 5005, 20)
    ts = AS_OF - rng.integers(-30 * DAY, 500 * DAY, n)
    ids = np.concatenate([ids, late])
    ts = np.concatenate([ts, AS_OF + rng.integers(1, 10 * DAY, 20)])
    # Some transactions exactly at AS_OF and exactly on window edges.
    ts[:5] = AS_OF
    ts[5:10] = AS_OF - 30 * DAY
    ts[10:15] = AS_OF - 90 * DAY
    m = len(ids)
    credit = rng.random(m) < 0.3
    amounts = np.where(credit, rng.lognormal(7.0, 1.0, m), -rng.lognormal(3.5, 1.2, m))
    amounts[rng.random(m) < 0.03] = 0.0
    amounts = np.round(amounts, 2)
    labels = np.array([f"cat{i:02d}" for i in range(30)] + ["groceries", "rent", "Ünïcode"], dtype=object)
    categories = labels[rng.integers(0, len(labels), m)]
    categories[rng.random(m) < 0.05] = None
    balances = np.round(rng.normal(2000.0, 1500.0, m), 2)
    if string_ids:
        ids = np.array([f"cust-{i}" for i in ids], dtype=object)
    return ids, ts.astype(np.int64), amounts, categories, balances


def reference(ids, ts, amounts, as_of, categories=None, balances=None, windows=(30, 90, 365), top=20):
    """The subset of the features computed with pandas, straight from the definitions."""
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": ids, "t": ts, "amount": amounts, "row": np.arange(len(ids))})
    if categories is not None:
        df["cat"] = categories
    if balances is not None:
        df["balance"] = balances
    df = df[df.t <= as_of].copy()
    df["days"] = (as_of - df.t) / 86400.0
    df["debit"] = -df.amount
    index = sorted(df.id.unique())
    out = pd.DataFrame(index=pd.Index(index, name="id"))

    def per(frame, col, how):
        return frame.groupby("id")[col].agg(how).reindex(index)

    out["days_since_last"] = per(df, "days", "min")
    out["days_since_last_credit"] = per(df[df.amount > 0], "days", "min")
    out["days_since_last_debit"] = per(df[df.amount < 0], "days", "min")
    out["days_since_first"] = per(df, "days", "max")
    for w in windows:
        inw = df[df.days < w]
        cr, db = inw[inw.amount > 0], inw[inw.amount < 0]
        out[f"credit_count_{w}d"] = per(cr, "amount", "count").fillna(0.0)
        out[f"credit_sum_{w}d"] = per(cr, "amount", "sum").fillna(0.0)
        out[f"credit_mean_{w}d"] = per(cr, "amount", "mean")
        out[f"debit_count_{w}d"] = per(db, "debit", "count").fillna(0.0)
        out[f"debit_sum_{w}d"] = per(db, "debit", "sum").fillna(0.0)
        out[f"debit_mean_{w}d"] = per(db, "debit", "mean")
    longest = df[(df.days < max(windows)) & (df.amount < 0)]
    if categories is not None:
        totals = longest[longest.cat.notna()].groupby("cat").debit.sum()
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        ranked = [label for label, total in ranked if total > 0]
        total = per(longest, "debit", "sum")
        shared = 0.0
        for label in ranked:
            mine = per(longest[longest.cat == label], "debit", "sum").fillna(0.0)
            out[f"share_{label}"] = (mine / total).fillna(0.0)
            shared = shared + mine
        out["share_other"] = ((total.fillna(0.0) - shared) / total).fillna(0.0)
    if balances is not None:
        last = df.sort_values(["t", "row"]).groupby("id").balance.last()
        out["balance_last"] = last.reindex(index)
        for w in windows:
            inw = df[df.days < w]
            out[f"balance_mean_{w}d"] = per(inw, "balance", "mean")
            out[f"balance_min_{w}d"] = per(inw, "balance", "min")
            out[f"balance_max_{w}d"] = per(inw, "balance", "max")
    return out


def check_against_reference(result, ref, rtol=1e-12, atol=1e-9):
    keys, x, names = result
    assert list(keys) == list(ref.index)
    assert x.shape == (len(ref), len(names)) and x.dtype == np.float64
    for col in ref.columns:
        assert col in names, col
        np.testing.assert_allclose(
            x[:, names.index(col)], ref[col].to_numpy(dtype=float), rtol=rtol, atol=atol,
            err_msg=col,
        )


# --- against the reference ------------------------------------------------------------------


@pytest.mark.parametrize("string_ids", [False, True])
def test_matches_pandas_reference(string_ids):
    ids, ts, amounts, categories, balances = random_log(string_ids=string_ids)
    stamps = ts.astype("datetime64[s]").astype("datetime64[ns]")
    result = transaction_features(
        ids, stamps, amounts, AS_OF, categories=categories, balances=balances,
        windows_days=(30, 90, 365), top_categories=8,
    )
    ref = reference(ids, ts, amounts, AS_OF, categories, balances, (30, 90, 365), 8)
    check_against_reference(result, ref)
    keys, x, names = result
    if string_ids:
        assert keys.dtype == object and all(isinstance(k, str) for k in keys)
    else:
        assert keys.dtype == np.int64
    # Customers with only later transactions have no row.
    assert len(keys) == 150
    assert names[-1] == "balance_max_365d" and "share_other" in names
    assert sum(n.startswith("share_") for n in names) == 9
    # The shares of a customer with debits sum to one.
    shares = x[:, [i for i, n in enumerate(names) if n.startswith("share_")]]
    has_debit = x[:, names.index("debit_count_365d")] > 0
    np.testing.assert_allclose(shares[has_debit].sum(axis=1), 1.0, atol=1e-12)


def test_minimal_columns_and_other_windows():
    ids, ts, amounts, _, _ = random_log(seed=11)
    result = transaction_features(ids, ts, amounts, AS_OF, windows_days=[7, 400, 60])
    ref = reference(ids, ts, amounts, AS_OF, windows=(7, 400, 60))
    check_against_reference(result, ref)
    names = result[2]
    assert not any(n.startswith(("share_", "balance_")) for n in names)
    assert names[:5] == ["days_since_last", "days_since_last_credit", "days_since_last_debit", "days_since_first", "credit_count_7d"]


def cdnow():
    rows = [line.split() for line in FIXTURE.read_text().splitlines()[1:] if line.strip()]
    ids = np.array([int(r[0]) for r in rows], dtype=np.int64)
    dates = np.array([f"{r[1][:4]}-{r[1][4:6]}-{r[1][6:]}" for r in rows], dtype="datetime64[D]")
    amounts = -np.array([float(r[3]) for r in rows])
    return ids, dates, amounts


@pytest.mark.skipif(not FIXTURE.exists(), reason="tests/fixtures/cdnow_slice.txt is absent")
def test_cdnow_slice_matches_reference():
    ids, dates, amounts = cdnow()
    as_of = np.datetime64("1997-10-01")
    result = transaction_features(ids, dates, amounts, as_of)
    seconds = dates.astype("datetime64[s]").astype(np.int64)
    ref = reference(ids, seconds, amounts, int(as_of.astype("datetime64[s]").astype(np.int64)))
    check_against_reference(result, ref)
    # String ids ("00001") give the same rows, in the same (zero-padded) order.
    str_ids = np.array([f"{i:05d}" for i in ids])
    keys, x, _ = transaction_features(str_ids, dates, amounts, "1997-10-01")
    assert list(keys) == [f"{i:05d}" for i in result[0]]
    np.testing.assert_array_equal(x, result[1])


# --- input types ----------------------------------------------------------------------------


def test_timestamp_types_agree():
    ids, ts, amounts, categories, balances = random_log(n=800, seed=3)
    want = transaction_features(ids, ts, amounts, AS_OF, categories, balances)
    variants = [
        ts.astype("datetime64[s]"),
        ts.astype("datetime64[s]").astype("datetime64[ns]"),
        ts.astype("datetime64[s]").astype("datetime64[ms]"),
        ts.astype(np.float64) + 0.75,  # floored
        ts.astype(np.int32),
        ts.tolist(),
        list(ts.astype("datetime64[s]")),
    ]
    for v in variants:
        got = transaction_features(ids, v, amounts, AS_OF, categories, balances)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2] == want[2]


def test_timestamps_floor_before_1970():
    # -1.5 s is floored to -2: 2 s before the epoch.
    day = lambda x: transaction_features([1], x, [-1.0], 0, windows_days=[1])[1][0, 0]
    assert day([-1.5]) == 2 / 86400
    assert day(np.array([-1500], dtype="datetime64[ms]")) == 2 / 86400
    assert day(np.array([-1], dtype="datetime64[ns]")) == 1 / 86400
    assert day(np.array([-1], dtype="datetime64[D]")) == 1.0


def test_pandas_inputs():
    pd = pytest.importorskip("pandas")
    ids, ts, amounts, categories, balances = random_log(n=800, seed=4)
    want = transaction_features(ids, ts, amounts, AS_OF, categories, balances)
    stamps = pd.to_datetime(ts, unit="s")
    df = pd.DataFrame({"id": ids, "t": stamps, "amount": amounts, "cat": categories, "balance": balances})
    for t in (df.t, pd.DatetimeIndex(df.t), df.t.dt.tz_localize("UTC"), df.t.dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo")):
        got = transaction_features(df.id, t, df.amount, pd.Timestamp(AS_OF, unit="s"), df.cat, df.balance)
        np.testing.assert_array_equal(got[1], want[1])
    cat = df.cat.astype("category")
    got = transaction_features(df.id.astype("Int64"), df.t, df.amount.astype("Float64"), AS_OF, cat, df.balance)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_as_of_types_agree():
    ids, ts, amounts, _, _ = random_log(n=500, seed=5)
    want = transaction_features(ids, ts, amounts, AS_OF)[1]
    for as_of in (
        AS_OF,
        float(AS_OF) + 0.5,
        np.int64(AS_OF),
        "2024-06-30",
        "2024-06-30T00:00:00",
        np.datetime64("2024-06-30"),
        np.datetime64(AS_OF * 10**9, "ns"),
        dt.datetime(2024, 6, 30),
        dt.datetime(2024, 6, 30, tzinfo=dt.timezone.utc),
        dt.datetime(2024, 6, 30, 2, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        dt.date(2024, 6, 30),
    ):
        np.testing.assert_array_equal(transaction_features(ids, ts, amounts, as_of)[1], want, err_msg=repr(as_of))
    later = transaction_features(ids, ts, amounts, dt.datetime(2024, 6, 30, 12))[1]
    assert not np.array_equal(later, want)


def test_id_types():
    ts = [AS_OF - DAY, AS_OF - 2 * DAY, AS_OF - 3 * DAY]
    keys, x, _ = transaction_features([3.0, 1.0, 3.0], ts, [-1.0, 2.0, -3.0], AS_OF)
    assert keys.dtype == np.int64 and keys.tolist() == [1, 3]
    for ids in ([3, 1, 3], np.array([3, 1, 3], dtype=np.uint16), np.array([3, 1, 3], dtype=object)):
        k, y, _ = transaction_features(ids, ts, [-1.0, 2.0, -3.0], AS_OF)
        assert k.tolist() == [1, 3] and k.dtype == np.int64
        np.testing.assert_array_equal(y, x)
    k, y, _ = transaction_features(np.array(["b", "a", "b"]), ts, [-1.0, 2.0, -3.0], AS_OF)
    assert k.tolist() == ["a", "b"] and k.dtype == object
    np.testing.assert_array_equal(y, x)
    big = 2**62 + 1
    k, _, _ = transaction_features([big, -big], ts[:2], [1.0, 1.0], AS_OF)
    assert k.tolist() == [-big, big]


def test_threads_do_not_change_results():
    ids, ts, amounts, categories, balances = random_log(n=5000, customers=700, seed=9)
    one = transaction_features(ids, ts, amounts, AS_OF, categories, balances, n_threads=1)
    many = transaction_features(ids, ts, amounts, AS_OF, categories, balances)
    three = transaction_features(ids, ts, amounts, AS_OF, categories, balances, n_threads=3)
    for other in (many, three):
        np.testing.assert_array_equal(one[0], other[0])
        np.testing.assert_array_equal(one[1], other[1])
        assert one[2] == other[2]


def test_options_reach_core():
    ids, ts, amounts, categories, _ = random_log(n=500, seed=6)
    _, x, names = transaction_features(ids, ts, amounts, AS_OF, categories, top_categories=3, windows_days=30)
    assert [n for n in names if n.startswith("share_")][-1] == "share_other"
    assert sum(n.startswith("share_") for n in names) == 4 and "credit_count_30d" in names
    a = transaction_features(ids, ts, amounts, AS_OF, months=6, recurring_tolerance=0.3, recurring_min_months=2)[1]
    b = transaction_features(ids, ts, amounts, AS_OF)[1]
    assert a.shape == b.shape and not np.array_equal(np.nan_to_num(a), np.nan_to_num(b))


def test_doc_example():
    import doctest

    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for test in finder.find(transaction_features, "transaction_features", globs={}):
        runner.run(test)
    assert runner.tries > 0 and runner.failures == 0


# --- errors ---------------------------------------------------------------------------------


def test_bad_inputs():
    ts = [AS_OF - DAY, AS_OF - 2 * DAY, AS_OF - 3 * DAY]
    ok = dict(customer_ids=[1, 2, 1], timestamps=ts, amounts=[1.0, -2.0, 3.0], as_of=AS_OF)

    def call(**kw):
        return lambda: transaction_features(**dict(ok, **kw))

    raises(call(amounts=[1.0, float("nan"), 3.0]), "amounts: row 1", kind="non-finite value")
    raises(call(amounts=[1.0, 2.0, float("inf")]), "amounts: row 2", kind="non-finite value")
    raises(call(balances=[1.0, float("nan"), 3.0]), "balances: row 1", kind="non-finite value")
    raises(call(customer_ids=["a", None, "b"]), "customer_ids: row 1 is missing", kind="invalid argument")
    raises(call(customer_ids=[1.0, float("nan"), 2.0]), "customer_ids: row 1", kind="non-finite value")
    raises(call(customer_ids=[1.0, 2.5, 2.0]), "customer_ids: row 1", "not an integer")
    raises(call(customer_ids=np.array([True, False, True])), "customer_ids must hold", "bool")
    raises(
        call(timestamps=np.array(["2024-01-01", "NaT", "2024-01-02"], dtype="datetime64[s]")),
        "timestamps: row 1 is NaT",
        kind="non-finite value",
    )
    raises(call(timestamps=[1.0, float("nan"), 2.0]), "timestamps: row 1", kind="non-finite value")
    raises(call(timestamps=[1.0, 1e300, 2.0]), "timestamps: row 1", "beyond")
    raises(call(timestamps=["2024-01-01", "yesterday", "2024-01-02"]), "timestamps could not be read as datetimes")
    raises(call(amounts=[1.0, 2.0]), "amounts has 2 rows, customer_ids has 3", kind="shape mismatch")
    raises(call(timestamps=ts[:1]), "timestamps has 1 rows", kind="shape mismatch")
    raises(call(categories=["a"]), "categories has 1 rows", kind="shape mismatch")
    raises(call(amounts=["1", "x", "3"]), "amounts: row 0 is '1', not a number")
    raises(call(amounts=np.array(["1", "x", "3"])), "amounts must hold numbers")
    raises(call(amounts=np.ones((3, 1))), "amounts must be one-dimensional", kind="shape mismatch")
    raises(lambda: transaction_features([], [], [], AS_OF), kind="empty input")
    raises(call(as_of=AS_OF - 10 * DAY), "no transaction at or before as_of", kind="empty input")
    raises(call(as_of="not a date"), "as_of could not be parsed")
    raises(call(as_of=None), "as_of must be", "NoneType")
    raises(call(as_of=True), "as_of must be", "bool")
    raises(call(as_of=float("nan")), "as_of is NaN", kind="non-finite value")
    raises(call(as_of=np.datetime64("NaT")), "as_of is NaT")
    raises(call(windows_days=[]), "windows_days is empty", kind="invalid argument")
    raises(call(windows_days=[30, 30]), "windows_days: 30 appears twice")
    raises(call(windows_days=[0]), "windows_days: entry 0 is 0")
    raises(call(windows_days=[2**40]), "windows_days[0]", "outside")
    raises(call(windows_days=["30"]), "windows_days[0] must be an int", "str")
    raises(call(n_threads=0), "n_threads is 0")
    raises(call(n_threads=-1), "n_threads must be a non-negative int")
    raises(call(months=0), "months is 0")
    raises(call(recurring_tolerance=1.5), "recurring_tolerance")
    raises(call(recurring_tolerance="x"), "recurring_tolerance must be a number", "str")
    raises(call(large_inflow_multiple=float("nan")), "large_inflow_multiple", kind="non-finite value")
    with pytest.raises(TypeError):
        transaction_features([1], [AS_OF], [1.0], AS_OF, None, None, (30,), 20, 12)  # months is keyword-only


def test_exports():
    assert nextbest.transaction_features is transaction_features
    assert transaction_features.__name__ == "transaction_features"
