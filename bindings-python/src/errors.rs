//! The one place where errors become Python exceptions.
//!
//! Every [`nextbest::Error`] is raised as `nextbest.NextbestError` (a `ValueError`) carrying
//! core's message and, as the attribute `kind`, the name of its [`ErrorKind`]
//! (`"invalid argument"`, `"not found"`, ...). Arguments of the wrong Python type are reported
//! the same way, as an "invalid argument" naming the argument, so that callers need one
//! `except` clause.

use nextbest::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;

create_exception!(
    nextbest,
    NextbestError,
    PyValueError,
    "Raised for every invalid input, state document or request of nextbest.\n\n\
     A subclass of ``ValueError``. ``str(err)`` says what was wrong and where; ``err.kind`` is \
     the stable category: ``\"invalid argument\"``, ``\"shape mismatch\"``, \
     ``\"non-finite value\"``, ``\"not found\"``, ``\"empty input\"``, ``\"no eligible arm\"``, \
     ``\"bad document\"``, ``\"wrong kind\"``, ``\"unsupported version\"`` or \
     ``\"not fitted\"``."
);

/// The Python exception for a core error (needs the GIL to set `kind` on the instance).
pub fn to_py(py: Python<'_>, error: Error) -> PyErr {
    let err = NextbestError::new_err(error.message().to_owned());
    // Setting an attribute on a fresh exception instance cannot fail in practice; if it ever
    // did, the class attribute `kind = None` still answers.
    let _ = err
        .value(py)
        .setattr(intern!(py, "kind"), error.kind().name());
    err
}

/// Maps the error of a core result to a Python exception.
pub trait OrRaise<T> {
    /// `Ok` unchanged; `Err` raised as `NextbestError`.
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> OrRaise<T> for Result<T, Error> {
    #[inline]
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

/// An argument of the wrong Python type or form, as an "invalid argument" core error.
pub fn bad_arg(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// Raised when the binding cannot allocate the output of a batch call.
pub fn out_of_memory(what: &str, n: usize) -> PyErr {
    PyMemoryError::new_err(format!("cannot allocate {what} for {n} values"))
}

/// Registers the exception in the module, with the class attribute `kind = None` for
/// instances raised from Python code.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let ty = py.get_type::<NextbestError>();
    ty.setattr(intern!(py, "kind"), py.None())?;
    m.add("NextbestError", ty)
}
