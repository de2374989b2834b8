//! `ThompsonBandit` and `GaussianThompsonBandit`: thin `#[pyclass]` wrappers of core's
//! [`Shared`] bandits.
//!
//! Locking rules (one bandit may serve many Python threads):
//! - the bandit's mutex is taken either with the GIL held for one short call (select, update),
//!   or with the GIL released for batch work (`Python::detach`); the mutex is always released
//!   before the GIL is taken again, so a thread holding it never waits for the GIL;
//! - nothing that could run Python code (creating exceptions, lists, dicts) happens while the
//!   mutex is held: errors are raised after unlocking;
//! - the cache of arm-name objects is only touched while the bandit's mutex is held, so it
//!   always matches the bandit's arms (its own mutex is never contended).

use crate::convert::{
    arm_arg, arm_list, arms_spec, count_arg, eligible_arg, float_arg, float_list, float_or_seq,
    opt_float, seed_arg, str_arg, string_of, ArmArg, ArmList, ArmsSpec, Eligible, EligibleArg,
    FloatOrSeq,
};
use crate::errors::{bad_arg, out_of_memory, OrRaise};
use nextbest::bandit::{
    Arm, ArmRef, BetaArm, BetaPrior, GaussianArm, GaussianPrior, Shared, Thompson,
};
use nextbest::{Error, Persist};
use numpy::PyArray1;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use std::borrow::Cow;
use std::sync::{Mutex, MutexGuard};

/// Names up to this length are interned, so that the objects `select` returns and string
/// literals in the caller's code are the very objects cached here (found by identity).
const INTERN_MAX_BYTES: usize = 128;

fn name_object<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyString> {
    if name.len() <= INTERN_MAX_BYTES {
        PyString::intern(py, name)
    } else {
        PyString::new(py, name)
    }
}

/// The arm names as Python strings, and an index of them by object identity: the `str` that
/// `select` returned is found again by `update` without reading its characters.
struct NameCache {
    objs: Vec<Py<PyString>>,
    /// `(object address, arm index)`, sorted by address.
    by_ptr: Vec<(usize, usize)>,
}

impl NameCache {
    fn new(py: Python<'_>, names: &[String]) -> Self {
        let mut cache = NameCache {
            objs: names.iter().map(|n| name_object(py, n).unbind()).collect(),
            by_ptr: Vec::new(),
        };
        cache.reindex();
        cache
    }

    fn reindex(&mut self) {
        self.by_ptr.clear();
        self.by_ptr.extend(
            self.objs
                .iter()
                .enumerate()
                .map(|(i, o)| (o.as_ptr() as usize, i)),
        );
        self.by_ptr.sort_unstable();
    }

    /// Appends the name of the new arm `i` (the last).
    fn push(&mut self, i: usize, obj: Py<PyString>) {
        let entry = (obj.as_ptr() as usize, i);
        let at = self.by_ptr.partition_point(|&e| e < entry);
        self.by_ptr.insert(at, entry);
        self.objs.push(obj);
    }

    #[inline]
    fn find(&self, s: &Bound<'_, PyString>) -> Option<usize> {
        let p = s.as_ptr() as usize;
        self.by_ptr
            .binary_search_by_key(&p, |&(q, _)| q)
            .ok()
            .map(|k| self.by_ptr[k].1)
    }
}

/// Resolves `eligible` into a mask with core's `mask_from_names` / `mask_from_indices`.
fn resolve<'a, A: Arm>(b: &Thompson<A>, e: &'a Eligible) -> Result<Option<Cow<'a, [bool]>>, Error> {
    Ok(match e {
        Eligible::All => None,
        Eligible::Mask(m) => Some(Cow::Borrowed(m.as_slice())),
        Eligible::Names(n) => Some(Cow::Owned(b.mask_from_names(n)?)),
        Eligible::Indices(i) => Some(Cow::Owned(b.mask_from_indices(i)?)),
    })
}

