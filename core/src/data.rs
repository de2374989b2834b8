//! Validated views over caller memory: the dense matrices models read.
//!
//! A [`Matrix`] borrows a dense block of `f64` in row-major (C) or column-major (Fortran) order,
//! so that NumPy arrays of either order and C buffers are read where they lie, never copied.

use crate::error::{Error, Result};

/// The order of a matrix's elements in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Row after row (C order): element `(i, j)` at `i * n_cols + j`.
    RowMajor,
    /// Column after column (Fortran order): element `(i, j)` at `j * n_rows + i`.
    ColMajor,
}

/// A borrowed dense `n_rows x n_cols` matrix of `f64`.
///
/// ```
/// use nextbest::data::Matrix;
/// let x = Matrix::row_major(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3)?;
/// assert_eq!(x.get(1, 0), 4.0);
/// # Ok::<(), nextbest::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Matrix<'a> {
    data: &'a [f64],
    n_rows: usize,
    n_cols: usize,
    layout: Layout,
}

impl<'a> Matrix<'a> {
    /// A view of `data` as `n_rows x n_cols` in `layout`; its length must be `n_rows * n_cols`.
    pub fn new(data: &'a [f64], n_rows: usize, n_cols: usize, layout: Layout) -> Result<Self> {
        match n_rows.checked_mul(n_cols) {
            Some(len) if len == data.len() => Ok(Matrix {
                data,
                n_rows,
                n_cols,
                layout,
            }),
            _ => Err(Error::shape(format!(
                "a {n_rows} x {n_cols} matrix needs {} values, got {}",
                n_rows as u128 * n_cols as u128,
                data.len()
            ))),
        }
    }

    /// A row-major view (see [`Matrix::new`]).
    pub fn row_major(data: &'a [f64], n_rows: usize, n_cols: usize) -> Result<Self> {
        Self::new(data, n_rows, n_cols, Layout::RowMajor)
    }

    /// A column-major view (see [`Matrix::new`]).
    pub fn col_major(data: &'a [f64], n_rows: usize, n_cols: usize) -> Result<Self> {
        Self::new(data, n_rows, n_cols, Layout::ColMajor)
    }

    /// The number of rows.
    #[inline]
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The number of columns.
    #[inline]
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The memory order.
    #[inline]
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The underlying values, in memory order.
    #[inline]
    pub fn as_slice(&self) -> &'a [f64] {
        self.data
    }

    /// Element `(i, j)`; panics when out of range.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        assert!(i < self.n_rows && j < self.n_cols, "index out of range");
        match self.layout {
            Layout::RowMajor => self.data[i * self.n_cols + j],
            Layout::ColMajor => self.data[j * self.n_rows + i],
        }
    }

    /// Row `i` as a slice when the matrix is row-major.
    #[inline]
    pub fn row(&self, i: usize) -> Option<&'a [f64]> {
        match self.layout {
            Layout::RowMajor => Some(&self.data[i * self.n_cols..(i + 1) * self.n_cols]),
            Layout::ColMajor => None,
        }
    }

    /// Column `j` as a slice when the matrix is column-major.
    #[inline]
    pub fn col(&self, j: usize) -> Option<&'a [f64]> {
        match self.layout {
            Layout::ColMajor => Some(&self.data[j * self.n_rows..(j + 1) * self.n_rows]),
            Layout::RowMajor => None,
        }
    }

    /// The rows `start..end` as a matrix of the same layout (column-major views of a row range
    /// keep the parent's column stride, so they are returned as a [`RowBlock`]).
    #[inline]
    pub fn rows(&self, start: usize, end: usize) -> RowBlock<'a> {
        assert!(
            start <= end && end <= self.n_rows,
            "row range out of bounds"
        );
        RowBlock {
            parent: *self,
            start,
            end,
        }
    }

    /// Checks that every value is finite; the error names the first bad value's row and column
    /// and `what` the matrix ("X").
    pub fn check_finite(&self, what: &str) -> Result<()> {
        use rayon::prelude::*;
        const CHUNK: usize = 1 << 16;
        let bad_chunk = self
            .data
            .par_chunks(CHUNK)
            .position_first(|c| c.iter().any(|v| !v.is_finite()));
        if let Some(chunk) = bad_chunk {
            let start = chunk * CHUNK;
            let pos = start
                + self.data[start..]
                    .iter()
                    .position(|v| !v.is_finite())
                    .expect("the chunk holds a non-finite value");
            let (i, j) = match self.layout {
                Layout::RowMajor => (pos / self.n_cols, pos % self.n_cols),
                Layout::ColMajor => (pos % self.n_rows, pos / self.n_rows),
            };
            return Err(Error::non_finite(format!(
                "{what}[{i}, {j}] is {}, not a finite number",
                self.data[pos]
            )));
        }
        Ok(())
    }

    /// Checks that the matrix has `n_cols` columns; `what` names the model in the message.
    pub fn check_n_cols(&self, n_cols: usize, what: &str) -> Result<()> {
        if self.n_cols != n_cols {
            return Err(Error::shape(format!(
                "X has {} features, but {what} is expecting {n_cols} features as input",
                self.n_cols
            )));
        }
        Ok(())
    }
}

