//! How well scores separate the two classes (ROC AUC, average precision) and how good
//! probabilities are (log loss, Brier score).

use super::common::{check_probabilities, check_rows, ranked, totals, weight_at, Tie};
use crate::error::{Error, Result};

/// The area under the ROC curve: the probability that a random positive row scores above a
/// random negative one, ties counting one half (scikit-learn's `roc_auc_score`, with the
/// trapezoidal rule over tied scores).
///
/// `y` holds 0 or 1 per row, `score` any finite numbers (higher means more likely positive),
/// `sample_weight` optional weights `>= 0`. Both classes must be present with positive weight.
///
/// ```
/// use nextbest::metrics::roc_auc;
/// let y = [0.0, 0.0, 1.0, 1.0];
/// let score = [0.1, 0.4, 0.35, 0.8];
/// assert_eq!(roc_auc(&y, &score, None)?, 0.75);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn roc_auc(y: &[f64], score: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    check_rows(y, score, "score", sample_weight)?;
    let ties = ranked(y, score, sample_weight);
    auc_of_ties(&ties).ok_or_else(|| one_class(&ties, "ROC AUC"))
}

/// The ROC AUC of rows ranked by [`super::common::ties`]; `None` when a class has no weight.
pub(crate) fn auc_of_ties(ties: &[Tie]) -> Option<f64> {
    let (p, n) = totals(ties);
    if p <= 0.0 || n <= 0.0 {
        return None;
    }
    let mut tp = 0.0;
    let mut area = 0.0;
    for t in ties {
        // The trapezoid under the ROC segment of this tie: its negatives times the true
        // positives above it plus half its own positives.
        area += t.neg * (tp + 0.5 * t.pos);
        tp += t.pos;
    }
    Some(area / (p * n))
}

/// The error for a metric that needs both classes.
fn one_class(ties: &[Tie], metric: &str) -> Error {
    let (p, _) = totals(ties);
    let missing = if p <= 0.0 { "positive" } else { "negative" };
    Error::invalid(format!(
        "y has no {missing} row (with a positive weight): {metric} needs both classes"
    ))
}

/// The average precision: the precision at each distinct score, weighted by the recall it
/// adds (scikit-learn's `average_precision_score`, a step function, not the trapezoidal area
/// under the precision-recall curve).
///
/// Needs at least one positive row of positive weight; with no negative row it is 1.
///
/// ```
/// use nextbest::metrics::pr_auc;
/// let y = [0.0, 0.0, 1.0, 1.0];
/// let score = [0.1, 0.4, 0.35, 0.8];
/// // Recall 1/2 at precision 1, then 1/2 more at precision 2/3.
/// assert!((pr_auc(&y, &score, None)? - (0.5 + 0.5 * 2.0 / 3.0)).abs() < 1e-15);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn pr_auc(y: &[f64], score: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    check_rows(y, score, "score", sample_weight)?;
    let ties = ranked(y, score, sample_weight);
    let (p, _) = totals(&ties);
    if p <= 0.0 {
        return Err(Error::invalid(
            "y has no positive row (with a positive weight): average precision needs positives",
        ));
    }
    let (mut tp, mut fp, mut ap) = (0.0, 0.0, 0.0);
    for t in &ties {
        tp += t.pos;
        fp += t.neg;
        if t.pos > 0.0 {
            ap += (t.pos / p) * (tp / (tp + fp));
        }
    }
    Ok(ap)
}

/// The mean negative log-likelihood of the labels under probabilities of class 1
/// (scikit-learn's `log_loss`): probabilities are clipped to `[eps, 1 - eps]`, `eps` the
/// machine epsilon of `f64`, so that 0 and 1 give a large finite loss.
///
/// Probabilities must be in `[0, 1]`. Unlike scikit-learn, `y` may hold a single class.
///
/// ```
/// use nextbest::metrics::log_loss;
/// let loss = log_loss(&[1.0, 0.0], &[0.8, 0.4], None)?;
/// assert!((loss - -(0.8f64.ln() + 0.6f64.ln()) / 2.0).abs() < 1e-15);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn log_loss(y: &[f64], prob: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    check_probabilities(y, prob, sample_weight)?;
    let eps = f64::EPSILON;
    let clip = |p: f64| p.clamp(eps, 1.0 - eps);
    Ok(weighted_mean(y.len(), sample_weight, |i| {
        if y[i] == 1.0 {
            -clip(prob[i]).ln()
        } else {
            -clip(1.0 - prob[i]).ln()
        }
    }))
}

/// The mean squared difference between probabilities of class 1 and the labels
/// (scikit-learn's `brier_score_loss` for binary labels, whose default `scale_by_half="auto"`
/// gives exactly this mean). Probabilities must be in `[0, 1]`.
///
/// ```
/// use nextbest::metrics::brier;
/// assert!((brier(&[1.0, 0.0], &[0.8, 0.4], None)? - (0.04 + 0.16) / 2.0).abs() < 1e-15);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn brier(y: &[f64], prob: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    check_probabilities(y, prob, sample_weight)?;
    Ok(weighted_mean(y.len(), sample_weight, |i| {
        (y[i] - prob[i]).powi(2)
    }))
}

/// `sum_i w_i f(i) / sum_i w_i` over `n` rows.
fn weighted_mean(n: usize, sample_weight: Option<&[f64]>, f: impl Fn(usize) -> f64) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..n {
        let w = weight_at(sample_weight, i);
        num += w * f(i);
        den += w;
    }
    num / den
}
