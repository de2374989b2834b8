//! Thompson-sampling bandits over named arms (offers).
//!
//! [`ThompsonBandit`] (Beta-Bernoulli, rewards in `[0, 1]`) and [`GaussianThompsonBandit`]
//! (Normal-Inverse-Gamma, continuous rewards) are the same sampler, [`Thompson`], over two kinds
//! of [`Arm`]. Each decision draws one value from every eligible arm's posterior and plays the
//! largest; [`Thompson::arm_probabilities`] gives the exact probability of each choice, to log as
//! the propensity of the decision.
//!
//! **Discounting.** With `discount < 1`, every observed reward first multiplies the evidence of
//! *every* arm by `discount` and then adds the reward to its arm (discounted Thompson sampling,
//! Raj & Kalyani 2017), so that old evidence fades and arms that were not played for a while are
//! explored again when acceptance rates drift.
//!
//! A bandit takes `&mut self` to decide (it owns its generator) and to learn; wrap it in
//! [`Shared`] to serve many threads.
//!
//! ```
//! use nextbest::bandit::{BetaPrior, ThompsonBandit};
//! let mut b = ThompsonBandit::new(["card", "loan", "savings"], BetaPrior::default(), 1.0, 42)?;
//! let arm = b.select(None)?;
//! b.update(arm, 1.0)?;
//! let p = b.arm_probabilities(Some(&[true, false, true]))?;
//! assert_eq!(p[1], 0.0);
//! assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
//! # Ok::<(), nextbest::Error>(())
//! ```

mod beta;
mod gaussian;
mod probability;
mod shared;

pub use beta::{BetaArm, BetaPrior, BetaState};
pub use gaussian::{GaussianArm, GaussianPrior, GaussianState};
pub use probability::{probability_of_max, Marginal};
pub use shared::Shared;

use crate::error::{Error, ErrorKind, Result};
use crate::persist::Persist;
use crate::rng::Rng;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::HashMap;

/// Beta-Bernoulli Thompson sampling: rewards in `[0, 1]`.
pub type ThompsonBandit = Thompson<BetaArm>;
/// Gaussian (Normal-Inverse-Gamma) Thompson sampling: real-valued rewards.
pub type GaussianThompsonBandit = Thompson<GaussianArm>;

/// The most arms a bandit may have (also the limit on loaded documents).
pub const MAX_ARMS: usize = 100_000;
/// Decisions per parallel work unit in [`Thompson::select_many`].
pub const SELECT_CHUNK: usize = 4096;
/// The longest arm name, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// One arm's posterior: how it learns, samples and is summarized.
pub trait Arm: Clone + Send + Sync + 'static {
    /// The prior an arm starts from.
    type Prior: Copy
        + Default
        + std::fmt::Debug
        + PartialEq
        + Serialize
        + DeserializeOwned
        + Send
        + Sync;
    /// The persisted state of an arm.
    type State: Copy + Serialize + DeserializeOwned;
    /// The document kind of a bandit over this arm.
    const KIND: &'static str;
    /// The names of the per-arm values [`Arm::summarize`] writes.
    const SUMMARY_FIELDS: &'static [&'static str];

    /// A fresh arm, after checking the prior.
    fn new(prior: Self::Prior) -> Result<Self>;
    /// `Err(constraint)` when the (finite) reward is not accepted.
    fn check_reward(reward: f64) -> Result<(), &'static str>;
    /// Adds one reward (already checked); [`Arm::refresh`] must follow before sampling.
    fn observe(&mut self, reward: f64);
    /// Multiplies the evidence by `factor` in (0, 1); [`Arm::refresh`] must follow.
    fn decay(&mut self, factor: f64);
    /// Recomputes what sampling needs from the evidence, after observe or decay.
    fn refresh(&mut self);
    /// Whether the arm must be played before posterior sampling applies to it.
    fn is_unexplored(&self) -> bool;
    /// One draw of the arm's expected reward from its posterior.
    fn sample(&self, rng: &mut Rng) -> f64;
    /// The posterior marginal of the expected reward.
    fn marginal(&self) -> Marginal;
    /// Writes the values named by [`Arm::SUMMARY_FIELDS`].
    fn summarize(&self, out: &mut [f64]);
    /// The persisted state.
    fn state(&self) -> Self::State;
    /// An arm from a persisted state, after checking it.
    fn from_state(state: Self::State) -> Result<Self>;
}

