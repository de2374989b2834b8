"""``nextbest.GradientBoostingClassifier``: a scikit-learn compatible facade of the Rust model."""

import numpy as np

from ._classifier import BinaryModel, _as_matrix, _binary_target, _feature_names
from ._nextbest import GradientBoostingModel, NextbestError


class GradientBoostingClassifier(BinaryModel):
    """Histogram gradient-boosted trees of the binary log loss, explained exactly by TreeSHAP.

    Trees grow leaf-wise on binned features (quantile bins, at most ``max_bins`` per
    feature), bounded by ``num_leaves`` and ``max_depth``. NaN is a missing value: each split
    learns which side it goes to. ``categorical_features`` (column indices) hold integer codes
    ``0 <= c < max_bins`` and are split into sets of categories. ``monotone_constraints``
    (one of -1, 0, 1 per feature) guarantee that the score never moves against the declared
    direction. Training is multi-threaded (``n_threads``, default all cores) and gives the
    same trees for any number of threads; the GIL is released during fit and prediction.

    Parameters
    ----------
    n_estimators : int, default=100
    learning_rate : float, default=0.1
    num_leaves : int, default=31
    max_depth : int, default=-1 (no limit)
    min_samples_leaf : int, default=20
    min_child_weight : float, default=1e-3 (smallest hessian sum in a leaf)
    l2 : float, default=0.0 (L2 penalty on leaf values)
    subsample : float, default=1.0 (share of rows per tree, drawn by ``seed``)
    colsample : float, default=1.0 (share of features per tree)
    max_bins : int, default=255
    monotone_constraints : list of int or None
    early_stopping_rounds : int or None (needs ``eval_set`` at fit)
    n_threads : int or None
    seed : int, default=0
    categorical_features : list of int or None

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_, feature_importances_ (gain, normalized to
    sum to 1), n_estimators_ (trees kept), evals_result_ (evaluation log loss per tree),
    model_ (the native model).

    Examples
    --------
    >>> import numpy as np, nextbest
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 3))
    >>> y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    >>> model = nextbest.GradientBoostingClassifier(n_estimators=50).fit(X, y)
    >>> bool(model.score(X, y) > 0.9)
    True
    >>> bool(np.allclose(model.explain(X[:5]).sum(axis=1), model.decision_function(X[:5])))
    True
    """

    def __init__(
        self,
        n_estimators=100,
        learning_rate=0.1,
        num_leaves=31,
        max_depth=-1,
        min_samples_leaf=20,
        min_child_weight=1e-3,
        l2=0.0,
        subsample=1.0,
        colsample=1.0,
        max_bins=255,
        monotone_constraints=None,
        early_stopping_rounds=None,
        n_threads=None,
        seed=0,
        categorical_features=None,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.min_child_weight = min_child_weight
        self.l2 = l2
        self.subsample = subsample
        self.colsample = colsample
        self.max_bins = max_bins
        self.monotone_constraints = monotone_constraints
        self.early_stopping_rounds = early_stopping_rounds
        self.n_threads = n_threads
        self.seed = seed
        self.categorical_features = categorical_features

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X, y, sample_weight=None, eval_set=None):
        """Fits on ``X`` (n, n_features; NaN = missing) and binary labels ``y``; returns
        ``self``. ``eval_set``: ``(X_val, y_val)`` (or a list holding one such tuple) scored
        after each tree, for ``early_stopping_rounds``."""
        names = _feature_names(X)
        classes, y01 = _binary_target(y)
        eval_arg = None
        if eval_set is not None:
            if isinstance(eval_set, list):
                if len(eval_set) != 1:
                    raise NextbestError(
                        f"eval_set must be one (X, y) tuple or a list of one, got a list of {len(eval_set)}"
                    )
                eval_set = eval_set[0]
            if not isinstance(eval_set, tuple) or len(eval_set) not in (2, 3):
                raise NextbestError("eval_set must be a tuple (X, y) or (X, y, sample_weight)")
            ex, ey = eval_set[0], np.asarray(eval_set[1])
            eval_codes = np.searchsorted(classes, ey)
            if ey.shape[0] and (np.any(eval_codes >= len(classes)) or np.any(classes[np.minimum(eval_codes, len(classes) - 1)] != ey)):
                raise NextbestError(f"eval_set y has labels that are not among the classes of y: {classes.tolist()}")
            eval_arg = (_as_matrix(ex), eval_codes.astype(np.float64), *eval_set[2:])
        model = GradientBoostingModel.fit(
            _as_matrix(X), y01, sample_weight, eval_arg, params=self.get_params(deep=False)
        )
        if names is not None:
            model = model.with_feature_names(names)
        self._record_fit(X, classes, model, names)
        return self

    def _record_fit(self, X, classes, model, names):
        super()._record_fit(X, classes, model, names)
        gain = model.feature_importance("gain")
        total = gain.sum()
        self.feature_importances_ = gain / total if total > 0 else gain
        self.n_estimators_ = model.n_trees
        self.evals_result_ = np.asarray(model.report["eval_loss"])

    def feature_importance(self, kind="gain"):
        """Unnormalized importance per feature: ``"gain"`` (total loss reduction of its
        splits) or ``"split"`` (number of splits)."""
        return self._fitted().feature_importance(kind)

    @classmethod
    def from_json(cls, document):
        """A fitted estimator from a ``gradient_boosting`` document (class labels 0 and 1)."""
        import json

        model = GradientBoostingModel.from_json(document)
        params = json.loads(model.to_json())["payload"]["params"]
        est = cls(
            **{k: v for k, v in params.items() if k != "max_depth"},
            max_depth=-1 if params["max_depth"] is None else params["max_depth"],
        )
        for key in ("monotone_constraints", "categorical_features"):
            if not getattr(est, key):
                setattr(est, key, None)
        est._record_fit(None, np.array([0, 1]), model, model.feature_names)
        return est
