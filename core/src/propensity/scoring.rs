//! The scoring pipeline: raw customer rows in, calibrated probabilities and reasons out.

use crate::data::Matrix;
use crate::error::{Error, ErrorKind, Result};
use crate::features::{FeaturePipeline, Table};
use crate::model::{Classifier, Model};
use crate::persist::Persist;
use crate::propensity::{reason_codes, Calibrator, ReasonCodes};
use serde::{Deserialize, Serialize};

/// Which output of the model a calibrator was fitted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationInput {
    /// The raw score (log-odds), the model's `decision_function`.
    #[default]
    DecisionFunction,
    /// The probability of class 1, the model's `predict_proba`.
    PredictProba,
}

impl CalibrationInput {
    /// Parses `"decision_function"` or `"predict_proba"`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "decision_function" => Ok(CalibrationInput::DecisionFunction),
            "predict_proba" => Ok(CalibrationInput::PredictProba),
            other => Err(Error::invalid(format!(
                "calibrate_on must be \"decision_function\" or \"predict_proba\", got {other:?}"
            ))),
        }
    }

    /// The name [`CalibrationInput::from_name`] parses.
    pub fn name(self) -> &'static str {
        match self {
            CalibrationInput::DecisionFunction => "decision_function",
            CalibrationInput::PredictProba => "predict_proba",
        }
    }
}

/// A fitted [`FeaturePipeline`], a model and an optional calibrator, saved as one document: raw
/// customer columns go in, calibrated probabilities, explanations and reason codes come out.
/// Immutable and `Send + Sync`.
///
/// ```
/// use nextbest::data::Matrix;
/// use nextbest::features::{Column, NumericSpec, PipelineSpec, Table};
/// use nextbest::propensity::{LogisticParams, ScoringPipeline};
/// use nextbest::Persist;
///
/// let income = [1200.0, 3400.0, 800.0, 5100.0, 2300.0, 4000.0];
/// let took_card = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0];
/// let mut table = Table::new();
/// table.push("income", Column::Numeric(&income))?;
/// let spec = PipelineSpec { numeric: vec![NumericSpec::new("income")], categorical: vec![] };
/// let features = spec.fit(&table)?;
/// let x = features.transform_to_vec(&table)?;
/// let model = LogisticParams::default().fit(Matrix::row_major(&x, 6, 1)?, &took_card, None)?;
/// let pipeline = ScoringPipeline::new(features, model.into(), None)?;
/// let mut p = vec![0.0; 6];
/// pipeline.predict_proba(&table, &mut p)?;
/// let saved = ScoringPipeline::from_json(&pipeline.to_json())?;
/// assert_eq!(saved, pipeline);
/// # Ok::<(), nextbest::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ScoringPipeline {
    features: FeaturePipeline,
    model: Model,
    calibrator: Option<(Calibrator, CalibrationInput)>,
}

impl ScoringPipeline {
    /// Chains `features`, `model` and `calibrator` (with the model output it was fitted on).
    /// The model must take exactly the pipeline's outputs; when it knows its feature names,
    /// they must be the pipeline's output names.
    pub fn new(
        features: FeaturePipeline,
        model: Model,
        calibrator: Option<(Calibrator, CalibrationInput)>,
    ) -> Result<Self> {
        let outputs = features.feature_names_out();
        if model.n_features() != outputs.len() {
            return Err(Error::shape(format!(
                "the model takes {} features but the feature pipeline makes {}",
                model.n_features(),
                outputs.len()
            )));
        }
        if let Some(names) = model.feature_names() {
            if let Some(j) = (0..names.len()).find(|&j| names[j] != outputs[j]) {
                return Err(Error::invalid(format!(
                    "the model's feature {j} is {:?} but the feature pipeline's output {j} is {:?}",
                    names[j], outputs[j]
                )));
            }
        }
        Ok(ScoringPipeline {
            features,
            model,
            calibrator,
        })
    }

