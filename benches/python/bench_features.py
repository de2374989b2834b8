"""Feature transforms against their peers, in one run (see BENCHMARKS.md).

- ``transaction_features`` on 10,000,000 synthetic transactions of 100,000 customers against
  polars computing the same aggregates, both on one thread and on all cores, with peak memory.
  Each measurement runs in a fresh process (thread settings of rayon and polars are fixed at
  start-up, and peak RSS is per process) on the same arrays, saved once as ``.npy`` files.
- ``FeaturePipeline.transform`` on 1,000,000 rows x 30 mixed columns (20 numeric with gaps,
  10 categorical with rare values and gaps) against scikit-learn's ``ColumnTransformer`` with the
  same steps (median imputation, standard scaling, one-hot with at most 32 categories, rare and
  unseen values to an "infrequent" column).

Run: ``make bench`` or ``.bench-venv/bin/python benches/python/bench_features.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

AS_OF = 1_767_225_600  # 2026-01-01T00:00:00Z
WINDOWS = (30, 90, 365)
N_CATEGORIES = 30


def rss_now_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- transactions


def make_log(n: int, customers: int, seed: int = 7) -> dict[str, np.ndarray]:
    """A shuffled log: a monthly salary per customer, card spend in 30 categories, 1% after as_of."""
    rng = np.random.default_rng(seed)
    n_salary = customers * 24
    n_spend = n - n_salary
    ids = np.concatenate([np.repeat(np.arange(customers), 24), rng.integers(0, customers, n_spend)])
    salary_level = rng.lognormal(7.8, 0.4, customers)
    month = np.tile(np.arange(24), customers)
    t_salary = AS_OF - month * 30 * 86400 - rng.integers(0, 3 * 86400, n_salary)
    t_spend = AS_OF + 5 * 86400 - rng.integers(0, 735 * 86400, n_spend)
    t = np.concatenate([t_salary, t_spend]).astype(np.int64)
    amount = np.concatenate([salary_level[ids[:n_salary]], -rng.lognormal(3.5, 1.1, n_spend)])
    weights = 1.0 / np.arange(1, N_CATEGORIES + 1)
    cat = np.concatenate(
        [np.zeros(n_salary, np.uint8), rng.choice(N_CATEGORIES, n_spend, p=weights / weights.sum()).astype(np.uint8) + 1]
    )
    balance = rng.normal(5000.0, 2000.0, n)
    order = rng.permutation(n)
    return {
        "ids": ids[order].astype(np.int64),
        "t": t[order],
        "amount": amount[order],
        "cat": cat[order],
        "balance": balance[order],
    }


CATEGORY_NAMES = np.array(["salary"] + [f"cat{i:02d}" for i in range(1, N_CATEGORIES + 1)], dtype=object)


def run_nextbest_transactions(data: dict[str, np.ndarray], threads: int | None) -> int:
    import nextbest

    cats = CATEGORY_NAMES[data["cat"]]  # an object array: the natural form of string categories
    ids, x, names = nextbest.transaction_features(
        data["ids"], data["t"], data["amount"], AS_OF, categories=cats, balances=data["balance"],
        windows_days=WINDOWS, top_categories=20, n_threads=threads,
    )
    return x.shape[1]


def run_polars_transactions(data: dict[str, np.ndarray]) -> int:
    import polars as pl

    df = pl.DataFrame({"id": data["ids"], "t": data["t"], "amount": data["amount"], "cat": data["cat"], "bal": data["balance"]})
    df = df.filter(pl.col("t") <= AS_OF).with_columns(
        days=(AS_OF - pl.col("t")) / 86400.0,
    ).with_columns(bucket=(pl.col("days") / 30).floor())
    credit = pl.col("amount") > 0
    debit = pl.col("amount") < 0
    # Masked columns first, then plain aggregations (the fastest form found for polars).
    masked = [pl.when(credit).then(pl.col("days")).alias("credit_days"), pl.when(debit).then(pl.col("days")).alias("debit_days")]
    for w in WINDOWS:
        inw = pl.col("days") < w
        masked += [
            pl.when(credit & inw).then(pl.col("amount")).alias(f"c{w}"),
            pl.when(debit & inw).then(-pl.col("amount")).alias(f"d{w}"),
            pl.when(inw).then(pl.col("bal")).alias(f"b{w}"),
        ]
    df = df.with_columns(masked)
    aggs = [
        pl.col("days").min().alias("days_since_last"),
        pl.col("credit_days").min().alias("days_since_last_credit"),
        pl.col("debit_days").min().alias("days_since_last_debit"),
        pl.col("days").max().alias("days_since_first"),
        pl.col("bal").get(pl.col("t").arg_max()).alias("balance_last"),
    ]
    for w in WINDOWS:
        for side, col in (("credit", f"c{w}"), ("debit", f"d{w}")):
            v = pl.col(col)
            aggs += [v.count().alias(f"{side}_count_{w}d"), v.sum().alias(f"{side}_sum_{w}d"), v.mean().alias(f"{side}_mean_{w}d")]
        b = pl.col(f"b{w}")
        aggs += [b.mean().alias(f"balance_mean_{w}d"), b.min().alias(f"balance_min_{w}d"), b.max().alias(f"balance_max_{w}d")]
    m_obs = pl.min_horizontal(pl.lit(12.0), (pl.col("days").max() / 30).floor() + 1)
    recent = pl.col("bucket") < m_obs
    aggs += [
        pl.col("amount").filter(recent).sum().alias("sy"),
        (pl.col("amount") * pl.col("bucket")).filter(recent).sum().alias("sby"),
        m_obs.alias("m"),
    ]
    out = df.group_by("id").agg(aggs)
    # Mean monthly net flow and its OLS trend against x = -bucket, over m buckets (zeros included).
    m = pl.col("m")
    sx = -(m * (m - 1) / 2)
    sxx = (m - 1) * m * (2 * m - 1) / 6
    sxy = -pl.col("sby")
    out = out.with_columns(
        net_flow_monthly_mean=pl.col("sy") / m,
        net_flow_monthly_trend=pl.when(m >= 2).then((m * sxy - sx * pl.col("sy")) / (m * sxx - sx * sx)).otherwise(None),
    ).drop(["sy", "sby", "m"])
    # Category shares of debit spend over the longest window, for the top 20 categories.
    spend = df.filter(debit & (pl.col("days") < max(WINDOWS))).with_columns(spend=-pl.col("amount"))
    top = spend.group_by("cat").agg(pl.col("spend").sum()).sort(["spend", "cat"], descending=[True, False]).head(20)["cat"]
    per = spend.group_by(["id", "cat"]).agg(pl.col("spend").sum())
    total = per.group_by("id").agg(pl.col("spend").sum().alias("total"))
    shares = (
        per.filter(pl.col("cat").is_in(top.implode()))
        .pivot(on="cat", index="id", values="spend")
        .join(total, on="id")
    )
    cols = [c for c in shares.columns if c not in ("id", "total")]
    shares = shares.select(["id"] + [(pl.col(c).fill_null(0.0) / pl.col("total")).alias(f"share_{c}") for c in cols])
    out = out.join(shares, on="id", how="left").sort("id")
    return out.width - 1


# --------------------------------------------------------------------------- pipeline


def make_table(n: int, seed: int = 11):
    import pandas as pd

    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(20):
        v = rng.lognormal(3 + j % 5, 1.0, n)
        v[rng.random(n) < 0.05] = np.nan
        cols[f"num{j:02d}"] = v
    for j in range(10):
        k = [5, 12, 40, 200, 8, 25, 60, 3, 15, 100][j]
        weights = 1.0 / np.arange(1, k + 1) ** 1.2
        labels = np.array([f"c{j}_{i}" for i in range(k)] + [None], dtype=object)
        codes = rng.choice(k, n, p=weights / weights.sum())
        codes[rng.random(n) < 0.02] = k
        cols[f"cat{j}"] = labels[codes]
    return pd.DataFrame(cols)


def sklearn_column_transformer(num, cat):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), num),
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="constant", fill_value="__missing__")),
                        ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=32, sparse_output=False)),
                    ]
                ),
                cat,
            ),
        ]
    )


def run_pipeline(lib: str, n: int, repeats: int) -> dict:
    df = make_table(n)
    num = [c for c in df.columns if c.startswith("num")]
    cat = [c for c in df.columns if c.startswith("cat")]
    if lib == "nextbest":
        import nextbest

        model = nextbest.FeaturePipeline(numeric=num, categorical=cat, impute="median", scale="standard", max_categories=32)
    else:
        model = sklearn_column_transformer(num, cat)
    t0 = time.perf_counter()
    model.fit(df)
    fit_s = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        x = model.transform(df)
        times.append(time.perf_counter() - t0)
    return {"fit_s": fit_s, "transform_s": statistics.median(times), "shape": list(x.shape)}


# --------------------------------------------------------------------------- driver


def child(args) -> None:
    """One measurement in this process; prints a JSON line."""
    if args.task == "pipeline":
        result = run_pipeline(args.lib, args.rows, args.repeats)
    else:
        data = {k: np.load(os.path.join(args.data, f"{k}.npy")) for k in ("ids", "t", "amount", "cat", "balance")}
        base = rss_now_mib()
        t0 = time.perf_counter()
        if args.lib == "nextbest":
            width = run_nextbest_transactions(data, args.threads)
        else:
            width = run_polars_transactions(data)
        seconds = time.perf_counter() - t0
        result = {"seconds": seconds, "features": width, "peak_mib": peak_rss_mib(), "input_mib": base}
    print(json.dumps(result))


def measure(argv: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *argv], env={**os.environ, **env}, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--task", default="all", choices=["all", "transactions", "pipeline"])
    p.add_argument("--lib", default="nextbest")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--data", default=None)
    p.add_argument("--transactions", type=int, default=10_000_000)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is reported")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args()
    if args.child:
        child(args)
        return

    results = {}
    one = {"RAYON_NUM_THREADS": "1", "POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1"}
    cores = str(os.cpu_count())
    all_cores = {"RAYON_NUM_THREADS": cores, "POLARS_MAX_THREADS": cores}
    if args.task in ("all", "transactions"):
        with tempfile.TemporaryDirectory() as tmp:
            data = make_log(args.transactions, args.customers)
            for k, v in data.items():
                np.save(os.path.join(tmp, f"{k}.npy"), v)
            del data
            common = ["--task", "transactions", "--data", tmp]
            rows = {}
            for label, lib, env, extra in [
                ("nextbest, 1 thread", "nextbest", one, ["--threads", "1"]),
                ("polars, 1 thread", "polars", one, []),
                (f"nextbest, {cores} threads", "nextbest", all_cores, []),
                (f"polars, {cores} threads", "polars", all_cores, []),
            ]:
                runs = [measure(common + ["--lib", lib, *extra], env) for _ in range(args.repeats)]
                rows[label] = {
                    "seconds": statistics.median(r["seconds"] for r in runs),
                    "peak_mib": statistics.median(r["peak_mib"] for r in runs),
                    "input_mib": runs[0]["input_mib"],
                    "features": runs[0]["features"],
                }
                print(f"transactions  {label:22s} {rows[label]['seconds']:7.3f} s  peak {rows[label]['peak_mib']:7.0f} MiB "
                      f"(inputs {rows[label]['input_mib']:.0f} MiB)  {rows[label]['features']} features", flush=True)
            for t in ("1 thread", f"{cores} threads"):
                nb, pl_ = rows[f"nextbest, {t}"], rows[f"polars, {t}"]
                print(f"transactions  {t}: nextbest is {pl_['seconds'] / nb['seconds']:.2f}x faster, "
                      f"peak memory above the inputs {nb['peak_mib'] - nb['input_mib']:.0f} MiB vs {pl_['peak_mib'] - pl_['input_mib']:.0f} MiB")
            results["transactions"] = rows
    if args.task in ("all", "pipeline"):
        rows = {}
        common = ["--task", "pipeline", "--rows", str(args.rows), "--repeats", str(args.repeats)]
        for label, lib, env in [
            ("nextbest, 1 thread", "nextbest", one),
            ("scikit-learn, 1 thread", "sklearn", one),
            (f"nextbest, {cores} threads", "nextbest", all_cores),
        ]:
            rows[label] = measure(common + ["--lib", lib], env)
            print(f"pipeline  {label:24s} fit {rows[label]['fit_s']:7.3f} s  transform {rows[label]['transform_s']:7.3f} s  "
                  f"shape {rows[label]['shape']}", flush=True)
        sk = rows["scikit-learn, 1 thread"]["transform_s"]
        for label in rows:
            if label.startswith("nextbest"):
                print(f"pipeline  transform: {label} is {sk / rows[label]['transform_s']:.2f}x faster than scikit-learn")
        results["pipeline"] = rows
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
