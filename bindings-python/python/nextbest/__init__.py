"""nextbest: next-best-offer decisions for banks.

Thompson-sampling bandits choose which offer to show each customer, learn from the
responses, and report the exact probability of every choice (the propensity to log for
off-policy evaluation). Feature transforms turn customer tables and raw transaction logs into
model-ready matrices; propensity models (logistic regression), calibrators and scoring
pipelines say who is likely to take an offer and why. All the work is done by the Rust library ``nextbest``; the same seed
gives the same decisions, and a saved pipeline the same features, from Rust, Python and C.

>>> import nextbest
>>> bandit = nextbest.ThompsonBandit(["card", "mortgage", "savings"], seed=42)
>>> offer = bandit.select()
>>> bandit.update(offer, 1.0)
>>> pipe = nextbest.FeaturePipeline(numeric=["income"], categorical=["region"])
>>> pipe.fit_transform({"income": [1000.0, 2500.0], "region": ["north", "south"]}).shape
(2, 4)

Classes
-------
ThompsonBandit
    Beta-Bernoulli Thompson sampling: rewards in [0, 1] (accepted or not).
GaussianThompsonBandit
    Thompson sampling for real-valued rewards (revenue) of any scale.
FeaturePipeline
    Per-column imputation, scaling, binning and categorical encoding of a DataFrame or a
    dict of columns, fitted once and saved as a JSON document.
LogisticRegression
    A scikit-learn compatible binary logistic regression (L2, L1), with explanations and
    reason codes.
GradientBoostingClassifier
    Histogram gradient-boosted trees with native missing values, categorical splits,
    monotone constraints and exact TreeSHAP explanations.
Calibrator
    Platt scaling or isotonic regression of any score into a probability.
ScoringPipeline
    A fitted FeaturePipeline, a model and a calibrator as one document: raw columns in,
    calibrated probabilities and reason codes out.
NextbestError
    Raised for every invalid input or document; a subclass of ``ValueError``.
NotFittedError
    Raised when a model is used before it is fitted.

Modules
-------
metrics
    ROC/PR AUC, log loss, Brier, lift and gains, calibration, PSI and fairness reports.

Functions
---------
transaction_features
    One row of customer aggregates (recency, frequency, value, monthly flows, income,
    category shares, balances, life events) per customer of a transaction log.
"""

from ._nextbest import (
    FeaturePipeline,
    GaussianThompsonBandit,
    NextbestError,
    ScoringPipeline,
    ThompsonBandit,
    __version__,
    transaction_features,
)
from . import metrics
from .boosting import GradientBoostingClassifier
from .calibration import Calibrator
from .exceptions import NotFittedError
from .logistic import LogisticRegression

__all__ = [
    "Calibrator",
    "FeaturePipeline",
    "GradientBoostingClassifier",
    "LogisticRegression",
    "NotFittedError",
    "ScoringPipeline",
    "GaussianThompsonBandit",
    "NextbestError",
    "ThompsonBandit",
    "__version__",
    "metrics",
    "transaction_features",
]
