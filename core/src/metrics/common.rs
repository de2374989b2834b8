//! What the metrics share: input checks, rows ranked by score with ties grouped, and
//! NumPy-exact quantiles and binning.

use crate::data::check_vector;
use crate::error::{Error, Result};
use rayon::slice::ParallelSliceMut;

/// The most bins a binned metric accepts (calibration bins, PSI bins).
pub const MAX_BINS: usize = 100_000;

pub(crate) use crate::data::{check_labels as check_y, check_weights};

/// Checks `y`, the per-row values named `what` (scores or probabilities) and the weights.
pub(crate) fn check_rows(
    y: &[f64],
    values: &[f64],
    what: &str,
    sample_weight: Option<&[f64]>,
) -> Result<()> {
    check_y(y)?;
    check_vector(values, y.len(), what)?;
    check_weights(sample_weight, y.len())
}

/// Checks as [`check_rows`] and that every probability is in `[0, 1]`.
pub(crate) fn check_probabilities(
    y: &[f64],
    prob: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<()> {
    check_rows(y, prob, "prob", sample_weight)?;
    match prob.iter().position(|&p| !(0.0..=1.0).contains(&p)) {
        Some(i) => Err(Error::invalid(format!(
            "prob[{i}] is {}, but probabilities must be in [0, 1]",
            prob[i]
        ))),
        None => Ok(()),
    }
}

/// Checks a number of bins.
pub(crate) fn check_bins(bins: usize, what: &str) -> Result<()> {
    if bins == 0 || bins > MAX_BINS {
        return Err(Error::invalid(format!(
            "{what} must be between 1 and {MAX_BINS}, got {bins}"
        )));
    }
    Ok(())
}

/// The weight of row `i` (1 when unweighted).
#[inline]
pub(crate) fn weight_at(sample_weight: Option<&[f64]>, i: usize) -> f64 {
    sample_weight.map_or(1.0, |w| w[i])
}

/// One row to rank: its score, weight and class.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row {
    pub score: f64,
    pub weight: f64,
    pub positive: bool,
}

/// The rows of one distinct score: their total positive and negative weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Tie {
    pub score: f64,
    pub pos: f64,
    pub neg: f64,
}

/// The rows (already checked), of positive weight only, as in scikit-learn's curves.
pub(crate) fn rows(y: &[f64], score: &[f64], sample_weight: Option<&[f64]>) -> Vec<Row> {
    (0..y.len())
        .map(|i| Row {
            score: score[i],
            weight: weight_at(sample_weight, i),
            positive: y[i] == 1.0,
        })
        .filter(|r| r.weight > 0.0)
        .collect()
}

/// Sorts `rows` by descending score and groups equal scores: one [`Tie`] per distinct score,
/// highest first. `-0.0` and `0.0` are one score.
pub(crate) fn ties(rows: &mut [Row]) -> Vec<Tie> {
    rows.par_sort_unstable_by(|a, b| b.score.total_cmp(&a.score));
    let mut out: Vec<Tie> = Vec::new();
    for r in rows.iter() {
        let (pos, neg) = if r.positive {
            (r.weight, 0.0)
        } else {
            (0.0, r.weight)
        };
        match out.last_mut() {
            Some(t) if t.score == r.score => {
                t.pos += pos;
                t.neg += neg;
            }
            _ => out.push(Tie {
                score: r.score,
                pos,
                neg,
            }),
        }
    }
    out
}

/// The ties of checked inputs (see [`ties`]).
pub(crate) fn ranked(y: &[f64], score: &[f64], sample_weight: Option<&[f64]>) -> Vec<Tie> {
    ties(&mut rows(y, score, sample_weight))
}

/// The total positive and negative weight of `ties`, summed in their order.
pub(crate) fn totals(ties: &[Tie]) -> (f64, f64) {
    ties.iter()
        .fold((0.0, 0.0), |(p, n), t| (p + t.pos, n + t.neg))
}

/// The `q` quantile of ascending, non-empty `sorted`, exactly as NumPy's default ("linear")
/// method computes it.
pub(crate) fn numpy_quantile(sorted: &[f64], q: f64) -> f64 {
    let last = sorted.len() - 1;
    let virtual_index = last as f64 * q;
    let below = virtual_index.floor();
    let (a, b) = if virtual_index >= last as f64 {
        (sorted[last], sorted[last])
    } else {
        let i = below as usize;
        (sorted[i], sorted[i + 1])
    };
    let t = virtual_index - below;
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// `np.linspace(0, 1, n + 1)[i]`.
#[inline]
pub(crate) fn linspace_01(i: usize, n: usize) -> f64 {
    if i == n {
        1.0
    } else {
        i as f64 * (1.0 / n as f64)
    }
}

/// The bin of `x` among ascending inner `edges`: the number of edges below `x`, so that bin
/// `b` is `(edges[b - 1], edges[b]]` (NumPy's `searchsorted(edges, x, side="left")`).
#[inline]
pub(crate) fn bin_of(edges: &[f64], x: f64) -> usize {
    edges.partition_point(|&e| e < x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_grid_are_numpys_to_the_bit() {
        // np.quantile(a, np.linspace(0, 1, 8)), printed by NumPy 2.4.
        let a = [0.1, 0.25, 0.3, 0.7, 0.71, 2.0, 3.5];
        let numpy = [
            0.1,
            0.22857142857142856,
            0.2857142857142857,
            0.5285714285714285,
            0.7042857142857143,
            1.0785714285714272,
            2.2142857142857135,
            3.5,
        ];
        for (i, &q) in numpy.iter().enumerate() {
            assert_eq!(numpy_quantile(&a, linspace_01(i, 7)), q, "quantile {i}");
        }
        assert_eq!(numpy_quantile(&[4.0], 0.3), 4.0);
        // np.linspace(0, 1, 11).
        assert_eq!(linspace_01(3, 10), 0.30000000000000004);
        assert_eq!(linspace_01(6, 10), 0.6000000000000001);
        assert_eq!(linspace_01(10, 10), 1.0);
    }

    #[test]
    fn a_value_on_an_edge_is_in_the_lower_bin() {
        let edges = [1.0, 2.0];
        let bins: Vec<usize> = [0.5, 1.0, 1.5, 2.0, 2.5]
            .map(|x| bin_of(&edges, x))
            .to_vec();
        assert_eq!(bins, [0, 0, 1, 1, 2]);
        assert_eq!(bin_of(&[], 3.0), 0);
    }

    #[test]
    fn ties_group_equal_scores_highest_first() {
        let mut rows = rows(
            &[1.0, 0.0, 1.0, 0.0],
            &[0.5, 0.9, 0.5, -0.0],
            Some(&[1.0, 2.0, 3.0, 0.0]),
        );
        assert_eq!(rows.len(), 3, "the row of weight 0 is dropped");
        let t = ties(&mut rows);
        assert_eq!(
            t,
            [
                Tie {
                    score: 0.9,
                    pos: 0.0,
                    neg: 2.0
                },
                Tie {
                    score: 0.5,
                    pos: 4.0,
                    neg: 0.0
                },
            ]
        );
    }
}
