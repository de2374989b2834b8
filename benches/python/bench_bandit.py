#!/usr/bin/env python3
"""Benchmarks of nextbest's Python Thompson-sampling bandit against MABWiser and plain numpy.

One run measures, with 10 arms and Beta(1, 1) priors:

* throughput: one decision + one reward at a time in a plain Python loop, batched selection
  (``select_many``), batched learning (``update_many``); rates per second, medians over
  repetitions, and the ratio nextbest / peer;
* regret: the expected (pseudo-) regret of nextbest Thompson sampling, a numpy reference Thompson
  sampler, epsilon-greedy and UCB1 over the same pre-generated reward streams, with 95%
  confidence intervals over seeds and a Welch t-test of nextbest TS against the numpy TS;
* drift: the best and worst arms swap rates half-way; the regret after the swap of plain and
  discounted Thompson sampling, and the stationary cost of discounting, over a small sweep of
  discount factors.

Usage::

    python benches/python/bench_bandit.py                 # full run (a few minutes)
    python benches/python/bench_bandit.py --quick         # smoke test (well under a minute)
    python benches/python/bench_bandit.py --json out.json # also write every number as JSON

Targets (reported, never asserted): one-at-a-time >= 10x the numpy loop and >= 100x MABWiser;
``select_many`` >= 2x numpy; ``update_many`` >= 12 million rewards/s; discounted TS regret after
the swap < 800.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata

import nextbest
import numpy as np

K = 10
#: Acceptance rates of the 10 offers in the throughput benchmarks (as in benches/benches/bandit.rs).
RATES = np.array([0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.12])
BATCH = 100_000
#: Rounds of Thompson sampling learned before batched selection, so that posteriors are not flat.
LEARN = 10_000
#: Discount factors swept in the drift scenario (effective memory 1 / (1 - d) = 1,000 to 20,000).
DISCOUNTS = (0.999, 0.9995, 0.9998, 0.9999, 0.99995)
#: Seed of the 10 Bernoulli rates of the regret simulation, drawn once from Beta(1, 20).
RATES_SEED = 42
DRIFT_LIMIT = 800.0

TARGETS = {
    "one_at_a_time_vs_numpy": 10.0,
    "one_at_a_time_vs_mabwiser": 100.0,
    "select_many_vs_numpy": 2.0,
    "update_many_rate": 12e6,
}


# ----------------------------------------------------------------------------------------------
# Statistics without scipy: Student-t distribution through the regularized incomplete beta.


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(ln_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(ln_front) * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom."""
    if not math.isfinite(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def t_quantile(q: float, df: float) -> float:
    """The `q` quantile (q > 0.5) of Student's t, by bisection."""
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if 1.0 - t_two_sided_p(mid, df) / 2.0 < q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def mean_ci(x) -> dict:
    x = np.asarray(x, dtype=float)
    n = len(x)
    m = float(x.mean())
    if n < 2:
        return {"mean": m, "ci95": float("nan"), "sd": float("nan"), "n": n}
    sd = float(x.std(ddof=1))
    return {"mean": m, "ci95": t_quantile(0.975, n - 1) * sd / math.sqrt(n), "sd": sd, "n": n}


def welch(x, y) -> dict:
    """Welch's unequal-variance t-test of equal means."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = math.sqrt(vx + vy)
    t = (x.mean() - y.mean()) / se if se > 0 else 0.0
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1)) if se > 0 else 1.0
    return {"t": float(t), "df": float(df), "p": float(t_two_sided_p(t, df))}


# ----------------------------------------------------------------------------------------------
# Timing.


def timed(fn) -> float:
    """Seconds one call of `fn` takes, with the garbage collector off."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        gc.enable()


def rates(make, elements: int, reps: int) -> list[float]:
    """Elements per second of `reps` runs; `make()` builds a fresh zero-argument run (untimed)."""
    out = []
    for _ in range(reps):
        run = make()
        out.append(elements / timed(run))
    return out


def summary(rs: list[float]) -> dict:
    return {"median": statistics.median(rs), "min": min(rs), "max": max(rs), "runs": rs}


# ----------------------------------------------------------------------------------------------
# Throughput.


def bernoulli_rows(rounds: int, seed: int) -> list[list[float]]:
    """rounds x K rewards (0.0 / 1.0) from RATES, as Python lists (cheap to index in a loop)."""
    u = np.random.default_rng(seed).random((rounds, K))
    return (u < RATES).astype(float).tolist()


def nextbest_loop(rows, seed):
    b = nextbest.ThompsonBandit(K, seed=seed)

    def run():
        for row in rows:
            a = b.select()
            b.update(a, row[a])

    return run


def numpy_loop(rows, seed):
    rng = np.random.default_rng(seed)
    alpha, beta = np.ones(K), np.ones(K)

    def run():
        for row in rows:
            a = rng.beta(alpha, beta).argmax()
            r = row[a]
            alpha[a] += r
            beta[a] += 1.0 - r

    return run


def mabwiser_loop(rows, seed):
    from mabwiser.mab import MAB, LearningPolicy

    mab = MAB(list(range(K)), LearningPolicy.ThompsonSampling(), seed=seed)
    mab.fit(np.array([], dtype=np.int64), np.array([], dtype=float))  # predict() needs a fit

    def run():
        for row in rows:
            a = mab.predict()
            mab.partial_fit([a], [row[a]])

    return run


def logged_batch(n: int, seed: int):
    """n logged decisions (uniform arms) and their Bernoulli rewards."""
    rng = np.random.default_rng(seed)
    arms = rng.integers(0, K, size=n).astype(np.int64)
    rewards = (rng.random(n) < RATES[arms]).astype(float)
    return arms, rewards


def learned_bandit():
    """A bandit after LEARN rounds of Thompson sampling, and its posterior alpha and beta."""
    learned = nextbest.ThompsonBandit(K, seed=2)
    for row in bernoulli_rows(LEARN, seed=12):
        a = learned.select()
        learned.update(a, row[a])
    post = learned.posterior()
    alpha = np.array([r["alpha"] for r in post])
    beta = np.array([r["beta"] for r in post])
    return learned, alpha, beta


def select_many_probe(reps: int) -> None:
    """Child process: prints the select_many rates (JSON) with this process's thread pool."""
    learned, _, _ = learned_bandit()
    print(json.dumps(summary(rates(lambda: lambda: learned.select_many(BATCH), BATCH, reps))))


def select_many_one_thread(reps: int) -> dict:
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--select-many-probe", str(reps)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def throughput(args) -> dict:
    reps = args.reps
    res: dict = {}

    # One decision and one reward at a time, in a plain Python loop over pre-generated rewards.
    rows = bernoulli_rows(args.loop_rounds, seed=11)
    mab_rows = rows[: args.mabwiser_rounds]
    print(f"one-at-a-time: {args.loop_rounds:,} rounds x {reps} runs ...", file=sys.stderr)
    res["one_at_a_time"] = {
        "rounds": args.loop_rounds,
        "mabwiser_rounds": args.mabwiser_rounds,
        "nextbest": summary(rates(lambda: nextbest_loop(rows, 1), len(rows), reps)),
        "numpy": summary(rates(lambda: numpy_loop(rows, 1), len(rows), reps)),
        "mabwiser": summary(rates(lambda: mabwiser_loop(mab_rows, 1), len(mab_rows), reps)),
    }

    # Batched selection from the same posterior: nextbest learns LEARN rounds by Thompson
    # sampling (as the criterion bench does) and numpy samples from its posterior. The core
    # spreads large batches over every core (rayon); the one-thread rate comes from a child
    # process started with RAYON_NUM_THREADS=1 (the pool size is fixed when it starts).
    learned, alpha, beta = learned_bandit()
    rng = np.random.default_rng(2)
    print(f"select_many: {BATCH:,} decisions x {reps} runs ...", file=sys.stderr)

    def np_select_many():
        return lambda: rng.beta(alpha, beta, size=(BATCH, K)).argmax(1)

    res["select_many"] = {
        "batch": BATCH,
        "posterior": {"alpha": alpha.tolist(), "beta": beta.tolist()},
        "nextbest": summary(rates(lambda: lambda: learned.select_many(BATCH), BATCH, reps)),
        "nextbest_1thread": select_many_one_thread(reps),
        "numpy": summary(rates(np_select_many, BATCH, reps)),
    }
    # The choices must follow the same distribution: compare the choice frequencies.
    f_nb = np.bincount(learned.select_many(BATCH), minlength=K) / BATCH
    f_np = np.bincount(rng.beta(alpha, beta, size=(BATCH, K)).argmax(1), minlength=K) / BATCH
    res["select_many"]["max_frequency_gap"] = float(np.abs(f_nb - f_np).max())

    # Batched learning of logged rewards.
    arms, rewards = logged_batch(BATCH, seed=13)
    print(f"update_many: {BATCH:,} rewards x {reps} runs ...", file=sys.stderr)

    def nb_update_many():
        b = nextbest.ThompsonBandit(K, seed=3)
        return lambda: b.update_many(arms, rewards)

    def np_update_many():
        a_, b_ = np.ones(K), np.ones(K)

        def run():
            s = np.bincount(arms, weights=rewards, minlength=K)
            n = np.bincount(arms, minlength=K)
            a_[:] += s
            b_[:] += n - s

        return run

    def mab_update_many():
        from mabwiser.mab import MAB, LearningPolicy

        mab = MAB(list(range(K)), LearningPolicy.ThompsonSampling(), seed=3)
        mab.fit(np.array([], dtype=np.int64), np.array([], dtype=float))
        return lambda: mab.partial_fit(arms, rewards)

    res["update_many"] = {
        "batch": BATCH,
        "nextbest": summary(rates(nb_update_many, BATCH, reps)),
        "numpy": summary(rates(np_update_many, BATCH, reps)),
        "mabwiser": summary(rates(mab_update_many, BATCH, reps)),
    }

    o, s, u = res["one_at_a_time"], res["select_many"], res["update_many"]

    def med(d, k):
        return d[k]["median"]

    res["ratios"] = {
        "one_at_a_time_vs_numpy": med(o, "nextbest") / med(o, "numpy"),
        "one_at_a_time_vs_mabwiser": med(o, "nextbest") / med(o, "mabwiser"),
        "select_many_vs_numpy": med(s, "nextbest") / med(s, "numpy"),
        "select_many_1thread_vs_numpy": med(s, "nextbest_1thread") / med(s, "numpy"),
        "update_many_vs_numpy": med(u, "nextbest") / med(u, "numpy"),
        "update_many_vs_mabwiser": med(u, "nextbest") / med(u, "mabwiser"),
    }
    r = res["ratios"]
    res["targets"] = {
        "one_at_a_time_vs_numpy": r["one_at_a_time_vs_numpy"] >= TARGETS["one_at_a_time_vs_numpy"],
        "one_at_a_time_vs_mabwiser": r["one_at_a_time_vs_mabwiser"]
        >= TARGETS["one_at_a_time_vs_mabwiser"],
        "select_many_vs_numpy": r["select_many_vs_numpy"] >= TARGETS["select_many_vs_numpy"],
        "update_many_rate": med(u, "nextbest") >= TARGETS["update_many_rate"],
    }
    return res


# ----------------------------------------------------------------------------------------------
# Regret simulation.


def run_nextbest(rows, seed, discount=1.0):
    b = nextbest.ThompsonBandit(K, discount=discount, seed=seed)
    select, update = b.select, b.update
    chosen = [0] * len(rows)
    for t, row in enumerate(rows):
        a = select()
        update(a, row[a])
        chosen[t] = a
    return chosen


def run_numpy_ts(rows, seed):
    rng = np.random.default_rng(seed)
    draw = rng.beta
    alpha, beta = np.ones(K), np.ones(K)
    chosen = [0] * len(rows)
    for t, row in enumerate(rows):
        a = int(draw(alpha, beta).argmax())
        r = row[a]
        alpha[a] += r
        beta[a] += 1.0 - r
        chosen[t] = a
    return chosen


def run_eps_greedy(rows, seed, eps=None, eps_c=None):
    """Epsilon-greedy on sample means after one play of each arm: a fixed `eps`, or
    eps_t = min(1, eps_c / t)."""
    rng = np.random.default_rng(seed)
    T = len(rows)
    u = rng.random(T).tolist()
    rand_arm = rng.integers(0, K, size=T).tolist()
    n, s = [0] * K, [0.0] * K
    means = [0.0] * K
    chosen = [0] * T
    arms = range(K)
    for t, row in enumerate(rows):
        if t < K:
            a = t
        else:
            e = eps if eps is not None else min(1.0, eps_c / t)
            a = rand_arm[t] if u[t] < e else max(arms, key=means.__getitem__)
        r = row[a]
        n[a] += 1
        s[a] += r
        means[a] = s[a] / n[a]
        chosen[t] = a
    return chosen


def run_ucb1(rows, seed):
    """UCB1 (Auer et al. 2002): mean + sqrt(2 ln t / n)."""
    T = len(rows)
    n, s = [0] * K, [0.0] * K
    chosen = [0] * T
    sqrt, log = math.sqrt, math.log
    arms = range(K)
    for t, row in enumerate(rows):
        if t < K:
            a = t
        else:
            c = 2.0 * log(t)
            best, a = -1.0, 0
            for i in arms:
                v = s[i] / n[i] + sqrt(c / n[i])
                if v > best:
                    best, a = v, i
        r = row[a]
        n[a] += 1
        s[a] += r
        chosen[t] = a
    return chosen


def regret(args) -> dict:
    T, seeds, swap = args.rounds, args.seeds, args.rounds // 2
    p = np.random.default_rng(args.rates_seed).beta(1.0, 20.0, size=K)
    best, worst = int(p.argmax()), int(p.argmin())
    p_drift = p.copy()
    p_drift[best], p_drift[worst] = p[worst], p[best]
    P_drift = np.vstack([np.tile(p, (swap, 1)), np.tile(p_drift, (T - swap, 1))])
    gap = p.max() - p  # per-arm regret, stationary
    gap_drift = P_drift.max(axis=1, keepdims=True) - P_drift  # per-round, per-arm regret

    stationary = {
        "nextbest_ts": lambda rows, s: run_nextbest(rows, 1000 + s),
        "numpy_ts": lambda rows, s: run_numpy_ts(rows, 2000 + s),
        "eps_greedy_0.1": lambda rows, s: run_eps_greedy(rows, 3000 + s, eps=0.1),
        "eps_greedy_decay": lambda rows, s: run_eps_greedy(rows, 4000 + s, eps_c=100.0),
        "ucb1": lambda rows, s: run_ucb1(rows, s),
    }
    for d in DISCOUNTS:
        stationary[f"nextbest_ts_discount_{d}"] = lambda rows, s, d=d: run_nextbest(
            rows, 1000 + s, discount=d
        )
    drift = {
        "nextbest_ts": stationary["nextbest_ts"],
        "numpy_ts": stationary["numpy_ts"],
    }
    for d in DISCOUNTS:
        drift[f"nextbest_ts_discount_{d}"] = stationary[f"nextbest_ts_discount_{d}"]

    stat_regret = {k: [] for k in stationary}
    drift_total = {k: [] for k in drift}
    drift_after = {k: [] for k in drift}
    seconds = {k: 0.0 for k in stationary}
    for s in range(seeds):
        # One uniform matrix per seed: every policy faces the same reward streams.
        U = np.random.default_rng(s).random((T, K))
        rows = (U < p).astype(float).tolist()
        rows_drift = (U < P_drift).astype(float).tolist()
        for name, policy in stationary.items():
            t0 = time.perf_counter()
            chosen = np.asarray(policy(rows, s))
            seconds[name] += time.perf_counter() - t0
            stat_regret[name].append(float(gap[chosen].sum()))
        for name, policy in drift.items():
            chosen = np.asarray(policy(rows_drift, s))
            per_round = gap_drift[np.arange(T), chosen]
            drift_total[name].append(float(per_round.sum()))
            drift_after[name].append(float(per_round[swap:].sum()))
        print(f"regret: seed {s + 1}/{seeds} done", file=sys.stderr)

    res = {
        "rounds": T,
        "seeds": seeds,
        "swap_round": swap,
        "rates_seed": args.rates_seed,
        "rates": p.tolist(),
        "best_arm": best,
        "worst_arm": worst,
        "stationary": {k: mean_ci(v) | {"runs": v} for k, v in stat_regret.items()},
        "rounds_per_second": {k: T * seeds / v for k, v in seconds.items()},
        "drift_total": {k: mean_ci(v) for k, v in drift_total.items()},
        "drift_after_swap": {k: mean_ci(v) | {"runs": v} for k, v in drift_after.items()},
        "welch_nextbest_vs_numpy_ts": welch(stat_regret["nextbest_ts"], stat_regret["numpy_ts"]),
    }

    # The discount: regret after the swap under the limit (the upper end of its 95% CI, so that
    # the choice holds beyond these seeds), with the least stationary regret.
    def after(d):
        v = res["drift_after_swap"][f"nextbest_ts_discount_{d}"]
        return v["mean"] + (v["ci95"] if math.isfinite(v["ci95"]) else 0.0)

    ok = [d for d in DISCOUNTS if after(d) < DRIFT_LIMIT]
    chosen = (
        min(ok, key=lambda d: res["stationary"][f"nextbest_ts_discount_{d}"]["mean"])
        if ok
        else None
    )
    res["discount_choice"] = {
        "limit_after_swap": DRIFT_LIMIT,
        "rule": "upper 95% CI bound of the regret after the swap < limit; least stationary regret",
        "meeting_limit": ok,
        "chosen": chosen,
    }
    return res


# ----------------------------------------------------------------------------------------------
# Report.


def fmt_rate(x: float) -> str:
    for unit, f in (("M", 1e6), ("k", 1e3)):
        if x >= f:
            return f"{x / f:,.2f} {unit}/s"
    return f"{x:,.1f} /s"


def yes(b) -> str:
    return "met" if b else "**not met**"


def markdown(results: dict) -> str:
    out = []
    tp = results.get("throughput")
    if tp:
        o, s, u, r, tg = (
            tp["one_at_a_time"],
            tp["select_many"],
            tp["update_many"],
            tp["ratios"],
            tp["targets"],
        )

        def m(d, k):
            return fmt_rate(d[k]["median"])

        out += [
            f"### Throughput (10 arms, medians of {results['config']['reps']} runs)",
            "",
            "| Measurement | nextbest | Peer | Peer rate | Ratio (median) | Target | Status |",
            "|---|---|---|---|---|---|---|",
            f"| select + update, one at a time ({o['rounds']:,} rounds) | {m(o, 'nextbest')} "
            f"| numpy loop | {m(o, 'numpy')} | {r['one_at_a_time_vs_numpy']:.1f}x | >= 10x "
            f"| {yes(tg['one_at_a_time_vs_numpy'])} |",
            f"| select + update, one at a time (MABWiser: {o['mabwiser_rounds']:,} rounds) "
            f"| {m(o, 'nextbest')} | MABWiser TS | {m(o, 'mabwiser')} "
            f"| {r['one_at_a_time_vs_mabwiser']:.0f}x | >= 100x "
            f"| {yes(tg['one_at_a_time_vs_mabwiser'])} |",
            f"| select_many({s['batch']:,}), all {results['machine']['cores']} cores "
            f"| {m(s, 'nextbest')} | numpy beta(size=(n, 10)).argmax(1) "
            f"| {m(s, 'numpy')} | {r['select_many_vs_numpy']:.2f}x | >= 2x "
            f"| {yes(tg['select_many_vs_numpy'])} |",
            f"| select_many({s['batch']:,}), one thread (RAYON_NUM_THREADS=1) "
            f"| {m(s, 'nextbest_1thread')} | numpy (one thread) | {m(s, 'numpy')} "
            f"| {r['select_many_1thread_vs_numpy']:.2f}x | - | - |",
            f"| update_many({u['batch']:,}) | {m(u, 'nextbest')} | numpy bincount "
            f"| {m(u, 'numpy')} | {r['update_many_vs_numpy']:.2f}x | >= 12 M rewards/s "
            f"| {yes(tg['update_many_rate'])} |",
            f"| update_many({u['batch']:,}) | {m(u, 'nextbest')} | MABWiser partial_fit "
            f"| {m(u, 'mabwiser')} | {r['update_many_vs_mabwiser']:.2f}x | - | - |",
            "",
        ]
    rg = results.get("regret")
    if rg:
        st, da, dt = rg["stationary"], rg["drift_after_swap"], rg["drift_total"]
        out += [
            f"### Regret ({rg['rounds']:,} rounds, {rg['seeds']} seeds, mean +- 95% CI)",
            "",
            f"Rates (seed {rg['rates_seed']}): {', '.join(f'{x:.4f}' for x in rg['rates'])}; "
            f"drift: arms {rg['best_arm']} and {rg['worst_arm']} swap at round "
            f"{rg['swap_round']:,}.",
            "",
            "| Policy | Stationary regret | Drift: regret after swap | Drift: total regret "
            "| Python rounds/s |",
            "|---|---|---|---|---|",
        ]
        for name, v in st.items():
            after = f"{da[name]['mean']:,.0f} +- {da[name]['ci95']:,.0f}" if name in da else "-"
            total = f"{dt[name]['mean']:,.0f} +- {dt[name]['ci95']:,.0f}" if name in dt else "-"
            out.append(
                f"| {name} | {v['mean']:,.1f} +- {v['ci95']:,.1f} | {after} | {total} "
                f"| {rg['rounds_per_second'][name]:,.0f} |"
            )
        w = rg["welch_nextbest_vs_numpy_ts"]
        dc = rg["discount_choice"]
        out += [
            "",
            f"Welch t-test, nextbest TS vs numpy TS (stationary): t = {w['t']:.2f}, "
            f"df = {w['df']:.1f}, p = {w['p']:.3f}.",
            f"Discounts whose regret after the swap is < {dc['limit_after_swap']:.0f} "
            f"(upper end of the 95% CI): "
            f"{', '.join(map(str, dc['meeting_limit'])) or 'none'}; chosen (least stationary "
            f"regret among them): {dc['chosen']}.",
            "",
        ]
    return "\n".join(out)


def machine() -> dict:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def version(pkg):
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mabwiser": version("mabwiser"),
        "nextbest": getattr(nextbest, "__version__", None) or version("nextbest"),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="few repetitions, short simulations")
    ap.add_argument("--json", metavar="PATH", help="write all results as JSON")
    ap.add_argument("--reps", type=int, help="repetitions per throughput measurement (7; quick 2)")
    ap.add_argument("--seeds", type=int, help="seeds of the regret simulation (20; quick 2)")
    ap.add_argument(
        "--rounds", type=int, help="rounds of the regret simulation (100000; quick 20000)"
    )
    ap.add_argument("--rates-seed", type=int, default=RATES_SEED, help="seed of the arms' rates")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-regret", action="store_true")
    ap.add_argument("--select-many-probe", type=int, metavar="REPS", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.select_many_probe:
        select_many_probe(args.select_many_probe)
        return 0
    q = args.quick
    args.reps = args.reps or (2 if q else 7)
    args.seeds = args.seeds or (2 if q else 20)
    args.rounds = args.rounds or (20_000 if q else 100_000)
    args.loop_rounds = 20_000 if q else 200_000
    args.mabwiser_rounds = 1_000 if q else 5_000

    results: dict = {
        "machine": machine(),
        "config": {
            "quick": q,
            "reps": args.reps,
            "arms": K,
            "loop_rounds": args.loop_rounds,
            "mabwiser_rounds": args.mabwiser_rounds,
            "regret_rounds": args.rounds,
            "regret_seeds": args.seeds,
            "discounts": list(DISCOUNTS),
        },
    }
    t0 = time.perf_counter()
    if not args.skip_throughput:
        results["throughput"] = throughput(args)
    if not args.skip_regret:
        results["regret"] = regret(args)
    results["seconds"] = time.perf_counter() - t0

    mi = results["machine"]
    print(
        f"\n## nextbest Python benchmarks\n\nMachine: {mi['cpu']}, {mi['cores']} cores; "
        f"Python {mi['python']}, numpy {mi['numpy']}, MABWiser {mi['mabwiser']}, "
        f"nextbest {mi['nextbest']}. Wall time {results['seconds']:.0f} s.\n"
    )
    print(markdown(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
        print(f"results written to {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
