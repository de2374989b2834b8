//! Whether a score's population has moved: the population stability index (PSI).
//!
//! The bins are frozen from the expected (reference, e.g. development) sample: its quantiles
//! at `1/bins, 2/bins, ...` (NumPy's default linear interpolation) are the inner edges, equal
//! edges are merged, and the outer edges are -inf and +inf. A score on an edge falls in the
//! lower bin: bin `b` is `(edges[b - 1], edges[b]]`. Then
//!
//! `PSI = sum_b (a_b - e_b) * ln(a_b / e_b)`
//!
//! where `e_b` and `a_b` are the expected and actual shares of bin `b`, each floored at
//! [`PSI_EPSILON`] so that an empty bin gives a large but finite term. A common reading: below
//! 0.1 stable, 0.1 to 0.25 some shift, above 0.25 a major shift.

use super::common::{bin_of, check_bins, linspace_01, numpy_quantile};
use crate::data::check_vector;
use crate::error::{Error, Result};
use crate::persist::Persist;
use serde::{Deserialize, Serialize};

/// The floor of a bin's share in the PSI sum (0.01%).
pub const PSI_EPSILON: f64 = 1e-4;

/// The bins and shares of an expected sample, fitted once and compared with any number of
/// actual samples ([`PsiReference::psi`]); saved as a JSON document with [`Persist`]
/// (`"kind": "psi_reference"`) or through serde.
///
/// ```
/// use nextbest::metrics::PsiReference;
/// use nextbest::Persist;
/// let development: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
/// let reference = PsiReference::fit(&development, 10)?;
/// assert_eq!(reference.n_bins(), 10);
/// assert!(reference.psi(&development)? < 1e-12);
/// let shifted: Vec<f64> = development.iter().map(|s| s + 0.2).collect();
/// assert!(reference.psi(&shifted)? > 0.25);
/// let copy = PsiReference::from_json(&reference.to_json())?;
/// assert_eq!(copy, reference);
/// # Ok::<(), nextbest::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Parts")]
pub struct PsiReference {
    /// Inner bin edges, strictly increasing (the outer edges are -inf and +inf).
    edges: Vec<f64>,
    /// The share of the expected sample in each bin (`edges.len() + 1` of them).
    expected: Vec<f64>,
}

/// A [`PsiReference`] as read, before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Parts {
    edges: Vec<f64>,
    expected: Vec<f64>,
}

impl TryFrom<Parts> for PsiReference {
    type Error = Error;

    fn try_from(p: Parts) -> Result<Self> {
        PsiReference::from_parts(p.edges, p.expected)
    }
}

impl PsiReference {
    /// Fits the bins on `expected_scores` (finite, not empty) with `bins` quantile bins (fewer
    /// when quantiles coincide).
    pub fn fit(expected_scores: &[f64], bins: usize) -> Result<Self> {
        check_sample(expected_scores, "expected_scores")?;
        check_bins(bins, "bins")?;
        let mut sorted = expected_scores.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let mut edges: Vec<f64> = (1..bins)
            .map(|i| numpy_quantile(&sorted, linspace_01(i, bins)))
            .collect();
        edges.dedup_by(|b, a| a == b);
        let n = sorted.len() as f64;
        let mut below = 0;
        let mut expected = Vec::with_capacity(edges.len() + 1);
        for &e in &edges {
            let upto = sorted.partition_point(|&x| x <= e);
            expected.push((upto - below) as f64 / n);
            below = upto;
        }
        expected.push((sorted.len() - below) as f64 / n);
        Ok(PsiReference { edges, expected })
    }

