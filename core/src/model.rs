//! Fitted models behind one interface, and loading any of them from a document.
//!
//! [`Classifier`] is what every fitted binary classifier offers: raw scores, probabilities and
//! an exact additive explanation of each score. [`Model`] holds any persisted model, so that a C
//! system or a scoring pipeline loads a document without knowing in advance which kind of model
//! it holds.

use crate::data::Matrix;
use crate::error::{Error, ErrorKind, Result};
use crate::gbdt::GradientBoosting;
use crate::persist::{self, Persist};
use crate::propensity::{reason_codes, LogisticRegression, ReasonCodes};

/// A fitted binary classifier. Immutable, `Send + Sync`: one model serves many threads.
pub trait Classifier: Send + Sync {
    /// The number of input features.
    fn n_features(&self) -> usize;

    /// The names of the input features, when they were known at fit time.
    fn feature_names(&self) -> Option<&[String]>;

    /// Writes the raw score (log-odds of class 1) of each row of `x` into `out`.
    fn decision_function(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()>;

    /// Writes P(y = 1) of each row of `x` into `out`.
    fn predict_proba(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.decision_function(x, out)?;
        crate::data::sigmoid_in_place(out);
        Ok(())
    }

    /// Writes each row's explanation into `out`, row-major `n_rows x (n_features + 1)`: the
    /// contribution of each feature, then the base value; each row sums to the raw score.
    fn explain(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()>;

    /// The `k` features that raise and the `k` that lower each row's score most.
    fn reason_codes(&self, x: Matrix<'_>, k: usize) -> Result<ReasonCodes> {
        let width = self.n_features() + 1;
        let mut contributions = vec![0.0; x.n_rows() * width];
        self.explain(x, &mut contributions)?;
        reason_codes(&contributions, self.n_features(), k)
    }
}

pub use crate::data::sigmoid;

/// Checks that `out` has one slot per row of `x`.
pub(crate) fn check_out(out: &[f64], expected: usize, what: &str) -> Result<()> {
    if out.len() != expected {
        return Err(Error::shape(format!(
            "{what} output has room for {} values, expected {expected}",
            out.len()
        )));
    }
    Ok(())
}

/// Any persisted classifier.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Model {
    /// A [`LogisticRegression`].
    Logistic(LogisticRegression),
    /// A [`GradientBoosting`] ensemble.
    Boosting(Box<GradientBoosting>),
}

impl Model {
    /// Loads a model document of any supported kind.
    pub fn from_json(json: &str) -> Result<Model> {
        Self::from_document(persist::parse_document(json)?)
    }

    /// Loads a parsed model document of any supported kind.
    pub fn from_document(document: serde_json::Value) -> Result<Model> {
        let kind = persist::document_kind(&document)?;
        match kind {
            LogisticRegression::KIND => {
                LogisticRegression::from_document(document).map(Model::Logistic)
            }
            GradientBoosting::KIND => {
                GradientBoosting::from_document(document).map(|m| Model::Boosting(Box::new(m)))
            }
            other => Err(Error::new(
                ErrorKind::WrongKind,
                format!(
                    "document holds a {other:?}, not a model (expected one of: {:?})",
                    Model::KINDS
                ),
            )),
        }
    }

    /// The document kinds [`Model::from_json`] loads.
    pub const KINDS: &'static [&'static str] = &[LogisticRegression::KIND, GradientBoosting::KIND];

    /// The document of the model.
    pub fn to_json(&self) -> String {
        match self {
            Model::Logistic(m) => m.to_json(),
            Model::Boosting(m) => m.to_json(),
        }
    }

    /// The document of the model, as a JSON value.
    pub fn to_document(&self) -> serde_json::Value {
        match self {
            Model::Logistic(m) => m.to_document(),
            Model::Boosting(m) => m.to_document(),
        }
    }

    /// The model's document kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Model::Logistic(_) => LogisticRegression::KIND,
            Model::Boosting(_) => GradientBoosting::KIND,
        }
    }

    fn inner(&self) -> &dyn Classifier {
        match self {
            Model::Logistic(m) => m,
            Model::Boosting(m) => m.as_ref(),
        }
    }
}

impl From<LogisticRegression> for Model {
    fn from(m: LogisticRegression) -> Self {
        Model::Logistic(m)
    }
}

impl From<GradientBoosting> for Model {
    fn from(m: GradientBoosting) -> Self {
        Model::Boosting(Box::new(m))
    }
}

impl Classifier for Model {
    fn n_features(&self) -> usize {
        self.inner().n_features()
    }
    fn feature_names(&self) -> Option<&[String]> {
        self.inner().feature_names()
    }
    fn decision_function(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.inner().decision_function(x, out)
    }
    fn predict_proba(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.inner().predict_proba(x, out)
    }
    fn explain(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.inner().explain(x, out)
    }
}
