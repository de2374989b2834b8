//! Python bindings of nextbest: the native module `nextbest._nextbest`.
//!
//! The bindings are thin: every algorithm, check and error lives in the `nextbest` crate; this
//! crate converts Python arguments (`convert`), releases the GIL for batch work and maps core
//! errors to `nextbest.NextbestError` (`errors`).

use pyo3::prelude::*;

mod bandit;
mod calibration;
mod columns;
mod convert;
mod errors;
mod features;
mod gbdt;
mod logistic;
mod matrix;
mod metrics;
mod scoring;

/// Native part of the ``nextbest`` package; import ``nextbest`` instead.
#[pymodule]
fn _nextbest(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", nextbest::VERSION)?;
    errors::register(m)?;
    m.add_class::<bandit::ThompsonBandit>()?;
    m.add_class::<bandit::GaussianThompsonBandit>()?;
    m.add_class::<features::PyFeaturePipeline>()?;
    m.add_function(wrap_pyfunction!(features::transaction_features, m)?)?;
    metrics::register(m)?;
    calibration::register(m)?;
    logistic::register(m)?;
    gbdt::register(m)?;
    scoring::register(m)?;
    Ok(())
}