    /// A reference from its inner `edges` (finite, strictly increasing) and the `expected`
    /// share of each of the `edges.len() + 1` bins (in `[0, 1]`, summing to 1).
    pub fn from_parts(edges: Vec<f64>, expected: Vec<f64>) -> Result<Self> {
        if let Some(i) = edges.iter().position(|e| !e.is_finite()) {
            return Err(Error::non_finite(format!(
                "edges[{i}] is {}, not a finite number",
                edges[i]
            )));
        }
        if let Some(i) = edges.windows(2).position(|w| w[0] >= w[1]) {
            return Err(Error::invalid(format!(
                "edges[{}] is {}, but edges must be strictly increasing (edges[{i}] is {})",
                i + 1,
                edges[i + 1],
                edges[i]
            )));
        }
        if expected.len() != edges.len() + 1 {
            return Err(Error::shape(format!(
                "expected has {} shares, but {} edges make {} bins",
                expected.len(),
                edges.len(),
                edges.len() + 1
            )));
        }
        if let Some(i) = expected.iter().position(|s| !(0.0..=1.0).contains(s)) {
            return Err(Error::invalid(format!(
                "expected[{i}] is {}, but a share must be in [0, 1]",
                expected[i]
            )));
        }
        let sum: f64 = expected.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            return Err(Error::invalid(format!(
                "the expected shares sum to {sum}, not 1"
            )));
        }
        Ok(PsiReference { edges, expected })
    }

    /// The inner bin edges, strictly increasing.
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// The share of the expected sample in each bin.
    pub fn expected_shares(&self) -> &[f64] {
        &self.expected
    }

    /// The number of bins (`edges().len() + 1`).
    pub fn n_bins(&self) -> usize {
        self.expected.len()
    }

    /// The share of `actual_scores` (finite, not empty) in each bin.
    pub fn actual_shares(&self, actual_scores: &[f64]) -> Result<Vec<f64>> {
        check_sample(actual_scores, "actual_scores")?;
        let mut counts = vec![0usize; self.n_bins()];
        for &x in actual_scores {
            counts[bin_of(&self.edges, x)] += 1;
        }
        let n = actual_scores.len() as f64;
        Ok(counts.into_iter().map(|c| c as f64 / n).collect())
    }

    /// The PSI of `actual_scores` against the expected sample.
    pub fn psi(&self, actual_scores: &[f64]) -> Result<f64> {
        let actual = self.actual_shares(actual_scores)?;
        Ok(self
            .expected
            .iter()
            .zip(&actual)
            .map(|(&e, &a)| {
                let (e, a) = (e.max(PSI_EPSILON), a.max(PSI_EPSILON));
                (a - e) * (a / e).ln()
            })
            .sum())
    }
}

impl Persist for PsiReference {
    const KIND: &'static str = "psi_reference";
    const VERSION: u32 = 1;
    type Payload = PsiReference;

    fn to_payload(&self) -> PsiReference {
        self.clone()
    }

    fn from_payload(payload: PsiReference, _version: u32) -> Result<Self> {
        // Checked when it was read (`TryFrom<Parts>`).
        Ok(payload)
    }
}

/// The population stability index of `actual_scores` against `expected_scores` with `bins`
/// quantile bins of the expected sample (see the [module](self) for the definition); the
/// same as [`PsiReference::fit`] then [`PsiReference::psi`].
///
/// ```
/// use nextbest::metrics::psi;
/// let expected = [1.0, 2.0, 3.0, 4.0];
/// // Two bins, (-inf, 2.5] and (2.5, inf): shares 1/2, 1/2 expected, 1/4, 3/4 actual.
/// let value = psi(&expected, &[1.0, 3.0, 4.0, 5.0], 2)?;
/// assert!((value - (-0.25 * 0.5f64.ln() + 0.25 * 1.5f64.ln())).abs() < 1e-12);
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn psi(expected_scores: &[f64], actual_scores: &[f64], bins: usize) -> Result<f64> {
    PsiReference::fit(expected_scores, bins)?.psi(actual_scores)
}

/// Checks a sample of scores: not empty, every value finite.
fn check_sample(values: &[f64], what: &str) -> Result<()> {
    if values.is_empty() {
        return Err(Error::empty(format!(
            "{what} is empty: at least one score is needed"
        )));
    }
    check_vector(values, values.len(), what)
}
