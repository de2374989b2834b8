//! Logistic regression with L2 and L1 penalties, fitted to the exact optimum.

// `!(x > 0.0)` is meant: it is true for NaN as well.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::data::{check_labels, check_weights, class_totals, Matrix};
use crate::error::{Error, Result};
use crate::model::{check_out, Classifier};
use crate::persist::Persist;
use serde::{Deserialize, Serialize};

/// How the two classes are weighted on top of the sample weights.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClassWeight {
    /// Every row counts with its sample weight.
    #[default]
    None,
    /// Class `c` is weighted by `W / (2 W_c)`, `W_c` the total sample weight of class `c` (as
    /// scikit-learn's "balanced").
    Balanced,
    /// Explicit weights of class 0 and class 1.
    Given {
        /// The weight of rows with `y = 0`.
        negative: f64,
        /// The weight of rows with `y = 1`.
        positive: f64,
    },
}

/// The hyperparameters of a logistic regression; [`LogisticParams::fit`] fits one.
///
/// The objective is `sum_i w_i logloss_i + l2/2 ||beta||^2 + l1 ||beta||_1`, the intercept not
/// penalized: scikit-learn's with `C = 1 / l2`, so coefficients compare directly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// The L2 penalty (>= 0).
    pub l2: f64,
    /// The L1 penalty (>= 0).
    pub l1: f64,
    /// Class weights.
    pub class_weight: ClassWeight,
    /// Whether to fit an intercept.
    pub fit_intercept: bool,
    /// The most iterations of the solver.
    pub max_iter: usize,
    /// Convergence: the largest absolute (sub)gradient of the objective, divided by the total
    /// weight, at most `tol`.
    pub tol: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            l2: 1.0,
            l1: 0.0,
            class_weight: ClassWeight::None,
            fit_intercept: true,
            max_iter: 200,
            tol: 1e-8,
        }
    }
}

/// How the solver ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Whether the tolerance was met within `max_iter` iterations.
    pub converged: bool,
    /// Iterations run.
    pub n_iter: usize,
    /// The objective at the solution.
    pub objective: f64,
    /// The largest absolute (sub)gradient divided by the total weight, at the solution.
    pub gradient: f64,
    /// The solver used: `"newton"` or `"lbfgs"`.
    pub solver: String,
}

/// A fitted logistic regression: `P(y = 1 | x) = sigmoid(intercept + coef . x)`.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticRegression {
    coef: Vec<f64>,
    intercept: f64,
    reference: Vec<f64>,
    feature_names: Option<Vec<String>>,
    params: LogisticParams,
    report: FitReport,
}

impl LogisticRegression {
    /// The coefficients, one per feature.
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    /// The intercept.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// The reference point of explanations: the weighted mean of each feature in the training
    /// data, so that contributions say how a customer differs from the average one.
    pub fn reference(&self) -> &[f64] {
        &self.reference
    }

    /// The parameters the model was fitted with.
    pub fn params(&self) -> &LogisticParams {
        &self.params
    }

    /// How the solver ended.
    pub fn report(&self) -> &FitReport {
        &self.report
    }

    /// The model with feature names attached (one per feature, for reason codes).
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.coef.len() {
            return Err(Error::shape(format!(
                "{} feature names given for a model of {} features",
                names.len(),
                self.coef.len()
            )));
        }
        self.feature_names = Some(names);
        Ok(self)
    }

    /// The explanation's base value: the raw score of the reference point.
    pub fn base_value(&self) -> f64 {
        self.intercept + crate::data::dot(&self.coef, &self.reference)
    }
}

impl Classifier for LogisticRegression {
    fn n_features(&self) -> usize {
        self.coef.len()
    }

    fn feature_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }

    fn decision_function(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.score(x, out, Output::Score)
    }

    fn predict_proba(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.score(x, out, Output::Probability)
    }

    fn explain(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        let p = self.coef.len();
        x.check_n_cols(p, "LogisticRegression")?;
        check_out(out, x.n_rows() * (p + 1), "explain")?;
        let base = self.base_value();
        let block = x.rows(0, x.n_rows());
        for (r, row) in out.chunks_exact_mut(p + 1).enumerate() {
            block.copy_row(r, &mut row[..p]);
            if let Some(j) = row[..p].iter().position(|v| !v.is_finite()) {
                return Err(non_finite_at(row[j], r, j));
            }
            for ((v, c), r) in row[..p].iter_mut().zip(&self.coef).zip(&self.reference) {
                *v = c * (*v - r);
            }
            row[p] = base;
        }
        Ok(())
    }
}

/// Explains a non-finite score of row `i`: a non-finite input, or an overflow to NaN. An
/// infinite score from finite inputs is not an error (its probability is 0 or 1).
fn check_row(x: Matrix<'_>, i: usize, score: f64) -> Result<()> {
    for j in 0..x.n_cols() {
        let v = x.get(i, j);
        if !v.is_finite() {
            return Err(non_finite_at(v, i, j));
        }
    }
    if score.is_nan() {
        return Err(Error::non_finite(format!(
            "the score of row {i} overflows: its values are too large"
        )));
    }
    Ok(())
}

fn non_finite_at(v: f64, i: usize, j: usize) -> Error {
    Error::non_finite(format!("X[{i}, {j}] is {v}, not a finite number"))
}

