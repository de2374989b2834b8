"""What every nextbest binary classifier does in Python: labels, feature names, reason codes.

The facade converts Python things (class labels of any type, DataFrame column names) and
hands numbers to the native model; every check of the values is done by the Rust core.
"""

import sys
import warnings

import numpy as np

from ._estimator import BinaryClassifier
from ._nextbest import NextbestError


def _warning_class(name, fallback):
    """scikit-learn's warning class `name` when scikit-learn is loaded, else `fallback`."""
    sk = sys.modules.get("sklearn.exceptions")
    return getattr(sk, name, fallback) if sk is not None else fallback


class DataConversionWarning(UserWarning):
    """Input was converted (a column vector ``y`` raveled)."""


class ConvergenceWarning(UserWarning):
    """The solver stopped at ``max_iter`` before meeting ``tol``."""


def _feature_names(X):
    """The column names of a DataFrame-like ``X`` as a list of str, else None."""
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(X, np.ndarray):
        return None
    names = list(columns)
    if not all(isinstance(n, str) for n in names):
        return None
    return names


def _as_matrix(X):
    """A DataFrame as a float64 array (NumPy decides the order); anything else unchanged."""
    if hasattr(X, "columns") and hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        return X.to_numpy(dtype=np.float64)
    return X


def _binary_target(y):
    """The classes of ``y`` and ``y`` as 0.0/1.0 (1 for the second class in sorted order)."""
    if y is None:
        raise NextbestError("this classifier requires y to be passed, but the target y is None")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples, ), for example using ravel().",
            _warning_class("DataConversionWarning", DataConversionWarning),
            stacklevel=3,
        )
        y = y.ravel()
    if y.ndim != 1:
        raise NextbestError(f"y must be one-dimensional, got an array of shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            i = int(np.flatnonzero(~np.isfinite(y))[0])
            raise NextbestError(f"y[{i}] is {y[i]}, not a finite number")
        if np.any(y != np.round(y)):
            raise NextbestError(
                "Unknown label type: continuous values in y; a classifier needs two class labels"
            )
    if y.dtype.kind == "O":
        if any(v is None or (isinstance(v, float) and v != v) for v in y):
            raise NextbestError("y has missing values (None or NaN)")
    try:
        classes, codes = np.unique(y, return_inverse=True)
    except TypeError as e:
        raise NextbestError(f"y has labels that cannot be compared: {e}") from None
    if len(classes) > 2:
        raise NextbestError(
            "Only binary classification is supported. The type of the target is multiclass: "
            f"y has {len(classes)} classes"
        )
    # Fewer than two classes (or no rows) is core's to report.
    return classes, codes.astype(np.float64).ravel()


def _reason_dict(arrays, names):
    """Reason codes (four ``(n, k)`` arrays of feature indices and contributions) as a dict of
    1-D columns: ``raising_1``, ``raising_1_contribution``, ..., ``lowering_k_contribution``."""
    up, up_value, down, down_value = arrays
    lookup = np.asarray(list(names) + [None], dtype=object)
    out = {}
    for way, idx, val in (("raising", up, up_value), ("lowering", down, down_value)):
        for r in range(idx.shape[1]):
            out[f"{way}_{r + 1}"] = lookup[idx[:, r]]
            out[f"{way}_{r + 1}_contribution"] = val[:, r]
    return out


class BinaryModel(BinaryClassifier):
    """A fitted-native-model facade: predict, probabilities, explanations, reason codes."""

    def _record_fit(self, X, classes, model, names):
        self.model_ = model
        self.classes_ = classes
        self.n_features_in_ = model.n_features
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif "feature_names_in_" in self.__dict__:
            del self.feature_names_in_

    def _input(self, X):
        """``X`` for the native model, after checking DataFrame names against fit's."""
        model = self._fitted()
        if type(X) is np.ndarray and "feature_names_in_" not in self.__dict__:
            return model, X  # the fast path of single-row scoring
        fitted = self.__dict__.get("feature_names_in_")
        fitted = None if fitted is None else list(fitted)
        names = _feature_names(X)
        cls = type(self).__name__
        if names is not None and fitted is None:
            warnings.warn(
                f"X has feature names, but {cls} was fitted without feature names",
                UserWarning,
                stacklevel=3,
            )
        elif names is None and fitted is not None and X is not None and hasattr(X, "shape"):
            if not isinstance(X, np.ndarray) or X.ndim == 2:
                warnings.warn(
                    f"X does not have valid feature names, but {cls} was fitted with "
                    "feature names",
                    UserWarning,
                    stacklevel=3,
                )
        elif names is not None and list(names) != list(fitted):
            unexpected = [n for n in names if n not in fitted]
            missing = [n for n in fitted if n not in names]
            raise NextbestError(
                "The feature names should match those that were passed during fit.\n"
                + (f"Feature names unseen at fit time: {unexpected}\n" if unexpected else "")
                + (f"Feature names seen at fit time, yet now missing: {missing}\n" if missing else "")
                + ("Feature names must be in the same order as they were in fit.\n"
                   if not unexpected and not missing else "")
            )
        return model, _as_matrix(X)

    def decision_function(self, X):
        """The raw score (log-odds of the second class) of each row, shape ``(n,)``."""
        model, X = self._input(X)
        return model.decision_function(X)

    def predict_proba(self, X):
        """Class probabilities, shape ``(n, 2)``, columns in the order of ``classes_``."""
        model, X = self._input(X)
        return model.predict_proba(X, True)

    def predict_log_proba(self, X):
        """The logarithm of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The more probable class of each row (the second class when P >= 0.5)."""
        model, X = self._input(X)
        return self.classes_[(model.decision_function(X) > 0).astype(np.intp)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y``."""
        hits = self.predict(X) == np.asarray(y).ravel()
        return float(np.average(hits, weights=sample_weight))

    def explain(self, X):
        """Per-row contributions of each feature to the raw score, then the base value:
        shape ``(n, n_features_in_ + 1)``; each row sums to ``decision_function``."""
        model, X = self._input(X)
        return model.explain(X)

    def reason_codes(self, X, k=3):
        """The ``k`` features that raise and the ``k`` that lower each row's score most.

        Returns a dict of 1-D arrays ready for ``pandas.DataFrame``: ``raising_1`` ..
        ``raising_k`` (feature names, or indices when the model has no names; None where a row
        has fewer reasons) with ``raising_1_contribution`` ..., and the same for ``lowering``.
        """
        model, X = self._input(X)
        names = model.feature_names
        if names is None:
            names = list(range(model.n_features))
        return _reason_dict(model.reason_codes(X, int(k)), names)

    def to_json(self):
        """The fitted model's versioned JSON document (loadable from Rust and C)."""
        return self._fitted().to_json()

    def __getstate__(self):
        return dict(self.__dict__)

    def __setstate__(self, state):
        self.__dict__.update(state)
