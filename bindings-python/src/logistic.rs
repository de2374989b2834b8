//! `LogisticModel`: the fitted core [`LogisticRegression`], wrapped for
//! `nextbest.LogisticRegression`; and the scoring methods every native model shares.
//!
//! The binding converts inputs, runs core with the GIL released and maps errors; every check
//! of the values (shapes, finiteness, labels, weights, parameters) is core's.

use crate::convert::{array2, float_arg, numbers, output, type_name};
use crate::errors::{bad_arg, OrRaise};
use crate::matrix::matrix_arg;
use nextbest::model::{Classifier, Model};
use nextbest::propensity::{ClassWeight, LogisticParams, LogisticRegression, ReasonCodes};
use nextbest::{Error, Persist};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString, PyTuple};

/// A fitted logistic regression; use ``nextbest.LogisticRegression``.
#[pyclass(frozen, module = "nextbest._nextbest", name = "LogisticModel")]
pub struct PyLogisticModel(pub LogisticRegression);

/// The scoring methods of any core classifier, run on a Python `X`.
pub mod score {
    use super::*;

    /// Raw scores, shape `(n,)`.
    pub fn decision_function<'py>(
        m: &(impl Classifier + ?Sized),
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let py = x.py();
        let x = matrix_arg(x, "X")?.or_raise(py)?;
        let mut out = output(x.n_rows(), "the scores")?;
        let view = x.view();
        py.detach(|| m.decision_function(view, &mut out))
            .or_raise(py)?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// P(y = 1), shape `(n,)`, or `(n, 2)` with P(y = 0) first when `both`.
    pub fn predict_proba<'py>(
        m: &(impl Classifier + ?Sized),
        x: &Bound<'py, PyAny>,
        both: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = x.py();
        let x = matrix_arg(x, "X")?.or_raise(py)?;
        let n = x.n_rows();
        if !both {
            let mut out = output(n, "the probabilities")?;
            let view = x.view();
            py.detach(|| m.predict_proba(view, &mut out)).or_raise(py)?;
            return Ok(PyArray1::from_vec(py, out).into_any());
        }
        let mut out = output(2 * n, "the probabilities")?;
        let view = x.view();
        py.detach(|| -> nextbest::Result<()> {
            // Scores into the second half, then interleaved (1 - p, p) from the front: row i
            // reads slot n + i >= 2i + 1 only after rows before it wrote slots < 2i.
            let (_, p) = out.split_at_mut(n);
            m.predict_proba(view, p)?;
            for i in 0..n {
                let v = out[n + i];
                out[2 * i] = 1.0 - v;
                out[2 * i + 1] = v;
            }
            Ok(())
        })
        .or_raise(py)?;
        Ok(array2(py, out, n, 2)?.into_any())
    }

    /// Contributions and base value, shape `(n, n_features + 1)`.
    pub fn explain<'py>(
        m: &(impl Classifier + ?Sized),
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let py = x.py();
        let x = matrix_arg(x, "X")?.or_raise(py)?;
        let (n, w) = (x.n_rows(), m.n_features() + 1);
        let mut out = output(n.saturating_mul(w), "the explanations")?;
        let view = x.view();
        py.detach(|| m.explain(view, &mut out)).or_raise(py)?;
        array2(py, out, n, w)
    }

    /// Reason codes as `(raising_features, raising_contributions, lowering_features,
    /// lowering_contributions)`, each `(n, k)`; features are indices, -1 (and NaN) where a row
    /// has fewer than `k` reasons that way.
    pub fn reason_codes<'py>(
        m: &(impl Classifier + ?Sized),
        x: &Bound<'py, PyAny>,
        k: usize,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let py = x.py();
        let x = matrix_arg(x, "X")?.or_raise(py)?;
        let view = x.view();
        let codes = py.detach(|| m.reason_codes(view, k)).or_raise(py)?;
        reason_arrays(py, &codes)
    }
}

