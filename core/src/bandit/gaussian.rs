//! Gaussian arms for continuous rewards (revenue per offer): a Normal-Inverse-Gamma posterior.
//!
//! The rewards of an arm are modelled as Normal(mu, sigma^2) with both unknown. With the default
//! **uninformative** prior `p(mu, sigma^2) ∝ 1 / sigma^2`, an arm with fewer than two observations
//! is *unexplored* and is played before any other (uniformly among the unexplored eligible arms);
//! afterwards mu's posterior is Student-t with `n - 1` degrees of freedom, location the sample
//! mean and scale `s / sqrt(n)`. Nothing about the scale of the rewards is assumed, so rewards in
//! the tens or the thousands work without tuning.
//!
//! An **informative** prior says the rewards look like `strength` pseudo-observations of mean
//! `mean` and standard deviation `scale`: NIG(mu0 = mean, kappa0 = strength, alpha0 = strength / 2,
//! beta0 = strength * scale^2 / 2).

use super::{Arm, Marginal};
use crate::error::{check_finite, Error, Result};
use crate::rng::{GammaShape, Rng};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Rewards larger than this in magnitude are refused, so that sums of squares stay finite.
pub const MAX_ABS_REWARD: f64 = 1e100;
/// Counts above this are refused in a document.
pub const MAX_COUNT: f64 = 1e15;

/// The prior of a Gaussian arm.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GaussianPrior {
    /// `p(mu, sigma^2) ∝ 1 / sigma^2`: two observations per arm before sampling.
    #[default]
    Uninformative,
    /// `strength` pseudo-observations of mean `mean` and standard deviation `scale`.
    Informative {
        /// Prior mean reward.
        mean: f64,
        /// Weight of the prior in observations (positive).
        strength: f64,
        /// Prior standard deviation of one reward (positive).
        scale: f64,
    },
}

impl GaussianPrior {
    /// An informative prior, checked: finite mean, positive strength and scale.
    pub fn informative(mean: f64, strength: f64, scale: f64) -> Result<Self> {
        check_finite(mean, || "prior mean".into())?;
        if mean.abs() > MAX_ABS_REWARD {
            return Err(Error::invalid(format!("prior mean {mean} is too large")));
        }
        for (name, v) in [("prior strength", strength), ("prior scale", scale)] {
            check_finite(v, || name.to_string())?;
            if v <= 0.0 || v > MAX_ABS_REWARD {
                return Err(Error::invalid(format!(
                    "{name} must be positive and at most {MAX_ABS_REWARD:e}, got {v}"
                )));
            }
        }
        Ok(GaussianPrior::Informative {
            mean,
            strength,
            scale,
        })
    }

    fn checked(self) -> Result<Self> {
        match self {
            GaussianPrior::Uninformative => Ok(self),
            GaussianPrior::Informative {
                mean,
                strength,
                scale,
            } => Self::informative(mean, strength, scale),
        }
    }

    /// (mu0, kappa0, alpha0, beta0) of the Normal-Inverse-Gamma prior.
    fn nig(self) -> (f64, f64, f64, f64) {
        match self {
            GaussianPrior::Uninformative => (0.0, 0.0, -0.5, 0.0),
            GaussianPrior::Informative {
                mean,
                strength,
                scale,
            } => (
                mean,
                strength,
                strength / 2.0,
                strength * scale * scale / 2.0,
            ),
        }
    }
}

/// The persisted state of a Gaussian arm: prior and (discounted) sufficient statistics.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GaussianState {
    /// The arm's prior.
    pub prior: GaussianPrior,
    /// Discounted number of observations.
    pub count: f64,
    /// Weighted mean of the observed rewards.
    pub mean: f64,
    /// Weighted sum of squared deviations from `mean`.
    pub m2: f64,
}

/// A Gaussian arm; see the module docs for the model.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianArm {
    state: GaussianState,
    /// Student-t marginal of mu: location, scale, half the degrees of freedom.
    loc: f64,
    scale: f64,
    half_dof: Option<GammaShape>,
}

impl GaussianArm {
    fn refresh_constants(&mut self) {
        let s = self.state;
        let (mu0, k0, a0, b0) = s.prior.nig();
        let kn = k0 + s.count;
        let an = a0 + s.count / 2.0;
        if self.is_unexplored() || an <= 0.0 || kn <= 0.0 {
            self.loc = s.mean;
            self.scale = f64::INFINITY;
            self.half_dof = None;
            return;
        }
        let mun = (k0 * mu0 + s.count * s.mean) / kn;
        let dm = s.mean - mu0;
        let bn = b0 + 0.5 * s.m2 + k0 * s.count * dm * dm / (2.0 * kn);
        self.loc = mun;
        self.scale = (bn.max(0.0) / (an * kn)).sqrt();
        self.half_dof = Some(GammaShape::new(an));
    }