/// As [`resolve`], reading a NumPy mask in place.
fn resolve_arg<'a, A: Arm>(
    b: &Thompson<A>,
    e: &'a EligibleArg<'_>,
) -> Result<Option<Cow<'a, [bool]>>, Error> {
    match e {
        EligibleArg::Owned(o) => resolve(b, o),
        EligibleArg::Array(a) => Ok(Some(match a.as_slice() {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(a.as_array().to_vec()),
        })),
    }
}

/// Priors of a new bandit.
enum Priors<P> {
    Same(P),
    PerArm(Vec<P>),
}

/// Builds a bandit with core's constructors.
fn build<A: Arm>(
    spec: ArmsSpec,
    priors: Priors<A::Prior>,
    discount: f64,
    seed: u64,
) -> Result<Thompson<A>, Error>
where
    A::Prior: Default,
{
    match (spec, priors) {
        (ArmsSpec::Names(names), Priors::Same(p)) => Thompson::new(names, p, discount, seed),
        (ArmsSpec::Names(names), Priors::PerArm(v)) => {
            Thompson::with_priors(names, v, discount, seed)
        }
        (ArmsSpec::Count(n), Priors::Same(p)) => Thompson::unnamed(n, p, discount, seed),
        (ArmsSpec::Count(n), Priors::PerArm(v)) => {
            if v.len() != n {
                return Err(Error::shape(format!("{n} arms but {} priors", v.len())));
            }
            Thompson::unnamed_with_priors(v, discount, seed)
        }
    }
}

/// The binding of one bandit, shared by both classes.
struct Inner<A: Arm> {
    bandit: Shared<A>,
    /// Only locked while `bandit` is locked.
    names: Mutex<NameCache>,
    named: bool,
}

impl<A: Arm> Inner<A> {
    fn new(py: Python<'_>, b: Thompson<A>) -> Self {
        Inner {
            names: Mutex::new(NameCache::new(py, b.names())),
            named: b.is_named(),
            bandit: Shared::new(b),
        }
    }