/// A new `(n, 2)` float64 array of zeros. Large ones come from `numpy.zeros` (so that memory is
/// zeroed lazily by the system, not written twice, and a failed allocation is a MemoryError);
/// small ones from a vector, which is faster to make.
fn zeros2(py: Python<'_>, n: usize) -> PyResult<Bound<'_, PyArray2<f64>>> {
    if n < 1 << 16 {
        return array2(py, output(2 * n, "the probabilities")?, n, 2);
    }
    let zeros = py
        .import(pyo3::intern!(py, "numpy"))?
        .getattr(pyo3::intern!(py, "zeros"))?
        .call1(((n, 2),))?;
    Ok(zeros.cast_into::<PyArray2<f64>>()?)
}

/// [`ReasonCodes`] as four `(n, k)` arrays (see [`score::reason_codes`]).
pub fn reason_arrays<'py>(py: Python<'py>, codes: &ReasonCodes) -> PyResult<Bound<'py, PyTuple>> {
    let (n, k) = (codes.n_rows(), codes.k);
    let mut parts = Vec::with_capacity(4);
    for reasons in [&codes.raising, &codes.lowering] {
        let features: Vec<i64> = reasons
            .iter()
            .map(|r| r.map_or(-1, |r| r.feature as i64))
            .collect();
        let values: Vec<f64> = reasons
            .iter()
            .map(|r| r.map_or(f64::NAN, |r| r.contribution))
            .collect();
        parts.push(PyArray1::from_vec(py, features).reshape([n, k])?.into_any());
        parts.push(PyArray1::from_vec(py, values).reshape([n, k])?.into_any());
    }
    PyTuple::new(py, parts)
}

fn class_weight_arg(obj: Option<&Bound<'_, PyAny>>) -> Result<ClassWeight, Error> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(ClassWeight::None);
    };
    if let Ok(s) = obj.cast::<PyString>() {
        return match s
            .to_cow()
            .map_err(|_| bad_arg("class_weight is not valid Unicode"))?
            .as_ref()
        {
            "balanced" => Ok(ClassWeight::Balanced),
            other => Err(bad_arg(format!(
                "class_weight must be None, \"balanced\" or a dict {{class: weight}}, got {other:?}"
            ))),
        };
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        if t.len() == 2 {
            return Ok(ClassWeight::Given {
                negative: float_arg(&t.get_item(0).expect("len 2"), "the weight of class 0")?,
                positive: float_arg(&t.get_item(1).expect("len 2"), "the weight of class 1")?,
            });
        }
    }
    Err(bad_arg(format!(
        "class_weight must be None, \"balanced\" or a pair (weight of class 0, weight of class 1), got {}",
        type_name(obj)
    )))
}

fn count(obj: &Bound<'_, PyAny>, what: &str) -> Result<usize, Error> {
    if obj.is_instance_of::<PyBool>() {
        return Err(bad_arg(format!("{what} must be an int, got bool")));
    }
    match obj.extract::<i64>() {
        Ok(v) if v >= 0 => Ok(v as usize),
        Ok(v) => Err(bad_arg(format!("{what} must be at least 1, got {v}"))),
        Err(_) => Err(bad_arg(format!(
            "{what} must be an int, got {}",
            type_name(obj)
        ))),
    }
}

#[pymethods]
impl PyLogisticModel {
    /// Fits a logistic regression of ``y`` (0/1) on ``X``.
    #[staticmethod]
    #[pyo3(signature = (X, y, sample_weight=None, *, l2, l1, class_weight, fit_intercept, max_iter, tol))]
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn fit(
        X: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        sample_weight: Option<&Bound<'_, PyAny>>,
        l2: &Bound<'_, PyAny>,
        l1: &Bound<'_, PyAny>,
        class_weight: Option<&Bound<'_, PyAny>>,
        fit_intercept: &Bound<'_, PyAny>,
        max_iter: &Bound<'_, PyAny>,
        tol: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let py = X.py();
        let params = (|| -> Result<LogisticParams, Error> {
            Ok(LogisticParams {
                l2: float_arg(l2, "l2")?,
                l1: float_arg(l1, "l1")?,
                class_weight: class_weight_arg(class_weight)?,
                fit_intercept: fit_intercept
                    .cast::<PyBool>()
                    .map(|b| b.is_true())
                    .map_err(|_| {
                        bad_arg(format!(
                            "fit_intercept must be a bool, got {}",
                            type_name(fit_intercept)
                        ))
                    })?,
                max_iter: count(max_iter, "max_iter")?,
                tol: float_arg(tol, "tol")?,
            })
        })()
        .or_raise(py)?;
        let x = matrix_arg(X, "X")?.or_raise(py)?;
        let y = numbers(y, "y").or_raise(py)?;
        let w = match sample_weight {
            Some(w) if !w.is_none() => Some(numbers(w, "sample_weight").or_raise(py)?),
            _ => None,
        };
        let view = x.view();
        let model = py
            .detach(|| params.fit(view, &y, w.as_deref()))
            .or_raise(py)?;
        Ok(PyLogisticModel(model))
    }