/// Something that identifies an arm: its index (`usize`) or its name (`str`, `String`), or
/// either ([`ArmRef`]). Batch calls accept any of them.
pub trait ArmKey {
    /// The index of the arm in `bandit`, checked.
    fn index_in<A: Arm>(&self, bandit: &Thompson<A>) -> Result<usize>;
}

impl ArmKey for usize {
    fn index_in<A: Arm>(&self, bandit: &Thompson<A>) -> Result<usize> {
        bandit.check_arm(*self)
    }
}

impl ArmKey for str {
    fn index_in<A: Arm>(&self, bandit: &Thompson<A>) -> Result<usize> {
        bandit.arm_index(self)
    }
}

impl ArmKey for String {
    fn index_in<A: Arm>(&self, bandit: &Thompson<A>) -> Result<usize> {
        bandit.arm_index(self)
    }
}

impl<K: ArmKey + ?Sized> ArmKey for &K {
    fn index_in<A: Arm>(&self, bandit: &Thompson<A>) -> Result<usize> {
        (**self).index_in(bandit)
    }
}

/// An arm given by index or by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArmRef {
    /// By index.
    Index(usize),
    /// By name.
    Name(String),
}

impl ArmKey for ArmRef {
    fn index_in<A: Arm>(&self, bandit: &Thompson<A>) -> Result<usize> {
        match self {
            ArmRef::Index(i) => i.index_in(bandit),
            ArmRef::Name(n) => n.index_in(bandit),
        }
    }
}

/// A table of posterior summaries: one row per arm, one column per field.
#[derive(Clone, Debug, PartialEq)]
pub struct Posterior {
    /// Column names (e.g. `alpha, beta, mean, lower, upper`; the interval is 95%).
    pub fields: &'static [&'static str],
    /// Arm names, one per row.
    pub arms: Vec<String>,
    /// Row-major values, `arms.len() * fields.len()`.
    pub values: Vec<f64>,
}

/// A Thompson sampler over named arms of kind `A`.
#[derive(Clone, Debug)]
pub struct Thompson<A: Arm> {
    names: Vec<String>,
    index: HashMap<String, usize>,
    arms: Vec<A>,
    default_prior: A::Prior,
    named: bool,
    discount: f64,
    rng: Rng,
}

fn check_discount(discount: f64) -> Result<()> {
    if discount > 0.0 && discount <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "discount must be in (0, 1], got {discount}"
        )))
    }
}

/// Checks a number of arms before anything is allocated for them.
fn check_arm_count(n: usize) -> Result<()> {
    if n == 0 {
        Err(Error::empty("a bandit needs at least one arm"))
    } else if n > MAX_ARMS {
        Err(Error::invalid(format!(
            "{n} arms exceed the limit of {MAX_ARMS}"
        )))
    } else {
        Ok(())
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid("arm names must not be empty"));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "arm name {name:?} contains a control character"
        )));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::invalid(format!(
            "arm name of {} bytes is longer than {MAX_NAME_BYTES}",
            name.len()
        )));
    }
    Ok(())
}

