//! Python bindings of nextbest.