    /// The model with feature names attached (one per feature).
    fn with_feature_names(&self, names: Vec<String>) -> PyResult<Self> {
        Python::attach(|py| {
            self.0
                .clone()
                .with_feature_names(names)
                .map(PyLogisticModel)
                .or_raise(py)
        })
    }

    /// Raw scores (log-odds of class 1), shape ``(n,)``.
    #[allow(non_snake_case)]
    fn decision_function<'py>(&self, X: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        score::decision_function(&self.0, X)
    }

    /// P(y = 1) of each row, shape ``(n,)``; with ``both=True``, ``(n, 2)``.
    #[pyo3(signature = (X, both=false))]
    #[allow(non_snake_case)]
    fn predict_proba<'py>(&self, X: &Bound<'py, PyAny>, both: bool) -> PyResult<Bound<'py, PyAny>> {
        if !both {
            return score::predict_proba(&self.0, X, false);
        }
        // The (1 - p, p) pairs are written where NumPy will keep them, in one pass.
        let py = X.py();
        let x = matrix_arg(X, "X")?.or_raise(py)?;
        let out = zeros2(py, x.n_rows())?;
        {
            let mut pairs = out.readwrite();
            let pairs = pairs.as_slice_mut().expect("a new array is contiguous");
            let view = x.view();
            py.detach(|| self.0.predict_proba_pairs(view, pairs))
                .or_raise(py)?;
        }
        Ok(out.into_any())
    }

    /// Per-feature contributions to the raw score, then the base value: ``(n, n_features + 1)``.
    #[allow(non_snake_case)]
    fn explain<'py>(&self, X: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        score::explain(&self.0, X)
    }

    /// Reason codes as four ``(n, k)`` arrays (raising features, contributions, lowering
    /// features, contributions); features are indices, -1 where there is no reason.
    #[allow(non_snake_case)]
    fn reason_codes<'py>(&self, X: &Bound<'py, PyAny>, k: usize) -> PyResult<Bound<'py, PyTuple>> {
        score::reason_codes(&self.0, X, k)
    }

    /// The coefficients.
    #[getter]
    fn coef<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.0.coef())
    }

    /// The intercept.
    #[getter]
    fn intercept(&self) -> f64 {
        self.0.intercept()
    }

    /// The reference point of explanations (weighted training means).
    #[getter]
    fn reference<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.0.reference())
    }

    /// The number of features.
    #[getter]
    fn n_features(&self) -> usize {
        self.0.n_features()
    }

    /// The feature names, or None.
    #[getter]
    fn feature_names(&self) -> Option<Vec<String>> {
        self.0.feature_names().map(|n| n.to_vec())
    }

    /// How the solver ended: converged, n_iter, objective, gradient, solver.
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = self.0.report();
        let d = PyDict::new(py);
        d.set_item("converged", r.converged)?;
        d.set_item("n_iter", r.n_iter)?;
        d.set_item("objective", r.objective)?;
        d.set_item("gradient", r.gradient)?;
        d.set_item("solver", &r.solver)?;
        Ok(d)
    }

    /// The model's versioned JSON document.
    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.0.to_json())
    }

    /// Loads a ``logistic_regression`` document.
    #[staticmethod]
    fn from_json(py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let doc = crate::convert::str_arg(document, "document").or_raise(py)?;
        py.detach(|| LogisticRegression::from_json(&doc))
            .map(PyLogisticModel)
            .or_raise(py)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let py = slf.py();
        let load = py.get_type::<Self>().getattr("from_json")?;
        Ok((load, (slf.get().0.to_json(),)))
    }
}

/// The core model inside a fitted Python model object (a nextbest estimator with a fitted
/// `model_`, or a native model).
pub fn core_model(obj: &Bound<'_, PyAny>) -> PyResult<Model> {
    let native = match obj.getattr("model_") {
        Ok(m) if !m.is_none() => m,
        // A nextbest estimator not fitted yet raises its not-fitted error.
        _ if obj.hasattr("_fitted")? => obj.call_method0("_fitted")?,
        _ => obj.clone(),
    };
    if let Ok(m) = native.cast::<PyLogisticModel>() {
        return Ok(Model::Logistic(m.get().0.clone()));
    }
    if let Ok(m) = native.cast::<crate::gbdt::PyBoostingModel>() {
        return Ok(m.get().0.clone().into());
    }
    Err(crate::errors::to_py(
        obj.py(),
        bad_arg(format!(
            "model must be a fitted nextbest model (e.g. nextbest.LogisticRegression), got {}",
            type_name(obj)
        )),
    ))
}

/// Adds `LogisticModel` to `_nextbest`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLogisticModel>()
}