    fn t_marginal(&self) -> Option<(f64, f64, f64)> {
        self.half_dof.map(|h| (self.loc, self.scale, 2.0 * h.shape))
    }
}

impl Arm for GaussianArm {
    type Prior = GaussianPrior;
    type State = GaussianState;
    const KIND: &'static str = "gaussian_thompson_bandit";
    const SUMMARY_FIELDS: &'static [&'static str] = &[
        "count",
        "reward_mean",
        "reward_std",
        "mean",
        "lower",
        "upper",
    ];

    fn new(prior: GaussianPrior) -> Result<Self> {
        Self::from_state(GaussianState {
            prior: prior.checked()?,
            count: 0.0,
            mean: 0.0,
            m2: 0.0,
        })
    }

    fn check_reward(reward: f64) -> Result<(), &'static str> {
        if reward.abs() <= MAX_ABS_REWARD {
            Ok(())
        } else {
            Err("larger in magnitude than 1e100")
        }
    }

    fn observe(&mut self, reward: f64) {
        let s = &mut self.state;
        s.count += 1.0;
        let delta = reward - s.mean;
        s.mean += delta / s.count;
        s.m2 += delta * (reward - s.mean);
        if s.m2 < 0.0 {
            s.m2 = 0.0;
        }
    }

    fn refresh(&mut self) {
        self.refresh_constants();
    }

    fn decay(&mut self, factor: f64) {
        self.state.count *= factor;
        self.state.m2 *= factor;
    }

    fn is_unexplored(&self) -> bool {
        matches!(self.state.prior, GaussianPrior::Uninformative) && self.state.count < 2.0
    }

    #[inline]
    fn sample(&self, rng: &mut Rng) -> f64 {
        match &self.half_dof {
            Some(h) if self.scale > 0.0 => self.loc + self.scale * rng.student_t(h),
            _ => self.loc,
        }
    }

    fn marginal(&self) -> Marginal {
        match self.t_marginal() {
            Some((loc, scale, dof)) if scale > 0.0 => Marginal::StudentT { loc, scale, dof },
            _ => Marginal::Point(self.loc),
        }
    }

    fn summarize(&self, out: &mut [f64]) {
        let s = self.state;
        let reward_mean = if s.count > 0.0 { s.mean } else { f64::NAN };
        let reward_std = if s.count > 1.0 {
            (s.m2 / (s.count - 1.0)).sqrt()
        } else {
            f64::NAN
        };
        let (mean, lower, upper) = match self.t_marginal() {
            Some((loc, scale, dof)) if scale > 0.0 => {
                let t = StudentsT::new(0.0, 1.0, dof).expect("validated dof");
                let q = t.inverse_cdf(0.975);
                (loc, loc - q * scale, loc + q * scale)
            }
            Some((loc, _, _)) => (loc, loc, loc),
            None => (reward_mean, f64::NEG_INFINITY, f64::INFINITY),
        };
        out.copy_from_slice(&[s.count, reward_mean, reward_std, mean, lower, upper]);
    }

    fn state(&self) -> GaussianState {
        self.state
    }

    fn from_state(state: GaussianState) -> Result<Self> {
        let prior = state.prior.checked()?;
        for (name, v) in [
            ("count", state.count),
            ("mean", state.mean),
            ("m2", state.m2),
        ] {
            check_finite(v, || name.to_string())?;
        }
        if !(0.0..=MAX_COUNT).contains(&state.count) {
            return Err(Error::invalid(format!(
                "count must be in [0, {MAX_COUNT:e}], got {}",
                state.count
            )));
        }
        if state.mean.abs() > MAX_ABS_REWARD || !(0.0..=f64::MAX / 4.0).contains(&state.m2) {
            return Err(Error::invalid(format!(
                "mean {} or m2 {} out of range",
                state.mean, state.m2
            )));
        }
        let mut arm = GaussianArm {
            state: GaussianState { prior, ..state },
            loc: 0.0,
            scale: 0.0,
            half_dof: None,
        };
        arm.refresh_constants();
        Ok(arm)
    }
}
