//! # nextbest
//!
//! An embeddable next-best-offer library for banks: Thompson-sampling bandits today; feature
//! transforms, propensity models and uplift estimation as they land. The same core serves Rust,
//! Python (`import nextbest`) and C (`libnextbest`).
//!
//! Conventions every part follows:
//! - one error type, [`Error`], with a stable [`ErrorKind`] and a message that says what was
//!   wrong and where;
//! - every model or state persists as a versioned JSON document ([`persist::Persist`]);
//! - all randomness comes from [`rng::Rng`], seeded: the same seed gives the same results from
//!   every interface.
//!
//! ```
//! use nextbest::bandit::{BetaPrior, ThompsonBandit};
//! use nextbest::persist::Persist;
//!
//! let mut bandit = ThompsonBandit::new(["card", "mortgage", "savings"], BetaPrior::default(), 1.0, 7)?;
//! for _ in 0..100 {
//!     let arm = bandit.select(None)?;
//!     let accepted = if bandit.names()[arm] == "savings" { 1.0 } else { 0.0 };
//!     bandit.update(arm, accepted)?;
//! }
//! let saved = bandit.to_json();
//! assert_eq!(ThompsonBandit::from_json(&saved)?, bandit);
//! # Ok::<(), nextbest::Error>(())
//! ```
#![warn(missing_docs)]

pub mod bandit;
pub mod data;
pub mod error;
pub mod features;
pub mod gbdt;
pub mod metrics;
pub mod model;
pub mod persist;
pub mod propensity;
pub mod rng;

pub use error::{Error, ErrorKind, Result};
pub use persist::Persist;

/// The library version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust quick start, compiled and run as a doctest so that the front page never lies.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
