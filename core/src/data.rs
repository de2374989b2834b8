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

    /// The row, column and value of the first value (in memory order) for which `bad` holds,
    /// searched in parallel chunks.
    pub fn first_where(&self, bad: impl Fn(f64) -> bool + Sync) -> Option<(usize, usize, f64)> {
        use rayon::prelude::*;
        const CHUNK: usize = 1 << 16;
        let find = |c: &[f64]| c.iter().position(|&v| bad(v));
        let pos = if self.data.len() <= CHUNK {
            find(self.data)?
        } else {
            let chunk = self
                .data
                .par_chunks(CHUNK)
                .position_first(|c| find(c).is_some())?;
            chunk * CHUNK + find(&self.data[chunk * CHUNK..]).expect("the chunk holds one")
        };
        let (i, j) = match self.layout {
            Layout::RowMajor => (pos / self.n_cols, pos % self.n_cols),
            Layout::ColMajor => (pos % self.n_rows, pos / self.n_rows),
        };
        Some((i, j, self.data[pos]))
    }

    /// Checks that every value is finite; the error names the first bad value's row and column
    /// and `what` the matrix ("X").
    pub fn check_finite(&self, what: &str) -> Result<()> {
        match self.first_where(|v| !v.is_finite()) {
            Some((i, j, v)) => Err(Error::non_finite(format!(
                "{what}[{i}, {j}] is {v}, not a finite number"
            ))),
            None => Ok(()),
        }
    }

    /// Checks that the matrix has at least one column (scikit-learn's message).
    pub fn check_has_columns(&self) -> Result<()> {
        if self.n_cols == 0 {
            return Err(Error::empty(format!(
                "X has 0 feature(s) (shape=({}, 0)) while a minimum of 1 is required.",
                self.n_rows
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

    /// Writes `out[r] = x_r . beta + intercept` for every row `r` of the block. Row-major
    /// blocks give each row exactly [`dot`]`(x_r, beta) + intercept`; column-major blocks add
    /// the columns' terms in column order.
    pub fn dot(&self, beta: &[f64], intercept: f64, out: &mut [f64]) {
        let p = self.parent.n_cols;
        debug_assert_eq!(beta.len(), p);
        debug_assert_eq!(out.len(), self.len());
        match self.parent.layout {
            Layout::RowMajor => {
                if p == 0 {
                    out.fill(intercept);
                    return;
                }
                dot_rows(
                    &self.parent.data[self.start * p..self.end * p],
                    beta,
                    intercept,
                    out,
                );
            }
            Layout::ColMajor => {
                let cols = self.col_blocks();
                // Zero coefficients are not skipped: a NaN input must still give a NaN score.
                dot_cols(&cols, beta, intercept, out);
            }
        }
    }

    /// Adds `sum_r weights[r] * x_r` to `acc` (length `n_cols`). Rows of weight 0 add nothing
    /// when the values are finite.
    pub fn add_weighted_rows(&self, weights: &[f64], acc: &mut [f64]) {
        let p = self.parent.n_cols;
        debug_assert_eq!(weights.len(), self.len());
        match self.parent.layout {
            Layout::RowMajor => {
                if p == 0 {
                    return;
                }
                let data = &self.parent.data[self.start * p..self.end * p];
                add_weighted(data, weights, acc);
            }
            Layout::ColMajor => {
                for (a, col) in acc.iter_mut().zip(self.col_blocks()) {
                    *a += dot_dispatch(col, weights);
                }
            }
        }
    }

    /// The block's part of each column, when the parent is column-major.
    fn col_blocks(&self) -> Vec<&'a [f64]> {
        let n = self.parent.n_rows;
        (0..self.parent.n_cols)
            .map(|j| &self.parent.data[j * n + self.start..j * n + self.end])
            .collect()
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
    let (ca, ra) = a.as_chunks::<8>();
    let (cb, rb) = b.as_chunks::<8>();
    for (x, y) in ca.iter().zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    finish_dot(&acc, ra, rb)
}

/// The sum of `dot`'s eight accumulators and its tail (`a` and `b`, shorter than 8).
#[inline(always)]
fn finish_dot(acc: &[f64; 8], a: &[f64], b: &[f64]) -> f64 {
    let mut tail = 0.0;
    for (x, y) in a.iter().zip(b) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

// The kernels below are compiled twice, for baseline x86-64 (SSE2) and for AVX2, the best one
// chosen at run time (`multiversion`). They use no fused multiply-add, so that every CPU and
// both versions give the same bits: each lane computes what the scalar code computes.

/// [`dot`] of long slices, dispatched to the CPU's widest vectors.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn dot_dispatch(a: &[f64], b: &[f64]) -> f64 {
    dot(a, b)
}

/// `out[r] = dot(row r, beta) + intercept` for the rows of `data` (row-major, `beta.len()`
/// columns). (Kernels over four rows at a time, sharing the loads of `beta`, measured slower:
/// the compiler does not keep their accumulators in vector registers.)
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn dot_rows(data: &[f64], beta: &[f64], intercept: f64, out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(data.chunks_exact(beta.len())) {
        *o = dot(row, beta) + intercept;
    }
}

/// `out[r] = intercept + sum_j beta[j] cols[j][r]`, terms added in column order, four columns
/// per pass over `out`.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn dot_cols(cols: &[&[f64]], beta: &[f64], intercept: f64, out: &mut [f64]) {
    out.fill(intercept);
    let n = out.len();
    let mut j = 0;
    while j + 4 <= cols.len() {
        let (c0, c1, c2, c3) = (
            &cols[j][..n],
            &cols[j + 1][..n],
            &cols[j + 2][..n],
            &cols[j + 3][..n],
        );
        let (b0, b1, b2, b3) = (beta[j], beta[j + 1], beta[j + 2], beta[j + 3]);
        for r in 0..n {
            out[r] = (((out[r] + b0 * c0[r]) + b1 * c1[r]) + b2 * c2[r]) + b3 * c3[r];
        }
        j += 4;
    }
    for (col, &b) in cols[j..].iter().zip(&beta[j..]) {
        for (o, &x) in out.iter_mut().zip(*col) {
            *o += b * x;
        }
    }
}

/// `acc += sum_r weights[r] * row_r` over the rows of `data` (row-major, `acc.len()` columns),
/// four rows per pass over `acc`, rows added in order.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn add_weighted(data: &[f64], weights: &[f64], acc: &mut [f64]) {
    let p = acc.len();
    let mut quads = data.chunks_exact(4 * p);
    let mut ws = weights.chunks_exact(4);
    for (rows, w) in (&mut quads).zip(&mut ws) {
        let (r0, rest) = rows.split_at(p);
        let (r1, rest) = rest.split_at(p);
        let (r2, r3) = rest.split_at(p);
        for j in 0..p {
            acc[j] = (((acc[j] + w[0] * r0[j]) + w[1] * r1[j]) + w[2] * r2[j]) + w[3] * r3[j];
        }
    }
    for (row, &w) in quads.remainder().chunks_exact(p).zip(ws.remainder()) {
        axpy(w, row, acc);
    }
}

/// `e^x` to within about one unit in the last place, without a branch or a table, so that a
/// loop of it vectorizes: `x = n ln 2 + r` (Cody and Waite), `e^r` by its Taylor polynomial of
/// degree 13 on `|r| <= ln(2) / 2`, scaled by `2^n` in two steps so that results down to the
/// subnormals are right. `+inf` above 709.78, 0 below -745.1, NaN for NaN.
#[inline(always)]
pub(crate) fn exp(x: f64) -> f64 {
    // Adding it rounds a double of magnitude below 2^51 to an integer, in the low bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    const LN2_HI: f64 = 6.931_471_803_691_238e-1; // 32 significant bits: n * LN2_HI is exact
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const C: [f64; 12] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    // NaN stays NaN.
    let x = x.clamp(-760.0, 760.0);
    let n = (x * std::f64::consts::LOG2_E + SHIFT) - SHIFT;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut q = C[0];
    for c in &C[1..] {
        q = q * r + c;
    }
    let e = 1.0 + (r + (r * r) * q);
    // 2^n = 2^h 2^(n - h), each factor a normal number for |n| <= 1097.
    let h = (n * 0.5 + SHIFT) - SHIFT;
    let pow2 = |k: f64| f64::from_bits((k + (SHIFT + 1023.0)).to_bits() << 52);
    e * pow2(h) * pow2(n - h)
}

/// `ln(1 + e)` for `e` in `[0, 1]` (what the log loss needs, `e = exp(-|z|)`), to within about
/// two units in the last place, branch-free: `2 atanh(u)`, `u = e / (2 + e)`, or
/// `ln 2 + 2 atanh(u)`, `u = (e - 1) / (e + 3)`, above `sqrt(2) - 1`, so that `|u| <= 0.1716`.
#[inline(always)]
pub(crate) fn ln_1p_unit(e: f64) -> f64 {
    // 2 / (2k + 1), k = 11 down to 0.
    const C: [f64; 12] = [
        2.0 / 23.0,
        2.0 / 21.0,
        2.0 / 19.0,
        2.0 / 17.0,
        2.0 / 15.0,
        2.0 / 13.0,
        2.0 / 11.0,
        2.0 / 9.0,
        2.0 / 7.0,
        2.0 / 5.0,
        2.0 / 3.0,
        2.0,
    ];
    let big = e > std::f64::consts::SQRT_2 - 1.0;
    let u = if big { e - 1.0 } else { e } / (e + if big { 3.0 } else { 2.0 });
    let u2 = u * u;
    let mut s = C[0];
    for c in &C[1..] {
        s = s * u2 + c;
    }
    (if big { std::f64::consts::LN_2 } else { 0.0 }) + u * s
}

/// The logistic function `1 / (1 + e^-z)` by [`exp`]: exactly 0 below -709.78, 1 above 37.
#[inline(always)]
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + exp(-z))
}

