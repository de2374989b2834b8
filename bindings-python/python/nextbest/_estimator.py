"""The scikit-learn estimator protocol, without depending on scikit-learn.

``Estimator`` gives a class whose ``__init__`` only stores its keyword parameters the methods
scikit-learn's tools expect: ``get_params``, ``set_params``, ``__repr__``, and tags built from
scikit-learn's own ``Tags`` class when scikit-learn asks for them (so it is imported only then).
Every check of the parameters' values happens in the Rust core, at ``fit``.
"""

import inspect

from ._nextbest import NextbestError
from .exceptions import _not_fitted


class Estimator:
    """Base of nextbest's scikit-learn compatible estimators."""

    _estimator_type = None

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )

    def get_params(self, deep=True):
        """The constructor parameters, as given."""
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for k, v in value.get_params(deep=True).items():
                    out[f"{name}__{k}"] = v
        return out

    def set_params(self, **params):
        """Sets constructor parameters (checked at the next ``fit``); returns ``self``."""
        names = self._param_names()
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in names:
                raise NextbestError(
                    f"{type(self).__name__} has no parameter {name!r}; "
                    f"valid parameters are {names}"
                )
            if sub:
                getattr(self, name).set_params(**{sub: value})
            else:
                setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        shown = []
        for name in self._param_names():
            value = getattr(self, name, None)
            default = defaults.get(name, inspect.Parameter.empty)
            try:
                same = value is default or bool(value == default)
            except Exception:
                same = False
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def _fitted(self, attribute="model_"):
        """The fitted core object, or a ``NotFittedError``."""
        model = self.__dict__.get(attribute)
        if model is None:
            raise _not_fitted(
                f"this {type(self).__name__} instance is not fitted yet: call fit with "
                "appropriate arguments before using this estimator"
            )
        return model

    def __sklearn_is_fitted__(self):
        return self.__dict__.get("model_") is not None


class BinaryClassifier(Estimator):
    """Base of binary classifiers: scikit-learn tags saying so."""

    _estimator_type = "classifier"

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(multi_class=False),
            input_tags=InputTags(allow_nan=False),
        )
