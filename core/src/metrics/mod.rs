//! Metrics of scores and probabilities: how well a propensity model ranks, how calibrated
//! its probabilities are, what targeting its top buys, whether its population has moved and
//! how it treats groups of customers.
//!
//! - [`classification`]: [`roc_auc`], [`pr_auc`] (average precision), [`log_loss`], [`brier`];
//! - [`ranking`]: [`lift_at`] and the cumulative [`gain_curve`];
//! - [`calibration`]: [`calibration_curve`] and [`expected_calibration_error`];
//! - [`stability`]: the population stability index, [`psi`] or a fitted [`PsiReference`];
//! - [`fairness`]: [`group_report`], per-group AUC, positive and selection rates and the
//!   disparate impact.
//!
//! Every function takes plain slices, one value per row: labels `y` (each exactly 0 or 1),
//! scores (any finite numbers, higher meaning more likely positive) or probabilities (in
//! `[0, 1]`), and optional `sample_weight` (finite, `>= 0`, not all zero; rows of weight 0
//! count for nothing). Where scikit-learn has the same metric the value is the same (to
//! rounding), ties included; the functions named after scikit-learn's say so. Empty input,
//! NaN or infinite values, labels other than 0 and 1 and inputs of different lengths are
//! errors that name the argument and the row. Ranking metrics sort once, `O(n log n)`.
//!
//! ```
//! use nextbest::metrics::{lift_at, roc_auc};
//! let y = [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0];
//! let score = [0.1, 0.9, 0.3, 0.6, 0.2, 0.5, 0.8, 0.4, 0.1, 0.2];
//! assert_eq!(roc_auc(&y, &score, None)?, 1.0);
//! assert!((lift_at(&y, &score, 0.2, None)? - 10.0 / 3.0).abs() < 1e-12);
//! # Ok::<(), nextbest::Error>(())
//! ```

pub mod calibration;
pub mod classification;
mod common;
pub mod fairness;
pub mod ranking;
pub mod stability;

pub use calibration::{
    calibration_curve, expected_calibration_error, BinStrategy, CalibrationCurve,
};
pub use classification::{brier, log_loss, pr_auc, roc_auc};
pub use common::MAX_BINS;
pub use fairness::{group_report, GroupReport, GroupStats};
pub use ranking::{gain_curve, lift_at, GainCurve};
pub use stability::{psi, PsiReference, PSI_EPSILON};