/// A contiguous range of rows of a [`Matrix`], in the parent's layout.
#[derive(Clone, Copy, Debug)]
pub struct RowBlock<'a> {
    parent: Matrix<'a>,
    start: usize,
    end: usize,
}

impl<'a> RowBlock<'a> {
    /// The number of rows in the block.
    #[inline]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the block has no rows.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The index of the block's first row in the parent.
    #[inline]
    pub fn start(&self) -> usize {
        self.start
    }

    /// The parent matrix.
    #[inline]
    pub fn matrix(&self) -> Matrix<'a> {
        self.parent
    }

    /// The block's values when the parent is row-major and has columns.
    #[inline]
    pub fn row_major_data(&self) -> Option<&'a [f64]> {
        let p = self.parent.n_cols;
        match self.parent.layout {
            Layout::RowMajor if p > 0 => Some(&self.parent.data[self.start * p..self.end * p]),
            _ => None,
        }
    }

    /// Writes `out[r] = x_r . beta + intercept` for every row `r` of the block.
    pub fn dot(&self, beta: &[f64], intercept: f64, out: &mut [f64]) {
        let p = self.parent.n_cols;
        debug_assert_eq!(beta.len(), p);
        debug_assert_eq!(out.len(), self.len());
        match self.parent.layout {
            Layout::RowMajor => {
                let data = &self.parent.data[self.start * p..self.end * p];
                if p == 0 {
                    out.fill(intercept);
                    return;
                }
                for (o, row) in out.iter_mut().zip(data.chunks_exact(p)) {
                    *o = dot(row, beta) + intercept;
                }
            }
            Layout::ColMajor => {
                out.fill(intercept);
                // Zero coefficients are not skipped: a NaN input must still give a NaN score.
                for (j, &b) in beta.iter().enumerate() {
                    let col = &self.parent.data[j * self.parent.n_rows..][self.start..self.end];
                    for (o, &x) in out.iter_mut().zip(col) {
                        *o += b * x;
                    }
                }
            }
        }
    }

    /// Adds `sum_r weights[r] * x_r` to `acc` (length `n_cols`).
    pub fn add_weighted_rows(&self, weights: &[f64], acc: &mut [f64]) {
        let p = self.parent.n_cols;
        debug_assert_eq!(weights.len(), self.len());
        match self.parent.layout {
            Layout::RowMajor => {
                if p == 0 {
                    return;
                }
                let data = &self.parent.data[self.start * p..self.end * p];
                for (&w, row) in weights.iter().zip(data.chunks_exact(p)) {
                    if w != 0.0 {
                        axpy(w, row, acc);
                    }
                }
            }
            Layout::ColMajor => {
                for (j, a) in acc.iter_mut().enumerate() {
                    let col = &self.parent.data[j * self.parent.n_rows..][self.start..self.end];
                    *a += dot(col, weights);
                }
            }
        }
    }

    /// Copies row `r` of the block (0-based within the block) into `out`.
    #[inline]
    pub fn copy_row(&self, r: usize, out: &mut [f64]) {
        let i = self.start + r;
        match self.parent.row(i) {
            Some(row) => out.copy_from_slice(row),
            None => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = self.parent.data[j * self.parent.n_rows + i];
                }
            }
        }
    }
}

