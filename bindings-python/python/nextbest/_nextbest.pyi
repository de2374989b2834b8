"""Type stubs of the native module ``nextbest._nextbest`` (import ``nextbest`` instead)."""

import datetime
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

Arm = Union[str, int]
"""An arm: its name, or its index (int or NumPy integer)."""

Eligible = Optional[Union[Sequence[bool], Sequence[str], Sequence[int], npt.NDArray[Any]]]
"""None (every arm), a boolean mask with one entry per arm, arm names, or arm indices."""

Numbers = Union[Sequence[float], npt.NDArray[Any]]

ArrayLike = Union[Sequence[Any], npt.NDArray[Any], Any]
"""A column: a NumPy array, a pandas Series or Index, or a list."""

Table = Union[Mapping[str, ArrayLike], Any]
"""A pandas DataFrame, or a dict (any mapping) of column name -> column."""

TimeLike = Union[int, float, str, datetime.datetime, datetime.date, np.datetime64]
"""Epoch seconds, a datetime (naive is UTC), a date (midnight UTC), a numpy.datetime64 or a
date string."""

class NextbestError(ValueError):
    """Raised for every invalid input, state document or request of nextbest."""

    kind: Optional[str]
    """The category: "invalid argument", "shape mismatch", "non-finite value", "not found",
    "empty input", "no eligible arm", "bad document", "wrong kind", "unsupported version" or
    "not fitted" (None for an instance raised by Python code)."""

class ThompsonBandit:
    """Beta-Bernoulli Thompson sampling over offers whose rewards are in [0, 1]."""

    def __init__(
        self,
        arms: Union[Sequence[str], int],
        prior_alpha: Union[float, Sequence[float], npt.NDArray[Any]] = 1.0,
        prior_beta: Union[float, Sequence[float], npt.NDArray[Any]] = 1.0,
        discount: float = 1.0,
        seed: Optional[int] = None,
    ) -> None: ...
    def select(self, eligible: Eligible = None) -> Any:
        """One decision: the arm's name (str), or its index (int) for unnamed bandits."""
    def select_many(self, n: int, eligible: Eligible = None) -> npt.NDArray[np.int64]: ...
    def top_k(self, k: int, eligible: Eligible = None) -> List[Any]: ...
    def update(self, arm: Arm, reward: float) -> None: ...
    def update_many(
        self, arms: Union[Sequence[Arm], npt.NDArray[np.integer[Any]]], rewards: Numbers
    ) -> None: ...
    def arm_probabilities(self, eligible: Eligible = None) -> npt.NDArray[np.float64]: ...
    def posterior(self) -> List[Dict[str, Any]]:
        """Per arm: arm, alpha, beta, mean, lower, upper."""
    def add_arm(
        self, name: str, prior_alpha: Optional[float] = None, prior_beta: Optional[float] = None
    ) -> int: ...
    def remove_arm(self, arm: Arm) -> None: ...
    @property
    def arms(self) -> List[str]: ...
    @property
    def n_arms(self) -> int: ...
    @property
    def discount(self) -> float: ...
    def __len__(self) -> int: ...
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, document: str) -> "ThompsonBandit": ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...

class GaussianThompsonBandit:
    """Gaussian Thompson sampling for real-valued rewards of any scale."""

    def __init__(
        self,
        arms: Union[Sequence[str], int],
        seed: Optional[int] = None,
        prior_mean: Optional[float] = None,
        prior_strength: Optional[float] = None,
        prior_scale: Optional[float] = None,
        discount: float = 1.0,
    ) -> None: ...
    def select(self, eligible: Eligible = None) -> Any:
        """One decision: the arm's name (str), or its index (int) for unnamed bandits."""
    def select_many(self, n: int, eligible: Eligible = None) -> npt.NDArray[np.int64]: ...
    def top_k(self, k: int, eligible: Eligible = None) -> List[Any]: ...
    def update(self, arm: Arm, reward: float) -> None: ...
    def update_many(
        self, arms: Union[Sequence[Arm], npt.NDArray[np.integer[Any]]], rewards: Numbers
    ) -> None: ...
    def arm_probabilities(self, eligible: Eligible = None) -> npt.NDArray[np.float64]: ...
    def posterior(self) -> List[Dict[str, Any]]:
        """Per arm: arm, count, reward_mean, reward_std, mean, lower, upper."""
    def add_arm(
        self,
        name: str,
        prior_mean: Optional[float] = None,
        prior_strength: Optional[float] = None,
        prior_scale: Optional[float] = None,
    ) -> int: ...
    def remove_arm(self, arm: Arm) -> None: ...
    @property
    def arms(self) -> List[str]: ...
    @property
    def n_arms(self) -> int: ...
    @property
    def discount(self) -> float: ...
    def __len__(self) -> int: ...
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, document: str) -> "GaussianThompsonBandit": ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...

