//! Propensity scoring: who is likely to take an offer.
//!
//! - [`LogisticRegression`]: L2- and L1-penalized logistic regression, fitted to the exact
//!   optimum by a Newton method on a million rows in a fraction of a second;
//! - [`Calibrator`]: Platt scaling and isotonic regression of any score into a probability;
//! - [`reason_codes`]: the features that raise and lower each customer's score most, from any
//!   model's exact additive explanation;
//! - [`ScoringPipeline`]: a fitted feature pipeline, a model and a calibrator as one document, so
//!   that raw customer rows go in and calibrated probabilities come out.

pub mod calibration;
mod explain;
mod logistic;
mod scoring;

pub use calibration::*;
pub use explain::*;
pub use logistic::*;
pub use scoring::*;
