//! `GradientBoostingModel`: the fitted core [`GradientBoosting`], wrapped for
//! `nextbest.GradientBoostingClassifier`.

use crate::convert::{count_arg, float_arg, numbers, seed_arg, type_name};
use crate::errors::{bad_arg, OrRaise};
use crate::logistic::score;
use crate::matrix::matrix_arg;
use nextbest::gbdt::{BoostingParams, EvalSet, GradientBoosting, Importance};
use nextbest::model::Classifier;
use nextbest::{Error, Persist};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// A fitted gradient-boosted tree ensemble; use ``nextbest.GradientBoostingClassifier``.
#[pyclass(frozen, module = "nextbest._nextbest", name = "GradientBoostingModel")]
pub struct PyBoostingModel(pub GradientBoosting);

/// `None` or a non-negative int.
fn opt_count(obj: &Bound<'_, PyAny>, what: &str) -> Result<Option<usize>, Error> {
    if obj.is_none() {
        Ok(None)
    } else {
        count_arg(obj, what).map(Some)
    }
}

/// A list of ints (each converted by `item`), or an empty list for `None`.
fn int_list<T>(
    obj: &Bound<'_, PyAny>,
    what: &str,
    item: impl Fn(i64) -> Option<T>,
) -> Result<Vec<T>, Error> {
    if obj.is_none() {
        return Ok(Vec::new());
    }
    let values: Vec<i64> = obj.extract().map_err(|_| {
        bad_arg(format!(
            "{what} must be a list of ints or None, got {}",
            type_name(obj)
        ))
    })?;
    values
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            item(v).ok_or_else(|| bad_arg(format!("{what}[{k}] is {v}, which is out of range")))
        })
        .collect()
}

/// The parameters from the estimator's keyword dict (every key required, none unknown).
fn params_arg(d: &Bound<'_, PyDict>) -> Result<BoostingParams, Error> {
    let mut p = BoostingParams::default();
    for (key, value) in d.iter() {
        let key: String = key
            .extract()
            .map_err(|_| bad_arg("parameter names must be str"))?;
        let v = &value;
        match key.as_str() {
            "n_estimators" => p.n_estimators = count_arg(v, &key)?,
            "learning_rate" => p.learning_rate = float_arg(v, &key)?,
            "num_leaves" => p.num_leaves = count_arg(v, &key)?,
            "max_depth" => {
                // -1 or None: no limit.
                p.max_depth = match v.extract::<i64>() {
                    Ok(-1) => None,
                    _ => opt_count(v, &key)?,
                }
            }
            "min_samples_leaf" => p.min_samples_leaf = count_arg(v, &key)?,
            "min_child_weight" => p.min_child_weight = float_arg(v, &key)?,
            "l2" => p.l2 = float_arg(v, &key)?,
            "subsample" => p.subsample = float_arg(v, &key)?,
            "colsample" => p.colsample = float_arg(v, &key)?,
            "max_bins" => p.max_bins = count_arg(v, &key)?,
            "monotone_constraints" => {
                p.monotone_constraints = int_list(v, &key, |c| i8::try_from(c).ok())?
            }
            "categorical_features" => {
                p.categorical_features = int_list(v, &key, |c| usize::try_from(c).ok())?
            }
            "early_stopping_rounds" => p.early_stopping_rounds = opt_count(v, &key)?,
            "n_threads" => p.n_threads = opt_count(v, &key)?,
            "seed" => {
                if v.is_none() {
                    return Err(bad_arg("seed must be an int, got None"));
                }
                p.seed = seed_arg(Some(v))?
            }
            other => return Err(bad_arg(format!("unknown parameter {other:?}"))),
        }
    }
    Ok(p)
}