impl<A: Arm> Thompson<A> {
    /// A bandit over the named arms, all with the same prior (also the default of
    /// [`Thompson::add_arm`]).
    pub fn new<S: Into<String>>(
        names: impl IntoIterator<Item = S>,
        prior: A::Prior,
        discount: f64,
        seed: u64,
    ) -> Result<Self> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        check_arm_count(names.len())?;
        let priors = vec![prior; names.len()];
        Self::build(names, priors, prior, true, discount, seed)
    }

    /// A bandit over arms `0..n` (named `"0"`, `"1"`, ...), all with the same prior.
    pub fn unnamed(n: usize, prior: A::Prior, discount: f64, seed: u64) -> Result<Self> {
        check_arm_count(n)?;
        let names = (0..n).map(|i| i.to_string()).collect();
        Self::build(names, vec![prior; n], prior, false, discount, seed)
    }

    /// A bandit over named arms with one prior per arm; [`Thompson::add_arm`] defaults to
    /// `A::Prior::default()`.
    pub fn with_priors(
        names: Vec<String>,
        priors: Vec<A::Prior>,
        discount: f64,
        seed: u64,
    ) -> Result<Self> {
        Self::build(names, priors, A::Prior::default(), true, discount, seed)
    }

    /// A bandit over arms `0..priors.len()` with one prior per arm.
    pub fn unnamed_with_priors(priors: Vec<A::Prior>, discount: f64, seed: u64) -> Result<Self> {
        check_arm_count(priors.len())?;
        let names = (0..priors.len()).map(|i| i.to_string()).collect();
        Self::build(names, priors, A::Prior::default(), false, discount, seed)
    }

    fn build(
        names: Vec<String>,
        priors: Vec<A::Prior>,
        default_prior: A::Prior,
        named: bool,
        discount: f64,
        seed: u64,
    ) -> Result<Self> {
        check_arm_count(names.len())?;
        if names.len() != priors.len() {
            return Err(Error::shape(format!(
                "{} arms but {} priors",
                names.len(),
                priors.len()
            )));
        }
        check_discount(discount)?;
        A::new(default_prior)?;
        let arms = priors.into_iter().map(A::new).collect::<Result<Vec<_>>>()?;
        Self::assemble(
            names,
            arms,
            default_prior,
            named,
            discount,
            Rng::from_seed(seed),
        )
    }

    fn assemble(
        names: Vec<String>,
        arms: Vec<A>,
        default_prior: A::Prior,
        named: bool,
        discount: f64,
        rng: Rng,
    ) -> Result<Self> {
        check_arm_count(names.len())?;
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            check_name(name)?;
            if index.insert(name.clone(), i).is_some() {
                return Err(Error::invalid(format!("duplicate arm name {name:?}")));
            }
        }
        Ok(Thompson {
            names,
            index,
            arms,
            default_prior,
            named,
            discount,
            rng,
        })
    }

    /// The number of arms.
    pub fn n_arms(&self) -> usize {
        self.arms.len()
    }

    /// The arm names, in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether the arms were given names (rather than created as `0..n`).
    pub fn is_named(&self) -> bool {
        self.named
    }

    /// The discount factor in (0, 1].
    pub fn discount(&self) -> f64 {
        self.discount
    }

    /// The prior [`Thompson::add_arm_default`] gives a new arm.
    pub fn default_prior(&self) -> A::Prior {
        self.default_prior
    }

    /// The arms' posteriors, in index order.
    pub fn arms(&self) -> &[A] {
        &self.arms
    }

    /// The index of the arm called `name`.
    pub fn arm_index(&self, name: &str) -> Result<usize> {
        self.index.get(name).copied().ok_or_else(|| {
            Error::not_found(format!(
                "unknown arm {name:?} (arms: {})",
                preview(&self.names)
            ))
        })
    }

    /// Checks that `arm` is a valid index.
    pub fn check_arm(&self, arm: usize) -> Result<usize> {
        if arm < self.arms.len() {
            Ok(arm)
        } else {
            Err(Error::not_found(format!(
                "arm index {arm} is out of range for {} arms",
                self.arms.len()
            )))
        }
    }

    /// An eligibility mask with `true` for each named arm.
    pub fn mask_from_names<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<bool>> {
        let mut mask = vec![false; self.arms.len()];
        for name in names {
            mask[self.arm_index(name.as_ref())?] = true;
        }
        Ok(mask)
    }

    /// An eligibility mask with `true` for each listed index.
    pub fn mask_from_indices(&self, arms: &[usize]) -> Result<Vec<bool>> {
        let mut mask = vec![false; self.arms.len()];
        for &a in arms {
            mask[self.check_arm(a)?] = true;
        }
        Ok(mask)
    }

    fn check_mask(&self, eligible: Option<&[bool]>) -> Result<usize> {
        match eligible {
            None => Ok(self.arms.len()),
            Some(mask) => {
                if mask.len() != self.arms.len() {
                    return Err(Error::shape(format!(
                        "eligibility mask has {} entries but the bandit has {} arms",
                        mask.len(),
                        self.arms.len()
                    )));
                }
                let n = mask.iter().filter(|&&e| e).count();
                if n == 0 {
                    return Err(Error::new(
                        ErrorKind::NoEligibleArm,
                        "no arm is eligible: the mask is all false",
                    ));
                }
                Ok(n)
            }
        }
    }

    /// One decision with `rng`: unexplored arms first (uniformly among them), else the
    /// largest posterior draw.
    #[inline]
    fn decide(arms: &[A], rng: &mut Rng, eligible: Option<&[bool]>) -> usize {
        let ok = |i: usize| eligible.is_none_or(|m| m[i]);
        let unexplored = (0..arms.len())
            .filter(|&i| ok(i) && arms[i].is_unexplored())
            .count();
        if unexplored > 0 {
            let k = rng.below(unexplored as u64) as usize;
            return (0..arms.len())
                .filter(|&i| ok(i) && arms[i].is_unexplored())
                .nth(k)
                .expect("k is below the number of unexplored arms");
        }
        // Draws are finite, so the first eligible arm always beats -inf; the running maximum
        // is kept without a branch (which arm leads is unpredictable early on).
        let mut best = 0;
        let mut best_value = f64::NEG_INFINITY;
        for (i, arm) in arms.iter().enumerate() {
            if ok(i) {
                let v = arm.sample(rng);
                let better = v > best_value;
                best = if better { i } else { best };
                best_value = if better { v } else { best_value };
            }
        }
        best
    }

    /// One decision: the index of the arm to play among the eligible ones (all when `None`).
    pub fn select(&mut self, eligible: Option<&[bool]>) -> Result<usize> {
        self.check_mask(eligible)?;
        Ok(Self::decide(&self.arms, &mut self.rng, eligible))
    }

    /// `out.len()` independent decisions with the current posterior, written to `out`.
    ///
    /// Up to [`SELECT_CHUNK`] decisions are made in turn, like repeated [`Thompson::select`]
    /// calls. More are made in chunks of [`SELECT_CHUNK`], each with its own substream of the
    /// generator ([`Rng::split`]), in parallel: the result depends on the seed only, never on
    /// the number of threads.
    pub fn select_many(&mut self, eligible: Option<&[bool]>, out: &mut [usize]) -> Result<()> {
        use rayon::prelude::*;
        self.check_mask(eligible)?;
        if out.len() <= SELECT_CHUNK {
            for o in out.iter_mut() {
                *o = Self::decide(&self.arms, &mut self.rng, eligible);
            }
            return Ok(());
        }
        let rngs: Vec<Rng> = (0..out.len().div_ceil(SELECT_CHUNK))
            .map(|_| self.rng.split())
            .collect();
        let arms = &self.arms;
        out.par_chunks_mut(SELECT_CHUNK)
            .zip(rngs)
            .for_each(|(chunk, mut rng)| {
                for o in chunk {
                    *o = Self::decide(arms, &mut rng, eligible);
                }
            });
        Ok(())
    }

    /// A ranked slate of `k` distinct eligible arms: one draw per arm, the `k` largest first.
    pub fn top_k(&mut self, k: usize, eligible: Option<&[bool]>) -> Result<Vec<usize>> {
        let n_eligible = self.check_mask(eligible)?;
        if k == 0 || k > n_eligible {
            return Err(Error::invalid(format!(
                "k must be between 1 and the {n_eligible} eligible arms, got {k}"
            )));
        }
        let ok = |i: usize| eligible.is_none_or(|m| m[i]);
        // Unexplored arms rank first, in random order; then the others by their draw.
        let mut draws: Vec<(bool, f64, usize)> = Vec::with_capacity(n_eligible);
        for (i, arm) in self.arms.iter().enumerate() {
            if ok(i) {
                let unexplored = arm.is_unexplored();
                let v = if unexplored {
                    self.rng.uniform()
                } else {
                    arm.sample(&mut self.rng)
                };
                draws.push((unexplored, v, i));
            }
        }
        draws.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal))
                .then(a.2.cmp(&b.2))
        });
        Ok(draws.into_iter().take(k).map(|d| d.2).collect())
    }

    fn check_reward(&self, arm: usize, reward: f64) -> Result<()> {
        if !reward.is_finite() {
            return Err(Error::non_finite(format!(
                "reward {reward} for arm {:?} is not a finite number",
                self.names[arm]
            )));
        }
        A::check_reward(reward).map_err(|why| {
            Error::invalid(format!(
                "reward {reward} for arm {:?} is {why}",
                self.names[arm]
            ))
        })
    }

    #[inline]
    /// Applies checked rewards in order, then refreshes the arms they changed (each arm at
    /// most once when the batch is at least as long as the arms are many).
    fn apply(&mut self, arms: &[usize], rewards: &[f64]) {
        for (&arm, &reward) in arms.iter().zip(rewards) {
            if self.discount < 1.0 {
                for a in &mut self.arms {
                    a.decay(self.discount);
                }
            }
            self.arms[arm].observe(reward);
        }
        if self.discount < 1.0 || arms.len() >= self.arms.len() {
            self.arms.iter_mut().for_each(A::refresh);
        } else {
            for &arm in arms {
                self.arms[arm].refresh();
            }
        }
    }

    /// Learns one reward of `arm`.
    pub fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        self.check_arm(arm)?;
        self.check_reward(arm, reward)?;
        self.apply(&[arm], &[reward]);
        Ok(())
    }

    /// The index of `arm` (an index or a name), checked.
    pub fn resolve<K: ArmKey + ?Sized>(&self, arm: &K) -> Result<usize> {
        arm.index_in(self)
    }

    /// Learns a batch of rewards, in order (batched or delayed feedback); arms by index or by
    /// name. Every row is checked, in order, before any is applied: on error the bandit is
    /// unchanged and the message names the first bad row.
    pub fn update_many<K: ArmKey>(&mut self, arms: &[K], rewards: &[f64]) -> Result<()> {
        if arms.len() != rewards.len() {
            return Err(Error::shape(format!(
                "{} arms but {} rewards",
                arms.len(),
                rewards.len()
            )));
        }
        let mut indices = Vec::with_capacity(arms.len());
        for (row, (arm, &reward)) in arms.iter().zip(rewards).enumerate() {
            let index = arm
                .index_in(self)
                .and_then(|i| self.check_reward(i, reward).map(|()| i))
                .map_err(|e| Error::new(e.kind(), format!("row {row}: {}", e.message())))?;
            indices.push(index);
        }
        self.apply(&indices, rewards);
        Ok(())
    }

    /// The probability that [`Thompson::select`] picks each arm now (0 where ineligible): the
    /// propensity to log with each decision for off-policy evaluation.
    pub fn arm_probabilities(&self, eligible: Option<&[bool]>) -> Result<Vec<f64>> {
        self.check_mask(eligible)?;
        let ok = |i: usize| eligible.is_none_or(|m| m[i]);
        let mut out = vec![0.0; self.arms.len()];
        let idx: Vec<usize> = (0..self.arms.len()).filter(|&i| ok(i)).collect();
        let unexplored: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| self.arms[i].is_unexplored())
            .collect();
        if !unexplored.is_empty() {
            for &i in &unexplored {
                out[i] = 1.0 / unexplored.len() as f64;
            }
            return Ok(out);
        }
        let margs: Vec<Marginal> = idx.iter().map(|&i| self.arms[i].marginal()).collect();
        let mut p = vec![0.0; idx.len()];
        probability_of_max(&margs, &mut p);
        for (k, &i) in idx.iter().enumerate() {
            out[i] = p[k];
        }
        Ok(out)
    }

    /// Per-arm posterior summaries (see [`Arm::SUMMARY_FIELDS`]).
    pub fn posterior(&self) -> Posterior {
        let fields = A::SUMMARY_FIELDS;
        let mut values = vec![0.0; fields.len() * self.arms.len()];
        for (arm, row) in self.arms.iter().zip(values.chunks_mut(fields.len())) {
            arm.summarize(row);
        }
        Posterior {
            fields,
            arms: self.names.clone(),
            values,
        }
    }

    /// Adds an arm with its own prior, keeping every other arm's state; returns its index.
    pub fn add_arm(&mut self, name: impl Into<String>, prior: A::Prior) -> Result<usize> {
        let name = name.into();
        check_name(&name)?;
        if self.index.contains_key(&name) {
            return Err(Error::invalid(format!("duplicate arm name {name:?}")));
        }
        if self.arms.len() >= MAX_ARMS {
            return Err(Error::invalid(format!(
                "a bandit holds at most {MAX_ARMS} arms"
            )));
        }
        let arm = A::new(prior)?;
        self.index.insert(name.clone(), self.arms.len());
        self.names.push(name);
        self.arms.push(arm);
        Ok(self.arms.len() - 1)
    }

    /// Adds an arm with the bandit's default prior; returns its index.
    pub fn add_arm_default(&mut self, name: impl Into<String>) -> Result<usize> {
        self.add_arm(name, self.default_prior)
    }

    /// Retires an arm, keeping every other arm's state; later arms move down one index.
    pub fn remove_arm(&mut self, arm: usize) -> Result<()> {
        self.check_arm(arm)?;
        if self.arms.len() == 1 {
            return Err(Error::invalid("cannot retire the last arm of a bandit"));
        }
        self.arms.remove(arm);
        let name = self.names.remove(arm);
        self.index.remove(&name);
        for (i, n) in self.names.iter().enumerate().skip(arm) {
            self.index.insert(n.clone(), i);
        }
        Ok(())
    }
}

