//! Criterion benchmarks of gradient boosting (issue 5).
//!
//! Run with `cargo bench -p nextbest-benches --bench gbdt` (add `-- --quick` for a smoke run).
//! Standard-normal features, a seeded nonlinear logistic target (interactions, thresholds and
//! an absolute value). The model: 100 trees, 63 leaves, depth 6, 255 bins, learning rate 0.1,
//! fitted on 100,000 x 50 rows; it is also saved to `target/gbdt_100_trees.json` for the C
//! bench (`benches/c/bench_model.c target/gbdt_100_trees.json`).
//!
//! - `predict_proba_1row_50`: one row of 50 features through the 100 trees (the latency of
//!   scoring one customer from Rust; the C API calls the same function);
//! - `predict_proba_100k_50` and `_1thread`: a batch of 100,000 x 50;
//! - `fit_100k_50_20trees` and `_1thread`: training 20 of those trees on 100,000 x 50;
//! - `explain_1k_50`: TreeSHAP of 1,000 rows through the 100 trees.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nextbest::data::Matrix;
use nextbest::gbdt::{BoostingParams, GradientBoosting};
use nextbest::model::Classifier;
use nextbest::rng::Rng;
use nextbest::Persist;
use std::hint::black_box;

const P: usize = 50;
const N: usize = 100_000;

/// `n x P` row-major features and 0/1 labels from a fixed nonlinear model.
fn data(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::from_seed(seed);
    let mut x = Vec::with_capacity(n * P);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let start = x.len();
        for _ in 0..P {
            x.push(rng.normal());
        }
        let r = &x[start..];
        let z = r[0] * r[1] + 1.5 * (r[2] > 0.5) as u8 as f64 - r[3].abs() + 0.5 * r[4] - 0.3;
        y.push(if rng.uniform() < 1.0 / (1.0 + (-z).exp()) {
            1.0
        } else {
            0.0
        });
    }
    (x, y)
}

fn params(n_estimators: usize) -> BoostingParams {
    BoostingParams {
        n_estimators,
        num_leaves: 63,
        max_depth: Some(6),
        ..Default::default()
    }
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
}

fn gbdt(c: &mut Criterion) {
    let (x, y) = data(N, 4);
    let m = Matrix::row_major(&x, N, P).unwrap();
    let model: GradientBoosting = params(100).fit(m, &y, None, None).unwrap();
    let _ = std::fs::create_dir_all("../target");
    let _ = std::fs::write("../target/gbdt_100_trees.json", model.to_json());
    let one = one_thread();

    let mut g = c.benchmark_group("gbdt");
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
    g.throughput(Throughput::Elements(1000));
    let mut phi = vec![0.0; 1000 * (P + 1)];
    let rows = Matrix::row_major(&x[..1000 * P], 1000, P).unwrap();
    g.sample_size(10);
    g.bench_function("explain_1k_50", |b| {
        b.iter(|| model.explain(black_box(rows), &mut phi).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("gbdt");
    g.throughput(Throughput::Elements(N as u64));
    let mut out = vec![0.0; N];
    g.bench_function("predict_proba_100k_50", |b| {
        b.iter(|| model.predict_proba(black_box(m), &mut out).unwrap())
    });
    g.bench_function("predict_proba_100k_50_1thread", |b| {
        b.iter(|| one.install(|| model.predict_proba(black_box(m), &mut out).unwrap()))
    });
    g.sample_size(10);
    g.bench_function("fit_100k_50_20trees", |b| {
        b.iter(|| black_box(params(20).fit(black_box(m), &y, None, None).unwrap()))
    });
    let single = BoostingParams {
        n_threads: Some(1),
        ..params(20)
    };
    g.bench_function("fit_100k_50_20trees_1thread", |b| {
        b.iter(|| black_box(single.fit(black_box(m), &y, None, None).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, gbdt);
criterion_main!(benches);
