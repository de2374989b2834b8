"""Type stubs of the native module ``nextbest._nextbest`` (import ``nextbest`` instead)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

Arm = Union[str, int]
"""An arm: its name, or its index (int or NumPy integer)."""

Eligible = Optional[Union[Sequence[bool], Sequence[str], Sequence[int], npt.NDArray[Any]]]
"""None (every arm), a boolean mask with one entry per arm, arm names, or arm indices."""

Numbers = Union[Sequence[float], npt.NDArray[Any]]

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
