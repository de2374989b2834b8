//! The probability that each arm's posterior draw is the largest, by quadrature.
//!
//! For continuous marginals, `P(i wins) = ∫ f_i(x) Π_{j≠i} F_j(x) dx`. The integral is split at
//! break points placed around every arm (its centre ± multiples of its spread, plus points near
//! the ends of a bounded support), each piece integrated by 16-point Gauss-Legendre, and the
//! semi-infinite tails of unbounded marginals are mapped onto finite intervals. Point masses (an
//! arm whose rewards never varied) are exact: such an arm wins when every continuous draw falls
//! below it. The result sums to 1 up to rounding and is renormalized.

use statrs::distribution::{Beta, Continuous, ContinuousCDF, StudentsT};

/// The posterior marginal of one arm's expected reward.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Marginal {
    /// Beta(a, b) on [0, 1].
    Beta {
        /// First shape.
        a: f64,
        /// Second shape.
        b: f64,
    },
    /// Student-t with location, scale and degrees of freedom.
    StudentT {
        /// Location.
        loc: f64,
        /// Scale (positive).
        scale: f64,
        /// Degrees of freedom (positive).
        dof: f64,
    },
    /// A point mass.
    Point(f64),
}

enum Dist {
    Beta(Beta),
    T(StudentsT),
}

impl Dist {
    fn pdf(&self, x: f64) -> f64 {
        match self {
            Dist::Beta(d) => {
                if x <= 0.0 || x >= 1.0 {
                    0.0
                } else {
                    d.pdf(x)
                }
            }
            Dist::T(d) => d.pdf(x),
        }
    }
    fn cdf(&self, x: f64) -> f64 {
        match self {
            Dist::Beta(d) => {
                if x <= 0.0 {
                    0.0
                } else if x >= 1.0 {
                    1.0
                } else {
                    d.cdf(x)
                }
            }
            Dist::T(d) => d.cdf(x),
        }
    }
}

/// 16-point Gauss-Legendre nodes and weights on [-1, 1] (the positive half).
const GL_X: [f64; 8] = [
    0.095_012_509_837_637_44,
    0.281_603_550_779_258_9,
    0.458_016_777_657_227_4,
    0.617_876_244_402_643_7,
    0.755_404_408_355_003,
    0.865_631_202_387_831_8,
    0.944_575_023_073_232_6,
    0.989_400_934_991_649_9,
];
const GL_W: [f64; 8] = [
    0.189_450_610_455_068_5,
    0.182_603_415_044_923_6,
    0.169_156_519_395_002_5,
    0.149_595_988_816_576_7,
    0.124_628_971_255_533_9,
    0.095_158_511_682_492_8,
    0.062_253_523_938_647_9,
    0.027_152_459_411_754_1,
];

const SPREADS: [f64; 14] = [
    0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.5, 8.0, 10.0, 14.0, 20.0,
];