fn preview(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    if names.len() > 8 {
        format!("{}, ... ({} in all)", shown.join(", "), names.len())
    } else {
        shown.join(", ")
    }
}

/// The persisted form of a bandit.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThompsonPayload<S, P> {
    /// Whether arms were named by the caller.
    pub named: bool,
    /// The discount factor.
    pub discount: f64,
    /// The prior new arms get by default.
    pub default_prior: P,
    /// The generator's state, so that a reloaded bandit continues the same stream; written
    /// as four hexadecimal strings, since JSON tools that read numbers as doubles would
    /// corrupt 64-bit integers.
    #[serde(with = "crate::persist::hex_words")]
    pub rng_state: [u64; 4],
    /// The arms, in index order.
    pub arms: Vec<ArmEntry<S>>,
}

/// One arm in a persisted bandit.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmEntry<S> {
    /// The arm's name.
    pub name: String,
    /// Its state.
    pub state: S,
}

impl<A: Arm> Persist for Thompson<A> {
    const KIND: &'static str = A::KIND;
    const VERSION: u32 = 1;
    type Payload = ThompsonPayload<A::State, A::Prior>;

    fn to_payload(&self) -> Self::Payload {
        ThompsonPayload {
            named: self.named,
            discount: self.discount,
            default_prior: self.default_prior,
            rng_state: self.rng.state(),
            arms: self
                .names
                .iter()
                .zip(&self.arms)
                .map(|(n, a)| ArmEntry {
                    name: n.clone(),
                    state: a.state(),
                })
                .collect(),
        }
    }