/// What [`LogisticRegression::score`] writes for each row.
#[derive(Clone, Copy, PartialEq)]
enum Output {
    /// The raw score `z`.
    Score,
    /// `sigmoid(z)`.
    Probability,
    /// `1 - sigmoid(z)`, then `sigmoid(z)`.
    Pair,
}

impl LogisticRegression {
    /// Writes `(P(y = 0), P(y = 1))` of each row into `out` (`2 n_rows` values, row after
    /// row): scikit-learn's `predict_proba`, without a second pass over the probabilities.
    pub fn predict_proba_pairs(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.score(x, out, Output::Pair)
    }

    /// Scores the rows of `x` into `out` (one or two values per row, see [`Output`]), in
    /// parallel blocks when there are many, each block a few hundred rows at a time: scores,
    /// then probabilities, vectorized. A non-finite input is found from the non-finite score it
    /// produces, so the input is read only once (on error, `out` is left partly written).
    fn score(&self, x: Matrix<'_>, out: &mut [f64], what: Output) -> Result<()> {
        use rayon::prelude::*;
        const SCORE_BLOCK: usize = 8192;
        const SUB: usize = 512;
        x.check_n_cols(self.coef.len(), "LogisticRegression")?;
        let width = if what == Output::Pair { 2 } else { 1 };
        check_out(out, x.n_rows().saturating_mul(width), "the score")?;
        // Rows `start..start + z.len()` into `z`.
        let rows = |start: usize, z: &mut [f64]| -> Result<()> {
            x.rows(start, start + z.len())
                .dot(&self.coef, self.intercept, z);
            if !z.iter().all(|v| v.is_finite()) {
                for (r, &v) in z.iter().enumerate().filter(|(_, v)| !v.is_finite()) {
                    check_row(x, start + r, v)?;
                }
            }
            if what != Output::Score {
                crate::data::sigmoid_in_place(z);
            }
            Ok(())
        };
        let block = |start: usize, out: &mut [f64]| -> Result<()> {
            let mut buf = [0.0; SUB];
            for (s, o) in out.chunks_mut(SUB * width).enumerate() {
                let first = start + s * SUB;
                if width == 1 {
                    rows(first, o)?;
                } else {
                    let z = &mut buf[..o.len() / 2];
                    rows(first, z)?;
                    for (pair, &p) in o.chunks_exact_mut(2).zip(z.iter()) {
                        pair[0] = 1.0 - p;
                        pair[1] = p;
                    }
                }
            }
            Ok(())
        };
        if out.len() <= SCORE_BLOCK * width {
            return block(0, out);
        }
        // Every block is scored, so that the error reported is the first bad row's.
        let results: Vec<Result<()>> = out
            .par_chunks_mut(SCORE_BLOCK * width)
            .enumerate()
            .map(|(b, o)| block(b * SCORE_BLOCK, o))
            .collect();
        results.into_iter().collect()
    }
}

/// The saved form of a [`LogisticRegression`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticPayload {
    coef: Vec<f64>,
    intercept: f64,
    reference: Vec<f64>,
    feature_names: Option<Vec<String>>,
    params: LogisticParams,
    report: FitReport,
}

impl Persist for LogisticRegression {
    const KIND: &'static str = "logistic_regression";
    const VERSION: u32 = 1;
    type Payload = LogisticPayload;

    fn to_payload(&self) -> LogisticPayload {
        LogisticPayload {
            coef: self.coef.clone(),
            intercept: self.intercept,
            reference: self.reference.clone(),
            feature_names: self.feature_names.clone(),
            params: self.params.clone(),
            report: self.report.clone(),
        }
    }

    fn from_payload(p: LogisticPayload, _version: u32) -> Result<Self> {
        let bad = |m: String| Error::document(format!("logistic_regression document: {m}"));
        let n = p.coef.len();
        if n == 0 {
            return Err(bad("no coefficients".to_owned()));
        }
        if p.reference.len() != n {
            return Err(bad(format!(
                "{} reference values for {n} coefficients",
                p.reference.len()
            )));
        }
        for (what, values) in [("coef", &p.coef), ("reference", &p.reference)] {
            if let Some(j) = values.iter().position(|v| !v.is_finite()) {
                return Err(bad(format!(
                    "{what}[{j}] is {}, not a finite number",
                    values[j]
                )));
            }
        }
        if !p.intercept.is_finite() {
            return Err(bad(format!("intercept {} is not finite", p.intercept)));
        }
        if let Some(names) = &p.feature_names {
            if names.len() != n {
                return Err(bad(format!(
                    "{} feature names for {n} coefficients",
                    names.len()
                )));
            }
        }
        p.params.check().map_err(|e| bad(e.message().to_owned()))?;
        Ok(LogisticRegression {
            coef: p.coef,
            intercept: p.intercept,
            reference: p.reference,
            feature_names: p.feature_names,
            params: p.params,
            report: p.report,
        })
    }
}

impl LogisticParams {
    /// Checks every parameter's range.
    pub fn check(&self) -> Result<()> {
        for (name, v) in [("l2", self.l2), ("l1", self.l1)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid(format!(
                    "{name} must be a finite number >= 0, got {v}"
                )));
            }
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(Error::invalid(format!(
                "tol must be a finite number > 0, got {}",
                self.tol
            )));
        }
        if self.max_iter == 0 {
            return Err(Error::invalid("max_iter must be at least 1"));
        }
        if let ClassWeight::Given { negative, positive } = self.class_weight {
            for (name, v) in [("class 0", negative), ("class 1", positive)] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(Error::invalid(format!(
                        "class_weight of {name} must be a finite number >= 0, got {v}"
                    )));
                }
            }
        }
        Ok(())
    }
}