/// Probability that each marginal's draw is the largest; `out[i]` for `margs[i]`.
pub fn probability_of_max(margs: &[Marginal], out: &mut [f64]) {
    debug_assert_eq!(margs.len(), out.len());
    out.fill(0.0);
    if margs.len() == 1 {
        out[0] = 1.0;
        return;
    }
    // The highest point mass, if any: continuous arms can only win above it.
    let top_point = margs
        .iter()
        .filter_map(|m| match m {
            Marginal::Point(x) => Some(*x),
            _ => None,
        })
        .fold(f64::NEG_INFINITY, f64::max);

    let mut conts: Vec<(usize, Dist)> = Vec::new();
    let mut breaks: Vec<f64> = Vec::new();
    let mut bounded = true;
    for (i, m) in margs.iter().enumerate() {
        match *m {
            Marginal::Beta { a, b } => {
                let d = Beta::new(a, b).expect("validated Beta shapes");
                let mean = a / (a + b);
                let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
                for k in SPREADS {
                    breaks.push(mean - k * sd);
                    breaks.push(mean + k * sd);
                }
                for e in [1e-12, 1e-9, 1e-6, 1e-4, 1e-3, 1e-2] {
                    breaks.push(e);
                    breaks.push(1.0 - e);
                }
                breaks.push(0.0);
                breaks.push(1.0);
                conts.push((i, Dist::Beta(d)));
            }
            Marginal::StudentT { loc, scale, dof } => {
                bounded = false;
                let d = StudentsT::new(loc, scale, dof).expect("validated t parameters");
                for k in SPREADS {
                    breaks.push(loc - k * scale);
                    breaks.push(loc + k * scale);
                }
                conts.push((i, Dist::T(d)));
            }
            Marginal::Point(_) => {}
        }
    }

    // Point masses: the top one(s) win when every continuous draw is below them.
    if top_point > f64::NEG_INFINITY {
        let below: f64 = conts.iter().map(|(_, d)| d.cdf(top_point)).product();
        let tied: Vec<usize> = (0..margs.len())
            .filter(|&i| margs[i] == Marginal::Point(top_point))
            .collect();
        for &i in &tied {
            out[i] = below / tied.len() as f64;
        }
    }
    if conts.is_empty() {
        return;
    }

    let lo_support = if bounded { 0.0 } else { f64::NEG_INFINITY };
    let hi_support = if bounded { 1.0 } else { f64::INFINITY };
    let start = top_point.max(lo_support);
    breaks.push(start);
    breaks.retain(|x| x.is_finite());
    breaks.sort_by(|a, b| a.partial_cmp(b).expect("finite break points"));
    breaks.dedup();
    // Below the highest point mass nothing continuous can win.
    let breaks: Vec<f64> = breaks
        .into_iter()
        .filter(|&x| x >= start && x <= hi_support)
        .collect();

    let mut dens = vec![0.0; conts.len()];
    let mut cdfs = vec![0.0; conts.len()];
    let mut acc = vec![0.0; conts.len()];
    let mut eval = |x: f64, w: f64, acc: &mut [f64]| {
        let mut zeros = 0;
        let mut prod_nonzero = 1.0;
        for (k, (_, d)) in conts.iter().enumerate() {
            cdfs[k] = d.cdf(x);
            dens[k] = d.pdf(x);
            if cdfs[k] == 0.0 {
                zeros += 1;
            } else {
                prod_nonzero *= cdfs[k];
            }
        }
        if zeros > 1 {
            return;
        }
        for k in 0..conts.len() {
            let others = if zeros == 0 {
                prod_nonzero / cdfs[k]
            } else if cdfs[k] == 0.0 {
                prod_nonzero
            } else {
                0.0
            };
            acc[k] += w * dens[k] * others;
        }
    };
    for pair in breaks.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (mid, half) = ((a + b) / 2.0, (b - a) / 2.0);
        for j in 0..8 {
            eval(mid - half * GL_X[j], half * GL_W[j], &mut acc);
            eval(mid + half * GL_X[j], half * GL_W[j], &mut acc);
        }
    }
    if !bounded {
        // The tails beyond the break points: x = edge ± s * u / (1 - u), u in [0, 1).
        let s = conts
            .iter()
            .map(|(_, d)| match d {
                Dist::T(t) => t.scale(),
                Dist::Beta(_) => 1.0,
            })
            .fold(0.0, f64::max);
        let first = breaks[0];
        let last = breaks[breaks.len() - 1];
        let mut tails = vec![(last, 1.0)];
        if !start.is_finite() {
            tails.push((first, -1.0));
        }
        let us = [0.0, 0.5, 0.75, 0.9, 0.97, 0.99, 0.997, 0.999, 0.9999, 1.0];
        for (edge, dir) in tails {
            for pair in us.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                let (mid, half) = ((a + b) / 2.0, (b - a) / 2.0);
                for j in 0..8 {
                    for u in [mid - half * GL_X[j], mid + half * GL_X[j]] {
                        let x = edge + dir * s * u / (1.0 - u);
                        let jac = s / ((1.0 - u) * (1.0 - u));
                        eval(x, half * GL_W[j] * jac, &mut acc);
                    }
                }
            }
        }
    }
    for (k, (i, _)) in conts.iter().enumerate() {
        out[*i] = acc[k].max(0.0);
    }
    let total: f64 = out.iter().sum();
    if total > 0.0 {
        out.iter_mut().for_each(|p| *p /= total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::function::beta::ln_beta;

    /// P(X_b > X_a) for integer alpha_b (Evan Miller's closed form).
    fn p_b_beats_a(aa: f64, ba: f64, ab: u32, bb: f64) -> f64 {
        (0..ab)
            .map(|i| {
                let i = i as f64;
                (ln_beta(aa + i, bb + ba) - (bb + i).ln() - ln_beta(1.0 + i, bb) - ln_beta(aa, ba))
                    .exp()
            })
            .sum()
    }

    #[test]
    fn two_beta_arms_match_closed_form() {
        for &(aa, ba, ab, bb) in &[
            (1.0, 1.0, 1u32, 1.0),
            (3.0, 40.0, 5u32, 38.0),
            (120.0, 2000.0, 130u32, 1990.0),
            (0.5, 0.5, 2u32, 3.0),
        ] {
            let mut out = [0.0; 2];
            probability_of_max(
                &[Marginal::Beta { a: aa, b: ba }, Marginal::Beta { a: ab as f64, b: bb }],
                &mut out,
            );
            let exact = p_b_beats_a(aa, ba, ab, bb);
            let tol = if aa < 1.0 { 1e-5 } else { 1e-9 };
            assert!((out[1] - exact).abs() < tol, "{aa} {ba} {ab} {bb}: {} vs {exact}", out[1]);
        }
    }

    #[test]
    fn symmetric_t_arms_split_evenly_and_points_are_exact() {
        let t = Marginal::StudentT { loc: 5.0, scale: 2.0, dof: 1.0 };
        let mut out = [0.0; 3];
        probability_of_max(&[t, t, t], &mut out);
        for p in out {
            assert!((p - 1.0 / 3.0).abs() < 1e-6, "{out:?}");
        }
        // A point at the t's median wins half the time against one t arm.
        let mut out = [0.0; 2];
        probability_of_max(&[t, Marginal::Point(5.0)], &mut out);
        assert!((out[1] - 0.5).abs() < 1e-12 && (out[0] - 0.5).abs() < 1e-9, "{out:?}");
    }
}
