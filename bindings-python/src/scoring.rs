//! `nextbest.ScoringPipeline`: the core [`ScoringPipeline`] over a DataFrame or dict of raw
//! columns.

use crate::calibration::PyCalibratorModel;
use crate::convert::{array2, output};
use crate::convert::{str_arg, type_name};
use crate::errors::{bad_arg, OrRaise};
use crate::features::{input_names, read_inputs, PyFeaturePipeline};
use crate::logistic::{core_model, reason_arrays};
use nextbest::model::Classifier;
use nextbest::propensity::{CalibrationInput, ScoringPipeline};
use nextbest::Persist;
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// A fitted feature pipeline, a model and an optional calibrator, saved as one document:
/// raw customer columns (a DataFrame or a dict of columns) go in, calibrated probabilities,
/// explanations and reason codes come out, exactly as the Rust and C libraries compute them
/// from the same document.
///
/// Parameters
/// ----------
/// features : FeaturePipeline
///     A fitted pipeline; its outputs are the model's inputs.
/// model : nextbest.LogisticRegression (fitted)
///     Fitted on ``features.transform(X)``.
/// calibrator : nextbest.Calibrator (fitted), optional
/// calibrate_on : {"decision_function", "predict_proba"}, default "decision_function"
///     Which output of the model the calibrator was fitted on.
///
/// Examples
/// --------
/// >>> import numpy as np, nextbest
/// >>> X = {"income": [900.0, 2500.0, 4100.0, 1800.0, 3000.0, 5200.0],
/// ...      "region": ["north", "south", "south", "north", "east", "south"]}
/// >>> y = [0, 0, 1, 0, 1, 1]
/// >>> features = nextbest.FeaturePipeline(numeric=["income"], categorical=["region"]).fit(X)
/// >>> model = nextbest.LogisticRegression().fit(features.transform(X), y)
/// >>> scorer = nextbest.ScoringPipeline(features, model)
/// >>> scorer.predict_proba(X).shape
/// (6,)
/// >>> codes = scorer.reason_codes({"income": [5000.0], "region": ["south"]}, k=1)
/// >>> codes["raising_1"][0]
/// 'income'
#[pyclass(frozen, module = "nextbest", name = "ScoringPipeline")]
pub struct PyScoringPipeline(ScoringPipeline);

fn calibrate_on_arg(obj: Option<&Bound<'_, PyAny>>) -> Result<CalibrationInput, nextbest::Error> {
    match obj {
        Some(o) if !o.is_none() => CalibrationInput::from_name(&str_arg(o, "calibrate_on")?),
        _ => Ok(CalibrationInput::default()),
    }
}

#[pymethods]
impl PyScoringPipeline {
    #[new]
    #[pyo3(signature = (features, model, calibrator=None, calibrate_on=None))]
    fn new(
        features: &Bound<'_, PyAny>,
        model: &Bound<'_, PyAny>,
        calibrator: Option<&Bound<'_, PyAny>>,
        calibrate_on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let py = features.py();
        let features = features
            .cast::<PyFeaturePipeline>()
            .map_err(|_| {
                bad_arg(format!(
                    "features must be a fitted nextbest.FeaturePipeline, got {}",
                    type_name(features)
                ))
            })
            .or_raise(py)?
            .get()
            .fitted()
            .or_raise(py)?;
        let model = core_model(model)?;
        let calibrator = match calibrator {
            Some(c) if !c.is_none() => {
                let native = match c.getattr("model_") {
                    Ok(m) if !m.is_none() => m,
                    _ => c.clone(),
                };
                let cal = native
                    .cast::<PyCalibratorModel>()
                    .map_err(|_| {
                        bad_arg(format!(
                            "calibrator must be a fitted nextbest.Calibrator, got {}",
                            type_name(c)
                        ))
                    })
                    .or_raise(py)?
                    .get()
                    .0
                    .clone();
                Some((cal, calibrate_on_arg(calibrate_on).or_raise(py)?))
            }
            _ => None,
        };
        ScoringPipeline::new((*features).clone(), model, calibrator)
            .map(PyScoringPipeline)
            .or_raise(py)
    }

    /// The calibrated probability of class 1 of each row of ``X``, shape ``(n,)``.
    #[allow(non_snake_case)]
    fn predict_proba<'py>(&self, X: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let py = X.py();
        let inputs = read_inputs(X, input_names(self.0.features())).or_raise(py)?;
        let table = inputs.table().or_raise(py)?;
        let mut out = output(table.n_rows(), "the probabilities")?;
        py.detach(|| self.0.predict_proba(&table, &mut out))
            .or_raise(py)?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Contributions of each model feature to the raw score, then the base value:
    /// ``(n, n_features + 1)``, columns named by ``feature_names`` (then the base value).
    #[allow(non_snake_case)]
    fn explain<'py>(&self, X: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let py = X.py();
        let inputs = read_inputs(X, input_names(self.0.features())).or_raise(py)?;
        let table = inputs.table().or_raise(py)?;
        let w = self.0.feature_names().len() + 1;
        let mut out = output(table.n_rows().saturating_mul(w), "the explanations")?;
        py.detach(|| self.0.explain(&table, &mut out))
            .or_raise(py)?;
        array2(py, out, table.n_rows(), w)
    }

    /// The ``k`` model features that raise and lower each row's score most, as a dict of
    /// 1-D arrays (see ``LogisticRegression.reason_codes``).
    #[pyo3(signature = (X, k=3))]
    #[allow(non_snake_case)]
    fn reason_codes<'py>(&self, X: &Bound<'py, PyAny>, k: usize) -> PyResult<Bound<'py, PyAny>> {
        let py = X.py();
        let inputs = read_inputs(X, input_names(self.0.features())).or_raise(py)?;
        let table = inputs.table().or_raise(py)?;
        let codes = py.detach(|| self.0.reason_codes(&table, k)).or_raise(py)?;
        let arrays = reason_arrays(py, &codes)?;
        py.import("nextbest._classifier")?
            .getattr("_reason_dict")?
            .call1((arrays, self.0.feature_names().to_vec()))
    }

    /// The names of the model's features (the feature pipeline's outputs).
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.0.feature_names().to_vec()
    }

    /// The raw input columns read from ``X``.
    #[getter]
    fn input_names(&self) -> Vec<String> {
        input_names(self.0.features())
    }

    /// The model's number of features.
    #[getter]
    fn n_features(&self) -> usize {
        self.0.model().n_features()
    }

    /// The versioned ``scoring_pipeline`` document (loadable from Rust and C).
    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.0.to_json())
    }

    /// Loads a ``scoring_pipeline`` document.
    #[staticmethod]
    fn from_json(py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let doc = str_arg(document, "document").or_raise(py)?;
        py.detach(|| ScoringPipeline::from_json(&doc))
            .map(PyScoringPipeline)
            .or_raise(py)
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let load = py.get_type::<Self>().getattr("from_json")?;
        Ok((load, PyTuple::new(py, [slf.get().0.to_json()])?))
    }

    fn __repr__(&self) -> String {
        format!(
            "ScoringPipeline({} inputs -> {} features -> {}{})",
            input_names(self.0.features()).len(),
            self.0.feature_names().len(),
            self.0.model().kind(),
            match self.0.calibrator() {
                Some((c, on)) => format!(" -> {} calibrator on {}", c.method().name(), on.name()),
                None => String::new(),
            }
        )
    }
}

/// Adds `ScoringPipeline` to `_nextbest`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScoringPipeline>()
}