impl LogisticParams {
    /// Fits a logistic regression of `y` (each 0 or 1) on the rows of `x`, with optional
    /// sample weights (finite, >= 0, not all zero).
    ///
    /// ```
    /// use nextbest::data::Matrix;
    /// use nextbest::model::Classifier;
    /// use nextbest::propensity::LogisticParams;
    /// let x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
    /// let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
    /// let model = LogisticParams::default().fit(Matrix::row_major(&x, 6, 1)?, &y, None)?;
    /// assert!(model.report().converged && model.coef()[0] > 0.0);
    /// let mut p = [0.0; 1];
    /// model.predict_proba(Matrix::row_major(&[2.5], 1, 1)?, &mut p)?;
    /// assert!((p[0] - 0.5).abs() < 0.1);
    /// # Ok::<(), nextbest::Error>(())
    /// ```
    pub fn fit(
        &self,
        x: Matrix<'_>,
        y: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<LogisticRegression> {
        self.check()?;
        let n = x.n_rows();
        if n == 0 {
            return Err(Error::empty(
                "X is empty (0 rows): at least one row of each class is needed",
            ));
        }
        x.check_has_columns()?;
        if y.len() != n {
            return Err(Error::shape(format!(
                "y has {} values but X has {n} rows",
                y.len()
            )));
        }
        check_labels(y)?;
        let w = sample_weights(y, weights, self.class_weight)?;
        let problem = Problem {
            x,
            y,
            w: &w,
            l2: self.l2,
            l1: self.l1,
            fit_intercept: self.fit_intercept,
        };
        let p = x.n_cols();
        let mut reference = vec![0.0; p];
        let (theta, report) = solve(&problem, self.max_iter, self.tol, &mut reference)?;
        Ok(LogisticRegression {
            coef: theta[..p].to_vec(),
            intercept: if self.fit_intercept { theta[p] } else { 0.0 },
            reference,
            feature_names: None,
            params: self.clone(),
            report,
        })
    }
}

/// The effective weight of each row: sample weight times class weight; checks both.
fn sample_weights(
    y: &[f64],
    weights: Option<&[f64]>,
    class_weight: ClassWeight,
) -> Result<Vec<f64>> {
    check_weights(weights, y.len())?;
    let [w0, w1] = class_totals(y, weights, "logistic regression")?;
    let mut w = weights.map_or_else(|| vec![1.0; y.len()], <[f64]>::to_vec);
    let (c0, c1) = match class_weight {
        ClassWeight::None => (1.0, 1.0),
        ClassWeight::Balanced => ((w0 + w1) / (2.0 * w0), (w0 + w1) / (2.0 * w1)),
        ClassWeight::Given { negative, positive } => (negative, positive),
    };
    if c0 != 1.0 || c1 != 1.0 {
        for (wi, &yi) in w.iter_mut().zip(y) {
            *wi *= if yi == 1.0 { c1 } else { c0 };
        }
        let total0: f64 = w
            .iter()
            .zip(y)
            .filter(|(_, &yi)| yi == 0.0)
            .map(|(&wi, _)| wi)
            .sum();
        let total1: f64 = w
            .iter()
            .zip(y)
            .filter(|(_, &yi)| yi == 1.0)
            .map(|(&wi, _)| wi)
            .sum();
        if total0 <= 0.0 || total1 <= 0.0 {
            return Err(Error::invalid("class_weight leaves one class with zero total weight: both classes need a positive weight"));
        }
    }
    Ok(w)
}

/// Rows per block of the parallel passes; sums are combined block by block in row order, so
/// results do not depend on the number of threads.
const BLOCK: usize = 4096;

/// `f(start, end)` over consecutive row blocks, in parallel, results in row order.
fn blocks<T: Send>(n: usize, f: impl Fn(usize, usize) -> T + Sync) -> Vec<T> {
    use rayon::prelude::*;
    let n_blocks = n.div_ceil(BLOCK);
    (0..n_blocks)
        .into_par_iter()
        .map(|b| f(b * BLOCK, ((b + 1) * BLOCK).min(n)))
        .collect()
}

/// The data and penalties of one fit. Parameters `theta` are the coefficients followed by the
/// intercept when one is fitted.
struct Problem<'a> {
    x: Matrix<'a>,
    y: &'a [f64],
    w: &'a [f64],
    l2: f64,
    l1: f64,
    fit_intercept: bool,
}

