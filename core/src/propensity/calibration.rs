//! Calibration of any score into a probability: Platt scaling and isotonic regression.
//!
//! A [`Calibrator`] is fitted on held-out scores (raw log-odds, probabilities, or any number
//! that grows with the chance of class 1) and their 0/1 outcomes, and maps new scores to
//! calibrated probabilities. Both methods reproduce scikit-learn's `CalibratedClassifierCV`:
//! [`CalibrationMethod::Platt`] its `_sigmoid_calibration` (solved to the exact optimum) and
//! [`CalibrationMethod::Isotonic`] its `IsotonicRegression(out_of_bounds="clip")`.

use crate::data::{check_labels, check_vector, check_weights, class_totals};
use crate::error::{Error, Result};
use crate::persist::Persist;
use serde::{Deserialize, Serialize};

/// How scores are mapped to probabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CalibrationMethod {
    /// Platt scaling: `P = 1 / (1 + exp(A s + B))`, a logistic curve of the score.
    Platt,
    /// Isotonic regression: the best non-decreasing step function of the score, interpolated
    /// linearly between its steps.
    Isotonic,
}

impl CalibrationMethod {
    /// The method called `"platt"` or `"isotonic"`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "platt" => Ok(CalibrationMethod::Platt),
            "isotonic" => Ok(CalibrationMethod::Isotonic),
            _ => Err(Error::invalid(format!(
                "calibration method {name:?} is not one of \"platt\", \"isotonic\""
            ))),
        }
    }

    /// The method's name, as [`CalibrationMethod::from_name`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            CalibrationMethod::Platt => "platt",
            CalibrationMethod::Isotonic => "isotonic",
        }
    }
}

/// The fitted mapping, as saved in the document's payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase", deny_unknown_fields)]
enum Fitted {
    /// `P = 1 / (1 + exp(a s + b))`.
    Platt { a: f64, b: f64 },
    /// Thresholds: strictly increasing scores and their non-decreasing probabilities.
    Isotonic {
        scores: Vec<f64>,
        probabilities: Vec<f64>,
    },
}

/// A fitted score-to-probability calibration (Platt scaling or isotonic regression).
///
/// Immutable after fitting and `Send + Sync`; saved and loaded as a versioned JSON document
/// ([`Persist`]).
///
/// ```
/// use nextbest::propensity::{CalibrationMethod, Calibrator};
/// use nextbest::Persist;
///
/// let scores = [0.1, 0.3, 0.35, 0.6, 0.8, 0.9];
/// let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
/// let cal = Calibrator::fit(CalibrationMethod::Isotonic, &scores, &y, None)?;
/// let mut p = [0.0; 3];
/// cal.predict(&[0.2, 0.7, 5.0], &mut p)?;
/// assert_eq!((p[0], p[2]), (0.0, 1.0));
/// assert!((p[1] - 0.75).abs() < 1e-12);
/// assert_eq!(Calibrator::from_json(&cal.to_json())?, cal);
/// # Ok::<(), nextbest::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Calibrator {
    fitted: Fitted,
}

/// Two scores closer than this count as ties: scikit-learn's `_make_unique` merges a score
/// into the previous one when it exceeds that group's first score by less than NumPy's
/// `finfo(float64).resolution`.
const TIE_EPS: f64 = 1e-15;

