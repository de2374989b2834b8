#!/usr/bin/env python3
"""Runs the criterion benchmarks of the Rust core (benches/benches/*.rs) and summarizes them.

    python benches/python/criterion_summary.py              # read the last `cargo bench` results
    python benches/python/criterion_summary.py --run 3      # run `cargo bench` 3 times first
    python benches/python/criterion_summary.py --run 1 --quick --json criterion.json

For each benchmark it reports criterion's point estimate of the time per iteration (the slope of
the linear fit, as criterion prints it, else the mean) and the throughput in elements per second;
with several runs, the median over the runs. Only the standard library is needed. The results
are read from `<target dir>/criterion/`, where the target dir is `cargo metadata`'s (so
CARGO_TARGET_DIR is honoured).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Rust core target: one-at-a-time select + update per second per core.
SELECT_UPDATE_TARGET = 5e6


def target_dir() -> Path:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return Path(json.loads(out)["target_directory"])


def read(criterion: Path) -> dict[str, dict]:
    """benchmark id -> {ns, elements} from criterion's `new/` estimates."""
    res = {}
    for bench in sorted(criterion.glob("**/new/benchmark.json")):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        point = (est.get("slope") or est["mean"])["point_estimate"]
        tp = meta.get("throughput") or {}
        res[meta["full_id"]] = {"ns": point, "elements": tp.get("Elements") or tp.get("Bytes")}
    return res


def fmt_time(ns: float) -> str:
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= f:
            return f"{ns / f:.2f} {unit}"
    return f"{ns:.1f} ns"


def fmt_rate(x: float) -> str:
    for unit, f in (("M", 1e6), ("k", 1e3)):
        if x >= f:
            return f"{x / f:,.2f} {unit}elem/s"
    return f"{x:,.1f} elem/s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=int, default=0, metavar="N", help="run `cargo bench` N times")
    ap.add_argument("--quick", action="store_true", help="pass --quick to criterion")
    ap.add_argument("--json", metavar="PATH", help="write the summary as JSON")
    args = ap.parse_args(argv)

    criterion = target_dir() / "criterion"
    runs: list[dict] = []
    for i in range(args.run):
        cmd = ["cargo", "bench", "-p", "nextbest-benches", "--benches", "--"]
        if args.quick:
            cmd.append("--quick")
        print(f"criterion run {i + 1}/{args.run}: {' '.join(cmd)}", file=sys.stderr)
        subprocess.run(cmd, cwd=ROOT, check=True)
        runs.append(read(criterion))
    if not runs:
        runs.append(read(criterion))
    if not runs[0]:
        print(f"no criterion results under {criterion}", file=sys.stderr)
        return 1

    summary = {}
    for name in runs[0]:
        ns = [r[name]["ns"] for r in runs if name in r]
        elements = runs[0][name]["elements"] or 1
        rates = [elements * 1e9 / x for x in ns]
        summary[name] = {
            "ns_per_iter": statistics.median(ns),
            "elements_per_iter": elements,
            "rate_median": statistics.median(rates),
            "rates": rates,
        }

    print(
        f"\n### Rust core, criterion (median of {len(runs)} run(s); one thread except "
        "beta/select_many_100k and the feature benchmarks without _1thread, which use every core)\n"
    )
    print("| Benchmark | Time per iteration | Throughput | Runs |")
    print("|---|---|---|---|")
    for name, s in summary.items():
        runs_s = ", ".join(f"{r / 1e6:.2f}" if r >= 1e4 else f"{r:,.0f}" for r in s["rates"])
        print(
            f"| {name} | {fmt_time(s['ns_per_iter'])} | {fmt_rate(s['rate_median'])} | {runs_s} |"
        )
    su = summary.get("beta/select_update")
    if su:
        met = su["rate_median"] >= SELECT_UPDATE_TARGET
        print(
            f"\nTarget: beta/select_update >= 5 M/s per core: "
            f"{su['rate_median'] / 1e6:.2f} M/s, {'met' if met else 'NOT met'}."
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": len(runs), "benchmarks": summary}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