    #[inline]
    fn lock(&self) -> MutexGuard<'_, Thompson<A>> {
        self.bandit.lock()
    }

    /// Locks the bandit from a thread that holds the GIL. When another thread holds the
    /// bandit (a batch running without the GIL), waits for it with the GIL released, so that
    /// other Python threads keep running meanwhile.
    #[inline]
    fn lock_attached(&self, py: Python<'_>) -> MutexGuard<'_, Thompson<A>> {
        loop {
            if let Some(guard) = self.bandit.try_lock() {
                return guard;
            }
            py.detach(|| drop(self.bandit.lock()));
        }
    }

    /// The name cache; call only while holding [`Inner::lock`].
    #[inline]
    fn cache(&self) -> MutexGuard<'_, NameCache> {
        self.names.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The arm as returned to Python: its (cached) name, or its index for unnamed bandits.
    #[inline]
    fn arm_object(&self, py: Python<'_>, i: usize, name: Option<Py<PyString>>) -> Py<PyAny> {
        match name {
            Some(n) => n.into_any(),
            None => i
                .into_pyobject(py)
                .map(|o| o.into_any().unbind())
                .unwrap_or_else(|e| match e {}),
        }
    }

    fn select(&self, py: Python<'_>, eligible: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let eligible = match eligible {
            Some(e) if !e.is_none() => Some(eligible_arg(Some(e)).or_raise(py)?),
            _ => None,
        };
        let r = {
            let mut b = self.lock_attached(py);
            let chosen = match &eligible {
                None => b.select(None),
                Some(e) => resolve_arg(&b, e).and_then(|m| b.select(m.as_deref())),
            };
            chosen.map(|i| {
                let name = self.named.then(|| self.cache().objs[i].clone_ref(py));
                (i, name)
            })
        };
        let (i, name) = r.or_raise(py)?;
        Ok(self.arm_object(py, i, name))
    }

    fn select_many<'py>(
        &self,
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        eligible: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let n = count_arg(n, "n").or_raise(py)?;
        let eligible = eligible_arg(eligible).or_raise(py)?.into_owned();
        let mut out: Vec<usize> = Vec::new();
        out.try_reserve_exact(n)
            .map_err(|_| out_of_memory("select_many", n))?;
        let out = py
            .detach(|| {
                out.resize(n, 0);
                let mut b = self.lock();
                let mask = resolve(&b, &eligible)?;
                b.select_many(mask.as_deref(), &mut out)?;
                drop(b);
                // In place: usize and i64 have the same layout.
                Ok(out.into_iter().map(|i| i as i64).collect::<Vec<i64>>())
            })
            .or_raise(py)?;
        Ok(PyArray1::from_vec(py, out))
    }

    fn top_k<'py>(
        &self,
        py: Python<'py>,
        k: &Bound<'py, PyAny>,
        eligible: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let k = count_arg(k, "k").or_raise(py)?;
        let eligible = eligible_arg(eligible).or_raise(py)?.into_owned();
        let named = self.named;
        let (idx, names) = py
            .detach(|| {
                let mut b = self.lock();
                let mask = resolve(&b, &eligible)?;
                let idx = b.top_k(k, mask.as_deref())?;
                let names: Vec<String> = if named {
                    idx.iter().map(|&i| b.names()[i].clone()).collect()
                } else {
                    Vec::new()
                };
                Ok((idx, names))
            })
            .or_raise(py)?;
        if named {
            PyList::new(py, names.iter().map(|n| name_object(py, n)))
        } else {
            PyList::new(py, idx)
        }
    }

    #[inline]
    fn update(
        &self,
        py: Python<'_>,
        arm: &Bound<'_, PyAny>,
        reward: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let reward = float_arg(reward, "reward").or_raise(py)?;
        let r = match arm_arg(arm, "arm").or_raise(py)? {
            ArmArg::Index(i) => self.lock_attached(py).update(i, reward),
            ArmArg::Name(s) => {
                let hit = {
                    let mut b = self.lock_attached(py);
                    let found = self.cache().find(s);
                    found.map(|i| b.update(i, reward))
                };
                match hit {
                    Some(r) => r,
                    None => {
                        let name = string_of(s, "arm").or_raise(py)?;
                        let mut b = self.lock_attached(py);
                        b.resolve(name.as_str()).and_then(|i| b.update(i, reward))
                    }
                }
            }
        };
        r.or_raise(py)
    }

    fn update_many(
        &self,
        py: Python<'_>,
        arms: &Bound<'_, PyAny>,
        rewards: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let arms = arm_list(arms, "arms").or_raise(py)?;
        let rewards = float_list(rewards, "rewards").or_raise(py)?;
        py.detach(|| {
            let mut b = self.lock();
            match &arms {
                ArmList::Indices(v) => b.update_many(v, &rewards),
                ArmList::Mixed(refs) => b.update_many(refs, &rewards),
            }
        })
        .or_raise(py)
    }

    fn arm_probabilities<'py>(
        &self,
        py: Python<'py>,
        eligible: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let eligible = eligible_arg(eligible).or_raise(py)?.into_owned();
        let p = py
            .detach(|| {
                let b = self.lock();
                let mask = resolve(&b, &eligible)?;
                b.arm_probabilities(mask.as_deref())
            })
            .or_raise(py)?;
        Ok(PyArray1::from_vec(py, p))
    }

    fn posterior<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let p = py.detach(|| self.lock().posterior());
        let keys: Vec<Bound<'py, PyString>> =
            p.fields.iter().map(|f| PyString::intern(py, f)).collect();
        let arm_key = intern!(py, "arm");
        let out = PyList::empty(py);
        for (i, (name, row)) in p
            .arms
            .iter()
            .zip(p.values.chunks(keys.len().max(1)))
            .enumerate()
        {
            let d = PyDict::new(py);
            if self.named {
                d.set_item(arm_key, name_object(py, name))?;
            } else {
                d.set_item(arm_key, i)?;
            }
            for (k, v) in keys.iter().zip(row) {
                d.set_item(k, v)?;
            }
            out.append(d)?;
        }
        Ok(out)
    }

    fn add_arm(&self, py: Python<'_>, name: &Bound<'_, PyAny>, prior: A::Prior) -> PyResult<usize> {
        let name = str_arg(name, "name").or_raise(py)?;
        let obj = name_object(py, &name).unbind();
        let r = {
            let mut b = self.lock_attached(py);
            b.add_arm(name, prior)
                .inspect(|&i| self.cache().push(i, obj))
        };
        r.or_raise(py)
    }

    fn remove_arm(&self, py: Python<'_>, arm: &Bound<'_, PyAny>) -> PyResult<()> {
        let arm = match arm_arg(arm, "arm").or_raise(py)? {
            ArmArg::Index(i) => ArmRef::Index(i),
            ArmArg::Name(s) => ArmRef::Name(string_of(s, "arm").or_raise(py)?),
        };
        let r = {
            let mut b = self.lock_attached(py);
            b.resolve(&arm)
                .and_then(|i| b.remove_arm(i).map(|()| i))
                .map(|i| {
                    let mut cache = self.cache();
                    let removed = cache.objs.remove(i);
                    cache.reindex();
                    removed
                })
        };
        // The removed name object is dropped here, after unlocking.
        r.map(drop).or_raise(py)
    }

    fn arms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let objs: Vec<Py<PyString>> = {
            let _b = self.lock_attached(py);
            self.cache().objs.iter().map(|o| o.clone_ref(py)).collect()
        };
        PyList::new(py, objs)
    }

    fn n_arms(&self) -> usize {
        self.lock().n_arms()
    }

    fn default_prior(&self) -> A::Prior {
        self.lock().default_prior()
    }

    fn discount(&self) -> f64 {
        self.lock().discount()
    }

    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.lock().to_json())
    }

    fn load(py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<Thompson<A>> {
        let doc = str_arg(document, "document").or_raise(py)?;
        py.detach(|| Thompson::<A>::from_json(&doc)).or_raise(py)
    }

    fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        const SHOWN: usize = 10;
        let (n, discount, shown) = {
            let b = self.lock();
            let shown: Vec<String> = b.names().iter().take(SHOWN).cloned().collect();
            (b.n_arms(), b.discount(), shown)
        };
        if !self.named {
            return Ok(format!("{class}(arms={n}, discount={discount:?})"));
        }
        let list = PyList::new(py, shown)?;
        let mut arms = list.repr()?.to_string();
        if n > SHOWN {
            arms.truncate(arms.len() - 1);
            arms.push_str(&format!(", ...] (n_arms={n})"));
        }
        Ok(format!("{class}(arms={arms}, discount={discount:?})"))
    }

    fn reduce<'py>(
        &self,
        slf: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let from_json = slf.get_type().getattr(intern!(py, "from_json"))?;
        let args = PyTuple::new(py, [self.to_json(py)])?;
        Ok((from_json, args))
    }
}