impl Problem<'_> {
    fn dim(&self) -> usize {
        self.x.n_cols() + self.fit_intercept as usize
    }

    fn total_weight(&self) -> f64 {
        self.w.iter().sum()
    }

    fn split<'t>(&self, theta: &'t [f64]) -> (&'t [f64], f64) {
        let p = self.x.n_cols();
        (&theta[..p], if self.fit_intercept { theta[p] } else { 0.0 })
    }

    /// The smooth part of the objective (weighted log loss + L2) and its gradient.
    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.pass(theta, grad, None)
    }

    /// [`Problem::value_grad`] in the first pass over the data, which also checks that `X` is
    /// finite (a non-finite value makes the loss non-finite; only then is `X` searched for it)
    /// and writes the weighted mean of the rows into `mean`.
    fn first_value_grad(&self, theta: &[f64], grad: &mut [f64], mean: &mut [f64]) -> Result<f64> {
        let f = self.pass(theta, grad, Some(mean));
        if !f.is_finite() {
            self.x.check_finite("X")?;
        }
        let total = self.total_weight();
        mean.iter_mut().for_each(|m| *m /= total);
        Ok(f)
    }

    /// One pass over the rows: the smooth objective and its gradient, and `sum_i w_i x_i` into
    /// `sums` when given. Rows are taken a few at a time (scores, then the loss and residual
    /// of each, then the residuals times the rows, still in L1), each step vectorized.
    fn pass(&self, theta: &[f64], grad: &mut [f64], sums: Option<&mut [f64]>) -> f64 {
        const SUB_MAX: usize = 512;
        let p = self.x.n_cols();
        let (beta, b) = self.split(theta);
        let with_sums = sums.is_some();
        // Row-major rows stay in L1 between the steps; column-major ones in L2.
        let sub = match self.x.layout() {
            crate::data::Layout::RowMajor => 32,
            crate::data::Layout::ColMajor => SUB_MAX,
        };
        let parts = blocks(self.x.n_rows(), |start, end| {
            let (mut loss, mut g_b) = (0.0, 0.0);
            let mut g = vec![0.0; p];
            let mut m = vec![0.0; if with_sums { p } else { 0 }];
            let (mut z, mut l) = ([0.0; SUB_MAX], [0.0; SUB_MAX]);
            for s in (start..end).step_by(sub) {
                let e = (s + sub).min(end);
                let rows = self.x.rows(s, e);
                let (z, l) = (&mut z[..e - s], &mut l[..e - s]);
                rows.dot(beta, b, z);
                let (sub_loss, sub_residual) = logistic_terms(z, l, &self.y[s..e], &self.w[s..e]);
                loss += sub_loss;
                g_b += sub_residual;
                rows.add_weighted_rows(z, &mut g);
                if with_sums {
                    rows.add_weighted_rows(&self.w[s..e], &mut m);
                }
            }
            (loss, g, g_b, m)
        });
        grad.fill(0.0);
        let mut loss = 0.0;
        let mut sums = sums;
        if let Some(sums) = sums.as_deref_mut() {
            sums.fill(0.0);
        }
        for (l, g, g_b, m) in parts {
            loss += l;
            for (o, v) in grad[..p].iter_mut().zip(&g) {
                *o += v;
            }
            if self.fit_intercept {
                grad[p] += g_b;
            }
            if let Some(sums) = sums.as_deref_mut() {
                for (o, v) in sums.iter_mut().zip(&m) {
                    *o += v;
                }
            }
        }
        for (o, &bj) in grad[..p].iter_mut().zip(beta) {
            *o += self.l2 * bj;
        }
        loss + 0.5 * self.l2 * beta.iter().map(|v| v * v).sum::<f64>()
    }

    /// The L1 part of the objective.
    fn l1_value(&self, theta: &[f64]) -> f64 {
        if self.l1 == 0.0 {
            return 0.0;
        }
        self.l1 * self.split(theta).0.iter().map(|v| v.abs()).sum::<f64>()
    }

    /// The largest absolute entry of the minimum-norm subgradient of the whole objective.
    fn subgradient_norm(&self, theta: &[f64], grad: &[f64]) -> f64 {
        let p = self.x.n_cols();
        let mut worst = 0.0f64;
        for (j, &g) in grad.iter().enumerate() {
            let v = if j < p && self.l1 > 0.0 {
                if theta[j] > 0.0 {
                    g + self.l1
                } else if theta[j] < 0.0 {
                    g - self.l1
                } else {
                    (g.abs() - self.l1).max(0.0)
                }
            } else {
                g
            };
            worst = worst.max(v.abs());
        }
        worst
    }

    /// A bound of the Hessian's diagonal: `sum_i w_i x_ij^2 / 4 + l2` (and `sum_i w_i / 4`
    /// for the intercept), floored so that every entry is positive.
    fn curvature_bound(&self) -> Vec<f64> {
        let p = self.x.n_cols();
        let parts = blocks(self.x.n_rows(), |start, end| {
            let mut acc = vec![0.0; p];
            let rows = self.x.rows(start, end);
            let mut row = vec![0.0; p];
            for r in 0..end - start {
                rows.copy_row(r, &mut row);
                let w = self.w[start + r];
                for (a, v) in acc.iter_mut().zip(&row) {
                    *a += w * v * v;
                }
            }
            acc
        });
        let mut diag = vec![0.0; self.dim()];
        for part in parts {
            for (d, v) in diag.iter_mut().zip(part) {
                *d += v;
            }
        }
        for d in diag[..p].iter_mut() {
            *d = 0.25 * *d + self.l2;
        }
        if self.fit_intercept {
            diag[p] = 0.25 * self.total_weight();
        }
        let floor = diag.iter().fold(0.0f64, |m, v| m.max(*v)) * 1e-12 + 1e-300;
        diag.iter_mut().for_each(|d| *d = d.max(floor));
        diag
    }

    /// The Hessian of the smooth part (row-major `dim x dim`) estimated from every `stride`-th
    /// row and scaled to the total weight; rows are added four at a time.
    fn hessian(&self, theta: &[f64], stride: usize) -> Vec<f64> {
        let p = self.x.n_cols();
        let d = self.dim();
        let (beta, b) = self.split(theta);
        let n_sampled = self.x.n_rows().div_ceil(stride);
        let parts = blocks(n_sampled, |start, end| {
            let mut h = vec![0.0; d * d];
            // Four rows, and each times its weight w p (1 - p); missing rows are zeros.
            let (mut rows, mut scaled) = (vec![0.0; 4 * p], vec![0.0; 4 * p]);
            let mut sampled_weight = 0.0;
            for first in (start..end).step_by(4) {
                let mut di = [0.0; 4];
                for (k, (row, a)) in rows
                    .chunks_exact_mut(p)
                    .zip(scaled.chunks_exact_mut(p))
                    .enumerate()
                {
                    if first + k < end {
                        let i = (first + k) * stride;
                        self.x.rows(i, i + 1).copy_row(0, row);
                        let prob = crate::data::sigmoid(crate::data::dot(row, beta) + b);
                        sampled_weight += self.w[i];
                        di[k] = self.w[i] * prob * (1.0 - prob);
                    } else {
                        row.fill(0.0);
                        di[k] = 0.0;
                    }
                    for (a, x) in a.iter_mut().zip(row.iter()) {
                        *a = di[k] * x;
                    }
                }
                add_rank4(&mut h, d, &rows, &scaled, &di);
            }
            (h, sampled_weight)
        });
        let mut h = vec![0.0; d * d];
        let mut sampled_weight = 0.0;
        for (part, sw) in parts {
            sampled_weight += sw;
            for (o, v) in h.iter_mut().zip(&part) {
                *o += v;
            }
        }
        let scale = if stride > 1 && sampled_weight > 0.0 {
            self.total_weight() / sampled_weight
        } else {
            1.0
        };
        for j in 0..d {
            for k in j..d {
                let v = h[j * d + k] * scale;
                h[j * d + k] = v;
                h[k * d + j] = v;
            }
        }
        for j in 0..p {
            h[j * d + j] += self.l2;
        }
        h
    }
}

