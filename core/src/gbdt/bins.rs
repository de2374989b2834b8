//! Binning: each feature's values mapped to at most 255 value bins plus a bin for missing
//! values, so that split finding works on small histograms.

use crate::data::Matrix;
use crate::error::{Error, Result};
use rayon::prelude::*;

/// The bin of missing values (NaN) in every feature.
pub const MISSING: u8 = 0;

/// At most this many rows (a regular subsample) choose the bin edges of a numeric feature.
const EDGE_SAMPLE: usize = 200_000;

/// How one feature's values map to bins.
#[derive(Clone, Debug, PartialEq)]
pub enum FeatureBins {
    /// Value bin `k` (stored as `k + 1`) holds `edges[k - 1] < x <= edges[k]`.
    Numeric {
        /// Increasing upper edges of all value bins but the last.
        edges: Vec<f64>,
    },
    /// Category code `c` (an integer `0 <= c < n_categories`) in bin `c + 1`.
    Categorical {
        /// One more than the largest code seen.
        n_categories: usize,
    },
}

impl FeatureBins {
    /// The number of bins, the missing bin included.
    pub fn n_bins(&self) -> usize {
        match self {
            FeatureBins::Numeric { edges } => edges.len() + 2,
            FeatureBins::Categorical { n_categories } => n_categories + 1,
        }
    }

    #[inline]
    fn bin(&self, x: f64) -> u8 {
        if x.is_nan() {
            return MISSING;
        }
        match self {
            FeatureBins::Numeric { edges } => (edges.partition_point(|&e| e < x) + 1) as u8,
            FeatureBins::Categorical { .. } => (x as usize + 1) as u8,
        }
    }
}

/// The binned training matrix: bin codes row-major, and each feature's mapping.
pub struct Binned {
    /// `n_rows x n_features` bin codes, row-major (for histograms).
    pub codes: Vec<u8>,
    /// The same codes column-major (for partitioning a leaf's rows by one feature).
    pub columns: Vec<u8>,
    /// The mapping of each feature.
    pub features: Vec<FeatureBins>,
}

impl Binned {
    /// Bins `x` (no infinite value) with at most `max_bins` value bins per feature (2 to
    /// 255); the features in `categorical` must hold integer codes `0 <= c < max_bins` (or
    /// NaN).
    pub fn new(x: Matrix<'_>, max_bins: usize, categorical: &[bool]) -> Result<Binned> {
        let (n, p) = (x.n_rows(), x.n_cols());
        let features: Vec<FeatureBins> = (0..p)
            .into_par_iter()
            .map(|j| {
                let column = column(x, j);
                if categorical[j] {
                    categorical_bins(&column, j, max_bins)
                } else {
                    Ok(numeric_bins(&column, max_bins))
                }
            })
            .collect::<Result<_>>()?;
        let mut codes = vec![0u8; n * p];
        const BLOCK: usize = 4096;
        codes
            .par_chunks_mut(BLOCK * p.max(1))
            .enumerate()
            .for_each(|(b, out)| {
                let start = b * BLOCK;
                for (r, row) in out.chunks_exact_mut(p).enumerate() {
                    for (j, code) in row.iter_mut().enumerate() {
                        *code = features[j].bin(x.get(start + r, j));
                    }
                }
            });
        let mut columns = vec![0u8; n * p];
        columns
            .par_chunks_mut(n.max(1))
            .enumerate()
            .for_each(|(j, col)| {
                for (i, c) in col.iter_mut().enumerate() {
                    *c = codes[i * p + j];
                }
            });
        Ok(Binned {
            codes,
            columns,
            features,
        })
    }

    /// The upper edge of value bin `code` (stored code, >= 1) of numeric feature `j`: a split
    /// "code <= t" is "x <= threshold(j, t)".
    pub fn threshold(&self, j: usize, code: usize) -> f64 {
        match &self.features[j] {
            FeatureBins::Numeric { edges } => edges[code - 1],
            FeatureBins::Categorical { .. } => {
                unreachable!("categorical features have no threshold")
            }
        }
    }
}

fn column(x: Matrix<'_>, j: usize) -> Vec<f64> {
    match x.col(j) {
        Some(c) => c.to_vec(),
        None => (0..x.n_rows()).map(|i| x.get(i, j)).collect(),
    }
}

/// Edges between distinct values when there are at most `max_bins` of them, else at quantiles
/// of a regular subsample (midpoints between neighbouring distinct values, so that a value seen
/// in training is never on an edge).
fn numeric_bins(column: &[f64], max_bins: usize) -> FeatureBins {
    let step = column.len().div_ceil(EDGE_SAMPLE).max(1);
    let mut sample: Vec<f64> = column
        .iter()
        .step_by(step)
        .copied()
        .filter(|v| !v.is_nan())
        .collect();
    sample.sort_unstable_by(f64::total_cmp);
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &v in &sample {
        match distinct.last_mut() {
            Some((last, count)) if *last == v => *count += 1,
            _ => distinct.push((v, 1)),
        }
    }
    let midpoint = |a: f64, b: f64| {
        let m = a / 2.0 + b / 2.0;
        // Rounding may land on b; the edge must stay below it.
        if m >= b {
            a
        } else {
            m
        }
    };
    let mut edges = Vec::new();
    if distinct.len() <= max_bins {
        for w in distinct.windows(2) {
            edges.push(midpoint(w[0].0, w[1].0));
        }
    } else {
        // Cut after the distinct value where the running count passes each quantile.
        let total = sample.len() as f64;
        let mut seen = 0usize;
        let mut next_cut = 1;
        for w in distinct.windows(2) {
            seen += w[0].1;
            if seen as f64 >= total * next_cut as f64 / max_bins as f64 {
                edges.push(midpoint(w[0].0, w[1].0));
                while next_cut < max_bins
                    && seen as f64 >= total * next_cut as f64 / max_bins as f64
                {
                    next_cut += 1;
                }
                if edges.len() == max_bins - 1 {
                    break;
                }
            }
        }
    }
    FeatureBins::Numeric { edges }
}

fn categorical_bins(column: &[f64], j: usize, max_bins: usize) -> Result<FeatureBins> {
    let mut n_categories = 0;
    for (i, &v) in column.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        if !(v >= 0.0 && v.fract() == 0.0 && v < max_bins as f64) {
            return Err(Error::invalid(format!(
                "X[{i}, {j}] is {v}, but categorical feature {j} must hold integer codes from 0 \
                 to {} (max_bins - 1), or NaN for missing",
                max_bins - 1
            )));
        }
        n_categories = n_categories.max(v as usize + 1);
    }
    Ok(FeatureBins::Categorical { n_categories })
}
