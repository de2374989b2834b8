//! Criterion benchmarks of the propensity model and the metrics (issue 4).
//!
//! Run with `cargo bench -p nextbest-benches --bench logistic` (add `-- --quick` for a smoke
//! run). On synthetic standard-normal features with a seeded logistic target (about 35%
//! positives):
//!
//! - `predict_proba_1row_50`: `Classifier::predict_proba` of one row of 50 features (the
//!   latency of scoring one customer from Rust; the C API calls the same function);
//! - `predict_proba_100k_50` and `_1thread`: a batch of 100,000 x 50, on every core and on one;
//! - `predict_proba_pairs_100k_50_1thread` and `_fortran_1thread`: the `(1 - p, p)` pairs that
//!   Python's `predict_proba` returns, from C- and Fortran-ordered rows, on one thread;
//! - `fit_100k_50` and `_1thread`: `LogisticParams::default().fit` on 100,000 x 50 (to the
//!   default tolerance);
//! - `roc_auc_1m` and `_1thread`: `metrics::roc_auc` of 1,000,000 scores (sorting dominates).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nextbest::data::Matrix;
use nextbest::metrics::roc_auc;
use nextbest::model::Classifier;
use nextbest::propensity::{LogisticParams, LogisticRegression};
use nextbest::rng::Rng;
use std::hint::black_box;
use std::time::Duration;

const P: usize = 50;
const BATCH: usize = 100_000;
const METRIC_ROWS: usize = 1_000_000;

/// `n x P` row-major standard normal features and 0/1 labels drawn from a fixed logistic model.
fn data(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::from_seed(seed);
    let beta: Vec<f64> = (0..P).map(|_| 0.3 * rng.normal()).collect();
    let mut x = Vec::with_capacity(n * P);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let mut z = -1.0;
        for b in &beta {
            let v = rng.normal();
            z += b * v;
            x.push(v);
        }
        y.push(if rng.uniform() < 1.0 / (1.0 + (-z).exp()) {
            1.0
        } else {
            0.0
        });
    }
    (x, y)
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
}

fn logistic(c: &mut Criterion) {
    let (x, y) = data(BATCH, 4);
    let m = Matrix::row_major(&x, BATCH, P).unwrap();
    let model: LogisticRegression = LogisticParams::default().fit(m, &y, None).unwrap();
    assert!(model.report().converged);
    let one = one_thread();

    let mut g = c.benchmark_group("logistic");
    g.throughput(Throughput::Elements(1));
    let row = &x[..P];
    let mut p1 = [0.0f64; 1];
    g.bench_function("predict_proba_1row_50", |b| {
        b.iter(|| {
            model
                .predict_proba(Matrix::row_major(black_box(row), 1, P).unwrap(), &mut p1)
                .unwrap();
            black_box(p1[0])
        })
    });
    g.finish();

    let mut g = c.benchmark_group("logistic");
    g.throughput(Throughput::Elements(BATCH as u64));
    let mut out = vec![0.0; BATCH];
    g.bench_function("predict_proba_100k_50", |b| {
        b.iter(|| model.predict_proba(black_box(m), &mut out).unwrap())
    });
    g.bench_function("predict_proba_100k_50_1thread", |b| {
        b.iter(|| one.install(|| model.predict_proba(black_box(m), &mut out).unwrap()))
    });
    let mut pairs = vec![0.0; 2 * BATCH];
    g.bench_function("predict_proba_pairs_100k_50_1thread", |b| {
        b.iter(|| one.install(|| model.predict_proba_pairs(black_box(m), &mut pairs).unwrap()))
    });
    let xf: Vec<f64> = (0..P)
        .flat_map(|j| x.iter().skip(j).step_by(P).copied())
        .collect();
    let f = Matrix::col_major(&xf, BATCH, P).unwrap();
    g.bench_function("predict_proba_pairs_100k_50_fortran_1thread", |b| {
        b.iter(|| one.install(|| model.predict_proba_pairs(black_box(f), &mut pairs).unwrap()))
    });
    g.sample_size(10);
    g.bench_function("fit_100k_50", |b| {
        b.iter(|| {
            black_box(
                LogisticParams::default()
                    .fit(black_box(m), &y, None)
                    .unwrap(),
            )
        })
    });
    g.bench_function("fit_100k_50_1thread", |b| {
        b.iter(|| {
            one.install(|| {
                black_box(
                    LogisticParams::default()
                        .fit(black_box(m), &y, None)
                        .unwrap(),
                )
            })
        })
    });
    g.finish();
}

fn metrics(c: &mut Criterion) {
    let mut rng = Rng::from_seed(9);
    let mut y = Vec::with_capacity(METRIC_ROWS);
    let mut score = Vec::with_capacity(METRIC_ROWS);
    for _ in 0..METRIC_ROWS {
        let label = rng.uniform() < 0.1;
        y.push(if label { 1.0 } else { 0.0 });
        score.push(rng.normal() + if label { 1.0 } else { 0.0 });
    }
    let one = one_thread();
    let mut g = c.benchmark_group("metrics");
    g.throughput(Throughput::Elements(METRIC_ROWS as u64));
    g.sample_size(10);
    g.bench_function("roc_auc_1m", |b| {
        b.iter(|| black_box(roc_auc(black_box(&y), &score, None).unwrap()))
    });
    g.bench_function("roc_auc_1m_1thread", |b| {
        b.iter(|| one.install(|| black_box(roc_auc(black_box(&y), &score, None).unwrap())))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = logistic, metrics }
criterion_main!(benches);
