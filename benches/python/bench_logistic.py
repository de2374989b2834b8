"""Logistic regression, calibration and metrics against scikit-learn (issue 4; see BENCHMARKS.md).

Tasks (``--task``, default all):

- ``fit``: 1,000,000 x 50 synthetic dense float64 rows (standard normal features, a seeded
  logistic target with about 35% positives). nextbest ``LogisticRegression()`` (default tol)
  against scikit-learn's ``LogisticRegression()`` (lbfgs, C=1, default tol) and against lbfgs
  run to the same objective value (the loosest tol in a sweep whose objective is within
  ``OBJECTIVE_RTOL`` of nextbest's). Both objectives are computed the same way in numpy:
  ``sum logloss + 0.5 * ||coef||^2``. One thread each (``RAYON_NUM_THREADS=1``;
  ``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1`` plus threadpoolctl) and all cores. Every fit runs
  in a fresh process; medians over ``--repeats`` processes, the configurations interleaved.
- ``coef``: coefficients on 200,000 x 50 against scikit-learn ``newton-cholesky`` at tol=1e-12
  (and, for contrast, default lbfgs).
- ``predict``: ``predict_proba`` of 1,000,000 x 50 in C and in Fortran order against the time to
  read X once (``X.sum()``: one pass of NumPy's pairwise sum, one thread) and scikit-learn's
  ``predict_proba``; peak memory added by the call (``VmHWM`` after resetting it through
  ``/proc/self/clear_refs``) shows whether X was copied.
- ``single``: latency of ``predict_proba`` on one (1, 50) row, median over blocks of calls.
- ``cv``: 5-fold stratified ROC AUC on ``../shared/datasets/caravan.csv`` and
  ``telco_churn.csv`` (same matrix for both models: numeric columns standardized, categoricals
  one-hot), nextbest (l2=1) against scikit-learn newton-cholesky (C=1, tol=1e-12), and
  coefficient agreement on the full data.
- ``metrics``: ``roc_auc``, ``pr_auc``, ``log_loss`` on 1 M and 5 M rows against
  ``sklearn.metrics``; nextbest on one thread and on all cores.
- ``calibration``: isotonic and Platt calibration of 1 M scores against scikit-learn's
  ``IsotonicRegression`` and sigmoid calibration.

Every child runs with ``OPENBLAS_THREAD_TIMEOUT=4 OMP_WAIT_POLICY=PASSIVE`` (see
``QUIET_POOLS``). Ratios of calls timed in one process are medians of the ratios round by round.

Run: ``make bench`` or ``.bench-venv/bin/python benches/python/bench_logistic.py --json out.json``
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
#: "The same objective value": relative difference to nextbest's objective at most this.
OBJECTIVE_RTOL = 1e-10
#: lbfgs tolerances tried, loosest first, to find the one that reaches nextbest's objective.
SKLEARN_TOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10)
ONE = {"RAYON_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
CORES = os.cpu_count() or 1
ALL = {"RAYON_NUM_THREADS": str(CORES)}

TARGETS = {
    "fit_speedup": 2.0,
    "coef_rel": 1e-5,
    "auc_diff": 1e-4,
    "predict_over_read": 1.5,
    "predict_vs_sklearn": 2.5,
    "single_vs_sklearn": 10.0,
}


# --------------------------------------------------------------------------- helpers


def synthetic(n: int, p: int, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal features; y ~ Bernoulli(sigmoid(x . beta - 1)), beta ~ N(0, 0.3^2)."""
    rng = np.random.default_rng(seed)
    beta = rng.normal(0.0, 0.3, p)
    x = rng.standard_normal((n, p))
    z = x @ beta - 1.0
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.float64)
    return x, y


def objective(x: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: float) -> float:
    """sum_i logloss_i + 0.5 ||coef||^2 (C = 1 / l2 = 1), the same numpy code for both models."""
    z = x @ coef + intercept
    return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * coef @ coef)


def limit_threads() -> None:
    """In a child started with OMP/OPENBLAS_NUM_THREADS=1: make sure every pool obeys."""
    if os.environ.get("OPENBLAS_NUM_THREADS") == "1":
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)


def blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info

        return max((i["num_threads"] for i in threadpool_info()), default=1)
    except Exception:  # noqa: BLE001 - threadpoolctl is optional for reading
        return -1


def sk_logistic(**kw):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, **kw)


def hwm_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def added_peak_mib(fn) -> float:
    """Peak resident memory added by calling fn, in MiB (NaN where the peak cannot be reset)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        fn()
        return float("nan")
    base = hwm_mib()
    fn()
    return hwm_mib() - base


def median_time(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def round_robin(fns: dict, reps: int) -> dict:
    """Seconds of each call of each function, called in turn (round robin), so that a slow
    phase of the shared machine weighs on all of them alike."""
    times = {k: [] for k in fns}
    for _ in range(reps):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


def median_times(fns: dict, reps: int) -> dict:
    return {k: statistics.median(v) for k, v in round_robin(fns, reps).items()}


def paired(a: list, b: list) -> float:
    """Median of a[i] / b[i]: the ratio of calls made next to each other in time."""
    return statistics.median(x / y for x, y in zip(a, b))


def load(data: str, order: str = "C") -> tuple[np.ndarray, np.ndarray]:
    x = np.load(os.path.join(data, "x_f.npy" if order == "F" else "x_c.npy"))
    return x, np.load(os.path.join(data, "y.npy"))


# --------------------------------------------------------------------------- children


def child_fit(args) -> dict:
    import nextbest

    limit_threads()
    x, y = load(args.data)
    out = {"blas_threads": blas_threads(), "rayon_threads": os.environ.get("RAYON_NUM_THREADS")}
    tols = [float(t) for t in args.tols.split(",")] if args.tols else [None]
    runs = []
    for tol in tols:
        if args.lib == "nextbest":
            model = nextbest.LogisticRegression()
        else:
            model = sk_logistic(max_iter=10_000) if tol is None else sk_logistic(tol=tol, max_iter=10_000)
        t0 = time.perf_counter()
        model.fit(x, y)
        seconds = time.perf_counter() - t0
        run = {"tol": tol, "seconds": seconds, "objective": objective(x, y, model.coef_[0], float(model.intercept_[0]))}
        if args.lib == "nextbest":
            run["n_iter"] = model.model_.report["n_iter"]
            run["report_objective"] = model.model_.report["objective"]
            run["gradient"] = model.model_.report["gradient"]
        else:
            run["n_iter"] = int(model.n_iter_[0])
        runs.append(run)
    out["runs"] = runs
    return out


def child_predict(args) -> dict:
    import nextbest

    limit_threads()
    x, y = load(args.data, args.order)
    n_fit = min(100_000, len(y))
    xs = np.ascontiguousarray(x[:n_fit])
    nb = nextbest.LogisticRegression().fit(xs, y[:n_fit])
    sk = sk_logistic().fit(xs, y[:n_fit])
    w = nb.coef_[0].copy()
    reps = args.reps
    # First calls: peak memory added (a copy of X would add its size), and agreement.
    res = {"order": args.order, "x_mib": x.nbytes / 2**20, "c_contiguous": bool(x.flags.c_contiguous),
           "f_contiguous": bool(x.flags.f_contiguous)}
    res["nextbest_added_mib"] = added_peak_mib(lambda: nb.predict_proba(x))
    res["sklearn_added_mib"] = added_peak_mib(lambda: sk.predict_proba(x))
    p_nb = nb.predict_proba(x)
    z = x @ w + nb.intercept_[0]
    res["max_abs_diff_vs_numpy"] = float(np.max(np.abs(p_nb[:, 1] - 1.0 / (1.0 + np.exp(-z)))))
    del p_nb, z
    times = round_robin({
        "read_sum_s": lambda: x.sum(),
        "gemv_s": lambda: x @ w,
        "nextbest_s": lambda: nb.predict_proba(x),
        "sklearn_s": lambda: sk.predict_proba(x),
    }, reps)
    res.update({k: statistics.median(v) for k, v in times.items()})
    # Ratios of the calls of one round, next to each other in time.
    res["over_read"] = paired(times["nextbest_s"], times["read_sum_s"])
    res["vs_sklearn"] = paired(times["sklearn_s"], times["nextbest_s"])
    res["blas_threads"] = blas_threads()
    return res


def child_single(args) -> dict:
    import nextbest

    limit_threads()
    x, y = synthetic(20_000, args.features, seed=5)
    nb = nextbest.LogisticRegression().fit(x, y)
    sk = sk_logistic().fit(x, y)
    native = nb.model_
    row = np.ascontiguousarray(x[:1])
    # lbfgs at its default tol stops a little short of the optimum: close, not equal.
    assert abs(nb.predict_proba(row)[0, 1] - sk.predict_proba(row)[0, 1]) < 1e-3

    def per_call(fn, calls: int, block: int = 100) -> float:
        for _ in range(min(calls, 1000)):  # warm-up
            fn(row)
        per = []
        for _ in range(max(1, calls // block)):
            t0 = time.perf_counter_ns()
            for _ in range(block):
                fn(row)
            per.append((time.perf_counter_ns() - t0) / block)
        return statistics.median(per)

    calls = args.calls
    return {
        "nextbest_ns": per_call(nb.predict_proba, calls),
        "nextbest_native_ns": per_call(lambda r: native.predict_proba(r, True), calls),
        "sklearn_ns": per_call(sk.predict_proba, max(2_000, calls // 4)),
    }


def child_metrics(args) -> dict:
    import nextbest
    from sklearn import metrics as skm

    limit_threads()
    res = {}
    for n in args.sizes:
        rng = np.random.default_rng(9)
        y = (rng.random(n) < 0.1).astype(np.float64)
        score = rng.standard_normal(n) + y  # continuous: practically no ties
        prob = 1.0 / (1.0 + np.exp(-(score - 2.0)))
        cases = {
            "roc_auc": (lambda: nextbest.metrics.roc_auc(y, score), lambda: skm.roc_auc_score(y, score)),
            "pr_auc": (lambda: nextbest.metrics.pr_auc(y, score), lambda: skm.average_precision_score(y, score)),
            "log_loss": (lambda: nextbest.metrics.log_loss(y, prob), lambda: skm.log_loss(y, prob)),
        }
        for name, (nb_fn, sk_fn) in cases.items():
            fns = {"nextbest_s": nb_fn} if args.skip_sklearn else {"nextbest_s": nb_fn, "sklearn_s": sk_fn}
            row = median_times(fns, args.reps)
            row["nextbest_value"] = nb_fn()
            if not args.skip_sklearn:
                row["sklearn_value"] = sk_fn()
            res[f"{name}_{n}"] = row
    return res


def child_calibration(args) -> dict:
    import nextbest
    from sklearn.calibration import _SigmoidCalibration
    from sklearn.isotonic import IsotonicRegression

    limit_threads()
    n = args.sizes[0]
    rng = np.random.default_rng(13)
    score = rng.standard_normal(n) * 1.5 - 1.0
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(0.7 * score + 0.3)))).astype(np.float64)
    new = rng.standard_normal(n) * 1.5 - 1.0
    res = {}
    for method in ("isotonic", "platt"):
        cal = nextbest.Calibrator(method)
        fit_nb = median_time(lambda: cal.fit(score, y), args.reps)
        pred_nb = median_time(lambda: cal.predict(new), args.reps)
        row = {"nextbest_fit_s": fit_nb, "nextbest_predict_s": pred_nb}
        if not args.skip_sklearn:
            sk = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0) if method == "isotonic" else _SigmoidCalibration()
            row["sklearn_fit_s"] = median_time(lambda: sk.fit(score, y), args.reps)
            row["sklearn_predict_s"] = median_time(lambda: sk.predict(new), args.reps)
            row["max_abs_diff"] = float(np.max(np.abs(cal.predict(new) - sk.predict(new))))
        res[method] = row
    return res


def child_cv(args) -> dict:
    limit_threads()
    return task_cv()


CHILDREN = {"fit": child_fit, "predict": child_predict, "single": child_single,
            "metrics": child_metrics, "calibration": child_calibration, "cv": child_cv}


#: Idle OpenBLAS and OpenMP workers go to sleep at once instead of spinning (OpenBLAS's workers
#: spin for about 2^28 cycles after each call by default): on a 2-core VM shared with other
#: work, their spinning halved the speed of whatever ran next in the same process, X.sum()
#: included, and slowed scikit-learn's own multi-threaded fit. No effect on one-thread runs.
QUIET_POOLS = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}


def measure(argv: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *argv], env={**os.environ, **QUIET_POOLS, **env},
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- in-process tasks


def max_rel(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(max_j |a_j - b_j| / |b_j|, max_j |a_j - b_j| / max_j |b_j|)."""
    d = np.abs(a - b)
    return float(np.max(d / np.maximum(np.abs(b), 1e-300))), float(np.max(d) / np.max(np.abs(b)))