/// Problems of more parameters than this are solved by L-BFGS (OWL-QN with an L1 penalty)
/// rather than by Newton steps, whose `dim^2` Hessian would cost more than it saves.
const NEWTON_MAX_DIM: usize = 1024;

/// Multiply-adds spent on one Hessian estimate; beyond it the Hessian is estimated from a
/// regular subsample of the rows (the gradient always uses every row, so the optimum is exact).
const HESSIAN_BUDGET: usize = 50_000_000;

/// Rows of the warm-start subsample, per parameter.
const WARM_ROWS_PER_DIM: usize = 200;

/// Minimizes the objective from a sensible start; returns the parameters and the report.
/// `mean` receives the weighted mean of the rows (from the first full pass, which also checks
/// that `X` is finite).
fn solve(
    problem: &Problem<'_>,
    max_iter: usize,
    tol: f64,
    mean: &mut [f64],
) -> Result<(Vec<f64>, FitReport)> {
    let d = problem.dim();
    let mut theta = vec![0.0; d];
    if problem.fit_intercept {
        let total = problem.total_weight();
        let positive: f64 = problem.y.iter().zip(problem.w).map(|(y, w)| y * w).sum();
        let rate = (positive / total).clamp(1e-12, 1.0 - 1e-12);
        theta[d - 1] = (rate / (1.0 - rate)).ln();
    }
    let newton_steps = d <= NEWTON_MAX_DIM;
    let n = problem.x.n_rows();
    let warm_rows = WARM_ROWS_PER_DIM * d + 10_000;
    let mut warmed = false;
    if newton_steps && n > 4 * warm_rows {
        // Solve on a regular subsample first: its optimum is close, so that the full-data
        // Newton steps start near the end and need only a few passes over all rows.
        let stride = n / warm_rows;
        let p = problem.x.n_cols();
        let rows: Vec<usize> = (0..n).step_by(stride).collect();
        let mut data = vec![0.0; rows.len() * p];
        for (r, &i) in rows.iter().enumerate() {
            problem
                .x
                .rows(i, i + 1)
                .copy_row(0, &mut data[r * p..(r + 1) * p]);
        }
        let y: Vec<f64> = rows.iter().map(|&i| problem.y[i]).collect();
        let mut w: Vec<f64> = rows.iter().map(|&i| problem.w[i]).collect();
        let sub_total: f64 = w.iter().sum();
        let has_both = y.iter().zip(&w).any(|(&yi, &wi)| yi == 1.0 && wi > 0.0)
            && y.iter().zip(&w).any(|(&yi, &wi)| yi == 0.0 && wi > 0.0);
        if sub_total > 0.0 && has_both {
            let scale = problem.total_weight() / sub_total;
            w.iter_mut().for_each(|v| *v *= scale);
            let sub = Problem {
                x: Matrix::row_major(&data, rows.len(), p).expect("sizes match"),
                y: &y,
                w: &w,
                ..*problem
            };
            // One Hessian, then BFGS updates: the subsample's passes are cheap, its Hessians
            // are not.
            let (start, report) =
                newton(&sub, theta.clone(), None, max_iter, tol.max(1e-6), 1, false);
            if report.objective.is_finite() {
                theta = start;
                warmed = true;
            }
        }
    }
    let mut grad = vec![0.0; d];
    let f = problem.first_value_grad(&theta, &mut grad, mean)?;
    if !newton_steps {
        return Ok(lbfgs(problem, theta, (f, grad), max_iter, tol));
    }
    let hessian_rows = (2 * HESSIAN_BUDGET / (d * d)).max(10 * d);
    let stride = (n / hessian_rows).max(1);
    // Near the optimum (after a warm start), one Hessian estimate and BFGS updates suffice.
    let exact = stride == 1 && !warmed;
    let (theta, report) = newton(
        problem,
        theta,
        Some((f, grad)),
        max_iter,
        tol,
        stride,
        exact,
    );
    Ok((theta, report))
}