#[pymethods]
impl PyBoostingModel {
    /// Fits gradient-boosted trees of ``y`` (0/1) on ``X`` (NaN = missing); ``eval_set`` is
    /// ``(X, y)`` or ``(X, y, sample_weight)`` for early stopping.
    #[staticmethod]
    #[pyo3(signature = (X, y, sample_weight=None, eval_set=None, *, params))]
    #[allow(non_snake_case)]
    fn fit(
        X: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        sample_weight: Option<&Bound<'_, PyAny>>,
        eval_set: Option<&Bound<'_, PyAny>>,
        params: &Bound<'_, PyDict>,
    ) -> PyResult<Self> {
        let py = X.py();
        let params = params_arg(params).or_raise(py)?;
        let x = matrix_arg(X, "X")?.or_raise(py)?;
        let y = numbers(y, "y").or_raise(py)?;
        let w = match sample_weight {
            Some(w) if !w.is_none() => Some(numbers(w, "sample_weight").or_raise(py)?),
            _ => None,
        };
        let eval = match eval_set {
            Some(e) if !e.is_none() => {
                let parts = e
                    .cast::<PyTuple>()
                    .ok()
                    .filter(|t| (2..=3).contains(&t.len()));
                let Some(parts) = parts else {
                    return Err(bad_arg(format!(
                        "eval_set must be a tuple (X, y) or (X, y, sample_weight), got {}",
                        type_name(e)
                    )))
                    .or_raise(py);
                };
                let ex = matrix_arg(&parts.get_item(0)?, "eval_set X")?.or_raise(py)?;
                let ey = numbers(&parts.get_item(1)?, "eval_set y").or_raise(py)?;
                let ew = match parts.get_item(2) {
                    Ok(w) if !w.is_none() => {
                        Some(numbers(&w, "eval_set sample_weight").or_raise(py)?)
                    }
                    _ => None,
                };
                Some((ex, ey, ew))
            }
            _ => None,
        };
        let view = x.view();
        let eval = eval.as_ref().map(|(ex, ey, ew)| EvalSet {
            x: ex.view(),
            y: ey,
            sample_weight: ew.as_deref(),
        });
        let model = py
            .detach(|| params.fit(view, &y, w.as_deref(), eval))
            .or_raise(py)?;
        Ok(PyBoostingModel(model))
    }

    /// The model with feature names attached (one per feature).
    fn with_feature_names(&self, py: Python<'_>, names: Vec<String>) -> PyResult<Self> {
        self.0
            .clone()
            .with_feature_names(names)
            .map(PyBoostingModel)
            .or_raise(py)
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
        score::predict_proba(&self.0, X, both)
    }

    /// TreeSHAP contributions to the raw score, then the base value: ``(n, n_features + 1)``.
    #[allow(non_snake_case)]
    fn explain<'py>(&self, X: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        score::explain(&self.0, X)
    }

    /// Reason codes as four ``(n, k)`` arrays (see ``LogisticModel.reason_codes``).
    #[allow(non_snake_case)]
    fn reason_codes<'py>(&self, X: &Bound<'py, PyAny>, k: usize) -> PyResult<Bound<'py, PyTuple>> {
        score::reason_codes(&self.0, X, k)
    }

    /// Each feature's importance: ``"gain"`` (total loss reduction) or ``"split"`` (count).
    #[pyo3(signature = (kind="gain"))]
    fn feature_importance<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let kind = Importance::from_name(kind).or_raise(py)?;
        Ok(PyArray1::from_vec(py, self.0.feature_importance(kind)))
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

    /// The number of trees.
    #[getter]
    fn n_trees(&self) -> usize {
        self.0.trees().len()
    }

    /// How training ended: n_iter, n_trees, eval_loss.
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = self.0.report();
        let d = PyDict::new(py);
        d.set_item("n_iter", r.n_iter)?;
        d.set_item("n_trees", r.n_trees)?;
        d.set_item("eval_loss", r.eval_loss.clone())?;
        Ok(d)
    }

    /// The model's versioned JSON document.
    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.0.to_json())
    }

    /// Loads a ``gradient_boosting`` document.
    #[staticmethod]
    fn from_json(py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let doc = crate::convert::str_arg(document, "document").or_raise(py)?;
        py.detach(|| GradientBoosting::from_json(&doc))
            .map(PyBoostingModel)
            .or_raise(py)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let py = slf.py();
        let load = py.get_type::<Self>().getattr("from_json")?;
        Ok((load, (slf.get().0.to_json(),)))
    }
}

/// Adds `GradientBoostingModel` to `_nextbest`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBoostingModel>()
}