class FeaturePipeline:
    """Per-column numeric and categorical transforms of a table, fitted once."""

    def __init__(
        self,
        numeric: Sequence[str] = (),
        categorical: Sequence[str] = (),
        impute: str = "median",
        impute_value: float = 0.0,
        scale: str = "standard",
        log1p: Union[Sequence[str], bool] = (),
        clip: Optional[Tuple[float, float]] = None,
        bins: Optional[int] = None,
        max_categories: Optional[int] = 32,
        min_frequency: Union[int, float] = 0.0,
        handle_unknown: str = "other",
        encoding: str = "onehot",
        add_indicator: bool = False,
        columns: Optional[Mapping[str, Mapping[str, Any]]] = None,
    ) -> None: ...
    def fit(self, X: Table, y: Any = None) -> "FeaturePipeline": ...
    def transform(self, X: Table) -> npt.NDArray[np.float64]:
        """A C-contiguous float64 array of shape (n_rows, n_outputs_)."""
    def fit_transform(self, X: Table, y: Any = None) -> npt.NDArray[np.float64]: ...
    def feature_names_out(self) -> List[str]: ...
    def get_feature_names_out(self, input_features: Any = None) -> npt.NDArray[np.object_]: ...
    @property
    def n_outputs_(self) -> int: ...
    def categories(self, name: str) -> List[str]: ...
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, document: str) -> "FeaturePipeline": ...
    def get_params(self, deep: bool = True) -> Dict[str, Any]: ...
    def set_params(self, **params: Any) -> "FeaturePipeline":
        """Sets constructor parameters; a fitted pipeline needs fit() again for them to apply."""
    def __sklearn_is_fitted__(self) -> bool: ...
    def __sklearn_tags__(self) -> Any: ...
    def __reduce__(self) -> Tuple[Any, Tuple[()], Dict[str, Any]]: ...
    def __setstate__(self, state: Dict[str, Any]) -> None: ...

def transaction_features(
    customer_ids: ArrayLike,
    timestamps: ArrayLike,
    amounts: ArrayLike,
    as_of: TimeLike,
    categories: Optional[ArrayLike] = None,
    balances: Optional[ArrayLike] = None,
    windows_days: Union[Sequence[int], int] = (30, 90, 365),
    top_categories: int = 20,
    *,
    months: int = 12,
    recurring_tolerance: float = 0.1,
    recurring_min_months: int = 3,
    salary_change_fraction: float = 0.2,
    large_inflow_multiple: float = 3.0,
    new_payment_days: int = 120,
    n_threads: Optional[int] = None,
) -> Tuple[npt.NDArray[Any], npt.NDArray[np.float64], List[str]]:
    """(customer ids, features of shape (n_customers, n_features), feature names)."""

Matrix = Union[npt.NDArray[Any], Sequence[Sequence[float]], Any]
"""A 2-D array of numbers (float64 in C or Fortran order is read without a copy)."""

ReasonArrays = Tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]
]
"""Raising features (-1 where none), their contributions, lowering features, contributions:
each ``(n, k)``."""