/// The `#[pymethods]` block of a bandit class: its own methods, then the ones every bandit
/// class shares (they only delegate to [`Inner`]).
macro_rules! bandit_pymethods {
    ($class:ident, $arm:ty, { $($own:tt)* }) => {
        #[pymethods]
        impl $class {
            $($own)*

            /// ``n`` independent decisions with the current posterior, as a NumPy int64 array of arm
            /// indices (see ``arms`` for their names). Runs without the GIL.
            #[pyo3(signature = (n, eligible=None))]
            fn select_many<'py>(
                &self,
                py: Python<'py>,
                n: &Bound<'py, PyAny>,
                eligible: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyArray1<i64>>> {
                self.inner.select_many(py, n, eligible)
            }

            /// Learns a batch of rewards in order (batched or delayed feedback). ``arms``: a NumPy
            /// integer array or a list of indices and/or names; ``rewards``: numbers, one per arm.
            /// The whole batch is checked first: on error the bandit is unchanged. Runs without the
            /// GIL.
            fn update_many(
                &self,
                py: Python<'_>,
                arms: &Bound<'_, PyAny>,
                rewards: &Bound<'_, PyAny>,
            ) -> PyResult<()> {
                self.inner.update_many(py, arms, rewards)
            }

            /// The probability that ``select(eligible)`` picks each arm now, as a NumPy float64 array
            /// (0 where ineligible): the propensity to log with each decision.
            #[pyo3(signature = (eligible=None))]
            fn arm_probabilities<'py>(
                &self,
                py: Python<'py>,
                eligible: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyArray1<f64>>> {
                self.inner.arm_probabilities(py, eligible)
            }

            /// Retires an arm (by name or index), keeping every other arm's state; later arms move
            /// down one index.
            fn remove_arm(&self, py: Python<'_>, arm: &Bound<'_, PyAny>) -> PyResult<()> {
                self.inner.remove_arm(py, arm)
            }

            /// The arm names, in index order (``"0"``, ``"1"``, ... for unnamed bandits).
            #[getter]
            fn arms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
                self.inner.arms(py)
            }

            /// The number of arms.
            #[getter]
            fn n_arms(&self) -> usize {
                self.inner.n_arms()
            }

            /// The discount factor in (0, 1].
            #[getter]
            fn discount(&self) -> f64 {
                self.inner.discount()
            }

            fn __len__(&self) -> usize {
                self.inner.n_arms()
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                self.inner.repr(py, stringify!($class))
            }

            /// The whole state (arms, their evidence, the generator) as a versioned JSON document.
            fn to_json(&self, py: Python<'_>) -> String {
                self.inner.to_json(py)
            }

            /// Loads a bandit saved by ``to_json``; it continues the same random stream. Every value
            /// of the document is checked.
            #[classmethod]
            fn from_json(_cls: &Bound<'_, PyType>, document: &Bound<'_, PyAny>) -> PyResult<Self> {
                let py = document.py();
                let b = Inner::<$arm>::load(py, document)?;
                Ok($class {
                    inner: Inner::new(py, b),
                })
            }

            fn __reduce__<'py>(
                slf: &Bound<'py, Self>,
            ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
                slf.get().inner.reduce(slf.as_any())
            }
        }
    };
}

