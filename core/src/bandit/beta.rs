//! Beta-Bernoulli arms: rewards in `[0, 1]`, a Beta posterior per arm.

use super::{Arm, Marginal};
use crate::error::{check_finite, Error, Result};
use crate::rng::{GammaShape, Rng};
use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF};

/// Evidence above this is refused, to keep sampling exact (it is far beyond any real campaign).
pub const MAX_EVIDENCE: f64 = 1e15;

/// A Beta(alpha, beta) prior on an arm's acceptance rate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BetaPrior {
    /// Prior pseudo-successes (positive).
    pub alpha: f64,
    /// Prior pseudo-failures (positive).
    pub beta: f64,
}

impl BetaPrior {
    /// A prior, checked: both parameters positive and finite.
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        for (name, v) in [("prior_alpha", alpha), ("prior_beta", beta)] {
            check_finite(v, || name.to_string())?;
            if v <= 0.0 || v > MAX_EVIDENCE {
                return Err(Error::invalid(format!(
                    "{name} must be positive and at most {MAX_EVIDENCE:e}, got {v}"
                )));
            }
        }
        Ok(BetaPrior { alpha, beta })
    }
}

impl Default for BetaPrior {
    /// The uniform prior Beta(1, 1).
    fn default() -> Self {
        BetaPrior {
            alpha: 1.0,
            beta: 1.0,
        }
    }
}

/// The persisted state of a Beta arm: its prior and the (possibly discounted) evidence.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BetaState {
    /// The arm's prior.
    pub prior: BetaPrior,
    /// Discounted sum of rewards.
    pub successes: f64,
    /// Discounted sum of `1 - reward`.
    pub failures: f64,
}

/// A Beta-Bernoulli arm; the posterior is Beta(prior.alpha + successes, prior.beta + failures).
#[derive(Clone, Debug, PartialEq)]
pub struct BetaArm {
    state: BetaState,
    a: GammaShape,
    b: GammaShape,
}

impl BetaArm {
    /// The posterior alpha.
    pub fn alpha(&self) -> f64 {
        self.state.prior.alpha + self.state.successes
    }
    /// The posterior beta.
    pub fn beta(&self) -> f64 {
        self.state.prior.beta + self.state.failures
    }
    fn refresh_constants(&mut self) {
        self.a = GammaShape::new(self.alpha());
        self.b = GammaShape::new(self.beta());
    }
}

impl Arm for BetaArm {
    type Prior = BetaPrior;
    type State = BetaState;
    const KIND: &'static str = "thompson_bandit";
    const SUMMARY_FIELDS: &'static [&'static str] = &["alpha", "beta", "mean", "lower", "upper"];

    fn new(prior: BetaPrior) -> Result<Self> {
        let prior = BetaPrior::new(prior.alpha, prior.beta)?;
        Self::from_state(BetaState {
            prior,
            successes: 0.0,
            failures: 0.0,
        })
    }

    fn check_reward(reward: f64) -> Result<(), &'static str> {
        if (0.0..=1.0).contains(&reward) {
            Ok(())
        } else {
            Err("outside [0, 1]")
        }
    }

    fn observe(&mut self, reward: f64) {
        self.state.successes += reward;
        self.state.failures += 1.0 - reward;
    }

    fn refresh(&mut self) {
        self.refresh_constants();
    }

    fn decay(&mut self, factor: f64) {
        self.state.successes *= factor;
        self.state.failures *= factor;
    }

    fn is_unexplored(&self) -> bool {
        false
    }

    #[inline]
    fn sample(&self, rng: &mut Rng) -> f64 {
        rng.beta(&self.a, &self.b)
    }

    fn marginal(&self) -> Marginal {
        Marginal::Beta {
            a: self.alpha(),
            b: self.beta(),
        }
    }

    fn summarize(&self, out: &mut [f64]) {
        let (a, b) = (self.alpha(), self.beta());
        let d = Beta::new(a, b).expect("validated shapes");
        out.copy_from_slice(&[
            a,
            b,
            a / (a + b),
            d.inverse_cdf(0.025),
            d.inverse_cdf(0.975),
        ]);
    }

    fn state(&self) -> BetaState {
        self.state
    }

    fn from_state(state: BetaState) -> Result<Self> {
        let prior = BetaPrior::new(state.prior.alpha, state.prior.beta)?;
        for (name, v) in [("successes", state.successes), ("failures", state.failures)] {
            check_finite(v, || name.to_string())?;
            if !(0.0..=MAX_EVIDENCE).contains(&v) {
                return Err(Error::invalid(format!(
                    "{name} must be in [0, {MAX_EVIDENCE:e}], got {v}"
                )));
            }
        }
        let mut arm = BetaArm {
            state: BetaState { prior, ..state },
            a: GammaShape::new(1.0),
            b: GammaShape::new(1.0),
        };
        arm.refresh_constants();
        Ok(arm)
    }
}
