"""nextbest: next-best-offer decisions for banks.

Thompson-sampling bandits choose which offer to show each customer, learn from the
responses, and report the exact probability of every choice (the propensity to log for
off-policy evaluation). All the work is done by the Rust library ``nextbest``; the same seed
gives the same decisions from Rust, Python and C.

>>> import nextbest
>>> bandit = nextbest.ThompsonBandit(["card", "mortgage", "savings"], seed=42)
>>> offer = bandit.select()
>>> bandit.update(offer, 1.0)

Classes
-------
ThompsonBandit
    Beta-Bernoulli Thompson sampling: rewards in [0, 1] (accepted or not).
GaussianThompsonBandit
    Thompson sampling for real-valued rewards (revenue) of any scale.
NextbestError
    Raised for every invalid input or document; a subclass of ``ValueError``.
"""

from ._nextbest import (
    GaussianThompsonBandit,
    NextbestError,
    ThompsonBandit,
    __version__,
)

__all__ = [
    "GaussianThompsonBandit",
    "NextbestError",
    "ThompsonBandit",
    "__version__",
]
