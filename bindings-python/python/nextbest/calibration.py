"""Calibration of any score into a probability: Platt scaling and isotonic regression.

>>> from nextbest.calibration import Calibrator
>>> cal = Calibrator(method="isotonic").fit([0.1, 0.3, 0.35, 0.6, 0.8, 0.9], [0, 0, 1, 0, 1, 1])
>>> cal.predict([0.2, 0.7, 5.0]).round(6).tolist()
[0.0, 0.75, 1.0]
"""

from ._estimator import Estimator
from ._nextbest import CalibratorModel

__all__ = ["Calibrator"]


class Calibrator(Estimator):
    """Maps scores to calibrated probabilities, fitted on held-out scores and 0/1 outcomes.

    Works with any scorer: log-odds, probabilities or any number that grows with the chance of
    class 1.

    Parameters
    ----------
    method : {"isotonic", "platt"}, default="isotonic"
        ``"platt"``: ``P = 1 / (1 + exp(A s + B))`` fitted as scikit-learn's sigmoid
        calibration (Platt's smoothed targets), to the exact optimum. ``"isotonic"``: the best
        non-decreasing fit, interpolated linearly between thresholds and clipped outside them,
        as scikit-learn's ``IsotonicRegression(out_of_bounds="clip")``.

    Attributes
    ----------
    model_ : CalibratorModel
        The fitted native calibrator (after ``fit``).
    a_, b_ : float
        Platt's parameters (``method="platt"`` only).
    thresholds_ : tuple of two ndarrays
        The isotonic thresholds: increasing scores and their probabilities
        (``method="isotonic"`` only).
    """

    def __init__(self, method="isotonic"):
        self.method = method

    def fit(self, scores, y, sample_weight=None):
        """Fits on ``scores``, 0/1 outcomes ``y`` and optional non-negative weights; returns
        ``self``."""
        self.model_ = CalibratorModel.fit(self.method, scores, y, sample_weight)
        return self

    def predict(self, scores):
        """The calibrated probability of each score, as a float64 array."""
        return self._fitted().predict(scores)

    def transform(self, scores):
        """Same as ``predict``."""
        return self._fitted().predict(scores)

    def to_json(self):
        """The fitted calibrator as a versioned JSON document."""
        return self._fitted().to_json()

    @classmethod
    def from_json(cls, document):
        """Loads a calibrator saved by ``to_json``: it is fitted."""
        model = CalibratorModel.from_json(document)
        calibrator = cls(method=model.method)
        calibrator.model_ = model
        return calibrator

    @property
    def a_(self):
        """Platt's slope ``A`` of ``P = 1 / (1 + exp(A s + B))``."""
        return self._platt_parameter("a")

    @property
    def b_(self):
        """Platt's offset ``B`` of ``P = 1 / (1 + exp(A s + B))``."""
        return self._platt_parameter("b")

    @property
    def thresholds_(self):
        """The isotonic thresholds ``(scores, probabilities)``."""
        thresholds = self._fitted().thresholds
        if thresholds is None:
            raise AttributeError("thresholds_ is only defined for method='isotonic'")
        return thresholds

    def _platt_parameter(self, name):
        value = getattr(self._fitted(), name)
        if value is None:
            raise AttributeError(f"{name}_ is only defined for method='platt'")
        return value