/// Beta-Bernoulli Thompson sampling over offers (arms) whose rewards are in ``[0, 1]``
/// (accepted = 1, declined = 0).
///
/// Each decision draws one acceptance rate from every eligible arm's Beta posterior and plays
/// the largest; ``arm_probabilities`` gives the exact probability of each choice, to log as the
/// propensity of the decision.
///
/// Parameters
/// ----------
/// arms : list of str or int
///     The arm names; or a number ``n`` of unnamed arms, identified by their indices
///     ``0 .. n-1`` (decisions are then ints rather than names).
/// prior_alpha, prior_beta : float or sequence of float, default 1.0
///     The Beta(alpha, beta) prior of every arm, or one value per arm.
/// discount : float in (0, 1], default 1.0
///     Below 1, every reward first multiplies all evidence by ``discount``, so that old
///     evidence fades (discounted Thompson sampling, for drifting acceptance rates).
/// seed : int or None, default None
///     Seeds the generator (the same seed gives the same decisions in Rust, Python and C);
///     ``None`` draws a seed from the operating system and the clock.
///
/// One bandit may be shared by many threads: every call is atomic and no update is lost.
/// Errors are raised as ``nextbest.NextbestError`` (a ``ValueError``).
///
/// Examples
/// --------
/// >>> import nextbest
/// >>> bandit = nextbest.ThompsonBandit(["card", "loan", "savings"], seed=7)
/// >>> offer = bandit.select()
/// >>> offer in bandit.arms
/// True
/// >>> bandit.update(offer, 1.0)
/// >>> propensities = bandit.arm_probabilities()
/// >>> round(float(propensities.sum()), 9)
/// 1.0
/// >>> copy = nextbest.ThompsonBandit.from_json(bandit.to_json())
/// >>> copy.select() == bandit.select()
/// True
#[pyclass(frozen, weakref, module = "nextbest", name = "ThompsonBandit")]
pub struct ThompsonBandit {
    inner: Inner<BetaArm>,
}