/// Newton's method (proximal Newton with an L1 penalty) with a backtracking line search.
///
/// `first` is the smooth objective and its gradient at `theta` when already computed. When
/// `exact`, the Hessian is computed at every step. Otherwise it is estimated from every
/// `stride`-th row, once (again after a step that needed a line search), and then corrected by
/// BFGS updates from the full-data gradients of each step, which keeps fast convergence to the
/// exact optimum for the price of one pass over the rows per step.
fn newton(
    problem: &Problem<'_>,
    mut theta: Vec<f64>,
    first: Option<(f64, Vec<f64>)>,
    max_iter: usize,
    tol: f64,
    stride: usize,
    exact: bool,
) -> (Vec<f64>, FitReport) {
    let d = problem.dim();
    let total = problem.total_weight();
    let (f, mut grad) = first.unwrap_or_else(|| {
        let mut grad = vec![0.0; d];
        (problem.value_grad(&theta, &mut grad), grad)
    });
    let mut f = f + problem.l1_value(&theta);
    let mut gnorm = problem.subgradient_norm(&theta, &grad) / total;
    let mut hessian: Option<Vec<f64>> = None;
    let mut n_iter = 0;
    let mut trial = vec![0.0; d];
    let mut trial_grad = vec![0.0; d];
    while gnorm > tol && n_iter < max_iter {
        n_iter += 1;
        let mut h = match hessian.take() {
            Some(h) => h,
            None => problem.hessian(&theta, stride),
        };
        let step = match newton_direction(problem, &h, &theta, &grad) {
            Some(step) => step,
            None => break,
        };
        // Predicted decrease (negative): g.step plus the change of the L1 term.
        let decrease = crate::data::dot(&grad, &step) + problem.l1_value(&add(&theta, &step, 1.0))
            - problem.l1_value(&theta);
        if !(decrease < 0.0) {
            break;
        }
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            for j in 0..d {
                trial[j] = theta[j] + t * step[j];
            }
            let ft = problem.value_grad(&trial, &mut trial_grad) + problem.l1_value(&trial);
            let gt = problem.subgradient_norm(&trial, &trial_grad) / total;
            // Armijo; near the optimum, where the objective changes below rounding error,
            // a smaller gradient decides.
            let roundoff = (ft - f).abs() <= 1e-12 * f.abs().max(1.0);
            if ft <= f + 1e-4 * t * decrease || (roundoff && gt < gnorm) {
                accepted = true;
                if !exact && t == 1.0 {
                    bfgs_update(&mut h, &step, &grad, &trial_grad);
                    hessian = Some(h);
                }
                std::mem::swap(&mut theta, &mut trial);
                std::mem::swap(&mut grad, &mut trial_grad);
                f = ft;
                gnorm = gt;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    let report = FitReport {
        converged: gnorm <= tol,
        n_iter,
        objective: f,
        gradient: gnorm,
        solver: "newton".to_owned(),
    };
    (theta, report)
}

/// The BFGS update of the Hessian approximation `h` after the step `s` changed the smooth
/// gradient from `g0` to `g1`; skipped when the curvature condition fails.
fn bfgs_update(h: &mut [f64], s: &[f64], g0: &[f64], g1: &[f64]) {
    let d = s.len();
    let y: Vec<f64> = g1.iter().zip(g0).map(|(a, b)| a - b).collect();
    let hs: Vec<f64> = (0..d)
        .map(|j| crate::data::dot(&h[j * d..(j + 1) * d], s))
        .collect();
    let sy = crate::data::dot(s, &y);
    let shs = crate::data::dot(s, &hs);
    if !(sy > 1e-12 * shs.abs()) || !(shs > 0.0) {
        return;
    }
    for j in 0..d {
        for k in 0..d {
            h[j * d + k] += y[j] * y[k] / sy - hs[j] * hs[k] / shs;
        }
    }
}

fn add(a: &[f64], b: &[f64], t: f64) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + t * y).collect()
}

