"""``nextbest.LogisticRegression``: a scikit-learn compatible facade of the Rust model."""

import warnings

import numpy as np

from ._classifier import BinaryModel, ConvergenceWarning, _as_matrix, _binary_target, _feature_names, _warning_class
from ._nextbest import LogisticModel, NextbestError


class LogisticRegression(BinaryModel):
    """Binary logistic regression with L2 and L1 penalties, fitted to the exact optimum.

    Minimizes ``sum_i w_i * logloss_i + l2/2 * ||coef||^2 + l1 * ||coef||_1`` (the intercept is
    not penalized): scikit-learn's objective with ``C = 1 / l2``, so coefficients compare
    directly. A Newton method (proximal Newton with an L1 penalty; L-BFGS/OWL-QN for more than
    511 features) converges until the largest gradient entry, divided by the total sample
    weight, is at most ``tol``. The GIL is released during ``fit`` and prediction.

    Parameters
    ----------
    l2 : float, default=1.0
        L2 penalty (>= 0).
    l1 : float, default=0.0
        L1 penalty (>= 0); positive values make coefficients exactly zero.
    class_weight : None, "balanced" or dict, default=None
        Weights of the classes on top of ``sample_weight``: "balanced" weighs class ``c`` by
        ``W / (2 W_c)``; a dict maps class labels to weights (missing classes weigh 1).
    fit_intercept : bool, default=True
    max_iter : int, default=200
    tol : float, default=1e-8

    Attributes
    ----------
    classes_, coef_ (1, n_features), intercept_ (1,), n_features_in_, feature_names_in_
    (when fitted on a DataFrame with string column names), n_iter_, converged_, model_ (the
    native model).

    Examples
    --------
    >>> import numpy as np, nextbest
    >>> X = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, 0.0], [3.0, 1.5]])
    >>> model = nextbest.LogisticRegression(l2=0.1).fit(X, ["no", "no", "yes", "yes"])
    >>> model.predict(X).tolist()
    ['no', 'no', 'yes', 'yes']
    >>> bool(np.allclose(model.explain(X).sum(axis=1), model.decision_function(X)))
    True
    """

    def __init__(self, l2=1.0, l1=0.0, class_weight=None, fit_intercept=True, max_iter=200, tol=1e-8):
        self.l2 = l2
        self.l1 = l1
        self.class_weight = class_weight
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def _class_weight(self, classes):
        cw = self.class_weight
        if cw is None or isinstance(cw, str):
            return cw
        if isinstance(cw, dict):
            unknown = [c for c in cw if c not in set(classes.tolist())]
            if unknown:
                raise NextbestError(
                    f"class_weight has classes {unknown} that are not in y (classes: {classes.tolist()})"
                )
            return (float(cw.get(classes[0], 1.0)), float(cw.get(classes[1], 1.0)))
        raise NextbestError(
            f"class_weight must be None, 'balanced' or a dict {{class: weight}}, got {type(cw).__name__}"
        )

    def fit(self, X, y, sample_weight=None):
        """Fits on ``X`` (n, n_features) and binary labels ``y``; returns ``self``."""
        names = _feature_names(X)
        classes, y01 = _binary_target(y)
        model = LogisticModel.fit(
            _as_matrix(X),
            y01,
            sample_weight,
            l2=self.l2,
            l1=self.l1,
            class_weight=self._class_weight(classes),
            fit_intercept=self.fit_intercept,
            max_iter=self.max_iter,
            tol=self.tol,
        )
        if names is not None:
            model = model.with_feature_names(names)
        self._record_fit(X, classes, model, names)
        report = model.report
        self.coef_ = model.coef.reshape(1, -1)
        self.intercept_ = np.array([model.intercept])
        self.n_iter_ = np.array([report["n_iter"]], dtype=np.int32)
        self.converged_ = report["converged"]
        if not report["converged"]:
            warnings.warn(
                f"{report['solver']} stopped after {report['n_iter']} iterations with gradient "
                f"{report['gradient']:.3g} > tol={self.tol}: increase max_iter, or the data may be "
                "separable (add an L2 penalty)",
                _warning_class("ConvergenceWarning", ConvergenceWarning),
                stacklevel=2,
            )
        return self

    @classmethod
    def from_json(cls, document):
        """A fitted estimator from a ``logistic_regression`` document (class labels 0 and 1)."""
        model = LogisticModel.from_json(document)
        est = cls(**{k: v for k, v in _params_of(model).items()})
        names = model.feature_names
        est._record_fit(None, np.array([0, 1]), model, names)
        est.coef_ = model.coef.reshape(1, -1)
        est.intercept_ = np.array([model.intercept])
        est.n_iter_ = np.array([model.report["n_iter"]], dtype=np.int32)
        est.converged_ = model.report["converged"]
        return est


def _params_of(model):
    """The constructor parameters saved in a model document."""
    import json

    params = json.loads(model.to_json())["payload"]["params"]
    cw = params["class_weight"]
    class_weight = {
        "none": None,
        "balanced": "balanced",
    }.get(cw["type"], None)
    if cw["type"] == "given":
        class_weight = {0: cw["negative"], 1: cw["positive"]}
    return dict(
        l2=params["l2"],
        l1=params["l1"],
        class_weight=class_weight,
        fit_intercept=params["fit_intercept"],
        max_iter=params["max_iter"],
        tol=params["tol"],
    )
