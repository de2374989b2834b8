//! What targeting the top of a score buys a campaign: lift and the cumulative gain curve.
//!
//! Rows are ranked by descending score; rows of equal score form one group that is targeted
//! together, so that no answer depends on the order of the rows. Shares of the population are
//! shares of the total sample weight (of rows when unweighted).

use super::common::{check_rows, ranked, totals};
use crate::error::{Error, Result};

/// The cumulative gain curve: after targeting the rows of the highest scores, the share of the
/// population targeted and the share of all positives captured.
#[derive(Clone, Debug, PartialEq)]
pub struct GainCurve {
    /// Share of the population targeted, from 0 to 1: one point per distinct score, after
    /// `(0, 0)`.
    pub targeted: Vec<f64>,
    /// Share of the positives captured at each point, from 0 to 1.
    pub captured: Vec<f64>,
}

impl GainCurve {
    /// The share of positives captured when targeting `fraction` of the population,
    /// interpolating linearly within a group of tied scores.
    pub fn captured_at(&self, fraction: f64) -> f64 {
        let k = self.targeted.partition_point(|&x| x < fraction);
        if k == 0 {
            return self.captured[0];
        }
        if k == self.targeted.len() {
            return self.captured[k - 1];
        }
        let (x0, x1) = (self.targeted[k - 1], self.targeted[k]);
        let (y0, y1) = (self.captured[k - 1], self.captured[k]);
        y0 + (y1 - y0) * (fraction - x0) / (x1 - x0)
    }
}

/// The cumulative gain curve of `score` (see [`GainCurve`]); needs at least one positive row.
///
/// ```
/// use nextbest::metrics::gain_curve;
/// let g = gain_curve(&[1.0, 0.0, 1.0, 0.0], &[0.9, 0.8, 0.8, 0.1], None)?;
/// assert_eq!(g.targeted, [0.0, 0.25, 0.75, 1.0]);
/// assert_eq!(g.captured, [0.0, 0.5, 1.0, 1.0]);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn gain_curve(y: &[f64], score: &[f64], sample_weight: Option<&[f64]>) -> Result<GainCurve> {
    check_rows(y, score, "score", sample_weight)?;
    let ties = ranked(y, score, sample_weight);
    let (p, n) = totals(&ties);
    if p <= 0.0 {
        return Err(Error::invalid(
            "y has no positive row (with a positive weight): gains and lift need positives",
        ));
    }
    let total = p + n;
    let mut curve = GainCurve {
        targeted: Vec::with_capacity(ties.len() + 1),
        captured: Vec::with_capacity(ties.len() + 1),
    };
    curve.targeted.push(0.0);
    curve.captured.push(0.0);
    let (mut w, mut tp) = (0.0, 0.0);
    for t in &ties {
        w += t.pos + t.neg;
        tp += t.pos;
        curve.targeted.push(w / total);
        curve.captured.push(tp / p);
    }
    // The sums above are the totals summed in another order: end exactly at (1, 1).
    *curve.targeted.last_mut().expect("not empty") = 1.0;
    *curve.captured.last_mut().expect("not empty") = 1.0;
    Ok(curve)
}

/// The lift of targeting the top `fraction` (in `(0, 1]`) of the population by score: the
/// positive rate there divided by the overall positive rate. A group of tied scores that
/// straddles the cut counts with the share of it that fits, so that the lift is
/// `gain(fraction) / fraction` on the [`GainCurve`] interpolated linearly.
///
/// ```
/// use nextbest::metrics::lift_at;
/// let y = [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
/// let score = [0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.0];
/// // The top 10% (one row) is all positive; the overall positive rate is 20%.
/// assert!((lift_at(&y, &score, 0.1, None)? - 5.0).abs() < 1e-12);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn lift_at(
    y: &[f64],
    score: &[f64],
    fraction: f64,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(Error::invalid(format!(
            "fraction is {fraction}, but it must be in (0, 1]"
        )));
    }
    let curve = gain_curve(y, score, sample_weight)?;
    Ok(curve.captured_at(fraction) / fraction)
}
