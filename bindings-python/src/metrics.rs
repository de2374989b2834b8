//! Python bindings of `nextbest::metrics`: the native functions behind `nextbest.metrics`
//! (which holds their signatures, defaults and documentation) and the `PsiReference` class.
//!
//! Columns are read with `columns::number_column` (NumPy arrays of any numeric or boolean
//! dtype, pandas Series, lists); every check of the values is core's. Each metric runs with the
//! GIL released.

use crate::columns::{number_column, Numbers};
use crate::convert::{count_arg, float_arg, str_arg};
use crate::errors::OrRaise;
use nextbest::metrics::{self, BinStrategy, PsiReference};
use nextbest::{Persist, Result};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

/// A per-row column.
fn column<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Numbers<'py>> {
    number_column(obj, what).or_raise(obj.py())
}

/// Optional sample weights.
fn weights<'py>(obj: Option<&Bound<'py, PyAny>>) -> PyResult<Option<Numbers<'py>>> {
    match obj {
        Some(o) if !o.is_none() => column(o, "sample_weight").map(Some),
        _ => Ok(None),
    }
}

/// Reads `y`, per-row `values` (named `what`) and the optional weights, and runs `f` on them
/// without the GIL.
fn on_rows<T: Send>(
    y: &Bound<'_, PyAny>,
    values: &Bound<'_, PyAny>,
    what: &str,
    sample_weight: Option<&Bound<'_, PyAny>>,
    f: impl FnOnce(&[f64], &[f64], Option<&[f64]>) -> Result<T> + Send,
) -> PyResult<T> {
    let py = y.py();
    let (y, values, w) = (
        column(y, "y")?,
        column(values, what)?,
        weights(sample_weight)?,
    );
    let (y, values, w) = (y.values(), values.values(), w.as_ref().map(Numbers::values));
    py.detach(|| f(y, values, w)).or_raise(py)
}

fn array<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_vec(py, v)
}

/// ROC AUC (see ``nextbest.metrics.roc_auc``).
#[pyfunction]
fn metrics_roc_auc(
    y: &Bound<'_, PyAny>,
    score: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    on_rows(y, score, "score", sample_weight, metrics::roc_auc)
}

/// Average precision (see ``nextbest.metrics.pr_auc``).
#[pyfunction]
fn metrics_pr_auc(
    y: &Bound<'_, PyAny>,
    score: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    on_rows(y, score, "score", sample_weight, metrics::pr_auc)
}

/// Log loss (see ``nextbest.metrics.log_loss``).
#[pyfunction]
fn metrics_log_loss(
    y: &Bound<'_, PyAny>,
    prob: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    on_rows(y, prob, "prob", sample_weight, metrics::log_loss)
}

/// Brier score (see ``nextbest.metrics.brier``).
#[pyfunction]
fn metrics_brier(
    y: &Bound<'_, PyAny>,
    prob: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    on_rows(y, prob, "prob", sample_weight, metrics::brier)
}

/// Lift in the top fraction (see ``nextbest.metrics.lift_at``).
#[pyfunction]
fn metrics_lift_at(
    y: &Bound<'_, PyAny>,
    score: &Bound<'_, PyAny>,
    fraction: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let fraction = float_arg(fraction, "fraction").or_raise(y.py())?;
    on_rows(y, score, "score", sample_weight, |y, s, w| {
        metrics::lift_at(y, s, fraction, w)
    })
}

/// Cumulative gains (see ``nextbest.metrics.gain_curve``): `(targeted, captured)`.
#[pyfunction]
fn metrics_gain_curve<'py>(
    y: &Bound<'py, PyAny>,
    score: &Bound<'py, PyAny>,
    sample_weight: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = y.py();
    let g = on_rows(y, score, "score", sample_weight, metrics::gain_curve)?;
    PyTuple::new(py, [array(py, g.targeted), array(py, g.captured)])
}