class LogisticModel:
    """A fitted logistic regression; use ``nextbest.LogisticRegression``."""

    @staticmethod
    def fit(
        X: Matrix,
        y: ArrayLike,
        sample_weight: Optional[ArrayLike] = None,
        *,
        l2: float,
        l1: float,
        class_weight: Union[None, str, Tuple[float, float]],
        fit_intercept: bool,
        max_iter: int,
        tol: float,
    ) -> "LogisticModel": ...
    def with_feature_names(self, names: List[str]) -> "LogisticModel": ...
    def decision_function(self, X: Matrix) -> npt.NDArray[np.float64]: ...
    def predict_proba(self, X: Matrix, both: bool = False) -> npt.NDArray[np.float64]: ...
    def explain(self, X: Matrix) -> npt.NDArray[np.float64]: ...
    def reason_codes(self, X: Matrix, k: int) -> ReasonArrays: ...
    @property
    def coef(self) -> npt.NDArray[np.float64]: ...
    @property
    def intercept(self) -> float: ...
    @property
    def reference(self) -> npt.NDArray[np.float64]: ...
    @property
    def n_features(self) -> int: ...
    @property
    def feature_names(self) -> Optional[List[str]]: ...
    @property
    def report(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(document: str) -> "LogisticModel": ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...

class CalibratorModel:
    """A fitted calibrator (Platt scaling or isotonic regression); use ``nextbest.Calibrator``."""

    @staticmethod
    def fit(
        method: str,
        scores: ArrayLike,
        y: ArrayLike,
        sample_weight: Optional[ArrayLike] = None,
    ) -> "CalibratorModel": ...
    def predict(self, scores: ArrayLike) -> npt.NDArray[np.float64]: ...
    @property
    def method(self) -> str: ...
    @property
    def a(self) -> Optional[float]:
        """Platt's A of P = 1 / (1 + exp(A s + B)); None for isotonic."""
    @property
    def b(self) -> Optional[float]:
        """Platt's B; None for isotonic."""
    @property
    def thresholds(
        self,
    ) -> Optional[Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
        """Isotonic (scores, probabilities); None for Platt."""
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(document: str) -> "CalibratorModel": ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...

class ScoringPipeline:
    """A fitted feature pipeline, a model and an optional calibrator, saved as one document."""

    def __init__(
        self,
        features: FeaturePipeline,
        model: Any,
        calibrator: Optional[Any] = None,
        calibrate_on: Optional[str] = "decision_function",
    ) -> None: ...
    def predict_proba(self, X: Table) -> npt.NDArray[np.float64]: ...
    def explain(self, X: Table) -> npt.NDArray[np.float64]: ...
    def reason_codes(self, X: Table, k: int = 3) -> Dict[str, npt.NDArray[Any]]: ...
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def input_names(self) -> List[str]: ...
    @property
    def n_features(self) -> int: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(document: str) -> "ScoringPipeline": ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...

class PsiReference:
    """The bins of an expected score sample, frozen to compute the PSI of later samples."""

    def __init__(self, expected_scores: ArrayLike, bins: int = 10) -> None: ...
    def psi(self, actual_scores: ArrayLike) -> float: ...
    def actual_shares(self, actual_scores: ArrayLike) -> npt.NDArray[np.float64]: ...
    @property
    def edges(self) -> npt.NDArray[np.float64]: ...
    @property
    def expected_shares(self) -> npt.NDArray[np.float64]: ...
    @property
    def n_bins(self) -> int: ...
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, document: str) -> "PsiReference": ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...
    def __eq__(self, other: object) -> bool: ...

def metrics_roc_auc(y: ArrayLike, score: ArrayLike, sample_weight: Optional[ArrayLike]) -> float: ...
def metrics_pr_auc(y: ArrayLike, score: ArrayLike, sample_weight: Optional[ArrayLike]) -> float: ...
def metrics_log_loss(y: ArrayLike, prob: ArrayLike, sample_weight: Optional[ArrayLike]) -> float: ...
def metrics_brier(y: ArrayLike, prob: ArrayLike, sample_weight: Optional[ArrayLike]) -> float: ...
def metrics_lift_at(
    y: ArrayLike, score: ArrayLike, fraction: float, sample_weight: Optional[ArrayLike]
) -> float: ...
def metrics_gain_curve(
    y: ArrayLike, score: ArrayLike, sample_weight: Optional[ArrayLike]
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def metrics_calibration_curve(
    y: ArrayLike, prob: ArrayLike, n_bins: int, strategy: str, sample_weight: Optional[ArrayLike]
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def metrics_expected_calibration_error(
    y: ArrayLike, prob: ArrayLike, n_bins: int, strategy: str, sample_weight: Optional[ArrayLike]
) -> float: ...
def metrics_psi(expected_scores: ArrayLike, actual_scores: ArrayLike, bins: int) -> float: ...
def metrics_group_report(
    y: ArrayLike,
    score: ArrayLike,
    groups: npt.NDArray[np.uint32],
    n_groups: int,
    threshold: float,
    sample_weight: Optional[ArrayLike],
) -> Dict[str, npt.NDArray[Any]]: ...
