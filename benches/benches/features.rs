//! Criterion benchmarks of the feature transforms.
//!
//! Run with `cargo bench -p nextbest-benches --bench features` (add `-- --quick` for a smoke
//! run). `pipeline_transform_100k` transforms 100,000 rows of 30 mixed columns (20 numeric with
//! 5% missing, 10 categorical of 3 to 200 labels with 2% missing), the shape of the Python
//! benchmark against scikit-learn; `transaction_features_1m` aggregates 1,000,000 transactions of
//! 10,000 customers with categories and balances. Both on one thread (`_1thread`) and on every
//! core.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nextbest::features::{
    transaction_features, CategoricalColumn, CategoricalSpec, Column, CustomerIds, NumericSpec,
    PipelineSpec, Table, TransactionOptions, Transactions,
};
use nextbest::rng::Rng;
use std::hint::black_box;
use std::time::Duration;

const ROWS: usize = 100_000;
const TRANSACTIONS: usize = 1_000_000;
const CUSTOMERS: u64 = 10_000;
const AS_OF: i64 = 1_767_225_600;

struct Data {
    numeric: Vec<(String, Vec<f64>)>,
    categorical: Vec<(String, CategoricalColumn)>,
}

fn data() -> Data {
    let mut rng = Rng::from_seed(11);
    let numeric = (0..20)
        .map(|j| {
            let v = (0..ROWS)
                .map(|_| {
                    if rng.uniform() < 0.05 {
                        f64::NAN
                    } else {
                        (3.0 + (j % 5) as f64 + rng.normal()).exp()
                    }
                })
                .collect();
            (format!("num{j:02}"), v)
        })
        .collect();
    let sizes = [5, 12, 40, 200, 8, 25, 60, 3, 15, 100];
    let categorical = sizes
        .iter()
        .enumerate()
        .map(|(j, &k)| {
            let labels: Vec<String> = (0..k).map(|i| format!("c{j}_{i}")).collect();
            let mut col = CategoricalColumn::with_capacity(ROWS);
            for _ in 0..ROWS {
                if rng.uniform() < 0.02 {
                    col.push(None);
                } else {
                    // Skewed towards the first labels.
                    let i = ((rng.uniform().powi(3)) * k as f64) as usize;
                    col.push(Some(&labels[i.min(k - 1)]));
                }
            }
            (format!("cat{j}"), col)
        })
        .collect();
    Data {
        numeric,
        categorical,
    }
}

fn table(d: &Data) -> Table<'_> {
    let mut t = Table::new();
    for (n, v) in &d.numeric {
        t.push(n, Column::Numeric(v)).unwrap();
    }
    for (n, c) in &d.categorical {
        t.push(n, Column::Categorical(c)).unwrap();
    }
    t
}

fn pipeline(c: &mut Criterion) {
    let d = data();
    let t = table(&d);
    let spec = PipelineSpec {
        numeric: d
            .numeric
            .iter()
            .map(|(n, _)| NumericSpec::new(n.as_str()))
            .collect(),
        categorical: d
            .categorical
            .iter()
            .map(|(n, _)| CategoricalSpec::new(n.as_str()))
            .collect(),
    };
    let p = spec.fit(&t).unwrap();
    let mut out = vec![0.0; ROWS * p.n_outputs()];
    let mut g = c.benchmark_group("features");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("pipeline_fit_100k", |b| {
        b.iter(|| black_box(spec.fit(&t).unwrap()))
    });
    g.bench_function("pipeline_transform_100k", |b| {
        b.iter(|| p.transform(black_box(&t), &mut out).unwrap())
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    g.bench_function("pipeline_transform_100k_1thread", |b| {
        b.iter(|| one.install(|| p.transform(black_box(&t), &mut out).unwrap()))
    });
    g.finish();
}

struct Log {
    ids: Vec<i64>,
    t: Vec<i64>,
    amounts: Vec<f64>,
    categories: CategoricalColumn,
    balances: Vec<f64>,
}

fn log() -> Log {
    let mut rng = Rng::from_seed(7);
    let mut l = Log {
        ids: Vec::with_capacity(TRANSACTIONS),
        t: Vec::with_capacity(TRANSACTIONS),
        amounts: Vec::with_capacity(TRANSACTIONS),
        categories: CategoricalColumn::with_capacity(TRANSACTIONS),
        balances: Vec::with_capacity(TRANSACTIONS),
    };
    let labels: Vec<String> = (0..30).map(|i| format!("cat{i:02}")).collect();
    for i in 0..TRANSACTIONS {
        let id = (rng.next_u64() % CUSTOMERS) as i64;
        l.ids.push(id);
        if i % 5 == 0 {
            // A monthly salary.
            let month = (rng.next_u64() % 24) as i64;
            l.t.push(AS_OF - month * 30 * 86_400 - (id % 3) * 86_400);
            l.amounts.push(2000.0 + (id % 1000) as f64);
            l.categories.push(Some("salary"));
        } else {
            l.t.push(AS_OF + 5 * 86_400 - (rng.next_u64() % (735 * 86_400)) as i64);
            l.amounts.push(-(3.5 + 1.1 * rng.normal()).exp());
            let c = (rng.uniform().powi(2) * 30.0) as usize;
            l.categories.push(Some(&labels[c.min(29)]));
        }
        l.balances.push(5000.0 + 2000.0 * rng.normal());
    }
    l
}

fn transactions(c: &mut Criterion) {
    let l = log();
    let tx = Transactions {
        customer_ids: CustomerIds::Int(&l.ids),
        timestamps: &l.t,
        amounts: &l.amounts,
        categories: Some(&l.categories),
        balances: Some(&l.balances),
    };
    let mut g = c.benchmark_group("features");
    g.throughput(Throughput::Elements(TRANSACTIONS as u64));
    g.sample_size(10);
    for (name, threads) in [
        ("transaction_features_1m", None),
        ("transaction_features_1m_1thread", Some(1)),
    ] {
        let options = TransactionOptions {
            n_threads: threads,
            ..TransactionOptions::default()
        };
        g.bench_function(name, |b| {
            b.iter(|| black_box(transaction_features(&tx, AS_OF, &options).unwrap()))
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! { name = benches; config = config(); targets = pipeline, transactions }
criterion_main!(benches);