/// The binning arguments of the calibration metrics.
fn binning(n_bins: &Bound<'_, PyAny>, strategy: &Bound<'_, PyAny>) -> Result<(usize, BinStrategy)> {
    let n_bins = count_arg(n_bins, "n_bins")?;
    let strategy = BinStrategy::from_name(&str_arg(strategy, "strategy")?)?;
    Ok((n_bins, strategy))
}

/// Reliability curve (see ``nextbest.metrics.calibration_curve``): `(prob_true, prob_pred,
/// weight)`.
#[pyfunction]
fn metrics_calibration_curve<'py>(
    y: &Bound<'py, PyAny>,
    prob: &Bound<'py, PyAny>,
    n_bins: &Bound<'py, PyAny>,
    strategy: &Bound<'py, PyAny>,
    sample_weight: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = y.py();
    let (n_bins, strategy) = binning(n_bins, strategy).or_raise(py)?;
    let c = on_rows(y, prob, "prob", sample_weight, |y, p, w| {
        metrics::calibration_curve(y, p, n_bins, strategy, w)
    })?;
    PyTuple::new(
        py,
        [
            array(py, c.prob_true),
            array(py, c.prob_pred),
            array(py, c.weight),
        ],
    )
}

/// Expected calibration error (see ``nextbest.metrics.expected_calibration_error``).
#[pyfunction]
fn metrics_expected_calibration_error(
    y: &Bound<'_, PyAny>,
    prob: &Bound<'_, PyAny>,
    n_bins: &Bound<'_, PyAny>,
    strategy: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let (n_bins, strategy) = binning(n_bins, strategy).or_raise(y.py())?;
    on_rows(y, prob, "prob", sample_weight, |y, p, w| {
        metrics::expected_calibration_error(y, p, n_bins, strategy, w)
    })
}

/// Population stability index (see ``nextbest.metrics.psi``).
#[pyfunction]
fn metrics_psi(
    expected_scores: &Bound<'_, PyAny>,
    actual_scores: &Bound<'_, PyAny>,
    bins: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let py = expected_scores.py();
    let bins = count_arg(bins, "bins").or_raise(py)?;
    let e = column(expected_scores, "expected_scores")?;
    let a = column(actual_scores, "actual_scores")?;
    let (e, a) = (e.values(), a.values());
    py.detach(|| metrics::psi(e, a, bins)).or_raise(py)
}

/// A float column of the group report: its name and how to read it.
type Column = (&'static str, fn(&metrics::GroupStats) -> f64);

/// Per-group report (see ``nextbest.metrics.group_report``): `groups` are codes in
/// `0..n_groups` (uint32); returns the numeric columns.
#[pyfunction]
fn metrics_group_report<'py>(
    y: &Bound<'py, PyAny>,
    score: &Bound<'py, PyAny>,
    groups: PyReadonlyArray1<'py, u32>,
    n_groups: usize,
    threshold: &Bound<'py, PyAny>,
    sample_weight: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let py = y.py();
    let threshold = float_arg(threshold, "threshold").or_raise(py)?;
    let codes = groups.as_array().to_vec();
    let r = on_rows(y, score, "score", sample_weight, |y, s, w| {
        metrics::group_report(y, s, &codes, n_groups, threshold, w)
    })?;
    let out = PyDict::new(py);
    let n: Vec<i64> = r.groups.iter().map(|g| g.n as i64).collect();
    out.set_item("n", PyArray1::from_vec(py, n))?;
    let columns: [Column; 5] = [
        ("weight", |g| g.weight),
        ("positive_rate", |g| g.positive_rate),
        ("auc", |g| g.auc),
        ("selection_rate", |g| g.selection_rate),
        ("disparate_impact", |g| g.disparate_impact),
    ];
    for (name, get) in columns {
        out.set_item(name, array(py, r.groups.iter().map(get).collect()))?;
    }
    Ok(out)
}

