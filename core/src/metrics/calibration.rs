//! Whether probabilities mean what they say: the reliability (calibration) curve and the
//! expected calibration error.

use super::common::{
    bin_of, check_bins, check_probabilities, linspace_01, numpy_quantile, weight_at,
};
use crate::error::{Error, Result};

/// How the probabilities are cut into bins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinStrategy {
    /// Bins of equal width over `[0, 1]`.
    Uniform,
    /// Bins holding about as many rows each: edges at quantiles of the (unweighted)
    /// probabilities, as NumPy's `percentile` computes them.
    Quantile,
}

impl BinStrategy {
    /// The strategy named `"uniform"` or `"quantile"`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "uniform" => Ok(BinStrategy::Uniform),
            "quantile" => Ok(BinStrategy::Quantile),
            _ => Err(Error::invalid(format!(
                "strategy is {name:?}, but it must be \"uniform\" or \"quantile\""
            ))),
        }
    }
}

/// The reliability curve: per non-empty bin of probabilities, the observed positive rate and
/// the mean probability.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationCurve {
    /// The (weighted) share of positives in each bin.
    pub prob_true: Vec<f64>,
    /// The (weighted) mean probability in each bin.
    pub prob_pred: Vec<f64>,
    /// The total sample weight of each bin: its number of rows when unweighted.
    pub weight: Vec<f64>,
}

impl CalibrationCurve {
    /// The expected calibration error of the curve: `sum_b (weight_b / total) *
    /// |prob_true_b - prob_pred_b|`.
    pub fn expected_calibration_error(&self) -> f64 {
        let total: f64 = self.weight.iter().sum();
        let gap: f64 = (0..self.weight.len())
            .map(|b| self.weight[b] * (self.prob_true[b] - self.prob_pred[b]).abs())
            .sum();
        gap / total
    }
}

/// The reliability curve of probabilities `prob` (in `[0, 1]`) in `n_bins` bins, exactly as
/// scikit-learn's `sklearn.calibration.calibration_curve`: a probability on an edge falls in the
/// lower bin, and bins with no rows (or no weight) are dropped. With weights, the bins are
/// the same and their rates weighted.
///
/// ```
/// use nextbest::metrics::{calibration_curve, BinStrategy};
/// let y = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0];
/// let prob = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0];
/// let c = calibration_curve(&y, &prob, 3, BinStrategy::Uniform, None)?;
/// assert_eq!(c.prob_true, [0.0, 0.5, 1.0]);
/// assert_eq!(c.weight, [3.0, 2.0, 4.0]);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn calibration_curve(
    y: &[f64],
    prob: &[f64],
    n_bins: usize,
    strategy: BinStrategy,
    sample_weight: Option<&[f64]>,
) -> Result<CalibrationCurve> {
    check_probabilities(y, prob, sample_weight)?;
    check_bins(n_bins, "n_bins")?;
    let edges = inner_edges(prob, n_bins, strategy);
    let (mut w, mut wy, mut wp) = (vec![0.0; n_bins], vec![0.0; n_bins], vec![0.0; n_bins]);
    for i in 0..y.len() {
        let b = bin_of(&edges, prob[i]);
        let wi = weight_at(sample_weight, i);
        w[b] += wi;
        wy[b] += wi * y[i];
        wp[b] += wi * prob[i];
    }
    let mut curve = CalibrationCurve {
        prob_true: Vec::new(),
        prob_pred: Vec::new(),
        weight: Vec::new(),
    };
    for b in (0..n_bins).filter(|&b| w[b] > 0.0) {
        curve.prob_true.push(wy[b] / w[b]);
        curve.prob_pred.push(wp[b] / w[b]);
        curve.weight.push(w[b]);
    }
    Ok(curve)
}

/// The expected calibration error: the gap between observed positive rate and mean
/// probability in each bin of [`calibration_curve`], averaged with the bins' weights.
///
/// ```
/// use nextbest::metrics::{expected_calibration_error, BinStrategy};
/// let y = [0.0, 1.0, 1.0, 1.0];
/// let prob = [0.2, 0.4, 0.8, 0.9];
/// // Bins [0, 0.5] and (0.5, 1]: |0.5 - 0.3| and |1 - 0.85|, each with half the rows.
/// let ece = expected_calibration_error(&y, &prob, 2, BinStrategy::Uniform, None)?;
/// assert!((ece - (0.2 + 0.15) / 2.0).abs() < 1e-12);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn expected_calibration_error(
    y: &[f64],
    prob: &[f64],
    n_bins: usize,
    strategy: BinStrategy,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    calibration_curve(y, prob, n_bins, strategy, sample_weight)
        .map(|c| c.expected_calibration_error())
}

/// The `n_bins - 1` inner bin edges, as scikit-learn computes them.
fn inner_edges(prob: &[f64], n_bins: usize, strategy: BinStrategy) -> Vec<f64> {
    match strategy {
        BinStrategy::Uniform => (1..n_bins).map(|i| linspace_01(i, n_bins)).collect(),
        BinStrategy::Quantile => {
            let mut sorted = prob.to_vec();
            sorted.sort_unstable_by(f64::total_cmp);
            // `np.percentile(prob, np.linspace(0, 1, n_bins + 1) * 100)`, which divides by 100
            // again.
            (1..n_bins)
                .map(|i| numpy_quantile(&sorted, linspace_01(i, n_bins) * 100.0 / 100.0))
                .collect()
        }
    }
}
