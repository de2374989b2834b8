//! The probability that each arm's posterior draw is the largest, by quadrature.
//!
//! For continuous marginals, `P(i wins) = ∫ f_i(x) Π_{j≠i} F_j(x) dx`. The integral runs over
//! `[L, U]`, where `L` is the largest of the arms' `1e-13` quantiles (below it some arm's CDF
//! vanishes, and with it every integrand) and `U` the largest `1 - 1e-13` quantile. That range
//! is split at break points around every arm (its centre ± multiples of its spread, a geometric
//! ladder into heavy tails, points near the ends of a bounded support) and each piece is
//! integrated by 16-point Gauss-Legendre.
//!
//! The CDFs at the nodes are accumulated from the densities already evaluated there: on each
//! piece the density is interpolated at the Gauss nodes and the interpolant integrated exactly
//! (a fixed 16 x 16 matrix), so no incomplete beta function is needed inside the loop. Arms whose
//! density is singular at an end of the support (a Beta shape below 1) use their exact CDF.
//!
//! Point masses (an arm whose rewards never varied) are exact: such an arm wins when every
//! continuous draw falls below it. The result sums to 1 up to rounding and is renormalized.

use statrs::distribution::{Beta, Continuous, ContinuousCDF, StudentsT};
use statrs::function::beta::ln_beta;
use std::sync::OnceLock;

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

/// Tail mass left out on each side of every arm.
const TAIL: f64 = 1e-13;

enum Dist {
    Beta {
        d: Beta,
        a: f64,
        b: f64,
        ln_norm: f64,
    },
    T(StudentsT),
}