/// The dot product of two equally long slices, with eight independent accumulators so that it
/// vectorizes without reassociating a single sum.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f64; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `y += alpha * x`.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    debug_assert_eq!(x.len(), y.len());
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// Checks that `values` (named `what`) has `n` entries, all finite.
pub fn check_vector(values: &[f64], n: usize, what: &str) -> Result<()> {
    if values.len() != n {
        return Err(Error::shape(format!(
            "{what} has {} values, expected {n} (one per row)",
            values.len()
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::non_finite(format!(
            "{what}[{i}] is {}, not a finite number",
            values[i]
        )));
    }
    Ok(())
}

/// Checks binary labels: not empty, every value exactly 0 or 1.
pub fn check_labels(y: &[f64]) -> Result<()> {
    if y.is_empty() {
        return Err(Error::empty("y is empty: at least one row is needed"));
    }
    check_vector(y, y.len(), "y")?;
    match y.iter().position(|&v| v != 0.0 && v != 1.0) {
        Some(i) => Err(Error::invalid(format!(
            "y[{i}] is {}, but y must be 0 or 1",
            y[i]
        ))),
        None => Ok(()),
    }
}

/// Checks optional sample weights for `n` rows: finite, `>= 0`, not all zero, finite sum.
pub fn check_weights(sample_weight: Option<&[f64]>, n: usize) -> Result<()> {
    let Some(w) = sample_weight else {
        return Ok(());
    };
    check_vector(w, n, "sample_weight")?;
    if let Some(i) = w.iter().position(|&v| v < 0.0) {
        return Err(Error::invalid(format!(
            "sample_weight[{i}] is {}, but sample weights must be >= 0",
            w[i]
        )));
    }
    if w.iter().all(|&v| v == 0.0) {
        return Err(Error::invalid(
            "sample_weight is zero for every row: at least one row needs a positive weight",
        ));
    }
    if !w.iter().sum::<f64>().is_finite() {
        return Err(Error::invalid(
            "sample_weight sums to infinity: scale the weights down",
        ));
    }
    Ok(())
}

/// The total weight of class 0 and of class 1 of checked labels and weights; both must be
/// positive (`what` names the model in the message).
pub fn class_totals(y: &[f64], sample_weight: Option<&[f64]>, what: &str) -> Result<[f64; 2]> {
    let mut totals = [0.0f64; 2];
    match sample_weight {
        Some(w) => {
            for (&yi, &wi) in y.iter().zip(w) {
                totals[yi as usize] += wi;
            }
        }
        None => {
            for &yi in y {
                totals[yi as usize] += 1.0;
            }
        }
    }
    for (class, &total) in totals.iter().enumerate() {
        if total <= 0.0 {
            return Err(Error::invalid(format!(
                "y has only one class: {what} needs both, but no row of class {class}{} is in y",
                if sample_weight.is_some() {
                    " with a positive weight"
                } else {
                    ""
                }
            )));
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_agree() {
        let rm = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let cm = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
        let a = Matrix::row_major(&rm, 2, 3).unwrap();
        let b = Matrix::col_major(&cm, 2, 3).unwrap();
        let beta = [0.5, -1.0, 2.0];
        let (mut za, mut zb) = ([0.0; 2], [0.0; 2]);
        a.rows(0, 2).dot(&beta, 1.0, &mut za);
        b.rows(0, 2).dot(&beta, 1.0, &mut zb);
        assert_eq!(za, zb);
        assert_eq!(za, [0.5 - 2.0 + 6.0 + 1.0, 2.0 - 5.0 + 12.0 + 1.0]);
        let (mut ga, mut gb) = ([0.0; 3], [0.0; 3]);
        a.rows(1, 2).add_weighted_rows(&[2.0], &mut ga);
        b.rows(1, 2).add_weighted_rows(&[2.0], &mut gb);
        assert_eq!(ga, gb);
        assert_eq!(ga, [8.0, 10.0, 12.0]);
        let mut row = [0.0; 3];
        b.rows(1, 2).copy_row(0, &mut row);
        assert_eq!(row, [4.0, 5.0, 6.0]);
    }

    #[test]
    fn bad_shapes_and_values_are_named() {
        assert!(Matrix::row_major(&[1.0; 5], 2, 3).is_err());
        let x = [1.0, f64::NAN, 3.0, 4.0];
        let e = Matrix::col_major(&x, 2, 2)
            .unwrap()
            .check_finite("X")
            .unwrap_err();
        assert_eq!(e.message(), "X[1, 0] is NaN, not a finite number");
        assert!((dot(&[1.0; 19], &[2.0; 19]) - 38.0).abs() < 1e-12);
    }
}