impl Calibrator {
    /// Fits a calibrator on `scores` and their outcomes `y` (each exactly 0.0 or 1.0), with
    /// optional non-negative sample weights. Both classes must have a positive total weight.
    pub fn fit(
        method: CalibrationMethod,
        scores: &[f64],
        y: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Calibrator> {
        let n = scores.len();
        check_vector(scores, n, "scores")?;
        check_vector(y, n, "y")?;
        if n == 0 {
            return Err(Error::empty("cannot fit a calibrator on 0 scores"));
        }
        check_labels(y)?;
        check_weights(weights, n)?;
        let class_weight = class_totals(y, weights, "calibration")?;
        let fitted = match method {
            CalibrationMethod::Platt => {
                let (a, b) = fit_platt(scores, y, weights, class_weight);
                if !(a.is_finite() && b.is_finite()) {
                    return Err(Error::invalid(format!(
                        "Platt scaling overflows on these scores (a = {a}, b = {b}): rescale them"
                    )));
                }
                Fitted::Platt { a, b }
            }
            CalibrationMethod::Isotonic => {
                let (scores, probabilities) = fit_isotonic(scores, y, weights);
                Fitted::Isotonic {
                    scores,
                    probabilities,
                }
            }
        };
        Ok(Calibrator { fitted })
    }

    /// The method the calibrator was fitted with.
    pub fn method(&self) -> CalibrationMethod {
        match self.fitted {
            Fitted::Platt { .. } => CalibrationMethod::Platt,
            Fitted::Isotonic { .. } => CalibrationMethod::Isotonic,
        }
    }

    /// Platt's `(A, B)` of `P = 1 / (1 + exp(A s + B))`; `None` for isotonic calibration.
    pub fn platt_parameters(&self) -> Option<(f64, f64)> {
        match self.fitted {
            Fitted::Platt { a, b } => Some((a, b)),
            Fitted::Isotonic { .. } => None,
        }
    }

    /// The isotonic thresholds: strictly increasing scores and their non-decreasing
    /// probabilities, interpolated linearly in between; `None` for Platt scaling.
    pub fn isotonic_thresholds(&self) -> Option<(&[f64], &[f64])> {
        match &self.fitted {
            Fitted::Platt { .. } => None,
            Fitted::Isotonic {
                scores,
                probabilities,
            } => Some((scores, probabilities)),
        }
    }

    /// Writes the calibrated probability of each score into `out` (of the same length); the
    /// scores must be finite. Nothing is written on error.
    pub fn predict(&self, scores: &[f64], out: &mut [f64]) -> Result<()> {
        if out.len() != scores.len() {
            return Err(Error::shape(format!(
                "calibrator output has room for {} values, expected {}",
                out.len(),
                scores.len()
            )));
        }
        check_vector(scores, scores.len(), "scores")?;
        if let Fitted::Platt { a, b } = self.fitted {
            // What `map` computes, with the sigmoid vectorized.
            for (o, &s) in out.iter_mut().zip(scores) {
                *o = -(a * s + b);
            }
            crate::data::sigmoid_in_place(out);
            return Ok(());
        }
        for (o, &s) in out.iter_mut().zip(scores) {
            *o = self.map(s);
        }
        Ok(())
    }

    /// The calibrated probability of one finite score.
    pub fn predict_one(&self, score: f64) -> Result<f64> {
        crate::error::check_finite(score, || "score".to_owned())?;
        Ok(self.map(score))
    }

    #[inline]
    fn map(&self, s: f64) -> f64 {
        match &self.fitted {
            Fitted::Platt { a, b } => crate::data::sigmoid(-(a * s + b)),
            Fitted::Isotonic {
                scores,
                probabilities,
            } => interpolate(scores, probabilities, s),
        }
    }
}

/// Linear interpolation between the thresholds, clipped to their range, as SciPy's `interp1d`
/// computes it; the value is kept within its segment's end values, so that rounding never
/// breaks monotonicity.
#[inline]
fn interpolate(x: &[f64], y: &[f64], s: f64) -> f64 {
    let n = x.len();
    if n == 1 {
        return y[0];
    }
    let s = s.clamp(x[0], x[n - 1]);
    let hi = x.partition_point(|&t| t < s).clamp(1, n - 1);
    let lo = hi - 1;
    let (x_lo, x_hi, y_lo, y_hi) = (x[lo], x[hi], y[lo], y[hi]);
    let dx = x_hi - x_lo;
    let v = if dx.is_finite() {
        (y_hi - y_lo) / dx * (s - x_lo) + y_lo
    } else {
        // Thresholds more than f64::MAX apart: halve everything to stay finite.
        (y_hi - y_lo) * ((s / 2.0 - x_lo / 2.0) / (x_hi / 2.0 - x_lo / 2.0)) + y_lo
    };
    v.clamp(y_lo, y_hi)
}

/// Rows per block of the parallel Platt sums; blocks are added in order, so that results do
/// not depend on the number of threads.
const PLATT_CHUNK: usize = 1 << 15;

/// Platt's objective, gradient and Hessian at one point.
#[derive(Clone, Copy)]
struct PlattEval {
    f: f64,
    g: [f64; 2],
    /// `[haa, hab, hbb]`.
    h: [f64; 3],
}

/// Platt scaling as scikit-learn's `_sigmoid_calibration`: targets smoothed to
/// `(N+ + 1) / (N+ + 2)` and `1 / (N- + 2)` (weighted counts), the weighted cross-entropy
/// minimized exactly by Newton's method with a backtracking line search. The scores are mapped
/// to [-1, 1] for conditioning and the solution mapped back.
fn fit_platt(s: &[f64], y: &[f64], w: Option<&[f64]>, class_weight: [f64; 2]) -> (f64, f64) {
    use rayon::prelude::*;
    let (prior0, prior1) = (class_weight[0], class_weight[1]);
    let target = [1.0 / (prior0 + 2.0), (prior1 + 1.0) / (prior1 + 2.0)];
    let total = prior0 + prior1;
    // The range of the scores that carry weight: zero-weight rows take no part in the fit.
    let (lo, hi) = s
        .iter()
        .enumerate()
        .filter(|&(i, _)| w.is_none_or(|w| w[i] != 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), (_, &v)| {
            (l.min(v), h.max(v))
        });
    let center = lo / 2.0 + hi / 2.0;
    let half = hi / 2.0 - lo / 2.0;
    let constant = half == 0.0;
    let scale = if constant { 1.0 } else { half };

    // sum_i w_i [softplus(-u_i) + t_i u_i] with u_i = A z_i + B, z_i = (s_i - center) / scale,
    // and its derivatives in (A, B).
    let block = |start: usize, a: f64, b: f64| {
        let end = (start + PLATT_CHUNK).min(s.len());
        let mut e = PlattEval {
            f: 0.0,
            g: [0.0; 2],
            h: [0.0; 3],
        };
        for i in start..end {
            let wi = w.map_or(1.0, |w| w[i]);
            if wi == 0.0 {
                continue;
            }
            let z = (s[i] - center) / scale;
            let t = target[y[i] as usize];
            let u = a * z + b;
            let ex = (-u.abs()).exp();
            // P = 1 / (1 + exp(u)); the row's loss -t ln P - (1 - t) ln(1 - P) is
            // softplus(-u) + t u, with softplus(-u) = max(-u, 0) + ln(1 + exp(-|u|)).
            let p = if u > 0.0 {
                ex / (1.0 + ex)
            } else {
                1.0 / (1.0 + ex)
            };
            e.f += wi * ((-u).max(0.0) + ex.ln_1p() + t * u);
            let r = wi * (t - p);
            let hw = wi * p * (1.0 - p);
            e.g[0] += r * z;
            e.g[1] += r;
            e.h[0] += hw * z * z;
            e.h[1] += hw * z;
            e.h[2] += hw;
        }
        e
    };
    let eval = |a: f64, b: f64| {
        let starts: Vec<usize> = (0..s.len()).step_by(PLATT_CHUNK).collect();
        let parts: Vec<PlattEval> = starts.par_iter().map(|&i| block(i, a, b)).collect();
        parts.iter().skip(1).fold(parts[0], |mut acc, e| {
            acc.f += e.f;
            for k in 0..2 {
                acc.g[k] += e.g[k];
            }
            for k in 0..3 {
                acc.h[k] += e.h[k];
            }
            acc
        })
    };

    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let mut cur = eval(a, b);
    for _ in 0..100 {
        let PlattEval { f, g, h } = cur;
        let (da, db) = if constant {
            (0.0, -g[1] / h[2])
        } else {
            let det = h[0] * h[2] - h[1] * h[1];
            (
                (h[1] * g[1] - h[2] * g[0]) / det,
                (h[1] * g[0] - h[0] * g[1]) / det,
            )
        };
        if !(da.is_finite() && db.is_finite()) {
            break;
        }
        let decrement = -(g[0] * da + g[1] * db);
        if decrement <= 1e-20 * total {
            // Converged: the last Newton step only polishes the digits.
            a += da;
            b += db;
            break;
        }
        // Armijo backtracking, skipped close to the optimum where the objective's rounding
        // would hide the decrease.
        let mut step = 1.0;
        loop {
            let trial = eval(a + step * da, b + step * db);
            if decrement <= 1e-10 * total || trial.f <= f - 1e-4 * step * decrement {
                a += step * da;
                b += step * db;
                cur = trial;
                break;
            }
            step /= 2.0;
            if step < 1e-12 {
                break;
            }
        }
        if step < 1e-12 {
            break;
        }
    }
    // Back to the original scores: A z + B = (A / scale) s + (B - (A / scale) center).
    let a_orig = a / scale;
    (a_orig, b - a_orig * center)
}

/// Isotonic regression as scikit-learn's `IsotonicRegression(out_of_bounds="clip")` fits it:
/// rows of zero weight dropped, rows sorted by score, tied scores pooled into their weighted
/// mean outcome, weighted pool-adjacent-violators, then only the first and last score of each
/// constant block kept as thresholds.
fn fit_isotonic(s: &[f64], y: &[f64], w: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
    let mut rows: Vec<(f64, f64, f64)> = (0..s.len())
        .map(|i| (s[i], y[i], w.map_or(1.0, |w| w[i])))
        .filter(|r| r.2 > 0.0)
        .collect();
    rows.sort_unstable_by(|p, q| p.0.total_cmp(&q.0).then(p.1.total_cmp(&q.1)));

    // Unique scores: (score, sum of w y, sum of w).
    let mut unique: Vec<(f64, f64, f64)> = Vec::new();
    for &(x, yi, wi) in &rows {
        match unique.last_mut() {
            Some(last) if x - last.0 < TIE_EPS => {
                last.1 += wi * yi;
                last.2 += wi;
            }
            _ => unique.push((x, wi * yi, wi)),
        }
    }
    drop(rows);

    // Pool adjacent violators; each block: (first unique index, sum w y, sum w).
    let mut blocks: Vec<(usize, f64, f64)> = Vec::new();
    for (i, &(_, wy, wsum)) in unique.iter().enumerate() {
        blocks.push((i, wy, wsum));
        while blocks.len() >= 2 {
            let last = blocks[blocks.len() - 1];
            let prev = blocks[blocks.len() - 2];
            if prev.1 / prev.2 < last.1 / last.2 {
                break;
            }
            blocks.pop();
            let merged = blocks.last_mut().expect("two blocks");
            merged.1 += last.1;
            merged.2 += last.2;
        }
    }

    let (mut xs, mut ps) = (Vec::new(), Vec::new());
    for (k, &(start, wy, wsum)) in blocks.iter().enumerate() {
        let end = blocks.get(k + 1).map_or(unique.len(), |b| b.0);
        let p = (wy / wsum).clamp(0.0, 1.0);
        xs.push(unique[start].0);
        ps.push(p);
        if end - start >= 2 {
            xs.push(unique[end - 1].0);
            ps.push(p);
        }
    }
    (xs, ps)
}

/// The saved form of a [`Calibrator`]: `{"method":"platt","a":..,"b":..}` or
/// `{"method":"isotonic","scores":[..],"probabilities":[..]}`.
#[derive(Serialize, Deserialize)]
pub struct CalibratorPayload(Fitted);

impl Persist for Calibrator {
    const KIND: &'static str = "calibrator";
    const VERSION: u32 = 1;
    type Payload = CalibratorPayload;