impl Dist {
    fn pdf(&self, x: f64) -> f64 {
        match self {
            Dist::Beta { a, b, ln_norm, .. } => {
                if x <= 0.0 || x >= 1.0 {
                    0.0
                } else {
                    ((a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_norm).exp()
                }
            }
            Dist::T(d) => d.pdf(x),
        }
    }
    fn cdf(&self, x: f64) -> f64 {
        match self {
            Dist::Beta { d, .. } => {
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
    fn quantile(&self, p: f64) -> f64 {
        match self {
            Dist::Beta { d, .. } => d.inverse_cdf(p),
            Dist::T(d) => d.inverse_cdf(p),
        }
    }
    /// Whether the density is singular at an end of the support.
    fn singular(&self) -> bool {
        matches!(self, Dist::Beta { a, b, .. } if *a < 1.0 || *b < 1.0)
    }
}

/// 16-point Gauss-Legendre nodes and weights on [-1, 1], ascending.
fn gauss_legendre() -> &'static ([f64; 16], [f64; 16]) {
    const X: [f64; 8] = [
        0.095_012_509_837_637_44,
        0.281_603_550_779_258_9,
        0.458_016_777_657_227_4,
        0.617_876_244_402_643_7,
        0.755_404_408_355_003,
        0.865_631_202_387_831_8,
        0.944_575_023_073_232_6,
        0.989_400_934_991_649_9,
    ];
    const W: [f64; 8] = [
        0.189_450_610_455_068_5,
        0.182_603_415_044_923_6,
        0.169_156_519_395_002_5,
        0.149_595_988_816_576_7,
        0.124_628_971_255_533_9,
        0.095_158_511_682_492_8,
        0.062_253_523_938_647_9,
        0.027_152_459_411_754_1,
    ];
    static NODES: OnceLock<([f64; 16], [f64; 16])> = OnceLock::new();
    NODES.get_or_init(|| {
        let (mut x, mut w) = ([0.0; 16], [0.0; 16]);
        for k in 0..8 {
            x[7 - k] = -X[k];
            w[7 - k] = W[k];
            x[8 + k] = X[k];
            w[8 + k] = W[k];
        }
        (x, w)
    })
}

/// `S[k][m] = ∫_{-1}^{x_k} l_m(t) dt` for the Lagrange basis `l_m` on the Gauss nodes: the
/// integral of the interpolant from the start of a piece to each node.
fn partial_integrals() -> &'static [[f64; 16]; 16] {
    static S: OnceLock<[[f64; 16]; 16]> = OnceLock::new();
    S.get_or_init(|| {
        let (x, w) = gauss_legendre();
        let lagrange = |m: usize, t: f64| -> f64 {
            (0..16)
                .filter(|&j| j != m)
                .map(|j| (t - x[j]) / (x[m] - x[j]))
                .product()
        };
        let mut s = [[0.0; 16]; 16];
        for k in 0..16 {
            // ∫_{-1}^{x_k}: Gauss-Legendre mapped onto [-1, x_k], exact for degree 15.
            let (mid, half) = ((x[k] - 1.0) / 2.0, (x[k] + 1.0) / 2.0);
            for (m, row) in s[k].iter_mut().enumerate() {
                *row = (0..16)
                    .map(|q| half * w[q] * lagrange(m, mid + half * x[q]))
                    .sum();
            }
        }
        s
    })
}

/// Multiples of an arm's spread at which the integration range is split.
const SPREADS: [f64; 10] = [0.0, 0.75, 1.5, 2.25, 3.0, 4.0, 5.5, 7.0, 9.5, 13.0];

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
    for (i, m) in margs.iter().enumerate() {
        match *m {
            Marginal::Beta { a, b } => {
                let d = Beta::new(a, b).expect("validated Beta shapes");
                let mean = a / (a + b);
                let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
                breaks.extend(SPREADS.iter().flat_map(|k| [mean - k * sd, mean + k * sd]));
                if a < 1.0 || b < 1.0 {
                    for e in [1e-15, 1e-12, 1e-9, 1e-7, 1e-5, 1e-4, 1e-3, 1e-2, 0.05] {
                        breaks.extend([e, 1.0 - e]);
                    }
                }
                let ln_norm = ln_beta(a, b);
                conts.push((i, Dist::Beta { d, a, b, ln_norm }));
            }
            Marginal::StudentT { loc, scale, dof } => {
                let d = StudentsT::new(loc, scale, dof).expect("validated t parameters");
                breaks.extend(
                    SPREADS
                        .iter()
                        .flat_map(|k| [loc - k * scale, loc + k * scale]),
                );
                // A geometric ladder into the heavy tails.
                let mut k = 20.0;
                while k < 1e14 {
                    breaks.extend([loc - k * scale, loc + k * scale]);
                    k *= 2.0;
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

    // Each arm's effective support, and the range where some integrand is not negligible.
    let support: Vec<(f64, f64)> = conts
        .iter()
        .map(|(_, d)| (d.quantile(TAIL), d.quantile(1.0 - TAIL)))
        .collect();
    let lo = support.iter().map(|s| s.0).fold(top_point, f64::max);
    let hi = support
        .iter()
        .map(|s| s.1)
        .fold(f64::NEG_INFINITY, f64::max);
    if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
        return;
    }
    breaks.extend([lo, hi]);
    breaks.retain(|&x| x >= lo && x <= hi);
    breaks.sort_by(|a, b| a.partial_cmp(b).expect("finite break points"));
    breaks.dedup();

    let (gx, gw) = gauss_legendre();
    let s = partial_integrals();
    let n = conts.len();
    // Per arm: CDF at the start of the current piece, density and CDF at its nodes.
    let mut start_cdf: Vec<f64> = conts.iter().map(|(_, d)| d.cdf(lo)).collect();
    let mut dens = vec![[0.0; 16]; n];
    let mut cdfs = vec![[0.0; 16]; n];
    let mut acc = vec![0.0; n];
    let mut others = vec![0.0; n];
    let (mut num, mut den, mut mass) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    for piece in breaks.windows(2) {
        let (mid, half) = ((piece[0] + piece[1]) / 2.0, (piece[1] - piece[0]) / 2.0);
        for (j, (_, d)) in conts.iter().enumerate() {
            if piece[0] >= support[j].1 || piece[1] <= support[j].0 {
                // Outside the arm's effective support: its density vanishes, its CDF is flat.
                let flat = if piece[0] >= support[j].1 {
                    1.0
                } else {
                    start_cdf[j]
                };
                dens[j] = [0.0; 16];
                cdfs[j] = [flat; 16];
                start_cdf[j] = flat;
                continue;
            }
            for q in 0..16 {
                dens[j][q] = d.pdf(mid + half * gx[q]);
            }
            if d.singular() {
                for q in 0..16 {
                    cdfs[j][q] = d.cdf(mid + half * gx[q]);
                }
                let end = d.cdf(piece[1]);
                mass[j] = end - start_cdf[j];
                start_cdf[j] = end;
            } else {
                for q in 0..16 {
                    let inc: f64 = (0..16).map(|m| s[q][m] * dens[j][m]).sum();
                    cdfs[j][q] = (start_cdf[j] + half * inc).clamp(0.0, 1.0);
                }
                let total: f64 = (0..16).map(|m| gw[m] * dens[j][m]).sum();
                start_cdf[j] = (start_cdf[j] + half * total).clamp(0.0, 1.0);
            }
        }
        for q in 0..16 {
            // Π_{j≠i} F_j without division: prefix and suffix products.
            let mut prefix = 1.0;
            for j in 0..n {
                others[j] = prefix;
                prefix *= cdfs[j][q];
            }
            let mut suffix = 1.0;
            for j in (0..n).rev() {
                num[j] += gw[q] * dens[j][q] * others[j] * suffix;
                den[j] += gw[q] * dens[j][q];
                suffix *= cdfs[j][q];
            }
        }
        for (j, (_, d)) in conts.iter().enumerate() {
            if d.singular() && den[j] > 0.0 {
                // The exact mass of the piece times the density-weighted mean of the others'
                // CDF product: Gauss-Legendre alone misses mass at a singular end.
                acc[j] += mass[j] * num[j] / den[j];
            } else {
                acc[j] += half * num[j];
            }
        }
        num.fill(0.0);
        den.fill(0.0);
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
    fn interpolant_integrals_are_exact_for_polynomials() {
        let (x, _) = gauss_legendre();
        let s = partial_integrals();
        // ∫_{-1}^{x_k} t^3 dt = (x_k^4 - 1) / 4.
        for k in 0..16 {
            let got: f64 = (0..16).map(|m| s[k][m] * x[m].powi(3)).sum();
            assert!((got - (x[k].powi(4) - 1.0) / 4.0).abs() < 1e-14);
        }
    }

    #[test]
    fn two_beta_arms_match_closed_form() {
        for &(aa, ba, ab, bb) in &[
            (1.0, 1.0, 1u32, 1.0),
            (3.0, 40.0, 5u32, 38.0),
            (120.0, 2000.0, 130u32, 1990.0),
            (5000.0, 95000.0, 5100u32, 94900.0),
            (0.5, 0.5, 2u32, 3.0),
            (2.0, 0.3, 1u32, 1.0),
        ] {
            let mut out = [0.0; 2];
            probability_of_max(
                &[
                    Marginal::Beta { a: aa, b: ba },
                    Marginal::Beta {
                        a: ab as f64,
                        b: bb,
                    },
                ],
                &mut out,
            );
            let exact = p_b_beats_a(aa, ba, ab, bb);
            let tol = if aa < 1.0 || ba < 1.0 { 1e-7 } else { 1e-10 };
            assert!(
                (out[1] - exact).abs() < tol,
                "{aa} {ba} {ab} {bb}: {} vs {exact}",
                out[1]
            );
        }
    }

    #[test]
    fn symmetric_t_arms_split_evenly_and_points_are_exact() {
        for dof in [1.0, 2.5, 30.0] {
            let t = Marginal::StudentT {
                loc: 5.0,
                scale: 2.0,
                dof,
            };
            let mut out = [0.0; 3];
            probability_of_max(&[t, t, t], &mut out);
            for p in out {
                assert!((p - 1.0 / 3.0).abs() < 1e-6, "dof {dof}: {out:?}");
            }
        }
        // A point at the t's median wins half the time against one t arm.
        let t = Marginal::StudentT {
            loc: 5.0,
            scale: 2.0,
            dof: 1.0,
        };
        let mut out = [0.0; 2];
        probability_of_max(&[t, Marginal::Point(5.0)], &mut out);
        assert!(
            (out[1] - 0.5).abs() < 1e-8 && (out[0] - 0.5).abs() < 1e-8,
            "{out:?}"
        );
    }

    #[test]
    fn t_arms_match_a_known_difference() {
        // With many degrees of freedom the t is nearly normal: P(N(1,1) > N(0,1)) = Φ(1/√2).
        let a = Marginal::StudentT {
            loc: 0.0,
            scale: 1.0,
            dof: 1e6,
        };
        let b = Marginal::StudentT {
            loc: 1.0,
            scale: 1.0,
            dof: 1e6,
        };
        let mut out = [0.0; 2];
        probability_of_max(&[a, b], &mut out);
        assert!((out[1] - 0.760_249_938_906_523_6).abs() < 1e-5, "{out:?}");
    }
}