fn beta_priors(alpha: FloatOrSeq, beta: FloatOrSeq) -> Result<Priors<BetaPrior>, Error> {
    let p = |alpha, beta| BetaPrior { alpha, beta };
    Ok(match (alpha, beta) {
        (FloatOrSeq::Scalar(a), FloatOrSeq::Scalar(b)) => Priors::Same(p(a, b)),
        (FloatOrSeq::Seq(a), FloatOrSeq::Scalar(b)) => {
            Priors::PerArm(a.into_iter().map(|a| p(a, b)).collect())
        }
        (FloatOrSeq::Scalar(a), FloatOrSeq::Seq(b)) => {
            Priors::PerArm(b.into_iter().map(|b| p(a, b)).collect())
        }
        (FloatOrSeq::Seq(a), FloatOrSeq::Seq(b)) => {
            if a.len() != b.len() {
                return Err(Error::shape(format!(
                    "prior_alpha has {} values but prior_beta has {}",
                    a.len(),
                    b.len()
                )));
            }
            Priors::PerArm(a.into_iter().zip(b).map(|(a, b)| p(a, b)).collect())
        }
    })
}

fn float_or_seq_or(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
    default: f64,
) -> Result<FloatOrSeq, Error> {
    match obj {
        Some(o) if !o.is_none() => float_or_seq(o, what),
        _ => Ok(FloatOrSeq::Scalar(default)),
    }
}

bandit_pymethods!(ThompsonBandit, BetaArm, {
    #[new]
    #[pyo3(
        signature = (arms, prior_alpha=None, prior_beta=None, discount=None, seed=None),
        text_signature = "(arms, prior_alpha=1.0, prior_beta=1.0, discount=1.0, seed=None)"
    )]
    fn new(
        py: Python<'_>,
        arms: &Bound<'_, PyAny>,
        prior_alpha: Option<&Bound<'_, PyAny>>,
        prior_beta: Option<&Bound<'_, PyAny>>,
        discount: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let spec = arms_spec(arms).or_raise(py)?;
        let alpha = float_or_seq_or(prior_alpha, "prior_alpha", 1.0).or_raise(py)?;
        let beta = float_or_seq_or(prior_beta, "prior_beta", 1.0).or_raise(py)?;
        let discount = crate::convert::float_or(discount, "discount", 1.0).or_raise(py)?;
        let seed = seed_arg(seed).or_raise(py)?;
        let priors = beta_priors(alpha, beta).or_raise(py)?;
        let b = build::<BetaArm>(spec, priors, discount, seed).or_raise(py)?;
        Ok(ThompsonBandit {
            inner: Inner::new(py, b),
        })
    }

    /// One decision: the name of the arm to play (its index for unnamed bandits).
    ///
    /// ``eligible`` restricts the choice: ``None`` (every arm), a boolean mask with one entry
    /// per arm (list or NumPy array), a list of arm names, or a list of arm indices.
    #[pyo3(signature = (eligible=None))]
    fn select(&self, py: Python<'_>, eligible: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.inner.select(py, eligible)
    }

    /// A ranked slate of ``k`` distinct eligible arms, best first: one posterior draw per arm,
    /// the ``k`` largest. Names (indices for unnamed bandits).
    #[pyo3(signature = (k, eligible=None))]
    fn top_k<'py>(
        &self,
        py: Python<'py>,
        k: &Bound<'py, PyAny>,
        eligible: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.inner.top_k(py, k, eligible)
    }

    /// Learns one reward in ``[0, 1]`` of ``arm`` (a name or an index).
    fn update(
        &self,
        py: Python<'_>,
        arm: &Bound<'_, PyAny>,
        reward: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.inner.update(py, arm, reward)
    }

    /// One dict per arm: ``arm`` (name, or index for unnamed bandits), ``alpha``, ``beta``,
    /// ``mean`` and the 95% interval ``lower``, ``upper`` of its acceptance rate
    /// (``pandas.DataFrame(bandit.posterior())`` makes a table).
    fn posterior<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.inner.posterior(py)
    }

    /// Adds an arm, keeping every other arm's state; returns its index. A prior left out is
    /// the one this bandit was built with (1.0 when it was built with one value per arm); it
    /// is saved with the bandit.
    #[pyo3(signature = (name, prior_alpha=None, prior_beta=None))]
    fn add_arm(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        prior_alpha: Option<&Bound<'_, PyAny>>,
        prior_beta: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<usize> {
        let default = self.inner.default_prior();
        let alpha =
            crate::convert::float_or(prior_alpha, "prior_alpha", default.alpha).or_raise(py)?;
        let beta = crate::convert::float_or(prior_beta, "prior_beta", default.beta).or_raise(py)?;
        self.inner.add_arm(py, name, BetaPrior { alpha, beta })
    }
});