/// Applies [`sigmoid`] to every value, vectorized (the same bits as one value at a time).
#[multiversion::multiversion(targets("x86_64+avx2"))]
pub fn sigmoid_in_place(z: &mut [f64]) {
    for v in z {
        *v = sigmoid(*v);
    }
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

    /// `x` at `m + 1` evenly spaced points of `[lo, hi]`.
    fn grid(lo: f64, hi: f64, m: usize) -> impl Iterator<Item = f64> {
        (0..=m).map(move |i| lo + (hi - lo) * i as f64 / m as f64)
    }

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn vectorized_exp_log_and_sigmoid_match_libm() {
        // Within about one unit in the last place of libm's (itself within half a unit).
        let worst = grid(-708.0, 709.7, 400_000).fold(0.0f64, |m, x| m.max(rel(exp(x), x.exp())));
        assert!(worst <= 2.3e-16, "exp: {worst:e}");
        let worst =
            grid(1e-300, 1.0, 400_000).fold(0.0f64, |m, e| m.max(rel(ln_1p_unit(e), e.ln_1p())));
        assert!(worst <= 5e-16, "ln_1p: {worst:e}");
        let worst = grid(-40.0, 40.0, 400_000).fold(0.0f64, |m, z| {
            m.max(rel(sigmoid(z), 1.0 / (1.0 + (-z).exp())))
        });
        assert!(worst <= 6e-16, "sigmoid: {worst:e}");
        assert_eq!(ln_1p_unit(0.0), 0.0);
        // The ends: overflow, subnormals, underflow, infinities and NaN as libm.
        for x in [
            -760.0, -745.5, -745.0, -740.0, -720.0, 709.79, 710.0, 1e300, -1e300,
        ] {
            assert_eq!(exp(x), x.exp(), "exp({x})");
        }
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan() && sigmoid(f64::NAN).is_nan());
        assert_eq!(
            (sigmoid(-710.0), sigmoid(-1e300), sigmoid(f64::NEG_INFINITY)),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(
            (sigmoid(37.0), sigmoid(1e300), sigmoid(f64::INFINITY)),
            (1.0, 1.0, 1.0)
        );
        assert!(sigmoid(-709.0) > 0.0 && sigmoid(36.0) < 1.0);
        // The vectorized loop gives each value's bits exactly.
        let z: Vec<f64> = grid(-50.0, 50.0, 1001).collect();
        let mut v = z.clone();
        sigmoid_in_place(&mut v);
        assert!(v
            .iter()
            .zip(&z)
            .all(|(a, &z)| a.to_bits() == sigmoid(z).to_bits()));
    }

    #[test]
    fn block_kernels_agree_with_dot() {
        let (n, p) = (13, 11);
        let x: Vec<f64> = (0..n * p)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) / 7.0)
            .collect();
        let beta: Vec<f64> = (0..p).map(|j| (j as f64 - 4.5) / 3.0).collect();
        let m = Matrix::row_major(&x, n, p).unwrap();
        let mut z = vec![0.0; n - 2];
        m.rows(2, n).dot(&beta, 0.5, &mut z);
        for (r, v) in z.iter().enumerate() {
            assert_eq!(*v, dot(m.row(r + 2).unwrap(), &beta) + 0.5);
        }
        let xf: Vec<f64> = (0..p)
            .flat_map(|j| (0..n).map(move |i| (i, j)))
            .map(|(i, j)| x[i * p + j])
            .collect();
        let f = Matrix::col_major(&xf, n, p).unwrap();
        let mut zf = vec![0.0; n - 2];
        f.rows(2, n).dot(&beta, 0.5, &mut zf);
        let w: Vec<f64> = (0..n - 2).map(|r| r as f64 - 3.0).collect();
        let (mut g, mut gf) = (vec![0.0; p], vec![0.0; p]);
        m.rows(2, n).add_weighted_rows(&w, &mut g);
        f.rows(2, n).add_weighted_rows(&w, &mut gf);
        for r in 0..n - 2 {
            assert!((z[r] - zf[r]).abs() <= 1e-12 * z[r].abs().max(1.0));
        }
        for j in 0..p {
            let want: f64 = (0..n - 2).map(|r| w[r] * x[(r + 2) * p + j]).sum();
            assert!((g[j] - want).abs() <= 1e-12 * want.abs().max(1.0));
            assert!((gf[j] - want).abs() <= 1e-12 * want.abs().max(1.0));
        }
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
