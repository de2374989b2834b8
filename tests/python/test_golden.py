"""Replays tests/golden/thompson.txt exactly as core/tests/golden.rs does: the same seeds must
give the same decisions and probabilities from Python as from Rust and C."""

from pathlib import Path

import numpy as np
import pytest

from nextbest import GaussianThompsonBandit, ThompsonBandit

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "thompson.txt"


def scenarios():
    lines = iter(GOLDEN.read_text().splitlines())
    out = []
    for header in lines:
        if not header.startswith("scenario"):
            continue
        _, kind, n_arms, discount, seed = header.split()
        s = {
            "header": header,
            "kind": kind,
            "n_arms": int(n_arms),
            "discount": float(discount),
            "seed": int(seed),
            "updates": [],
            "eligible": None,
            "expected": [],
        }
        for line in lines:
            t = line.split()
            if t[0] == "updates":
                for _ in range(int(t[1])):
                    arm, reward = next(lines).split()
                    s["updates"].append((int(arm), float(reward)))
            elif t[0] == "eligible":
                s["eligible"] = [v == "1" for v in t[1:]]
            elif t[0] == "end":
                break
            else:
                s["expected"].append(t)
        out.append(s)
    return out


SCENARIOS = scenarios()


def test_golden_file_has_every_scenario():
    assert len(SCENARIOS) == 4
    assert {s["kind"] for s in SCENARIOS} == {"beta", "gaussian"}


@pytest.mark.parametrize("s", SCENARIOS, ids=[s["header"] for s in SCENARIOS])
def test_golden_vectors_replay(s):
    if s["kind"] == "beta":
        b = ThompsonBandit(s["n_arms"], prior_alpha=1.0, prior_beta=1.0, discount=s["discount"], seed=s["seed"])
    else:
        b = GaussianThompsonBandit(s["n_arms"], seed=s["seed"], discount=s["discount"])
    for arm, reward in s["updates"]:
        b.update(arm, reward)

    sel, many, probs = s["expected"]
    assert sel[0] == "select" and many[0] == "select_many" and probs[0] == "probabilities"
    n_select, n_many = int(sel[1]), int(many[1])

    selects = [b.select() for _ in range(n_select)]
    assert selects == [int(x) for x in sel[2:]], "select"

    got_many = b.select_many(n_many, np.array(s["eligible"]))
    assert got_many.tolist() == [int(x) for x in many[2:]], "select_many"

    p = b.arm_probabilities()
    want = np.array([float(x) for x in probs[1:]])
    assert p.shape == want.shape
    assert np.all(np.abs(p - want) <= 1e-12), (p, want)