def task_coef(n: int, p: int) -> dict:
    import nextbest

    x, y = synthetic(n, p, seed=21)
    nb = nextbest.LogisticRegression().fit(x, y)
    ref = sk_logistic(solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(x, y)
    lb = sk_logistic(max_iter=1000).fit(x, y)
    theta_ref = np.r_[ref.coef_[0], ref.intercept_]
    out = {"rows": n, "features": p}
    for name, m in (("nextbest", nb), ("sklearn_lbfgs", lb)):
        theta = np.r_[m.coef_[0], m.intercept_]
        elem, norm = max_rel(theta, theta_ref)
        out[name] = {"max_rel_elementwise": elem, "max_rel_to_largest": norm,
                     "objective": objective(x, y, m.coef_[0], float(m.intercept_[0]))}
    out["reference_objective"] = objective(x, y, ref.coef_[0], float(ref.intercept_[0]))
    return out


def dataset_matrix(name: str) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    df = pd.read_csv(DATASETS / name)
    if name == "caravan.csv":
        y = (df.pop("Purchase") == "Yes").to_numpy(np.float64)
        num = df.astype(np.float64)
        cat = None
    else:
        y = (df.pop("churn") == "Yes").to_numpy(np.float64)
        # 11 customers of tenure 0 have no total charges yet.
        df["total_charges"] = pd.to_numeric(df["total_charges"], errors="coerce").fillna(0.0)
        cats = [c for c in df.columns if df[c].dtype == object or str(df[c].dtype).startswith("str")]
        num = df.drop(columns=cats).astype(np.float64)
        cat = pd.get_dummies(df[cats], dtype=np.float64)
    std = num.std(ddof=0).replace(0.0, 1.0)
    num = (num - num.mean()) / std
    full = num if cat is None else pd.concat([num, cat], axis=1)
    return np.ascontiguousarray(full.to_numpy(np.float64)), y


def task_cv() -> dict:
    import nextbest
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    if not DATASETS.is_dir():
        return {"skipped": f"{DATASETS} not found"}
    out = {}
    for name in ("caravan.csv", "telco_churn.csv"):
        if not (DATASETS / name).exists():
            out[name] = {"skipped": f"{DATASETS / name} not found"}
            continue
        x, y = dataset_matrix(name)
        folds = StratifiedKFold(5, shuffle=True, random_state=0).split(x, y)
        auc_nb, auc_sk, t_nb, t_sk = [], [], 0.0, 0.0
        for train, test in folds:
            t0 = time.perf_counter()
            nb = nextbest.LogisticRegression(l2=1.0).fit(x[train], y[train])
            t1 = time.perf_counter()
            sk = sk_logistic(solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(x[train], y[train])
            t2 = time.perf_counter()
            t_nb, t_sk = t_nb + t1 - t0, t_sk + t2 - t1
            auc_nb.append(roc_auc_score(y[test], nb.predict_proba(x[test])[:, 1]))
            auc_sk.append(roc_auc_score(y[test], sk.predict_proba(x[test])[:, 1]))
        nb = nextbest.LogisticRegression(l2=1.0).fit(x, y)
        sk = sk_logistic(solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(x, y)
        elem, norm = max_rel(np.r_[nb.coef_[0], nb.intercept_], np.r_[sk.coef_[0], sk.intercept_])
        out[name] = {
            "rows": int(x.shape[0]), "features": int(x.shape[1]), "positive_rate": float(y.mean()),
            "auc_nextbest": float(np.mean(auc_nb)), "auc_sklearn": float(np.mean(auc_sk)),
            "auc_folds_nextbest": auc_nb, "auc_folds_sklearn": auc_sk,
            "max_fold_diff": float(np.max(np.abs(np.subtract(auc_nb, auc_sk)))),
            "fit_5_folds_nextbest_s": t_nb, "fit_5_folds_sklearn_s": t_sk,
            "coef_max_rel_elementwise": elem, "coef_max_rel_to_largest": norm,
            "solver": nb.model_.report["solver"], "n_iter": nb.model_.report["n_iter"],
        }
    return out


# --------------------------------------------------------------------------- driver


def med(rs, key):
    return statistics.median(r[key] for r in rs)


def status(ok: bool) -> str:
    return "met" if ok else "NOT met"


def run_fit(args, tmp: str, results: dict) -> None:
    common = ["--task", "fit", "--data", tmp]
    first = measure(common + ["--lib", "nextbest"], ONE)["runs"][0]
    target = first["objective"]
    print(f"fit  nextbest objective {target:.6f} ({first['n_iter']} iterations, gradient {first['gradient']:.1e})", flush=True)
    sweep = measure(common + ["--lib", "sklearn", "--tols", ",".join(map(str, SKLEARN_TOLS))], ONE)["runs"]
    matched = next((r["tol"] for r in sweep if r["objective"] - target <= OBJECTIVE_RTOL * abs(target)), None)
    for r in sweep:
        print(f"fit  sklearn lbfgs sweep  tol={r['tol']:<6g} {r['seconds']:7.3f} s  objective {r['objective']:.6f}  "
              f"(+{r['objective'] - target:.2e}, {r['n_iter']} iterations)", flush=True)
    # (name, library, extra arguments, environment); the runs of all of them are interleaved.
    configs = [("nextbest, 1 thread", "nextbest", [], ONE), (f"nextbest, {CORES} threads", "nextbest", [], ALL),
               ("sklearn default tol=1e-4, 1 thread", "sklearn", [], ONE),
               (f"sklearn default tol=1e-4, {CORES} threads", "sklearn", [], {})]
    if matched:
        configs += [(f"sklearn tol={matched:g}, 1 thread", "sklearn", ["--tols", str(matched)], ONE),
                    (f"sklearn tol={matched:g}, {CORES} threads", "sklearn", ["--tols", str(matched)], {})]
    runs = {c[0]: [] for c in configs}
    threads = {}
    for _ in range(args.repeats):
        for name, lib, extra, env in configs:
            out = measure(common + ["--lib", lib, *extra], env)
            runs[name].append(out["runs"][0])
            threads[name] = {"blas": out["blas_threads"], "rayon": out["rayon_threads"]}
    rows = {}
    for name, rs in runs.items():
        rows[name] = {"seconds": med(rs, "seconds"), "all": [r["seconds"] for r in rs], "objective": rs[0]["objective"],
                      "objective_excess": rs[0]["objective"] - target, "n_iter": rs[0]["n_iter"], "threads": threads[name]}
        print(f"fit  {name:36s} {rows[name]['seconds']:7.3f} s  objective {rs[0]['objective']:.6f} "
              f"(+{rs[0]['objective'] - target:.2e}, {rs[0]['n_iter']} iterations; runs "
              f"{', '.join(f'{v:.3f}' for v in rows[name]['all'])})", flush=True)
    nb_runs = {label: rows[f"nextbest, {label}"] for label in ("1 thread", f"{CORES} threads")}
    sk_runs = {name[len("sklearn "):]: row for name, row in rows.items() if name.startswith("sklearn")}
    ratios, pairs = {}, {}
    for label in ("1 thread", f"{CORES} threads"):
        for which in ("default tol=1e-4", f"tol={matched:g}" if matched else None):
            key = f"{which}, {label}"
            if which and key in sk_runs:
                ratios[key] = sk_runs[key]["seconds"] / nb_runs[label]["seconds"]
                # The processes of one round ran one after the other: their ratio, round by round.
                pairs[key] = paired(sk_runs[key]["all"], nb_runs[label]["all"])
                print(f"fit  {label}: nextbest is {ratios[key]:.2f}x faster than lbfgs at {which} "
                      f"(median of the ratios round by round: {pairs[key]:.2f}x)")
    results["fit"] = {"rows": args.rows, "features": args.features, "nextbest": nb_runs, "sklearn": sk_runs,
                      "sweep": sweep, "matched_tol": matched, "objective_rtol": OBJECTIVE_RTOL, "speedup": ratios,
                      "speedup_paired": pairs}


def run_predict(args, tmp: str, results: dict) -> None:
    out = {}
    configs = [(order, label, env) for order in ("C", "F") for label, env in (("1 thread", ONE), (f"{CORES} threads", ALL))]
    runs = {c[:2]: [] for c in configs}
    for _ in range(args.repeats):  # interleaved, fresh processes
        for order, label, env in configs:
            runs[order, label].append(measure(["--task", "predict", "--data", tmp, "--order", order, "--reps", str(args.reps)], env))
    for order, label, env in configs:
        if True:
            rs = runs[order, label]
            row = {k: med(rs, k) for k in ("read_sum_s", "gemv_s", "nextbest_s", "sklearn_s", "over_read", "vs_sklearn",
                                           "nextbest_added_mib", "sklearn_added_mib", "max_abs_diff_vs_numpy")}
            row["order"] = order
            row["rows"] = args.rows
            row["x_mib"] = rs[0]["x_mib"]
            row["over_read_runs"] = [r["over_read"] for r in rs]
            row["vs_sklearn_runs"] = [r["vs_sklearn"] for r in rs]
            key = f"{order} order, {label}"
            out[key] = row
            print(f"predict  {key:20s} read X.sum() {row['read_sum_s'] * 1e3:6.1f} ms  X@w {row['gemv_s'] * 1e3:6.1f} ms  "
                  f"nextbest {row['nextbest_s'] * 1e3:6.1f} ms ({row['over_read']:.2f}x read, +{row['nextbest_added_mib']:.0f} MiB)  "
                  f"sklearn {row['sklearn_s'] * 1e3:6.1f} ms (+{row['sklearn_added_mib']:.0f} MiB)  "
                  f"nextbest {row['vs_sklearn']:.2f}x faster", flush=True)
    results["predict"] = out


def run_single(args, results: dict) -> None:
    rs = [measure(["--task", "single", "--calls", str(args.calls), "--features", str(args.features)], ONE)
          for _ in range(args.repeats)]
    row = {k: med(rs, k) for k in ("nextbest_ns", "nextbest_native_ns", "sklearn_ns")}
    row["ratio"] = row["sklearn_ns"] / row["nextbest_ns"]
    print(f"single row  nextbest {row['nextbest_ns'] / 1e3:.2f} us (native object {row['nextbest_native_ns'] / 1e3:.2f} us)  "
          f"sklearn {row['sklearn_ns'] / 1e3:.2f} us  ratio {row['ratio']:.1f}x", flush=True)
    results["single"] = row


def run_metrics(args, results: dict) -> None:
    sizes = [str(s) for s in args.metric_rows]
    one = measure(["--task", "metrics", "--sizes", *sizes, "--reps", str(args.reps)], ONE)
    allc = measure(["--task", "metrics", "--sizes", *sizes, "--reps", str(args.reps), "--skip-sklearn"], ALL)
    out = {}
    for key, row in one.items():
        row = dict(row)
        row[f"nextbest_{CORES}threads_s"] = allc[key]["nextbest_s"]
        row["ratio_1thread"] = row["sklearn_s"] / row["nextbest_s"]
        row["ratio_all"] = row["sklearn_s"] / allc[key]["nextbest_s"]
        row["abs_diff"] = abs(row["nextbest_value"] - row["sklearn_value"])
        out[key] = row
        print(f"metrics  {key:18s} nextbest {row['nextbest_s'] * 1e3:8.1f} ms (1 thread), "
              f"{allc[key]['nextbest_s'] * 1e3:8.1f} ms ({CORES} threads)  sklearn {row['sklearn_s'] * 1e3:8.1f} ms  "
              f"{row['ratio_1thread']:.1f}x / {row['ratio_all']:.1f}x  |diff| {row['abs_diff']:.1e}", flush=True)
    results["metrics"] = out


def run_calibration(args, results: dict) -> None:
    n = str(args.metric_rows[0])
    one = measure(["--task", "calibration", "--sizes", n, "--reps", str(args.reps)], ONE)
    allc = measure(["--task", "calibration", "--sizes", n, "--reps", str(args.reps), "--skip-sklearn"], ALL)
    for method, row in one.items():
        row[f"nextbest_fit_{CORES}threads_s"] = allc[method]["nextbest_fit_s"]
        row[f"nextbest_predict_{CORES}threads_s"] = allc[method]["nextbest_predict_s"]
        print(f"calibration  {method:8s} fit: nextbest {row['nextbest_fit_s'] * 1e3:7.1f} ms "
              f"({allc[method]['nextbest_fit_s'] * 1e3:.1f} ms on {CORES})  sklearn {row['sklearn_fit_s'] * 1e3:7.1f} ms   "
              f"predict: nextbest {row['nextbest_predict_s'] * 1e3:6.1f} ms  sklearn {row['sklearn_predict_s'] * 1e3:6.1f} ms  "
              f"max |diff| {row['max_abs_diff']:.1e}", flush=True)
    results["calibration"] = {"rows": args.metric_rows[0], **one}


def summary(results: dict, args) -> None:
    print("\n| Target | Measured (median) | Status |\n|---|---|---|")
    fit = results.get("fit")
    if fit and fit["matched_tol"]:
        for label in ("1 thread", f"{CORES} threads"):
            key = f"tol={fit['matched_tol']:g}, {label}"
            if key in fit["speedup"]:
                nb = fit["nextbest"][label]["seconds"]
                sk = fit["sklearn"][key]["seconds"]
                r = fit["speedup"][key]
                print(f"| fit {fit['rows']:,} x {fit['features']}, {label}: >= 2x lbfgs to the same objective | "
                      f"{r:.2f}x ({nb:.3f} s vs {sk:.3f} s; round by round {fit['speedup_paired'][key]:.2f}x) | "
                      f"{status(r >= TARGETS['fit_speedup'])} |")
    coef = results.get("coef")
    if coef:
        v = coef["nextbest"]["max_rel_elementwise"]
        print(f"| coefficients = newton-cholesky tol=1e-12 to 1e-5 relative ({coef['rows']:,} x {coef['features']}) | "
              f"{v:.1e} (lbfgs default: {coef['sklearn_lbfgs']['max_rel_elementwise']:.1e}) | {status(v <= TARGETS['coef_rel'])} |")
    cv = results.get("cv", {})
    for name, r in cv.items():
        if isinstance(r, dict) and "auc_nextbest" in r:
            d = abs(r["auc_nextbest"] - r["auc_sklearn"])
            print(f"| 5-fold ROC AUC {name} = scikit-learn's to 1e-4 | {r['auc_nextbest']:.6f} vs {r['auc_sklearn']:.6f} "
                  f"(diff {d:.1e}; largest fold {r['max_fold_diff']:.1e}) | {status(r['max_fold_diff'] <= TARGETS['auc_diff'])} |")
    pred = results.get("predict", {})
    for key, r in pred.items():
        print(f"| predict_proba {r['rows']:,} x {args.features}, {key}: <= 1.5x reading X once | {r['over_read']:.2f}x ({r['nextbest_s'] * 1e3:.1f} ms vs "
              f"{r['read_sum_s'] * 1e3:.1f} ms) | {status(r['over_read'] <= TARGETS['predict_over_read'])} |")
        print(f"| predict_proba {r['rows']:,} x {args.features}, {key}: >= 2.5x scikit-learn, no copy | {r['vs_sklearn']:.2f}x, +{r['nextbest_added_mib']:.0f} MiB "
              f"(X is {r['x_mib']:.0f} MiB) | {status(r['vs_sklearn'] >= TARGETS['predict_vs_sklearn'] and r['nextbest_added_mib'] < r['x_mib'] / 4)} |")
    s = results.get("single")
    if s:
        print(f"| single row from Python <= 1/10 of scikit-learn | {s['nextbest_ns'] / 1e3:.2f} us vs {s['sklearn_ns'] / 1e3:.1f} us "
              f"({s['ratio']:.0f}x) | {status(s['ratio'] >= TARGETS['single_vs_sklearn'])} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--task", default="all", choices=["all", "fit", "coef", "predict", "single", "cv", "metrics", "calibration"])
    p.add_argument("--lib", default="nextbest")
    p.add_argument("--tols", default=None)
    p.add_argument("--data", default=None)
    p.add_argument("--order", default="C")
    p.add_argument("--sizes", type=int, nargs="*", default=None)
    p.add_argument("--skip-sklearn", action="store_true")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--features", type=int, default=50)
    p.add_argument("--coef-rows", type=int, default=200_000)
    p.add_argument("--metric-rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    p.add_argument("--repeats", type=int, default=5, help="fresh processes per measurement; the median is reported")
    p.add_argument("--reps", type=int, default=11, help="calls per process for predict and metrics (median)")
    p.add_argument("--calls", type=int, default=20_000, help="single-row calls per process")
    p.add_argument("--quick", action="store_true", help="smaller data, one process per measurement")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    if args.child:
        print(json.dumps(CHILDREN[args.task](args)))
        return
    if args.quick:
        args.rows, args.coef_rows, args.metric_rows = 100_000, 50_000, [200_000]
        args.repeats, args.reps, args.calls = 1, 3, 2_000

    import nextbest
    import sklearn

    t_start = time.perf_counter()
    results = {"machine": {"cpus": CORES, "python": platform.python_version(), "numpy": np.__version__,
                           "sklearn": sklearn.__version__, "nextbest": getattr(nextbest, "__version__", "?")}}
    task = args.task
    if task in ("all", "fit", "predict"):
        with tempfile.TemporaryDirectory() as tmp:
            x, y = synthetic(args.rows, args.features)
            np.save(os.path.join(tmp, "x_c.npy"), x)
            np.save(os.path.join(tmp, "x_f.npy"), np.asfortranarray(x))
            np.save(os.path.join(tmp, "y.npy"), y)
            print(f"data  {args.rows:,} x {args.features}, {y.mean():.1%} positives", flush=True)
            del x, y
            if task in ("all", "fit"):
                run_fit(args, tmp, results)
            if task in ("all", "predict"):
                run_predict(args, tmp, results)
    if task in ("all", "coef"):
        results["coef"] = task_coef(args.coef_rows, args.features)
        c = results["coef"]
        print(f"coef  {c['rows']:,} x {c['features']} vs newton-cholesky tol=1e-12: nextbest max rel diff "
              f"{c['nextbest']['max_rel_elementwise']:.2e} (to the largest {c['nextbest']['max_rel_to_largest']:.2e}); "
              f"lbfgs default {c['sklearn_lbfgs']['max_rel_elementwise']:.2e} ({c['sklearn_lbfgs']['max_rel_to_largest']:.2e})", flush=True)
    if task in ("all", "single"):
        run_single(args, results)
    if task in ("all", "cv"):
        results["cv"] = measure(["--task", "cv"], ONE)  # one thread: the fit times are comparable
        for name, r in results["cv"].items():
            if "auc_nextbest" in r:
                print(f"cv  {name:16s} {r['rows']:,} x {r['features']}: AUC nextbest {r['auc_nextbest']:.6f}  sklearn {r['auc_sklearn']:.6f}  "
                      f"largest fold diff {r['max_fold_diff']:.1e}  coef max rel diff {r['coef_max_rel_elementwise']:.1e} "
                      f"({r['coef_max_rel_to_largest']:.1e} of the largest)  5 fits {r['fit_5_folds_nextbest_s'] * 1e3:.0f} ms vs "
                      f"{r['fit_5_folds_sklearn_s'] * 1e3:.0f} ms", flush=True)
            else:
                print(f"cv  {name}: skipped ({r})" if isinstance(r, dict) else f"cv  skipped: {r}", flush=True)
    if task in ("all", "metrics"):
        run_metrics(args, results)
    if task in ("all", "calibration"):
        run_calibration(args, results)
    summary(results, args)
    results["wall_s"] = time.perf_counter() - t_start
    print(f"\nwall time {results['wall_s']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
