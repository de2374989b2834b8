"""A cross-sell campaign: five offers, unknown acceptance rates, Thompson sampling.

Each round, 2,000 customers are shown one offer each; the bandit learns from the responses and
moves the traffic to the best offer. Every decision is logged with its propensity (the
probability the policy had of making it), which off-policy evaluation needs later.
Run: python examples/python/campaign.py
"""

import os
import tempfile

import numpy as np

import nextbest

ACCEPTANCE = {"card": 0.040, "loan": 0.025, "savings": 0.060, "mortgage": 0.010, "insurance": 0.045}
offers = list(ACCEPTANCE)
rates = np.array([ACCEPTANCE[o] for o in offers])
rng = np.random.default_rng(2024)  # simulates the customers

bandit = nextbest.ThompsonBandit(offers, seed=7)
log = []  # (round, offer index, propensity, accepted)
for round_ in range(1, 11):
    propensities = bandit.arm_probabilities()
    shown = bandit.select_many(2_000)  # one decision per customer, GIL released
    accepted = (rng.random(shown.size) < rates[shown]).astype(float)
    log.extend(zip([round_] * shown.size, shown, propensities[shown], accepted))
    bandit.update_many(shown, accepted)
    share = np.bincount(shown, minlength=len(offers)) / shown.size
    print(f"round {round_:2d}: " + "  ".join(f"{o:>9} {s:4.0%}" for o, s in zip(offers, share)))

best = max(bandit.posterior(), key=lambda row: row["mean"])
print(f"\nbest offer: {best['arm']} (estimated acceptance {best['mean']:.3f}, "
      f"95% interval {best['lower']:.3f} to {best['upper']:.3f}); {len(log)} decisions logged")

# Save the whole state (the generator included) and carry on from it later.
path = os.path.join(tempfile.mkdtemp(), "campaign_bandit.json")
with open(path, "w") as f:
    f.write(bandit.to_json())
with open(path) as f:
    reloaded = nextbest.ThompsonBandit.from_json(f.read())
assert reloaded.select() == bandit.select()  # same state, same next decision
print(f"saved to {path} and reloaded; next offer: {reloaded.select()}")
