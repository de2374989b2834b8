//! The one error type of the library.
//!
//! Every failure is an [`Error`]: a stable [`ErrorKind`] (the Python binding raises
//! `nextbest.NextbestError`, the C binding returns one `nb_status` per kind) and a message that
//! says what was wrong and where ("reward 1.5 for arm 'card' is outside [0, 1]").

use std::fmt;

/// What went wrong, coarsely; the message says the rest.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A parameter or value violates a stated constraint.
    InvalidArgument,
    /// Lengths or shapes of inputs disagree.
    ShapeMismatch,
    /// A NaN or infinite value where a finite one is required.
    NonFinite,
    /// An unknown name or an index out of range.
    NotFound,
    /// Empty input where some is required.
    Empty,
    /// A decision was asked for but no arm is eligible.
    NoEligibleArm,
    /// A persisted document that is not valid JSON or not a valid nextbest document.
    BadDocument,
    /// A persisted document of another kind than the one being loaded.
    WrongKind,
    /// A persisted document of a version this build cannot read.
    UnsupportedVersion,
    /// A model used before it was fitted.
    NotFitted,
}

impl ErrorKind {
    /// A short lowercase name for the kind, used in messages.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::ShapeMismatch => "shape mismatch",
            ErrorKind::NonFinite => "non-finite value",
            ErrorKind::NotFound => "not found",
            ErrorKind::Empty => "empty input",
            ErrorKind::NoEligibleArm => "no eligible arm",
            ErrorKind::BadDocument => "bad document",
            ErrorKind::WrongKind => "wrong kind",
            ErrorKind::UnsupportedVersion => "unsupported version",
            ErrorKind::NotFitted => "not fitted",
        }
    }
}

/// The library's error: a kind and a message stating the violated constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Shorthand for [`ErrorKind::InvalidArgument`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    /// Shorthand for [`ErrorKind::ShapeMismatch`].
    pub fn shape(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ShapeMismatch, message)
    }

    /// Shorthand for [`ErrorKind::NonFinite`].
    pub fn non_finite(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NonFinite, message)
    }

    /// Shorthand for [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Shorthand for [`ErrorKind::Empty`].
    pub fn empty(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Empty, message)
    }

    /// Shorthand for [`ErrorKind::BadDocument`].
    pub fn document(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadDocument, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Checks that `value` is finite; `what` names it in the message.
pub fn check_finite(value: f64, what: impl FnOnce() -> String) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::non_finite(format!(
            "{} is {value}, not a finite number",
            what()
        )))
    }
}