/// The Newton step: `-H^-1 g` without an L1 penalty (Cholesky), else the minimizer of the
/// quadratic model plus the L1 term by coordinate descent.
fn newton_direction(
    problem: &Problem<'_>,
    h: &[f64],
    theta: &[f64],
    grad: &[f64],
) -> Option<Vec<f64>> {
    let d = theta.len();
    let p = problem.x.n_cols();
    if problem.l1 == 0.0 {
        let mut jitter = 0.0;
        let diag_max = (0..d)
            .map(|j| h[j * d + j])
            .fold(0.0f64, f64::max)
            .max(1e-300);
        for _ in 0..12 {
            let mut m = h.to_vec();
            for j in 0..d {
                m[j * d + j] += jitter;
            }
            if let Some(l) = cholesky(&mut m, d) {
                let mut step: Vec<f64> = grad.iter().map(|g| -g).collect();
                cholesky_solve(l, d, &mut step);
                if step.iter().all(|v| v.is_finite()) {
                    return Some(step);
                }
            }
            jitter = if jitter == 0.0 {
                1e-10 * diag_max
            } else {
                jitter * 100.0
            };
        }
        return None;
    }
    // Coordinate descent on q(s) = g.s + s'Hs/2 + l1 * |beta + s|_1.
    let mut s = vec![0.0; d];
    let mut hs = vec![0.0; d];
    for _sweep in 0..500 {
        let mut max_change = 0.0f64;
        let mut max_value = 0.0f64;
        for j in 0..d {
            let a = h[j * d + j];
            if a <= 0.0 {
                continue;
            }
            let b = grad[j] + hs[j] - a * s[j];
            let new = if j < p {
                let u = theta[j] - b / a;
                let u = u.signum() * (u.abs() - problem.l1 / a).max(0.0);
                u - theta[j]
            } else {
                -b / a
            };
            let change = new - s[j];
            if change != 0.0 {
                for k in 0..d {
                    hs[k] += change * h[k * d + j];
                }
                s[j] = new;
            }
            max_change = max_change.max(change.abs());
            max_value = max_value.max((theta[j] + s[j]).abs());
        }
        if max_change <= 1e-12 * max_value.max(1.0) {
            break;
        }
    }
    Some(s)
}

/// In-place Cholesky factorization of a symmetric positive definite `d x d` matrix (lower
/// triangle); `None` when it is not positive definite.
fn cholesky(m: &mut [f64], d: usize) -> Option<&[f64]> {
    for j in 0..d {
        let mut diag = m[j * d + j];
        for k in 0..j {
            diag -= m[j * d + k] * m[j * d + k];
        }
        if !(diag > 0.0) {
            return None;
        }
        let diag = diag.sqrt();
        m[j * d + j] = diag;
        for i in j + 1..d {
            let mut v = m[i * d + j];
            for k in 0..j {
                v -= m[i * d + k] * m[j * d + k];
            }
            m[i * d + j] = v / diag;
        }
    }
    Some(m)
}

/// Solves `L L' x = b` in place, `L` from [`cholesky`].
fn cholesky_solve(l: &[f64], d: usize, b: &mut [f64]) {
    for i in 0..d {
        let mut v = b[i];
        for k in 0..i {
            v -= l[i * d + k] * b[k];
        }
        b[i] = v / l[i * d + i];
    }
    for i in (0..d).rev() {
        let mut v = b[i];
        for k in i + 1..d {
            v -= l[k * d + i] * b[k];
        }
        b[i] = v / l[i * d + i];
    }
}