/// Gaussian Thompson sampling for real-valued rewards (revenue, margin, balance) of any scale.
///
/// Each arm's rewards are modelled as Normal with unknown mean and variance. With the default
/// uninformative prior, every arm is played twice before sampling starts, and nothing about the
/// scale of the rewards is assumed (rewards in the tens or in the millions work untuned). An
/// informative prior says the rewards look like ``prior_strength`` observations of mean
/// ``prior_mean`` and standard deviation ``prior_scale`` (give all three or none).
///
/// Parameters
/// ----------
/// arms : list of str or int
///     The arm names, or a number ``n`` of unnamed arms ``0 .. n-1``.
/// seed : int or None, default None
///     Seeds the generator; ``None`` draws a seed from the operating system and the clock.
/// prior_mean, prior_strength, prior_scale : float or None, default None
///     An informative prior for every arm; all ``None``: uninformative.
/// discount : float in (0, 1], default 1.0
///     Below 1, old evidence fades.
///
/// Examples
/// --------
/// >>> import nextbest
/// >>> bandit = nextbest.GaussianThompsonBandit(["card", "loan"], seed=3)
/// >>> bandit.select() in ("card", "loan")
/// True
/// >>> bandit.update_many(["card"] * 3 + ["loan"] * 3, [40.0, 42.0, 41.0, 120.0, 118.0, 121.0])
/// >>> [row["count"] for row in bandit.posterior()]
/// [3.0, 3.0]
/// >>> bandit.select()
/// 'loan'
#[pyclass(frozen, weakref, module = "nextbest", name = "GaussianThompsonBandit")]
pub struct GaussianThompsonBandit {
    inner: Inner<GaussianArm>,
}

/// The Gaussian prior from its three optional parts: all or none.
fn gaussian_prior(
    mean: Option<&Bound<'_, PyAny>>,
    strength: Option<&Bound<'_, PyAny>>,
    scale: Option<&Bound<'_, PyAny>>,
) -> Result<Option<GaussianPrior>, Error> {
    let mean = opt_float(mean, "prior_mean")?;
    let strength = opt_float(strength, "prior_strength")?;
    let scale = opt_float(scale, "prior_scale")?;
    match (mean, strength, scale) {
        (None, None, None) => Ok(None),
        (Some(m), Some(st), Some(sc)) => GaussianPrior::informative(m, st, sc).map(Some),
        _ => {
            let given: Vec<&str> = [
                ("prior_mean", mean.is_some()),
                ("prior_strength", strength.is_some()),
                ("prior_scale", scale.is_some()),
            ]
            .iter()
            .filter(|(_, g)| *g)
            .map(|(n, _)| *n)
            .collect();
            Err(bad_arg(format!(
                "prior_mean, prior_strength and prior_scale must be given together or not at \
                 all; got only {}",
                given.join(" and ")
            )))
        }
    }
}

