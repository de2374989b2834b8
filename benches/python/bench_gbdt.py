"""Histogram gradient boosting against LightGBM and XGBoost (see BENCHMARKS.md).

Tasks (``--task``, default all):

- ``train``: 1,000,000 x 50 synthetic float64 rows in C order (seeded; a nonlinear target with
  interactions, skewed and few-valued columns, about 30% positives), 100 trees, 255 bins, at
  most 63 leaves, depth at most 6, learning rate 0.1, at least 20 rows per leaf, no L2.
  nextbest ``GradientBoostingClassifier`` against LightGBM ``lgb.train`` (its ``Dataset``
  construction, where it bins X, is timed apart and included in its total: nextbest bins inside
  ``fit``) and XGBoost ``xgb.train`` (``tree_method="hist"``, ``grow_policy="lossguide"``; its
  ``QuantileDMatrix``, where it bins X, likewise). Held-out ROC AUC on 200,000 more rows shows
  that the models are comparable.
- ``predict``: batch probabilities for 1,000,000 x 50 with 100-tree models of the same
  parameters, fitted in each process on the first 200,000 rows (a fit on all of them would take
  most of the run and change nothing in the prediction): nextbest ``predict_proba``, LightGBM
  ``Booster.predict``, XGBoost ``inplace_predict`` on the numpy array and ``DMatrix`` + ``predict``.
- ``single``: latency of the probability of one (1, 50) row from Python, median over blocks of
  calls, one thread, the models of ``predict`` fitted on 20,000 rows.
- ``auc``: 5-fold stratified ROC AUC (``StratifiedKFold(5, shuffle=True, random_state=0)``) on
  ``../shared/datasets/caravan.csv`` and ``telco_churn.csv`` (string columns as integer codes
  declared categorical to both libraries; also the same codes as plain numbers), nextbest against
  LightGBM with the same parameters: 200 trees, learning rate 0.05, 63 leaves, depth 6. Each
  as is and with 5% of the feature values set to NaN (one seeded mask for both).

Every timing runs in a fresh process, the configurations interleaved round by round, medians
over ``--repeats`` processes. One thread means ``RAYON_NUM_THREADS=1`` and ``n_threads=1`` for
nextbest, ``num_threads=1`` for LightGBM, ``nthread=1`` for XGBoost, ``OMP_NUM_THREADS=1`` and
threadpoolctl for every OpenMP/BLAS pool; all cores means as many threads as CPUs for each.
Every child runs with ``OPENBLAS_THREAD_TIMEOUT=4 OMP_WAIT_POLICY=PASSIVE`` (see ``QUIET_POOLS``).
Ratios of processes run next to each other are also given as medians of the ratios round by round.

Run: ``make bench`` or ``.bench-venv/bin/python benches/python/bench_gbdt.py --json out.json``
(``--quick`` for a smoke run on smaller data).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
ONE = {"RAYON_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
CORES = os.cpu_count() or 1
ALL = {"RAYON_NUM_THREADS": str(CORES), "OMP_NUM_THREADS": str(CORES)}
LIBS = ("nextbest", "lightgbm", "xgboost")
#: The trees of ``train``, ``predict`` and ``single``; ``auc`` changes the number and the rate.
TREES = {"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 63, "max_depth": 6, "min_samples_leaf": 20,
         "min_child_weight": 1e-3, "l2": 0.0, "max_bins": 255}
#: ``predict`` fits its models on the first rows only.
FIT_ROWS = 200_000
AUC_TREES = {**TREES, "n_estimators": 200, "learning_rate": 0.05}
NAN_SHARE = 0.05
#: nextbest's 5-fold AUC at most this much below LightGBM's.
AUC_TARGET = -0.003

#: Idle OpenBLAS and OpenMP workers go to sleep at once instead of spinning (see bench_logistic.py).
QUIET_POOLS = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}


# --------------------------------------------------------------------------- helpers


def synthetic(n: int, p: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal features, columns 10-19 lognormal, 20-29 small counts (0 to about 10);
    y ~ Bernoulli(sigmoid(z)) with z nonlinear in columns 0-10 and with interactions."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    x[:, 10:20] = np.exp(x[:, 10:20])
    x[:, 20:30] = np.floor(np.abs(x[:, 20:30]) * 3.0)
    z = (1.2 * np.sin(2.0 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.8 * (x[:, 3] > 0.5) * x[:, 4] + 0.5 * x[:, 5] ** 2
         + 0.3 * x[:, 6] * x[:, 7] * x[:, 8] + 0.4 * np.abs(x[:, 9]) + 0.7 * np.log(x[:, 10]) * (x[:, 20] > 2)
         - 0.3 * x[:, 21] + 0.2 * x[:, 30:40].sum(axis=1) - 1.5)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.float64)
    return x, y


def limit_threads() -> None:
    """In a child started with OMP/OPENBLAS_NUM_THREADS=1: make sure every pool obeys."""
    if os.environ.get("OMP_NUM_THREADS") == "1":
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)


def lgb_params(tr: dict, threads: int) -> dict:
    return {"objective": "binary", "learning_rate": tr["learning_rate"], "num_leaves": tr["num_leaves"],
            "max_depth": tr["max_depth"], "min_data_in_leaf": tr["min_samples_leaf"],
            "min_sum_hessian_in_leaf": tr["min_child_weight"], "lambda_l2": tr["l2"], "max_bin": tr["max_bins"],
            "bagging_fraction": 1.0, "bagging_freq": 0, "feature_fraction": 1.0, "num_threads": threads,
            "seed": 0, "verbose": -1}


def xgb_params(tr: dict, threads: int) -> dict:
    return {"objective": "binary:logistic", "tree_method": "hist", "grow_policy": "lossguide",
            "max_leaves": tr["num_leaves"], "max_depth": tr["max_depth"], "max_bin": tr["max_bins"],
            "eta": tr["learning_rate"], "lambda": tr["l2"], "min_child_weight": tr["min_child_weight"],
            "subsample": 1.0, "colsample_bytree": 1.0, "nthread": threads, "seed": 0}


class Model:
    """One library's model behind one interface: ``fit`` returns the seconds spent binning X
    (inside nextbest's fit: 0) and ``proba`` the probabilities of the positive class."""

    def __init__(self, lib: str, trees: dict, threads: int, categorical: list[int] | None = None):
        self.lib, self.trees, self.threads, self.categorical = lib, trees, threads, categorical

    def fit(self, x: np.ndarray, y: np.ndarray) -> float:
        tr = self.trees
        if self.lib == "nextbest":
            import nextbest

            self.model = nextbest.GradientBoostingClassifier(
                **tr, n_threads=None if self.threads == CORES else self.threads, seed=0,
                categorical_features=self.categorical).fit(x, y)
            return 0.0
        if self.lib == "lightgbm":
            import lightgbm as lgb

            params = lgb_params(tr, self.threads)
            t0 = time.perf_counter()
            data = lgb.Dataset(x, y, params=params, categorical_feature=self.categorical or "auto").construct()
            t1 = time.perf_counter()
            self.model = lgb.train(params, data, num_boost_round=tr["n_estimators"])
            return t1 - t0
        import xgboost as xgb

        t0 = time.perf_counter()
        data = xgb.QuantileDMatrix(x, y, max_bin=tr["max_bins"], nthread=self.threads)
        t1 = time.perf_counter()
        self.model = xgb.train(xgb_params(tr, self.threads), data, num_boost_round=tr["n_estimators"])
        return t1 - t0

    def proba(self, x: np.ndarray) -> np.ndarray:
        if self.lib == "nextbest":
            return self.model.predict_proba(x)[:, 1]
        if self.lib == "lightgbm":
            return self.model.predict(x, num_threads=self.threads)
        return self.model.inplace_predict(x)


def round_robin(fns: dict, reps: int) -> dict:
    """Seconds of each call of each function, called in turn, so that a slow phase of the shared
    machine weighs on all of them alike."""
    times = {k: [] for k in fns}
    for _ in range(reps):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


def paired(a: list, b: list) -> float:
    """Median of a[i] / b[i]: the ratio of runs made next to each other in time."""
    return statistics.median(x / y for x, y in zip(a, b))


def table(title: str, header: list[str], rows: list[list]) -> None:
    print(f"\n{title}\n\n| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(flush=True)


def load(data: str, name: str) -> np.ndarray:
    return np.load(os.path.join(data, f"{name}.npy"))


# --------------------------------------------------------------------------- children


def child_train(args) -> dict:
    from sklearn.metrics import roc_auc_score

    limit_threads()
    x, y = load(args.data, "x"), load(args.data, "y")
    model = Model(args.lib, TREES, args.threads)
    t0 = time.perf_counter()
    binning = model.fit(x, y)
    seconds = time.perf_counter() - t0
    del x, y
    auc = roc_auc_score(load(args.data, "y_test"), model.proba(load(args.data, "x_test")))
    return {"seconds": seconds, "binning_s": binning, "auc": float(auc)}


def child_predict(args) -> dict:
    import xgboost as xgb

    limit_threads()
    x, y = load(args.data, "x"), load(args.data, "y")
    n_fit = min(FIT_ROWS, len(y))
    models = {lib: Model(lib, TREES, args.threads) for lib in LIBS}
    for m in models.values():
        m.fit(np.ascontiguousarray(x[:n_fit]), y[:n_fit])
    booster = models["xgboost"].model
    times = round_robin({
        "nextbest_s": lambda: models["nextbest"].proba(x),
        "lightgbm_s": lambda: models["lightgbm"].proba(x),
        "xgboost_inplace_s": lambda: models["xgboost"].proba(x),
        "xgboost_dmatrix_s": lambda: booster.predict(xgb.DMatrix(x, nthread=args.threads)),
    }, args.reps)
    out = {k: statistics.median(v) for k, v in times.items()}
    out["vs_xgboost"] = paired(times["xgboost_inplace_s"], times["nextbest_s"])
    out["vs_lightgbm"] = paired(times["lightgbm_s"], times["nextbest_s"])
    return out


def child_single(args) -> dict:
    import xgboost as xgb

    limit_threads()
    x, y = synthetic(20_000, args.features, seed=8)
    models = {lib: Model(lib, TREES, 1) for lib in LIBS}
    for m in models.values():
        m.fit(x, y)
    row = np.ascontiguousarray(x[:1])
    booster = models["xgboost"].model

    def per_call(fn, calls: int, block: int = 100) -> float:
        for _ in range(min(calls, 1000)):  # warm-up
            fn()
        per = []
        for _ in range(max(1, calls // block)):
            t0 = time.perf_counter_ns()
            for _ in range(block):
                fn()
            per.append((time.perf_counter_ns() - t0) / block)
        return statistics.median(per)

    fns = {
        "nextbest_ns": lambda: models["nextbest"].model.predict_proba(row),
        "lightgbm_ns": lambda: models["lightgbm"].proba(row),
        "xgboost_inplace_ns": lambda: booster.inplace_predict(row),
        "xgboost_dmatrix_ns": lambda: booster.predict(xgb.DMatrix(row, nthread=1)),
    }
    return {k: per_call(fn, args.calls) for k, fn in fns.items()}


def child_auc(args) -> dict:
    limit_threads()
    return task_auc()


CHILDREN = {"train": child_train, "predict": child_predict, "single": child_single, "auc": child_auc}


def measure(argv: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *argv], env={**os.environ, **QUIET_POOLS, **env},
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- auc


def dataset(name: str, categorical: bool) -> tuple[np.ndarray, np.ndarray, list[int] | None]:
    """X as float64 (NaN = missing), y, and the indices of the categorical columns."""
    import pandas as pd

    df = pd.read_csv(DATASETS / name)
    if name == "caravan.csv":
        y = (df.pop("Purchase") == "Yes").to_numpy(np.float64)
        return np.ascontiguousarray(df.to_numpy(np.float64)), y, None
    y = (df.pop("churn") == "Yes").to_numpy(np.float64)
    cats = [c for c in df.columns if df[c].dtype == object or str(df[c].dtype).startswith("str")]
    for c in cats:  # codes 0, 1, ... in sorted order of the strings
        df[c] = df[c].astype("category").cat.codes.astype(np.float64)
    index = [df.columns.get_loc(c) for c in cats] if categorical else None
    return np.ascontiguousarray(df.to_numpy(np.float64)), y, index


def task_auc() -> dict:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    cases = [("caravan", "caravan.csv", False), ("telco, categorical", "telco_churn.csv", True),
             ("telco, codes as numbers", "telco_churn.csv", False)]
    out = {}
    for label, name, categorical in cases:
        if not (DATASETS / name).exists():
            out[label] = {"skipped": f"{DATASETS / name} not found"}
            continue
        x_clean, y, cat = dataset(name, categorical)
        x_nan = x_clean.copy()
        x_nan[np.random.default_rng(11).random(x_nan.shape) < NAN_SHARE] = np.nan
        for condition, x in (("as is", x_clean), (f"{NAN_SHARE:.0%} NaN", x_nan)):
            folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(x, y))
            row = {"rows": int(x.shape[0]), "features": int(x.shape[1]), "positive_rate": float(y.mean()),
                   "categorical": cat, "missing_share": float(np.isnan(x).mean())}
            for lib in ("nextbest", "lightgbm"):
                aucs, seconds = [], 0.0
                for train, test in folds:
                    model = Model(lib, AUC_TREES, 1, cat)
                    t0 = time.perf_counter()
                    model.fit(x[train], y[train])
                    seconds += time.perf_counter() - t0
                    aucs.append(float(roc_auc_score(y[test], model.proba(x[test]))))
                row[lib] = {"auc": float(np.mean(aucs)), "folds": aucs, "fit_5_folds_s": seconds}
            row["diff"] = row["nextbest"]["auc"] - row["lightgbm"]["auc"]
            out[f"{label}, {condition}"] = row
    return out


# --------------------------------------------------------------------------- driver


def med(rs: list, key: str) -> float:
    return statistics.median(r[key] for r in rs)


def threads_label(threads: int) -> str:
    return "1 thread" if threads == 1 else f"{threads} threads"


def run_train(args, tmp: str, results: dict) -> None:
    configs = [(lib, threads) for threads in (1, CORES) for lib in LIBS]
    runs = {c: [] for c in configs}
    for _ in range(args.repeats):
        for lib, threads in configs:
            env = ONE if threads == 1 else ALL
            runs[lib, threads].append(measure(["--task", "train", "--data", tmp, "--lib", lib,
                                               "--threads", str(threads)], env))
    out, rows = {}, []
    for lib, threads in configs:
        rs = runs[lib, threads]
        nb = runs["nextbest", threads]
        row = {"seconds": med(rs, "seconds"), "binning_s": med(rs, "binning_s"), "auc": rs[0]["auc"],
               "all": [r["seconds"] for r in rs], "binning_all": [r["binning_s"] for r in rs]}
        row["vs_nextbest"] = row["seconds"] / med(nb, "seconds")
        row["vs_nextbest_paired"] = paired(row["all"], [r["seconds"] for r in nb])
        row["boosting_vs_nextbest"] = (row["seconds"] - row["binning_s"]) / med(nb, "seconds")
        out[f"{lib}, {threads_label(threads)}"] = row
        binning = "inside fit" if lib == "nextbest" else f"{row['binning_s']:.2f}"
        rows.append([lib, threads_label(threads), f"{row['seconds']:.2f}", binning,
                     f"{row['seconds'] - row['binning_s']:.2f}", f"{row['vs_nextbest']:.2f}x",
                     f"{row['vs_nextbest_paired']:.2f}x", f"{row['boosting_vs_nextbest']:.2f}x", f"{row['auc']:.5f}",
                     ", ".join(f"{v:.2f}" for v in row["all"])])
    table(f"train: {args.rows:,} x {args.features}, 100 trees, 63 leaves, depth 6, 255 bins (median of {args.repeats}"
          f" processes; held-out AUC on {args.test_rows:,} rows)",
          ["library", "threads", "total s", "binning s", "boosting s", "total / nextbest", "round by round",
           "boosting / nextbest", "AUC", "runs s"], rows)
    results["train"] = {"rows": args.rows, "test_rows": args.test_rows, "features": args.features, **out}


def run_predict(args, tmp: str, results: dict) -> None:
    keys = ("nextbest_s", "lightgbm_s", "xgboost_inplace_s", "xgboost_dmatrix_s", "vs_xgboost", "vs_lightgbm")
    configs = [(1, ONE), (CORES, ALL)]
    runs = {threads: [] for threads, _ in configs}
    for _ in range(args.repeats):
        for threads, env in configs:
            runs[threads].append(measure(["--task", "predict", "--data", tmp, "--threads", str(threads),
                                          "--reps", str(args.reps)], env))
    out, rows = {}, []
    for threads, _ in configs:
        row = {k: med(runs[threads], k) for k in keys}
        row["vs_xgboost_runs"] = [r["vs_xgboost"] for r in runs[threads]]
        out[threads_label(threads)] = row
        rows.append([threads_label(threads)] + [f"{args.rows / row[k] / 1e6:.2f} ({row[k] * 1e3:.0f} ms)" for k in keys[:4]]
                    + [f"{row['vs_xgboost']:.2f}x", f"{row['vs_lightgbm']:.2f}x"])
    table(f"predict: probabilities of {args.rows:,} x {args.features}, 100 trees fitted on the first "
          f"{min(FIT_ROWS, args.rows):,} rows, "
          f"million rows/s (median of {args.repeats} processes x {args.reps} calls)",
          ["threads", "nextbest", "LightGBM predict", "XGBoost inplace_predict", "XGBoost DMatrix + predict",
           "nextbest / XGBoost inplace", "nextbest / LightGBM"], rows)
    results["predict"] = {"rows": args.rows, "fit_rows": min(FIT_ROWS, args.rows), "features": args.features, **out}


def run_single(args, results: dict) -> None:
    rs = [measure(["--task", "single", "--calls", str(args.calls), "--features", str(args.features)], ONE)
          for _ in range(args.repeats)]
    names = {"nextbest_ns": "nextbest predict_proba", "lightgbm_ns": "LightGBM predict",
             "xgboost_inplace_ns": "XGBoost inplace_predict", "xgboost_dmatrix_ns": "XGBoost DMatrix + predict"}
    row = {k: med(rs, k) for k in names}
    table(f"single: probability of one (1, {args.features}) row from Python, 100 trees, one thread "
          f"(median of {args.repeats} processes)", ["call", "us per call", "latency / nextbest's"],
          [[name, f"{row[k] / 1e3:.1f}", f"{row[k] / row['nextbest_ns']:.2f}x"] for k, name in names.items()])
    results["single"] = row


def run_auc(results: dict) -> None:
    out = measure(["--task", "auc"], ONE)  # one thread: the fit times are comparable
    rows = []
    for key, r in out.items():
        if "skipped" in r:
            print(f"auc  {key}: skipped ({r['skipped']})")
            continue
        rows.append([key, f"{r['rows']:,} x {r['features']}", f"{r['nextbest']['auc']:.4f}", f"{r['lightgbm']['auc']:.4f}",
                     f"{r['diff']:+.4f}", "met" if r["diff"] >= AUC_TARGET else "NOT met",
                     " ".join(f"{a:.4f}" for a in r["nextbest"]["folds"]),
                     " ".join(f"{a:.4f}" for a in r["lightgbm"]["folds"]),
                     f"{r['nextbest']['fit_5_folds_s']:.2f} / {r['lightgbm']['fit_5_folds_s']:.2f}"])
    table("auc: 5-fold stratified ROC AUC, 200 trees, learning rate 0.05, 63 leaves, depth 6, one thread",
          ["data", "rows x features", "nextbest", "LightGBM", "difference", f">= {AUC_TARGET}", "nextbest folds",
           "LightGBM folds", "5 fits s (nextbest / LightGBM)"], rows)
    results["auc"] = out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--task", default="all", choices=["all", "train", "predict", "single", "auc"])
    p.add_argument("--lib", default="nextbest", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--data", default=None, help=argparse.SUPPRESS)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--test-rows", type=int, default=200_000)
    p.add_argument("--features", type=int, default=50)
    p.add_argument("--repeats", type=int, default=5, help="fresh processes per measurement; the median is reported")
    p.add_argument("--reps", type=int, default=5, help="calls per process for predict (median)")
    p.add_argument("--calls", type=int, default=10_000, help="single-row calls per process and library")
    p.add_argument("--quick", action="store_true", help="smaller data, one process per measurement")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    if args.child:
        print(json.dumps(CHILDREN[args.task](args)))
        return
    if args.quick:
        args.rows, args.test_rows, args.repeats, args.reps, args.calls = 100_000, 20_000, 1, 3, 2_000

    import lightgbm
    import nextbest
    import sklearn
    import xgboost

    t_start = time.perf_counter()
    results = {"machine": {"cpus": CORES, "python": platform.python_version(), "numpy": np.__version__,
                           "sklearn": sklearn.__version__, "lightgbm": lightgbm.__version__,
                           "xgboost": xgboost.__version__, "nextbest": getattr(nextbest, "__version__", "?")}}
    print(json.dumps(results["machine"]))
    task = args.task
    if task in ("all", "train", "predict"):
        with tempfile.TemporaryDirectory() as tmp:
            x, y = synthetic(args.rows + args.test_rows, args.features)
            for name, a in (("x", x[:args.rows]), ("y", y[:args.rows]), ("x_test", x[args.rows:]),
                            ("y_test", y[args.rows:])):
                np.save(os.path.join(tmp, f"{name}.npy"), np.ascontiguousarray(a))
            print(f"data  {args.rows:,} + {args.test_rows:,} held out x {args.features}, {y.mean():.1%} positives",
                  flush=True)
            del x, y
            if task in ("all", "train"):
                run_train(args, tmp, results)
            if task in ("all", "predict"):
                run_predict(args, tmp, results)
    if task in ("all", "single"):
        run_single(args, results)
    if task in ("all", "auc"):
        run_auc(results)
    results["wall_s"] = time.perf_counter() - t_start
    print(f"wall time {results['wall_s']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
