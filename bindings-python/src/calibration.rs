//! `CalibratorModel`: the fitted core [`Calibrator`], wrapped for `nextbest.Calibrator`.
//!
//! The binding converts array-likes to `f64` vectors, runs core's fit and predict with the GIL
//! released, and pickles through the JSON document. Every check of the values is core's.

use crate::convert::{numbers, str_arg};
use crate::errors::OrRaise;
use nextbest::propensity::{CalibrationMethod, Calibrator};
use nextbest::Persist;
use numpy::PyArray1;
use pyo3::intern;
use pyo3::prelude::*;

/// A fitted calibrator (Platt scaling or isotonic regression); use ``nextbest.Calibrator``.
#[pyclass(frozen, module = "nextbest._nextbest", name = "CalibratorModel")]
pub struct PyCalibratorModel(pub Calibrator);

/// Isotonic thresholds as two NumPy arrays: scores and probabilities.
type Thresholds<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

#[pymethods]
impl PyCalibratorModel {
    /// Fits a calibrator: ``method`` is ``"platt"`` or ``"isotonic"``, ``y`` holds 0/1
    /// outcomes, ``sample_weight`` optional non-negative weights.
    #[staticmethod]
    #[pyo3(signature = (method, scores, y, sample_weight=None))]
    fn fit(
        py: Python<'_>,
        method: &Bound<'_, PyAny>,
        scores: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        sample_weight: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let method = str_arg(method, "method")
            .and_then(|m| CalibrationMethod::from_name(&m))
            .or_raise(py)?;
        let scores = numbers(scores, "scores").or_raise(py)?;
        let y = numbers(y, "y").or_raise(py)?;
        let weights = match sample_weight {
            Some(w) if !w.is_none() => Some(numbers(w, "sample_weight").or_raise(py)?),
            _ => None,
        };
        py.detach(|| Calibrator::fit(method, &scores, &y, weights.as_deref()))
            .map(PyCalibratorModel)
            .or_raise(py)
    }

    /// The calibrated probability of each score.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        scores: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let scores = numbers(scores, "scores").or_raise(py)?;
        let out = py
            .detach(|| {
                let mut out = vec![0.0; scores.len()];
                self.0.predict(&scores, &mut out).map(|()| out)
            })
            .or_raise(py)?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// ``"platt"`` or ``"isotonic"``.
    #[getter]
    fn method(&self) -> &'static str {
        self.0.method().name()
    }

    /// Platt's slope ``A`` of ``P = 1 / (1 + exp(A s + B))``; None for isotonic calibration.
    #[getter]
    fn a(&self) -> Option<f64> {
        self.0.platt_parameters().map(|(a, _)| a)
    }

    /// Platt's offset ``B``; None for isotonic calibration.
    #[getter]
    fn b(&self) -> Option<f64> {
        self.0.platt_parameters().map(|(_, b)| b)
    }

    /// The isotonic thresholds ``(scores, probabilities)``; None for Platt scaling.
    #[getter]
    fn thresholds<'py>(&self, py: Python<'py>) -> Option<Thresholds<'py>> {
        self.0
            .isotonic_thresholds()
            .map(|(x, p)| (PyArray1::from_slice(py, x), PyArray1::from_slice(py, p)))
    }

    /// The calibrator as a versioned JSON document (what the Rust and C libraries load).
    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.0.to_json())
    }

    /// Loads a document written by ``to_json``.
    #[staticmethod]
    fn from_json(document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = document.py();
        let doc = str_arg(document, "document").or_raise(py)?;
        py.detach(|| Calibrator::from_json(&doc))
            .map(PyCalibratorModel)
            .or_raise(py)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let py = slf.py();
        let load = slf.get_type().getattr(intern!(py, "from_json"))?;
        Ok((load, (slf.get().to_json(py),)))
    }

    fn __repr__(&self) -> String {
        format!("CalibratorModel(method={:?})", self.0.method().name())
    }
}

/// Adds this module's classes and functions to `_nextbest`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCalibratorModel>()
}
