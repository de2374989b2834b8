//! C interface of nextbest.
