//! Criterion benchmarks of the Thompson-sampling bandits: 10 arms, Beta(1, 1) priors.
//!
//! Run with `cargo bench -p nextbest-benches --bench bandit` (add `-- --quick` for a smoke run).
//! Every group reports elements per second (decisions, rewards or calls). Everything runs on one
//! thread (per-core numbers) except `select_many_100k`, which the core spreads over every core
//! with rayon; `select_many_100k_1thread` is the same call on a one-thread pool. Rewards are
//! pre-generated from fixed Bernoulli acceptance rates (or, for the Gaussian bandit, from fixed
//! Normal revenues), so the timed loops do nothing but call the bandit.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use nextbest::bandit::{BetaPrior, GaussianPrior, GaussianThompsonBandit, ThompsonBandit};
use nextbest::rng::{GammaShape, Rng};
use std::hint::black_box;
use std::time::Duration;

const ARMS: usize = 10;
/// Acceptance rates of the 10 offers (typical bank campaign rates, 2% to 12%).
const RATES: [f64; ARMS] = [0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.12];
/// Mean revenue of the 10 offers for the Gaussian bandit (standard deviation `REVENUE_SD`).
const REVENUE: [f64; ARMS] = [10.0, 12.0, 14.0, 16.0, 18.0, 20.0, 22.0, 24.0, 26.0, 30.0];
const REVENUE_SD: f64 = 8.0;
/// Pre-generated rounds (a power of two, cycled through).
const ROUNDS: usize = 1 << 16;
/// Batch size of `select_many` / `update_many`.
const BATCH: usize = 100_000;
/// Rounds of learning before measuring `select_many` and `arm_probabilities`.
const LEARN: usize = 10_000;

/// `ROUNDS x ARMS` Bernoulli rewards: the reward arm `a` would get at round `t`.
fn bernoulli_rewards(seed: u64) -> Vec<[f64; ARMS]> {
    let mut rng = Rng::from_seed(seed);
    (0..ROUNDS)
        .map(|_| std::array::from_fn(|a| f64::from(u8::from(rng.uniform() < RATES[a]))))
        .collect()
}

/// `ROUNDS x ARMS` Normal revenues.
fn gaussian_rewards(seed: u64) -> Vec<[f64; ARMS]> {
    let mut rng = Rng::from_seed(seed);
    (0..ROUNDS)
        .map(|_| std::array::from_fn(|a| REVENUE[a] + REVENUE_SD * rng.normal()))
        .collect()
}

fn beta_bandit(discount: f64) -> ThompsonBandit {
    ThompsonBandit::unnamed(ARMS, BetaPrior::default(), discount, 42).unwrap()
}

/// A bandit that has played `LEARN` rounds against the Bernoulli rewards.
fn learned_beta_bandit(rewards: &[[f64; ARMS]]) -> ThompsonBandit {
    let mut b = beta_bandit(1.0);
    for r in rewards.iter().take(LEARN) {
        let a = b.select(None).unwrap();
        b.update(a, r[a]).unwrap();
    }
    b
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

/// One decision and its reward at a time: the online serving loop.
fn select_update(c: &mut Criterion) {
    let rewards = bernoulli_rewards(1);
    let mut g = c.benchmark_group("beta");
    g.throughput(Throughput::Elements(1));
    for (name, discount) in [
        ("select_update", 1.0),
        ("select_update_discount_0.9995", 0.9995),
    ] {
        let mut b = beta_bandit(discount);
        let mut t = 0usize;
        g.bench_function(name, |bench| {
            bench.iter(|| {
                let a = b.select(None).unwrap();
                b.update(a, rewards[t & (ROUNDS - 1)][a]).unwrap();
                t = t.wrapping_add(1);
                black_box(a)
            })
        });
    }
    g.finish();
}

/// 100,000 independent decisions from a learned posterior: on rayon's global pool (every core,
/// as callers get it) and on a one-thread pool (the per-core rate).
fn select_many(c: &mut Criterion) {
    let rewards = bernoulli_rewards(2);
    let mut b = learned_beta_bandit(&rewards);
    let mut out = vec![0usize; BATCH];
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("beta");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("select_many_100k", |bench| {
        bench.iter(|| {
            b.select_many(None, &mut out).unwrap();
            black_box(out[BATCH - 1])
        })
    });
    g.bench_function("select_many_100k_1thread", |bench| {
        bench.iter(|| {
            one.install(|| b.select_many(None, &mut out)).unwrap();
            black_box(out[BATCH - 1])
        })
    });
    g.finish();
}

/// 100,000 logged rewards learned in one call (batched or delayed feedback).
fn update_many(c: &mut Criterion) {
    let mut rng = Rng::from_seed(3);
    let arms: Vec<usize> = (0..BATCH)
        .map(|_| rng.below(ARMS as u64) as usize)
        .collect();
    let rewards: Vec<f64> = arms
        .iter()
        .map(|&a| f64::from(u8::from(rng.uniform() < RATES[a])))
        .collect();
    let mut g = c.benchmark_group("beta");
    g.throughput(Throughput::Elements(BATCH as u64));
    // A fresh bandit per batch, so that evidence does not grow across iterations; the clone of
    // a 10-arm bandit is outside the timed routine.
    let base = beta_bandit(1.0);
    g.bench_function("update_many_100k", |bench| {
        bench.iter_batched_ref(
            || base.clone(),
            |b| b.update_many(&arms, &rewards).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// The exact selection probabilities (propensities) of a learned bandit.
fn arm_probabilities(c: &mut Criterion) {
    let rewards = bernoulli_rewards(4);
    let b = learned_beta_bandit(&rewards);
    let mut g = c.benchmark_group("beta");
    g.throughput(Throughput::Elements(1));
    g.bench_function("arm_probabilities", |bench| {
        bench.iter(|| black_box(b.arm_probabilities(None).unwrap()))
    });
    g.finish();
}

/// Gaussian (Normal-Inverse-Gamma) bandit: one decision and its revenue at a time.
fn gaussian_select_update(c: &mut Criterion) {
    let rewards = gaussian_rewards(5);
    let mut b = GaussianThompsonBandit::unnamed(ARMS, GaussianPrior::default(), 1.0, 42).unwrap();
    let mut t = 0usize;
    let mut g = c.benchmark_group("gaussian");
    g.throughput(Throughput::Elements(1));
    g.bench_function("select_update", |bench| {
        bench.iter(|| {
            let a = b.select(None).unwrap();
            b.update(a, rewards[t & (ROUNDS - 1)][a]).unwrap();
            t = t.wrapping_add(1);
            black_box(a)
        })
    });
    g.finish();
}

/// The sampling cost underneath every decision: one Beta draw (two gamma variates), for a
/// sparse and a well-observed posterior. A 10-arm decision makes ten of them.
fn beta_draw(c: &mut Criterion) {
    let mut rng = Rng::from_seed(6);
    let mut g = c.benchmark_group("rng");
    g.throughput(Throughput::Elements(1));
    for (name, a, b) in [
        ("beta_draw_3_74", 3.0, 74.0),
        ("beta_draw_112_1071", 112.0, 1071.0),
    ] {
        let (a, b) = (GammaShape::new(a), GammaShape::new(b));
        g.bench_function(name, |bench| {
            bench.iter(|| rng.beta(black_box(&a), black_box(&b)))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = select_update, select_many, update_many, arm_probabilities, gaussian_select_update, beta_draw
}
criterion_main!(benches);