/// L-BFGS, as OWL-QN when there is an L1 penalty (Andrew and Gao, 2007), with a backtracking
/// line search; for problems too wide for Newton steps. `first` is the smooth objective and its
/// gradient at `theta`.
fn lbfgs(
    problem: &Problem<'_>,
    mut theta: Vec<f64>,
    first: (f64, Vec<f64>),
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, FitReport) {
    const MEMORY: usize = 10;
    let d = problem.dim();
    let p = problem.x.n_cols();
    let total = problem.total_weight();
    let l1 = problem.l1;
    let (f, mut grad) = first;
    let mut f = f + problem.l1_value(&theta);
    let pseudo = |theta: &[f64], grad: &[f64]| -> Vec<f64> {
        (0..d)
            .map(|j| {
                let g = grad[j];
                if j >= p || l1 == 0.0 {
                    g
                } else if theta[j] > 0.0 {
                    g + l1
                } else if theta[j] < 0.0 {
                    g - l1
                } else if g + l1 < 0.0 {
                    g + l1
                } else if g - l1 > 0.0 {
                    g - l1
                } else {
                    0.0
                }
            })
            .collect()
    };
    let inv_diag = problem
        .curvature_bound()
        .iter()
        .map(|h| 1.0 / h)
        .collect::<Vec<f64>>();
    let mut pg = pseudo(&theta, &grad);
    let mut gnorm = pg.iter().fold(0.0f64, |m, v| m.max(v.abs())) / total;
    let mut history: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> = Default::default();
    let mut n_iter = 0;
    let mut trial_grad = vec![0.0; d];
    while gnorm > tol && n_iter < max_iter {
        n_iter += 1;
        // Two-loop recursion on the pseudo-gradient.
        let mut q: Vec<f64> = pg.clone();
        let mut alphas = Vec::with_capacity(history.len());
        for (s, y, rho) in history.iter().rev() {
            let a = rho * crate::data::dot(s, &q);
            crate::data::axpy(-a, y, &mut q);
            alphas.push(a);
        }
        // The initial inverse Hessian: the inverse of a diagonal curvature bound, scaled by
        // the latest curvature pair (so that badly scaled features do not slow convergence).
        let gamma = match history.back() {
            Some((s, y, _)) => {
                let yy: f64 = y.iter().zip(&inv_diag).map(|(v, h)| v * v * h).sum();
                crate::data::dot(s, y) / yy
            }
            None => {
                let norm: f64 = pg.iter().zip(&inv_diag).map(|(v, h)| v * v * h * h).sum();
                1.0 / norm.sqrt().max(1e-300)
            }
        };
        q.iter_mut()
            .zip(&inv_diag)
            .for_each(|(v, h)| *v *= gamma * h);
        for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
            let b = rho * crate::data::dot(y, &q);
            crate::data::axpy(a - b, s, &mut q);
        }
        let mut dir: Vec<f64> = q.iter().map(|v| -v).collect();
        if l1 > 0.0 {
            for j in 0..p {
                if dir[j] * pg[j] >= 0.0 {
                    dir[j] = 0.0;
                }
            }
        }
        let slope = crate::data::dot(&pg, &dir);
        if !(slope < 0.0) {
            if history.is_empty() {
                break;
            }
            history.clear();
            continue;
        }
        let orthant: Vec<f64> = (0..d)
            .map(|j| {
                if theta[j] != 0.0 {
                    theta[j].signum()
                } else {
                    -pg[j].signum()
                }
            })
            .collect();
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..50 {
            let mut trial = add(&theta, &dir, t);
            if l1 > 0.0 {
                for j in 0..p {
                    if trial[j] * orthant[j] <= 0.0 {
                        trial[j] = 0.0;
                    }
                }
            }
            let ft = problem.value_grad(&trial, &mut trial_grad) + problem.l1_value(&trial);
            let moved: f64 = (0..d).map(|j| pg[j] * (trial[j] - theta[j])).sum();
            let roundoff = (ft - f).abs() <= 1e-12 * f.abs().max(1.0);
            let tpg = pseudo(&trial, &trial_grad);
            let tnorm = tpg.iter().fold(0.0f64, |m, v| m.max(v.abs())) / total;
            if ft <= f + 1e-4 * moved || (roundoff && tnorm < gnorm) {
                accepted = Some((trial, ft, tpg, tnorm));
                break;
            }
            t *= 0.5;
        }
        let Some((trial, ft, tpg, tnorm)) = accepted else {
            break;
        };
        let s: Vec<f64> = trial.iter().zip(&theta).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = trial_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
        let sy = crate::data::dot(&s, &y);
        if sy > 1e-12 * crate::data::dot(&y, &y).max(1e-300) {
            if history.len() == MEMORY {
                history.pop_front();
            }
            history.push_back((s, y, 1.0 / sy));
        }
        theta = trial;
        std::mem::swap(&mut grad, &mut trial_grad);
        f = ft;
        pg = tpg;
        gnorm = tnorm;
    }
    let report = FitReport {
        converged: gnorm <= tol,
        n_iter,
        objective: f,
        gradient: gnorm,
        solver: "lbfgs".to_owned(),
    };
    (theta, report)
}

/// Ones, to sum up to 512 values with [`crate::data::dot`]'s eight lanes.
const ONES: [f64; 512] = [1.0; 512];

/// For each row's score `z` (label `y`, weight `w`): its weighted log loss
/// `w (ln(1 + e^z) - y z)` into `loss`, and its weighted residual `w (sigmoid(z) - y)` in place
/// of `z`; returns the sums of both. Vectorized (see [`crate::data::exp`]).
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn logistic_terms(z: &mut [f64], loss: &mut [f64], y: &[f64], w: &[f64]) -> (f64, f64) {
    for (((z, l), &y), &w) in z.iter_mut().zip(loss.iter_mut()).zip(y).zip(w) {
        let v = *z;
        let e = crate::data::exp(-v.abs());
        let softplus = if v > 0.0 { v } else { 0.0 } + crate::data::ln_1p_unit(e);
        let prob = if v >= 0.0 { 1.0 } else { e } / (1.0 + e);
        *l = w * (softplus - y * v);
        *z = w * (prob - y);
    }
    let ones = &ONES[..z.len()];
    (crate::data::dot(loss, ones), crate::data::dot(z, ones))
}

/// Adds `sum_k scaled_k' rows_k` to the upper triangle of the `dim x dim` matrix `h`, for four
/// rows of `p` values (`rows` and `scaled` hold them one after the other, `scaled_k = d_k
/// rows_k`); and, when `dim > p`, the intercept's column `sum_k scaled_k` and corner
/// `sum_k d_k`. One load and store of `h` per four multiply-adds.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn add_rank4(h: &mut [f64], dim: usize, rows: &[f64], scaled: &[f64], d: &[f64; 4]) {
    let p = rows.len() / 4;
    let (r0, rest) = rows.split_at(p);
    let (r1, rest) = rest.split_at(p);
    let (r2, r3) = rest.split_at(p);
    for j in 0..p {
        let c = [
            scaled[j],
            scaled[p + j],
            scaled[2 * p + j],
            scaled[3 * p + j],
        ];
        let hj = &mut h[j * dim + j..j * dim + p];
        for ((((o, &x0), &x1), &x2), &x3) in hj
            .iter_mut()
            .zip(&r0[j..])
            .zip(&r1[j..])
            .zip(&r2[j..])
            .zip(&r3[j..])
        {
            *o += ((c[0] * x0 + c[1] * x1) + c[2] * x2) + c[3] * x3;
        }
        if dim > p {
            h[j * dim + p] += ((c[0] + c[1]) + c[2]) + c[3];
        }
    }
    if dim > p {
        h[p * dim + p] += ((d[0] + d[1]) + d[2]) + d[3];
    }
}
