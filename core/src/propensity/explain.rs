//! Reason codes: the features that raise and lower a score most.

use crate::error::{Error, Result};

/// One reason: a feature and its contribution to the raw score (log-odds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reason {
    /// The feature's index.
    pub feature: usize,
    /// Its contribution to the raw score: positive raises the score, negative lowers it.
    pub contribution: f64,
}

/// The `k` strongest reasons each way for every row.
#[derive(Clone, Debug, PartialEq)]
pub struct ReasonCodes {
    /// Reasons per row and direction.
    pub k: usize,
    /// Row-major `n_rows x k`: the features with the largest positive contributions, largest
    /// first; `None` where fewer than `k` features raise the score.
    pub raising: Vec<Option<Reason>>,
    /// Row-major `n_rows x k`: the features with the most negative contributions, most negative
    /// first; `None` where fewer than `k` features lower the score.
    pub lowering: Vec<Option<Reason>>,
}

impl ReasonCodes {
    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.raising.len().checked_div(self.k).unwrap_or(0)
    }

    /// The reasons raising row `i`'s score.
    pub fn raising(&self, i: usize) -> &[Option<Reason>] {
        &self.raising[i * self.k..(i + 1) * self.k]
    }

    /// The reasons lowering row `i`'s score.
    pub fn lowering(&self, i: usize) -> &[Option<Reason>] {
        &self.lowering[i * self.k..(i + 1) * self.k]
    }
}

/// Reason codes from explanations laid out as [`crate::model::Classifier::explain`] writes
/// them (`n_features` contributions then the base value per row). Features with a zero
/// contribution are never reasons; ties are broken by the lower feature index.
///
/// ```
/// use nextbest::propensity::reason_codes;
/// // one row: three contributions and a base value
/// let codes = reason_codes(&[0.5, -1.0, 2.0, -3.0], 3, 2)?;
/// assert_eq!(codes.raising(0)[0].unwrap().feature, 2);
/// assert_eq!(codes.raising(0)[1].unwrap().feature, 0);
/// assert_eq!(codes.lowering(0)[0].unwrap().feature, 1);
/// assert!(codes.lowering(0)[1].is_none());
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn reason_codes(contributions: &[f64], n_features: usize, k: usize) -> Result<ReasonCodes> {
    if k == 0 {
        return Err(Error::invalid("k must be at least 1 reason per direction"));
    }
    let width = n_features + 1;
    if !contributions.len().is_multiple_of(width) {
        return Err(Error::shape(format!(
            "{} contributions are not whole rows of {width} (n_features + 1)",
            contributions.len()
        )));
    }
    let n_rows = contributions.len() / width;
    let mut raising = vec![None; n_rows * k];
    let mut lowering = vec![None; n_rows * k];
    let mut order: Vec<usize> = Vec::with_capacity(n_features);
    for (i, row) in contributions.chunks_exact(width).enumerate() {
        let row = &row[..n_features];
        for (sign, out) in [(1.0, &mut raising), (-1.0, &mut lowering)] {
            order.clear();
            order.extend((0..n_features).filter(|&j| sign * row[j] > 0.0));
            let take = k.min(order.len());
            let cmp =
                |a: &usize, b: &usize| (sign * row[*b]).total_cmp(&(sign * row[*a])).then(a.cmp(b));
            if take < order.len() {
                order.select_nth_unstable_by(take - 1, cmp);
                order.truncate(take);
            }
            order.sort_unstable_by(cmp);
            for (slot, &j) in out[i * k..(i + 1) * k].iter_mut().zip(&order) {
                *slot = Some(Reason {
                    feature: j,
                    contribution: row[j],
                });
            }
        }
    }
    Ok(ReasonCodes {
        k,
        raising,
        lowering,
    })
}
