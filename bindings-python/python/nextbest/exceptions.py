"""The exceptions nextbest raises.

``NextbestError`` (a ``ValueError``) is raised for every invalid input or document;
``NotFittedError`` (a ``NextbestError`` and an ``AttributeError``) when a model is used before
it is fitted. When scikit-learn is loaded, a not-fitted error is also an instance of
``sklearn.exceptions.NotFittedError``, so that scikit-learn's tools recognise it; scikit-learn is
never imported by nextbest itself.
"""

import sys

from ._nextbest import NextbestError

__all__ = ["NextbestError", "NotFittedError"]


class NotFittedError(NextbestError, AttributeError):
    """Raised when a model is used before it is fitted."""

    kind = "not fitted"


_with_sklearn = None


def _not_fitted(message):
    """A ``NotFittedError`` carrying ``message``; also scikit-learn's when it is loaded."""
    global _with_sklearn
    sk = sys.modules.get("sklearn.exceptions")
    if sk is None:
        return NotFittedError(message)
    if _with_sklearn is None:

        class NotFittedError_(NotFittedError, sk.NotFittedError):
            __doc__ = NotFittedError.__doc__

        NotFittedError_.__name__ = NotFittedError_.__qualname__ = "NotFittedError"
        NotFittedError_.__module__ = __name__
        _with_sklearn = NotFittedError_
    return _with_sklearn(message)