bandit_pymethods!(GaussianThompsonBandit, GaussianArm, {
    #[new]
    #[pyo3(
        signature = (arms, seed=None, prior_mean=None, prior_strength=None, prior_scale=None, discount=None),
        text_signature = "(arms, seed=None, prior_mean=None, prior_strength=None, prior_scale=None, discount=1.0)"
    )]
    fn new(
        py: Python<'_>,
        arms: &Bound<'_, PyAny>,
        seed: Option<&Bound<'_, PyAny>>,
        prior_mean: Option<&Bound<'_, PyAny>>,
        prior_strength: Option<&Bound<'_, PyAny>>,
        prior_scale: Option<&Bound<'_, PyAny>>,
        discount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let spec = arms_spec(arms).or_raise(py)?;
        let prior = gaussian_prior(prior_mean, prior_strength, prior_scale)
            .or_raise(py)?
            .unwrap_or_default();
        let discount = crate::convert::float_or(discount, "discount", 1.0).or_raise(py)?;
        let seed = seed_arg(seed).or_raise(py)?;
        let b = build::<GaussianArm>(spec, Priors::Same(prior), discount, seed).or_raise(py)?;
        Ok(GaussianThompsonBandit {
            inner: Inner::new(py, b),
        })
    }

    /// One decision: the name of the arm to play (its index for unnamed bandits). Arms with
    /// fewer than two rewards (uninformative prior) are played first.
    ///
    /// ``eligible`` restricts the choice: ``None`` (every arm), a boolean mask with one entry
    /// per arm (list or NumPy array), a list of arm names, or a list of arm indices.
    #[pyo3(signature = (eligible=None))]
    fn select(&self, py: Python<'_>, eligible: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.inner.select(py, eligible)
    }

    /// A ranked slate of ``k`` distinct eligible arms, best first (unexplored arms first, in
    /// random order). Names (indices for unnamed bandits).
    #[pyo3(signature = (k, eligible=None))]
    fn top_k<'py>(
        &self,
        py: Python<'py>,
        k: &Bound<'py, PyAny>,
        eligible: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.inner.top_k(py, k, eligible)
    }

    /// Learns one real-valued reward of ``arm`` (a name or an index).
    fn update(
        &self,
        py: Python<'_>,
        arm: &Bound<'_, PyAny>,
        reward: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.inner.update(py, arm, reward)
    }

    /// One dict per arm: ``arm`` (name, or index for unnamed bandits), ``count``,
    /// ``reward_mean``, ``reward_std`` (of the observed rewards), then ``mean`` and the 95%
    /// interval ``lower``, ``upper`` of the arm's expected reward (NaN or infinite while
    /// unexplored).
    fn posterior<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.inner.posterior(py)
    }

    /// Adds an arm, keeping every other arm's state; returns its index. Without a prior, the
    /// arm gets the one this bandit was built with; it is saved with the bandit.
    #[pyo3(signature = (name, prior_mean=None, prior_strength=None, prior_scale=None))]
    fn add_arm(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        prior_mean: Option<&Bound<'_, PyAny>>,
        prior_strength: Option<&Bound<'_, PyAny>>,
        prior_scale: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<usize> {
        let prior = gaussian_prior(prior_mean, prior_strength, prior_scale)
            .or_raise(py)?
            .unwrap_or_else(|| self.inner.default_prior());
        self.inner.add_arm(py, name, prior)
    }
});
