//! A bandit shared by many threads.

use super::{Arm, Thompson};
use std::sync::{Mutex, MutexGuard};

/// A [`Thompson`] bandit behind a mutex: `Send + Sync`, every call atomic, no update lost.
///
/// ```
/// use nextbest::bandit::{BetaPrior, Shared, ThompsonBandit};
/// let b = Shared::new(ThompsonBandit::unnamed(3, BetaPrior::default(), 1.0, 1)?);
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| for _ in 0..100 { let a = b.lock().select(None).unwrap(); b.lock().update(a, 1.0).unwrap(); });
///     }
/// });
/// let alphas: f64 = b.lock().arms().iter().map(|a| a.alpha() - 1.0).sum();
/// assert_eq!(alphas, 400.0);
/// # Ok::<(), nextbest::Error>(())
/// ```
#[derive(Debug)]
pub struct Shared<A: Arm> {
    inner: Mutex<Thompson<A>>,
}

impl<A: Arm> Shared<A> {
    /// Wraps a bandit.
    pub fn new(bandit: Thompson<A>) -> Self {
        Shared {
            inner: Mutex::new(bandit),
        }
    }

    /// Exclusive access for one or more calls. A panic while the lock was held cannot leave
    /// the bandit half-updated (every method checks before it mutates), so a poisoned lock is
    /// recovered.
    pub fn lock(&self) -> MutexGuard<'_, Thompson<A>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Exclusive access if no other thread holds it now (`None` otherwise), so that a caller
    /// can release resources of its own (such as Python's GIL) before waiting in [`Shared::lock`].
    pub fn try_lock(&self) -> Option<MutexGuard<'_, Thompson<A>>> {
        match self.inner.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// The bandit, unwrapped.
    pub fn into_inner(self) -> Thompson<A> {
        self.inner.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}