    fn from_payload(p: Self::Payload, _version: u32) -> Result<Self> {
        let bad = |e: Error| Error::document(format!("{} document: {}", A::KIND, e.message()));
        if p.arms.is_empty() {
            return Err(bad(Error::empty("no arms")));
        }
        check_discount(p.discount).map_err(bad)?;
        let rng = Rng::from_state(p.rng_state)
            .ok_or_else(|| bad(Error::invalid("generator state is all zero")))?;
        let mut names = Vec::with_capacity(p.arms.len().min(MAX_ARMS));
        let mut arms = Vec::with_capacity(p.arms.len().min(MAX_ARMS));
        for (i, entry) in p.arms.into_iter().enumerate() {
            let arm = A::from_state(entry.state).map_err(|e| {
                Error::document(format!(
                    "{} document: arm {i} ({:?}): {}",
                    A::KIND,
                    entry.name,
                    e.message()
                ))
            })?;
            names.push(entry.name);
            arms.push(arm);
        }
        A::new(p.default_prior)
            .map_err(|e| bad(Error::invalid(format!("default prior: {}", e.message()))))?;
        Self::assemble(names, arms, p.default_prior, p.named, p.discount, rng).map_err(bad)
    }
}

impl<A: Arm> PartialEq for Thompson<A>
where
    A::State: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.names == other.names
            && self.named == other.named
            && self.default_prior == other.default_prior
            && self.discount == other.discount
            && self.rng == other.rng
            && self
                .arms
                .iter()
                .zip(&other.arms)
                .all(|(a, b)| a.state() == b.state())
    }
}