/// The bins of an expected score sample, frozen to compute the population stability index
/// (PSI) of later samples.
///
/// The inner bin edges are the quantiles of ``expected_scores`` at ``1/bins, 2/bins, ...``
/// (NumPy's default linear interpolation), equal edges merged, the outer edges -inf and +inf;
/// a score on an edge falls in the lower bin. ``psi(actual_scores)`` is
/// ``sum((a - e) * log(a / e))`` over the bins, ``e`` and ``a`` the expected and actual shares
/// floored at ``1e-4``.
///
/// Parameters
/// ----------
/// expected_scores : array-like of shape (n_samples,)
///     The reference sample (e.g. the development sample's scores): finite, not empty.
/// bins : int, default=10
///     The number of quantile bins (fewer when quantiles coincide).
///
/// Examples
/// --------
/// >>> from nextbest.metrics import PsiReference
/// >>> ref = PsiReference([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], bins=3)
/// >>> ref.n_bins
/// 3
/// >>> round(ref.psi([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), 6)
/// 0.0
/// >>> PsiReference.from_json(ref.to_json()).edges.tolist() == ref.edges.tolist()
/// True
#[pyclass(frozen, module = "nextbest.metrics", name = "PsiReference")]
pub struct PyPsiReference {
    inner: PsiReference,
}

#[pymethods]
impl PyPsiReference {
    #[new]
    #[pyo3(signature = (expected_scores, bins=None), text_signature = "(expected_scores, bins=10)")]
    fn new(expected_scores: &Bound<'_, PyAny>, bins: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let py = expected_scores.py();
        let bins = bins.map_or(Ok(10), |b| count_arg(b, "bins")).or_raise(py)?;
        let e = column(expected_scores, "expected_scores")?;
        let e = e.values();
        let inner = py.detach(|| PsiReference::fit(e, bins)).or_raise(py)?;
        Ok(PyPsiReference { inner })
    }

    /// The population stability index of ``actual_scores`` against the expected sample.
    fn psi(&self, actual_scores: &Bound<'_, PyAny>) -> PyResult<f64> {
        let py = actual_scores.py();
        let a = column(actual_scores, "actual_scores")?;
        let a = a.values();
        py.detach(|| self.inner.psi(a)).or_raise(py)
    }

    /// The share of ``actual_scores`` in each bin.
    fn actual_shares<'py>(
        &self,
        actual_scores: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let py = actual_scores.py();
        let a = column(actual_scores, "actual_scores")?;
        let a = a.values();
        let shares = py.detach(|| self.inner.actual_shares(a)).or_raise(py)?;
        Ok(array(py, shares))
    }

    /// The inner bin edges, strictly increasing (the outer edges are -inf and +inf).
    #[getter]
    fn edges<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        array(py, self.inner.edges().to_vec())
    }

    /// The share of the expected sample in each bin.
    #[getter]
    fn expected_shares<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        array(py, self.inner.expected_shares().to_vec())
    }

    /// The number of bins.
    #[getter]
    fn n_bins(&self) -> usize {
        self.inner.n_bins()
    }

    /// The bins and expected shares as a versioned JSON document.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Loads a reference saved by ``to_json``; every value of the document is checked.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = document.py();
        let doc = str_arg(document, "document").or_raise(py)?;
        let inner = PsiReference::from_json(&doc).or_raise(py)?;
        Ok(PyPsiReference { inner })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let from_json = slf.get_type().getattr(intern!(py, "from_json"))?;
        Ok((from_json, PyTuple::new(py, [slf.get().to_json()])?))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyPsiReference>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!("PsiReference(n_bins={})", self.inner.n_bins())
    }
}

/// Adds this module's classes and functions to `_nextbest`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPsiReference>()?;
    m.add_function(wrap_pyfunction!(metrics_roc_auc, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_pr_auc, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_log_loss, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_brier, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_lift_at, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_gain_curve, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_calibration_curve, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_expected_calibration_error, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_psi, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_group_report, m)?)?;
    Ok(())
}