    fn to_payload(&self) -> CalibratorPayload {
        CalibratorPayload(self.fitted.clone())
    }

    fn from_payload(p: CalibratorPayload, _version: u32) -> Result<Self> {
        let bad = |m: String| Err(Error::document(format!("calibrator document: {m}")));
        match &p.0 {
            Fitted::Platt { a, b } => {
                if !(a.is_finite() && b.is_finite()) {
                    return bad(format!("Platt parameters a = {a}, b = {b} are not finite"));
                }
            }
            Fitted::Isotonic {
                scores,
                probabilities,
            } => {
                if scores.is_empty() || scores.len() != probabilities.len() {
                    return bad(format!(
                        "{} scores and {} probabilities: expected equally many, at least 1",
                        scores.len(),
                        probabilities.len()
                    ));
                }
                if let Some(i) = scores.iter().position(|v| !v.is_finite()) {
                    return bad(format!("scores[{i}] is {}, not finite", scores[i]));
                }
                if let Some(i) = scores.windows(2).position(|v| v[0] >= v[1]) {
                    return bad(format!(
                        "scores[{}] = {} does not exceed scores[{i}] = {}: thresholds must be strictly increasing",
                        i + 1,
                        scores[i + 1],
                        scores[i]
                    ));
                }
                if let Some(i) = probabilities.iter().position(|v| !(0.0..=1.0).contains(v)) {
                    return bad(format!(
                        "probabilities[{i}] is {}, outside [0, 1]",
                        probabilities[i]
                    ));
                }
                if let Some(i) = probabilities.windows(2).position(|v| v[0] > v[1]) {
                    return bad(format!(
                        "probabilities[{}] = {} is below probabilities[{i}] = {}: they must be non-decreasing",
                        i + 1,
                        probabilities[i + 1],
                        probabilities[i]
                    ));
                }
            }
        }
        Ok(Calibrator { fitted: p.0 })
    }
}