    /// The feature pipeline.
    pub fn features(&self) -> &FeaturePipeline {
        &self.features
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The calibrator and the model output it takes.
    pub fn calibrator(&self) -> Option<(&Calibrator, CalibrationInput)> {
        self.calibrator.as_ref().map(|(c, i)| (c, *i))
    }

    /// The names of the model's features (the pipeline's outputs).
    pub fn feature_names(&self) -> &[String] {
        self.features.feature_names_out()
    }

    /// The model inputs of each row of `table`, row-major.
    fn transform(&self, table: &Table<'_>) -> Result<Vec<f64>> {
        self.features.transform_to_vec(table)
    }

    fn matrix<'a>(&self, table: &Table<'_>, x: &'a [f64]) -> Result<Matrix<'a>> {
        Matrix::row_major(x, table.n_rows(), self.features.n_outputs())
    }

    /// Writes the calibrated probability of class 1 of each row of `table` into `out`
    /// (uncalibrated when there is no calibrator). Writes nothing on error.
    pub fn predict_proba(&self, table: &Table<'_>, out: &mut [f64]) -> Result<()> {
        let x = self.transform(table)?;
        let x = self.matrix(table, &x)?;
        let mut scores = vec![0.0; x.n_rows()];
        match &self.calibrator {
            None => self.model.predict_proba(x, &mut scores)?,
            Some((_, CalibrationInput::DecisionFunction)) => {
                self.model.decision_function(x, &mut scores)?
            }
            Some((_, CalibrationInput::PredictProba)) => {
                self.model.predict_proba(x, &mut scores)?
            }
        }
        if out.len() != scores.len() {
            return Err(Error::shape(format!(
                "predict_proba output has room for {} values, expected {}",
                out.len(),
                scores.len()
            )));
        }
        match &self.calibrator {
            None => out.copy_from_slice(&scores),
            Some((c, _)) => c.predict(&scores, out)?,
        }
        Ok(())
    }

    /// Writes each row's explanation of the model's raw score (before calibration) into `out`,
    /// row-major `n_rows x (n_features + 1)` as [`Classifier::explain`].
    pub fn explain(&self, table: &Table<'_>, out: &mut [f64]) -> Result<()> {
        let x = self.transform(table)?;
        self.model.explain(self.matrix(table, &x)?, out)
    }

    /// The `k` features that raise and lower each row's score most (indices into
    /// [`ScoringPipeline::feature_names`]).
    pub fn reason_codes(&self, table: &Table<'_>, k: usize) -> Result<ReasonCodes> {
        let width = self.features.n_outputs() + 1;
        let mut contributions = vec![0.0; table.n_rows() * width];
        self.explain(table, &mut contributions)?;
        reason_codes(&contributions, width - 1, k)
    }
}

/// The saved form of a [`ScoringPipeline`]: the documents of its parts.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringPayload {
    features: serde_json::Value,
    model: serde_json::Value,
    calibrator: Option<serde_json::Value>,
    calibrate_on: CalibrationInput,
}

impl Persist for ScoringPipeline {
    const KIND: &'static str = "scoring_pipeline";
    const VERSION: u32 = 1;
    type Payload = ScoringPayload;

    fn to_payload(&self) -> ScoringPayload {
        ScoringPayload {
            features: self.features.to_document(),
            model: self.model.to_document(),
            calibrator: self.calibrator.as_ref().map(|(c, _)| c.to_document()),
            calibrate_on: self
                .calibrator
                .as_ref()
                .map(|(_, i)| *i)
                .unwrap_or_default(),
        }
    }

    fn from_payload(p: ScoringPayload, _version: u32) -> Result<Self> {
        // A part of another kind or a newer version keeps its kind; anything else wrong in a
        // part is a bad document.
        let part = |what: &str, e: Error| {
            let kind = match e.kind() {
                k @ (ErrorKind::WrongKind | ErrorKind::UnsupportedVersion) => k,
                _ => ErrorKind::BadDocument,
            };
            Error::new(
                kind,
                format!("scoring_pipeline document, {what}: {}", e.message()),
            )
        };
        let features =
            FeaturePipeline::from_document(p.features).map_err(|e| part("features", e))?;
        let model = Model::from_document(p.model).map_err(|e| part("model", e))?;
        let calibrator = match p.calibrator {
            Some(doc) => Some((
                Calibrator::from_document(doc).map_err(|e| part("calibrator", e))?,
                p.calibrate_on,
            )),
            None => None,
        };
        ScoringPipeline::new(features, model, calibrator)
            .map_err(|e| Error::document(format!("scoring_pipeline document: {}", e.message())))
    }
}
