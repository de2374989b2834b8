//! Tests of `nextbest::features::transaction_features`: a plain reference implementation written
//! straight from the documented semantics, property tests against it on random logs, invariance
//! to input order and thread count, hand-checked cases for every feature group, every bad input,
//! and the CDNOW fixture.

use nextbest::features::{
    feature_names, transaction_features, CategoricalColumn, CustomerIds, CustomerKeys,
    TransactionFeatures, TransactionOptions, Transactions,
};
use nextbest::{Error, ErrorKind};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const DAY: i64 = 86_400;
const AS_OF: i64 = 20_000 * DAY;
const MISSING: u32 = CategoricalColumn::MISSING;

// ------------------------------------------------------------------------------------------------
// An owned log, for building test input.

#[derive(Clone, Debug)]
enum Ids {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Labels(CategoricalColumn),
}

#[derive(Clone, Debug)]
struct Log {
    ids: Ids,
    ts: Vec<i64>,
    amounts: Vec<f64>,
    cats: Option<CategoricalColumn>,
    balances: Option<Vec<f64>>,
}

impl Log {
    fn view(&self) -> Transactions<'_> {
        Transactions {
            customer_ids: match &self.ids {
                Ids::Int(v) => CustomerIds::Int(v),
                Ids::Float(v) => CustomerIds::Float(v),
                Ids::Labels(c) => CustomerIds::Labels(c),
            },
            timestamps: &self.ts,
            amounts: &self.amounts,
            categories: self.cats.as_ref(),
            balances: self.balances.as_deref(),
        }
    }

    fn len(&self) -> usize {
        self.ts.len()
    }

    /// The log with row `perm[i]` as row `i`.
    fn permuted(&self, perm: &[usize]) -> Log {
        fn col(c: &CategoricalColumn, perm: &[usize]) -> CategoricalColumn {
            let codes: Vec<i64> = perm
                .iter()
                .map(|&r| match c.codes()[r] {
                    MISSING => -1,
                    code => i64::from(code),
                })
                .collect();
            CategoricalColumn::from_codes(c.labels().to_vec(), &codes).unwrap()
        }
        Log {
            ids: match &self.ids {
                Ids::Int(v) => Ids::Int(perm.iter().map(|&r| v[r]).collect()),
                Ids::Float(v) => Ids::Float(perm.iter().map(|&r| v[r]).collect()),
                Ids::Labels(c) => Ids::Labels(col(c, perm)),
            },
            ts: perm.iter().map(|&r| self.ts[r]).collect(),
            amounts: perm.iter().map(|&r| self.amounts[r]).collect(),
            cats: self.cats.as_ref().map(|c| col(c, perm)),
            balances: self
                .balances
                .as_ref()
                .map(|b| perm.iter().map(|&r| b[r]).collect()),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The reference: straightforward loops over each customer's rows, floating-point days, exactly as
// the module documentation words it.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Int(i64),
    Str(String),
}

fn key_of(log: &Log, r: usize) -> Key {
    match &log.ids {
        Ids::Int(v) => Key::Int(v[r]),
        Ids::Float(v) => Key::Int(v[r] as i64),
        Ids::Labels(c) => Key::Str(c.get(r).unwrap().to_string()),
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// One credit or debit (by magnitude): amount, bucket, days.
#[derive(Clone, Copy, Debug)]
struct Tx {
    amount: f64,
    bucket: usize,
    days: f64,
}

/// The recurring clusters of `items` (grouped by their key), each sorted by amount.
fn recurring_clusters(items: &[(u32, Tx)], o: &TransactionOptions) -> Vec<Vec<Tx>> {
    let mut groups: BTreeMap<u32, Vec<Tx>> = BTreeMap::new();
    for &(g, tx) in items {
        groups.entry(g).or_default().push(tx);
    }
    let mut out = Vec::new();
    for (_, mut g) in groups {
        g.sort_by(|a, b| a.amount.partial_cmp(&b.amount).unwrap());
        let mut i = 0;
        while i < g.len() {
            let a0 = g[i].amount;
            let mut j = i;
            while j < g.len() && g[j].amount <= a0 * (1.0 + o.recurring_tolerance) {
                j += 1;
            }
            let buckets: BTreeSet<usize> = g[i..j].iter().map(|t| t.bucket).collect();
            if buckets.len() >= o.recurring_min_months {
                out.push(g[i..j].to_vec());
            }
            i = j;
        }
    }
    out
}

fn reference(log: &Log, as_of: i64, o: &TransactionOptions) -> TransactionFeatures {
    let n = log.len();
    let days = |r: usize| (as_of as i128 - log.ts[r] as i128) as f64 / 86400.0;
    let used = |r: usize| log.ts[r] <= as_of;
    let longest = *o.windows_days.iter().max().unwrap() as f64;

    // Top categories over all customers.
    let top: Option<Vec<u32>> = log.cats.as_ref().map(|cats| {
        let mut totals: BTreeMap<u32, f64> = BTreeMap::new();
        for r in 0..n {
            let c = cats.codes()[r];
            if used(r) && c != MISSING && log.amounts[r] < 0.0 && days(r) < longest {
                *totals.entry(c).or_insert(0.0) += -log.amounts[r];
            }
        }
        let mut ranked: Vec<(f64, &str, u32)> = totals
            .iter()
            .map(|(&c, &t)| (t, cats.labels()[c as usize].as_str(), c))
            .collect();
        ranked.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap().then(a.1.cmp(b.1)));
        ranked.truncate(o.top_categories);
        ranked.iter().map(|x| x.2).collect()
    });

    // Names, spelled out.
    let mut names: Vec<String> = vec![
        "days_since_last".into(),
        "days_since_last_credit".into(),
        "days_since_last_debit".into(),
        "days_since_first".into(),
    ];
    for w in &o.windows_days {
        for s in ["credit_count", "credit_sum", "credit_mean"] {
            names.push(format!("{s}_{w}d"));
        }
        for s in ["debit_count", "debit_sum", "debit_mean"] {
            names.push(format!("{s}_{w}d"));
        }
    }
    for s in [
        "net_flow_monthly_mean",
        "net_flow_monthly_trend",
        "income_monthly",
        "recurring_debit_monthly",
        "salary_change",
        "days_since_salary_change",
        "large_inflow_amount",
        "days_since_large_inflow",
        "new_recurring_payment_amount",
        "days_since_new_recurring_payment",
    ] {
        names.push(s.into());
    }
    if let (Some(top), Some(cats)) = (&top, &log.cats) {
        for &c in top {
            names.push(format!("share_{}", cats.labels()[c as usize]));
        }
        names.push("share_other".into());
    }
    if log.balances.is_some() {
        names.push("balance_last".into());
        for w in &o.windows_days {
            for s in ["mean", "min", "max"] {
                names.push(format!("balance_{s}_{w}d"));
            }
        }
    }

    // Customers and their rows, in input order.
    let mut customers: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for r in 0..n {
        if used(r) {
            customers.entry(key_of(log, r)).or_default().push(r);
        }
    }

    let nan = f64::NAN;
    let mut values = Vec::new();
    for rows in customers.values() {
        let d = |i: usize| days(rows[i]);
        let a = |i: usize| log.amounts[rows[i]];
        let k = rows.len();
        let mut v: Vec<f64> = Vec::new();

        // 1. Recency.
        let min_of = |f: &dyn Fn(usize) -> bool| {
            (0..k)
                .filter(|&i| f(i))
                .map(d)
                .fold(nan, |m, x| if m.is_nan() || x < m { x } else { m })
        };
        let first = (0..k).map(d).fold(0.0, f64::max);
        v.push(min_of(&|_| true));
        v.push(min_of(&|i| a(i) > 0.0));
        v.push(min_of(&|i| a(i) < 0.0));
        v.push(first);

        // 2. Windows.
        for &w in &o.windows_days {
            let w = w as f64;
            let credits: Vec<f64> = (0..k).filter(|&i| d(i) < w && a(i) > 0.0).map(a).collect();
            let debits: Vec<f64> = (0..k)
                .filter(|&i| d(i) < w && a(i) < 0.0)
                .map(|i| -a(i))
                .collect();
            for xs in [credits, debits] {
                let mut sum = 0.0;
                for x in &xs {
                    sum += x;
                }
                v.push(xs.len() as f64);
                v.push(sum);
                v.push(if xs.is_empty() {
                    nan
                } else {
                    sum / xs.len() as f64
                });
            }
        }

        // 3. Monthly flows.
        let bucket = |i: usize| (d(i) / 30.0).floor() as usize;
        let m_obs = o.months.min((first / 30.0).floor() as usize + 1);
        let m = m_obs as f64;
        let mut flows = vec![0.0; m_obs];
        for i in 0..k {
            if bucket(i) < m_obs {
                flows[bucket(i)] += a(i);
            }
        }
        let mut total = 0.0;
        for f in &flows {
            total += f;
        }
        let mean = total / m;
        v.push(mean);
        if m_obs >= 2 {
            let xs: Vec<f64> = (0..m_obs).map(|b| -(b as f64)).collect();
            let x_mean = xs.iter().sum::<f64>() / m;
            let (mut sxy, mut sxx) = (0.0, 0.0);
            for b in 0..m_obs {
                sxy += (xs[b] - x_mean) * (flows[b] - mean);
                sxx += (xs[b] - x_mean) * (xs[b] - x_mean);
            }
            v.push(sxy / sxx);
        } else {
            v.push(nan);
        }

        // 4. Recurring amounts.
        let group = |i: usize| log.cats.as_ref().map_or(0, |c| c.codes()[rows[i]]);
        let tx = |i: usize| Tx {
            amount: a(i).abs(),
            bucket: bucket(i),
            days: d(i),
        };
        let credits: Vec<(u32, Tx)> = (0..k)
            .filter(|&i| a(i) > 0.0 && bucket(i) < o.months)
            .map(|i| (group(i), tx(i)))
            .collect();
        let debits: Vec<(u32, Tx)> = (0..k)
            .filter(|&i| a(i) < 0.0 && bucket(i) < o.months)
            .map(|i| (group(i), tx(i)))
            .collect();
        let credit_clusters = recurring_clusters(&credits, o);
        let debit_clusters = recurring_clusters(&debits, o);
        let cluster_sum = |cs: &[Vec<Tx>]| {
            let mut s = 0.0;
            for c in cs {
                for t in c {
                    s += t.amount;
                }
            }
            s
        };
        v.push(cluster_sum(&credit_clusters) / m);
        v.push(cluster_sum(&debit_clusters) / m);

        // 5. Salary change.
        let mut salary: Vec<Option<Tx>> = vec![None; m_obs];
        for &(_, t) in &credits {
            if t.bucket < m_obs {
                let better = match salary[t.bucket] {
                    None => true,
                    Some(s) => t.amount > s.amount || (t.amount == s.amount && t.days < s.days),
                };
                if better {
                    salary[t.bucket] = Some(t);
                }
            }
        }
        let (mut change, mut change_days) = (0.0, nan);
        for b in 1..m_obs {
            if b + 2 >= m_obs {
                break;
            }
            if let (Some(newer), Some(new), Some(old), Some(older)) =
                (salary[b - 1], salary[b], salary[b + 1], salary[b + 2])
            {
                let tol = o.recurring_tolerance;
                if (old.amount / older.amount - 1.0).abs() <= tol
                    && (newer.amount / new.amount - 1.0).abs() <= tol
                    && (new.amount / old.amount - 1.0).abs() > o.salary_change_fraction
                {
                    change = new.amount / old.amount - 1.0;
                    change_days = new.days;
                    break;
                }
            }
        }
        v.push(change);
        v.push(change_days);

        // 6. Large one-off inflow.
        let (mut large, mut large_days) = (0.0, nan);
        if credits.len() >= 3 {
            let mut amounts: Vec<f64> = credits.iter().map(|c| c.1.amount).collect();
            amounts.sort_by(|x, y| x.partial_cmp(y).unwrap());
            let threshold = o.large_inflow_multiple * median(&amounts);
            for &(_, t) in &credits {
                if t.amount > threshold
                    && (large_days.is_nan()
                        || t.days < large_days
                        || (t.days == large_days && t.amount > large))
                {
                    large = t.amount;
                    large_days = t.days;
                }
            }
        }
        v.push(large);
        v.push(large_days);

        // 7. New recurring payment.
        let (mut pay, mut pay_days) = (0.0, nan);
        for c in &debit_clusters {
            let start = c.iter().map(|t| t.days).fold(0.0, f64::max);
            if start <= o.new_payment_days as f64 && first >= start + 60.0 {
                let amounts: Vec<f64> = c.iter().map(|t| t.amount).collect();
                let med = median(&amounts);
                if pay_days.is_nan() || start < pay_days || (start == pay_days && med > pay) {
                    pay = med;
                    pay_days = start;
                }
            }
        }
        v.push(pay);
        v.push(pay_days);

        // 8. Category shares.
        if let (Some(top), Some(cats)) = (&top, &log.cats) {
            let code = |i: usize| cats.codes()[rows[i]];
            let in_window_debit = |i: usize| a(i) < 0.0 && d(i) < longest;
            let sum_where = |f: &dyn Fn(usize) -> bool| {
                let mut s = 0.0;
                for i in 0..k {
                    if in_window_debit(i) && f(i) {
                        s += -a(i);
                    }
                }
                s
            };
            let total = sum_where(&|_| true);
            for &c in top {
                let s = sum_where(&|i| code(i) == c);
                v.push(if total > 0.0 { s / total } else { 0.0 });
            }
            let other = sum_where(&|i| !top.contains(&code(i)));
            v.push(if total > 0.0 { other / total } else { 0.0 });
        }

        // 9. Balances.
        if let Some(bal) = &log.balances {
            let mut last = (i64::MIN, nan);
            for &r in rows {
                if log.ts[r] >= last.0 {
                    last = (log.ts[r], bal[r]);
                }
            }
            v.push(last.1);
            for &w in &o.windows_days {
                let bs: Vec<f64> = (0..k)
                    .filter(|&i| d(i) < w as f64)
                    .map(|i| bal[rows[i]])
                    .collect();
                if bs.is_empty() {
                    v.extend([nan, nan, nan]);
                } else {
                    let mut s = 0.0;
                    for b in &bs {
                        s += b;
                    }
                    v.push(s / bs.len() as f64);
                    v.push(bs.iter().cloned().fold(f64::INFINITY, f64::min));
                    v.push(bs.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
                }
            }
        }
        assert_eq!(v.len(), names.len());
        values.extend(v);
    }

    let customer_ids = match &log.ids {
        Ids::Labels(_) => CustomerKeys::Str(
            customers
                .keys()
                .map(|k| match k {
                    Key::Str(s) => s.clone(),
                    Key::Int(_) => unreachable!(),
                })
                .collect(),
        ),
        _ => CustomerKeys::Int(
            customers
                .keys()
                .map(|k| match k {
                    Key::Int(i) => *i,
                    Key::Str(_) => unreachable!(),
                })
                .collect(),
        ),
    };
    TransactionFeatures {
        customer_ids,
        names,
        values,
    }
}

// ------------------------------------------------------------------------------------------------
// Comparisons.

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn compare(got: &TransactionFeatures, want: &TransactionFeatures) -> Result<(), String> {
    if got.customer_ids != want.customer_ids {
        return Err(format!(
            "customers differ: {:?} vs {:?}",
            got.customer_ids, want.customer_ids
        ));
    }
    if got.names != want.names {
        return Err(format!("names differ: {:?} vs {:?}", got.names, want.names));
    }
    if got.values.len() != want.values.len() {
        return Err("value counts differ".into());
    }
    let w = got.names.len();
    for (i, (&g, &e)) in got.values.iter().zip(&want.values).enumerate() {
        if !close(g, e) {
            return Err(format!(
                "row {} column {}: got {g}, expected {e}",
                i / w,
                got.names[i % w]
            ));
        }
    }
    Ok(())
}

/// Bit-for-bit equality (NaN equal to NaN).
fn identical(a: &TransactionFeatures, b: &TransactionFeatures) -> bool {
    a.customer_ids == b.customer_ids
        && a.names == b.names
        && a.values.len() == b.values.len()
        && a.values
            .iter()
            .zip(&b.values)
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

/// The value of column `name` for customer row `row`.
fn get(f: &TransactionFeatures, row: usize, name: &str) -> f64 {
    let col = f
        .column_index(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    f.row(row)[col]
}

fn assert_feature(f: &TransactionFeatures, row: usize, name: &str, want: f64) {
    let got = get(f, row, name);
    assert!(
        close(got, want),
        "row {row} {name}: got {got}, expected {want}"
    );
}

// ------------------------------------------------------------------------------------------------
// Random logs.

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn cents(&mut self, max: u64) -> f64 {
        self.below(max * 100 + 1) as f64 / 100.0
    }
}

#[derive(Clone, Debug)]
struct Spec {
    seed: u64,
    customers: usize,
    noise: usize,
    id_kind: u8,
    with_categories: bool,
    with_balances: bool,
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    (
        any::<u64>(),
        1usize..8,
        0usize..120,
        0u8..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(seed, customers, noise, id_kind, with_categories, with_balances)| Spec {
                seed,
                customers,
                noise,
                id_kind,
                with_categories,
                with_balances,
            },
        )
}

fn arb_options() -> impl Strategy<Value = TransactionOptions> {
    (
        prop::sample::select(vec![
            vec![30u32],
            vec![7, 30, 365],
            vec![365, 30],
            vec![1, 90],
        ]),
        prop::sample::select(vec![0usize, 1, 2, 20]),
        prop::sample::select(vec![1usize, 3, 12, 12, 70]),
        prop::sample::select(vec![0.0, 0.05, 0.1, 0.1, 0.3]),
        2usize..5,
        prop::sample::select(vec![0.1, 0.2, 0.5]),
        prop::sample::select(vec![1.5, 3.0]),
        prop::sample::select(vec![30u32, 120, 400]),
        prop::sample::select(vec![None, Some(1), Some(2)]),
    )
        .prop_map(
            |(windows_days, top, months, tol, min_months, frac, multiple, new_days, threads)| {
                TransactionOptions {
                    windows_days,
                    top_categories: top,
                    months,
                    recurring_tolerance: tol,
                    recurring_min_months: min_months,
                    salary_change_fraction: frac,
                    large_inflow_multiple: multiple,
                    new_payment_days: new_days,
                    n_threads: threads,
                }
            },
        )
}

const INT_POOL: [i64; 10] = [
    0,
    1,
    -1,
    42,
    7_000_000_000,
    -(1 << 53),
    1 << 53,
    i64::MAX,
    i64::MIN,
    123_456,
];
const LABEL_POOL: [&str; 9] = ["ann", "Bob", "bob", "b", "ä", "a10", "a9", "", "zz top"];
const CATEGORY_POOL: [&str; 6] = ["food", "rent", "fun", "travel", "salary", "gym"];

/// A random log: salary-like monthly credits with level changes, recurring debits that start at
/// random months, large one-off inflows, and noise (zeros, both signs, times after `as_of`,
/// times on window and month boundaries).
fn random_log(spec: &Spec) -> Log {
    let mut rng = SplitMix(spec.seed);
    let keys: Vec<usize> = {
        let pool = if spec.id_kind == 2 {
            LABEL_POOL.len()
        } else {
            INT_POOL.len()
        };
        let mut keys: Vec<usize> = (0..pool).collect();
        for i in (1..keys.len()).rev() {
            keys.swap(i, rng.below(i as u64 + 1) as usize);
        }
        keys.truncate(spec.customers);
        keys
    };
    // (customer, days ago, extra seconds, amount, category)
    let mut rows: Vec<(usize, i64, i64, f64, Option<&str>)> = Vec::new();
    let cat = |rng: &mut SplitMix| {
        if rng.chance(0.15) {
            None
        } else {
            Some(CATEGORY_POOL[rng.below(4) as usize])
        }
    };
    for c in 0..keys.len() {
        if rng.chance(0.6) {
            // A salary, paid monthly for `n` months, at a new level for the `k` newest.
            let base = 1000.0 + rng.below(4000) as f64;
            let n = 2 + rng.below(14) as i64;
            let k = rng.below(n as u64 + 1) as i64;
            let factor = [0.6, 0.8, 1.05, 1.3, 1.5, 1.0][rng.below(6) as usize];
            let offset = rng.below(30) as i64;
            for b in 0..n {
                let jitter = if rng.chance(0.3) {
                    rng.below(5) as i64 - 2
                } else {
                    0
                };
                let day = (b * 30 + offset + jitter).max(0);
                let level = if b < k { base * factor } else { base };
                let noise = if rng.chance(0.3) {
                    1.0 + (rng.below(7) as f64 - 3.0) / 100.0
                } else {
                    1.0
                };
                let amount = (level * noise * 100.0).round() / 100.0;
                rows.push((c, day, rng.below(DAY as u64) as i64, amount, Some("salary")));
            }
        }
        if rng.chance(0.5) {
            // A recurring payment that started `n` months ago.
            let amount = -(20.0 + rng.cents(180));
            let n = 1 + rng.below(12) as i64;
            let offset = rng.below(30) as i64;
            let category = cat(&mut rng);
            for b in 0..n {
                let a = if rng.chance(0.3) {
                    amount * 1.04
                } else {
                    amount
                };
                rows.push((c, b * 30 + offset, 0, a, category));
            }
        }
        if rng.chance(0.3) {
            rows.push((
                c,
                rng.below(400) as i64,
                rng.below(DAY as u64) as i64,
                20_000.0 + rng.cents(1000),
                cat(&mut rng),
            ));
        }
    }
    for _ in 0..spec.noise {
        if !rows.is_empty() && rng.chance(0.15) {
            // At the same time as another row of the same customer: ties in time.
            let (c, day, secs, a, category) = rows[rng.below(rows.len() as u64) as usize];
            let amount = match rng.below(3) {
                0 => a,
                1 => a * 1.5,
                _ => -a,
            };
            rows.push((c, day, secs, amount, category));
            continue;
        }
        let c = rng.below(keys.len() as u64) as usize;
        let (day, secs) = match rng.below(6) {
            0 => (-(rng.below(60) as i64) - 1, 0), // after as_of
            1 => (30 * rng.below(15) as i64, 0),   // on a month boundary
            2 => ([1, 7, 30, 90, 365][rng.below(5) as usize], 0), // on a window boundary
            3 => (rng.below(3) as i64, -(rng.below(100) as i64)), // just around as_of
            _ => (rng.below(800) as i64, rng.below(DAY as u64) as i64),
        };
        let amount = match rng.below(5) {
            0 => 0.0,
            1 | 2 => -rng.cents(500),
            3 => rng.cents(500),
            _ => -rng.cents(60),
        };
        rows.push((c, day, secs, amount, cat(&mut rng)));
    }
    // Shuffle: the log is not sorted.
    for i in (1..rows.len()).rev() {
        rows.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let ids = match spec.id_kind {
        0 => Ids::Int(rows.iter().map(|r| INT_POOL[keys[r.0]]).collect()),
        1 => Ids::Float(
            rows.iter()
                .map(|r| INT_POOL[keys[r.0] % 7] as f64) // within ±2^53
                .collect(),
        ),
        _ => Ids::Labels(CategoricalColumn::from_strs(
            rows.iter().map(|r| Some(LABEL_POOL[keys[r.0]])),
        )),
    };
    let ts = rows.iter().map(|r| AS_OF - r.1 * DAY - r.2).collect();
    let amounts = rows.iter().map(|r| r.3).collect();
    let cats = spec
        .with_categories
        .then(|| CategoricalColumn::from_strs(rows.iter().map(|r| r.4)));
    let balances = spec.with_balances.then(|| {
        rows.iter()
            .map(|_| rng.cents(2000) - 1000.0)
            .collect::<Vec<f64>>()
    });
    Log {
        ids,
        ts,
        amounts,
        cats,
        balances,
    }
}

/// The log with integer amounts and balances that depend on the customer and time only, so that
/// every sum is exact and ties in time carry equal balances: results must then be identical in
/// any input order.
fn order_free(log: &Log) -> Log {
    let mut log = log.clone();
    for a in &mut log.amounts {
        *a = a.round();
    }
    if log.balances.is_some() {
        let b = (0..log.len())
            .map(|r| {
                let key = match key_of(&log, r) {
                    Key::Int(i) => i.rem_euclid(97),
                    Key::Str(s) => s.len() as i64,
                };
                ((log.ts[r] / 3600 + key) % 5000) as f64
            })
            .collect();
        log.balances = Some(b);
    }
    log
}

fn features(log: &Log, as_of: i64, o: &TransactionOptions) -> TransactionFeatures {
    transaction_features(&log.view(), as_of, o).unwrap()
}

fn has_rows_by(log: &Log, as_of: i64) -> bool {
    log.ts.iter().any(|&t| t <= as_of)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn matches_the_reference(spec in arb_spec(), options in arb_options()) {
        let log = random_log(&spec);
        prop_assume!(has_rows_by(&log, AS_OF));
        let got = features(&log, AS_OF, &options);
        let want = reference(&log, AS_OF, &options);
        let r = compare(&got, &want);
        prop_assert!(r.is_ok(), "{}", r.unwrap_err());
        let shares: Vec<String> = got
            .names
            .iter()
            .filter(|n| n.starts_with("share_"))
            .map(|n| n["share_".len()..].to_string())
            .collect();
        let top = log.cats.as_ref().map(|_| shares[..shares.len() - 1].to_vec());
        prop_assert_eq!(
            &feature_names(&options, top.as_deref(), log.balances.is_some()),
            &got.names
        );
    }

    #[test]
    fn independent_of_order_and_threads(spec in arb_spec(), options in arb_options(), seed: u64) {
        let log = order_free(&random_log(&spec));
        prop_assume!(has_rows_by(&log, AS_OF));
        let base = features(&log, AS_OF, &TransactionOptions { n_threads: Some(1), ..options.clone() });
        for threads in [Some(2), None] {
            let other = features(&log, AS_OF, &TransactionOptions { n_threads: threads, ..options.clone() });
            prop_assert!(identical(&base, &other), "n_threads {:?} differs", threads);
        }
        let mut perm: Vec<usize> = (0..log.len()).collect();
        let mut rng = SplitMix(seed);
        for i in (1..perm.len()).rev() {
            perm.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let shuffled = features(&log.permuted(&perm), AS_OF, &options);
        let r = compare(&shuffled, &base);
        prop_assert!(r.is_ok(), "{}", r.unwrap_err());
        prop_assert!(identical(&shuffled, &base), "shuffled input gives other bits");
    }
}

/// The random logs do exercise the life events: over many seeds, each fires several times.
#[test]
fn random_logs_fire_life_events() {
    let options = TransactionOptions::default();
    let mut fired = BTreeMap::<&str, usize>::new();
    for seed in 0..300 {
        let spec = Spec {
            seed,
            customers: 4,
            noise: 30,
            id_kind: 0,
            with_categories: seed % 2 == 0,
            with_balances: false,
        };
        let log = random_log(&spec);
        let f = features(&log, AS_OF, &options);
        for row in 0..f.n_rows() {
            for name in [
                "income_monthly",
                "recurring_debit_monthly",
                "salary_change",
                "large_inflow_amount",
                "new_recurring_payment_amount",
            ] {
                if get(&f, row, name) != 0.0 {
                    *fired.entry(name).or_default() += 1;
                }
            }
        }
        compare(&f, &reference(&log, AS_OF, &options)).unwrap();
    }
    for (name, count) in &fired {
        assert!(*count >= 20, "{name} fired only {count} times");
    }
    assert_eq!(fired.len(), 5, "{fired:?}");
}

/// Many customers and transactions (several groups, hash table growth), every kind of id (dense
/// integers, sparse integers, floats, labels): the same as the reference, with any number of
/// threads.
#[test]
fn many_customers() {
    let mut rng = SplitMix(99);
    let n = 300_000;
    let customer: Vec<i64> = (0..n).map(|_| rng.below(20_000) as i64).collect();
    let ts: Vec<i64> = (0..n)
        .map(|_| AS_OF - rng.below(500 * DAY as u64) as i64 + 30 * DAY)
        .collect();
    let amounts: Vec<f64> = (0..n).map(|_| rng.cents(400) - 200.0).collect();
    let cats = CategoricalColumn::from_strs(
        (0..n).map(|_| Some(CATEGORY_POOL[rng.below(6) as usize]).filter(|_| rng.chance(0.9))),
    );
    let balances: Vec<f64> = (0..n).map(|_| rng.cents(100)).collect();
    for id_kind in 0..4 {
        let sparse = || customer.iter().map(|&c| (c - 10_000) * 1_000_003);
        let log = Log {
            ids: match id_kind {
                0 => Ids::Int(customer.iter().map(|&c| c - 7).collect()),
                1 => Ids::Int(sparse().collect()),
                2 => Ids::Float(sparse().map(|i| i as f64).collect()),
                _ => {
                    let labels: Vec<String> = sparse().map(|i| format!("c{i}")).collect();
                    Ids::Labels(CategoricalColumn::from_strs(
                        labels.iter().map(|s| Some(s.as_str())),
                    ))
                }
            },
            ts: ts.clone(),
            amounts: amounts.clone(),
            cats: Some(cats.clone()),
            balances: Some(balances.clone()),
        };
        let options = TransactionOptions {
            n_threads: Some(1),
            top_categories: 4,
            ..TransactionOptions::default()
        };
        let one = features(&log, AS_OF, &options);
        assert!(one.n_rows() > 19_900);
        compare(&one, &reference(&log, AS_OF, &options)).unwrap();
        for threads in [Some(2), Some(3), None] {
            let o = TransactionOptions {
                n_threads: threads,
                ..options.clone()
            };
            assert!(identical(&one, &features(&log, AS_OF, &o)));
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Hand-checked cases.

fn at(days_ago: f64) -> i64 {
    AS_OF - (days_ago * DAY as f64).round() as i64
}

fn int_log(ids: &[i64], rows: &[(f64, f64)]) -> Log {
    Log {
        ids: Ids::Int(ids.to_vec()),
        ts: rows.iter().map(|r| at(r.0)).collect(),
        amounts: rows.iter().map(|r| r.1).collect(),
        cats: None,
        balances: None,
    }
}

/// Recency, windows and the monthly net flow of one customer.
#[test]
fn hand_recency_windows_flows() {
    // (days ago, amount)
    let log = int_log(
        &[1, 1, 1, 1, 1, 1],
        &[
            (5.0, 100.0),
            (20.0, -30.0),
            (45.0, -70.0),
            (100.0, 500.0),
            (10.0, 0.0),
            (-3.0, 1e6), // after as_of: ignored
        ],
    );
    let options = TransactionOptions {
        windows_days: vec![30, 90],
        ..Default::default()
    };
    let f = features(&log, AS_OF, &options);
    assert_eq!(f.customer_ids, CustomerKeys::Int(vec![1]));
    compare(&f, &reference(&log, AS_OF, &options)).unwrap();
    let check = |name, want| assert_feature(&f, 0, name, want);
    // Most recent: the credit 5 days ago (the zero 10 days ago is older); debit 20 days ago.
    check("days_since_last", 5.0);
    check("days_since_last_credit", 5.0);
    check("days_since_last_debit", 20.0);
    check("days_since_first", 100.0);
    // 30 days: credit 100; debit 30.
    check("credit_count_30d", 1.0);
    check("credit_sum_30d", 100.0);
    check("credit_mean_30d", 100.0);
    check("debit_count_30d", 1.0);
    check("debit_sum_30d", 30.0);
    check("debit_mean_30d", 30.0);
    // 90 days: credit 100 (500 is 100 days old); debits 30 + 70.
    check("credit_count_90d", 1.0);
    check("credit_sum_90d", 100.0);
    check("debit_count_90d", 2.0);
    check("debit_sum_90d", 100.0);
    check("debit_mean_90d", 50.0);
    // Buckets: 5, 10, 20 days -> 0; 45 -> 1; 100 -> 3. m_obs = floor(100/30) + 1 = 4.
    // Flows 70, -70, 0, 500: mean 500/4 = 125.
    check("net_flow_monthly_mean", 125.0);
    // x = 0, -1, -2, -3 (mean -1.5); dx = 1.5, .5, -.5, -1.5; Sxx = 5;
    // y - 125 = -55, -195, -125, 375; Sxy = -82.5 - 97.5 + 62.5 - 562.5 = -680; slope -136.
    check("net_flow_monthly_trend", -136.0);
    // Two credits only: no recurring income, no large inflow; no salary; no recurring debit.
    check("income_monthly", 0.0);
    check("recurring_debit_monthly", 0.0);
    check("salary_change", 0.0);
    assert!(get(&f, 0, "days_since_salary_change").is_nan());
    check("large_inflow_amount", 0.0);
    assert!(get(&f, 0, "days_since_large_inflow").is_nan());
    check("new_recurring_payment_amount", 0.0);
    assert!(get(&f, 0, "days_since_new_recurring_payment").is_nan());
}

/// Window and month boundaries: a transaction exactly `w` days old is outside window `w`, and
/// one exactly 30 days old is in bucket 1.
#[test]
fn hand_boundaries() {
    let log = Log {
        ids: Ids::Int(vec![9, 9, 9]),
        ts: vec![AS_OF - 30 * DAY + 1, AS_OF - 30 * DAY, AS_OF],
        amounts: vec![10.0, 1.0, -2.0],
        cats: None,
        balances: None,
    };
    let options = TransactionOptions {
        windows_days: vec![30],
        months: 2,
        ..Default::default()
    };
    let f = features(&log, AS_OF, &options);
    compare(&f, &reference(&log, AS_OF, &options)).unwrap();
    assert_feature(&f, 0, "days_since_last", 0.0);
    assert_feature(&f, 0, "credit_count_30d", 1.0); // the 10.0, one second inside
    assert_feature(&f, 0, "credit_sum_30d", 10.0);
    // Buckets: 10 - 2 = 8 in bucket 0, 1 in bucket 1; m_obs = min(2, 1 + 1) = 2.
    assert_feature(&f, 0, "net_flow_monthly_mean", 4.5);
    // x = 0, -1: slope = (8 - 1) / (0 - -1) = 7.
    assert_feature(&f, 0, "net_flow_monthly_trend", 7.0);
    // A customer whose only transaction is at as_of: m_obs = 1, no trend.
    let log = int_log(&[3], &[(0.0, -4.0)]);
    let f = features(&log, AS_OF, &options);
    assert_feature(&f, 0, "net_flow_monthly_mean", -4.0);
    assert!(get(&f, 0, "net_flow_monthly_trend").is_nan());
    assert!(get(&f, 0, "days_since_last_credit").is_nan());
    assert!(get(&f, 0, "credit_mean_30d").is_nan());
}

/// Recurring income, a salary raise, a large one-off inflow and a new recurring payment, each
/// firing with the expected date and value.
#[test]
fn hand_life_events() {
    let mut rows = vec![];
    // Salary 2000 in buckets 7..4 (212, 182, 152, 122 days ago), then 2600 in buckets 3..0
    // (92, 62, 32, 2 days ago).
    for (d, a) in [
        (212.0, 2000.0),
        (182.0, 2000.0),
        (152.0, 2000.0),
        (122.0, 2000.0),
        (92.0, 2600.0),
        (62.0, 2600.0),
        (32.0, 2600.0),
        (2.0, 2600.0),
    ] {
        rows.push((d, a));
    }
    rows.push((20.0, 20_000.0)); // an inheritance, bucket 0
    rows.push((15.0, 50.0)); // a small refund, bucket 0
                             // Rent, 800 from 200 to 50 days ago (buckets 6..1): an old recurring payment.
    for d in [200.0, 170.0, 140.0, 110.0, 80.0, 50.0] {
        rows.push((d, -800.0));
    }
    // A gym, from 100 days ago: 49 (100 d), 45 (70 d), 47 (40 d), 45 (10 d), buckets 3..0.
    for (d, a) in [(100.0, -49.0), (70.0, -45.0), (40.0, -47.0), (10.0, -45.0)] {
        rows.push((d, a));
    }
    let log = int_log(&vec![5; rows.len()], &rows);
    let options = TransactionOptions::default();
    let f = features(&log, AS_OF, &options);
    compare(&f, &reference(&log, AS_OF, &options)).unwrap();
    let check = |name, want| assert_feature(&f, 0, name, want);
    check("days_since_last", 2.0);
    check("days_since_last_debit", 10.0);
    check("days_since_first", 212.0);
    // m_obs = floor(212 / 30) + 1 = 8.
    // Credits 8000 + 10400 + 20000 + 50 = 38450; debits 4800 + 186 = 4986; net 33464 / 8.
    check("net_flow_monthly_mean", 4183.0);
    // Credit clusters (tolerance 10 %): {50}, {2000 x4} in 4 buckets, {2600 x4} in 4 buckets,
    // {20000}: recurring income (8000 + 10400) / 8 = 2300.
    check("income_monthly", 2300.0);
    // Debit clusters: {45, 45, 47, 49} (all <= 49.5) in 4 buckets, {800 x6} in 6 buckets:
    // (186 + 4800) / 8 = 623.25.
    check("recurring_debit_monthly", 623.25);
    // Salary series s_0..s_7 = 20000, 2600, 2600, 2600, 2000, 2000, 2000, 2000.
    // b = 1: new level s_0 / s_1 - 1 = 6.7 not confirmed; b = 2: old level s_3 / s_4 - 1 = 0.3
    // not established; b = 3: s_5/s_4 = 1, s_2/s_3 = 1, s_3/s_4 - 1 = 0.3 > 0.2: a raise of 30 %
    // paid 92 days ago.
    check("salary_change", 0.3);
    check("days_since_salary_change", 92.0);
    // Credits sorted: 50, 2000 x4, 2600 x4, 20000: median (2000 + 2600) / 2 = 2300, threshold
    // 3 x 2300 = 6900: the 20000 of 20 days ago.
    check("large_inflow_amount", 20_000.0);
    check("days_since_large_inflow", 20.0);
    // The gym started 100 days ago (<= 120) and the customer is 212 >= 160 days old: new, median
    // (45 + 47) / 2 = 46. The rent started 200 days ago: not new.
    check("new_recurring_payment_amount", 46.0);
    check("days_since_new_recurring_payment", 100.0);

    // With a customer only 150 days old (< 100 + 60), the gym is not new.
    let young: Vec<(f64, f64)> = rows.iter().cloned().filter(|r| r.0 <= 150.0).collect();
    let f = features(&int_log(&vec![5; young.len()], &young), AS_OF, &options);
    assert_feature(&f, 0, "new_recurring_payment_amount", 0.0);
    assert!(get(&f, 0, "days_since_new_recurring_payment").is_nan());
    // Without the old level (no 2000 in buckets 4..7), no salary change.
    let raised_only: Vec<(f64, f64)> = rows.iter().cloned().filter(|r| r.1 != 2000.0).collect();
    let f = features(
        &int_log(&vec![5; raised_only.len()], &raised_only),
        AS_OF,
        &options,
    );
    assert_feature(&f, 0, "salary_change", 0.0);
    // A large multiple of 10: 20000 is not above 23000.
    let f = features(
        &log,
        AS_OF,
        &TransactionOptions {
            large_inflow_multiple: 10.0,
            ..Default::default()
        },
    );
    assert_feature(&f, 0, "large_inflow_amount", 0.0);
    assert!(get(&f, 0, "days_since_large_inflow").is_nan());
}

/// The tie rules: of equal largest credits in a month the most recent gives the salary; of
/// large inflows at the same time the larger; of new payments starting at the same time the one
/// of the larger median.
#[test]
fn hand_ties() {
    let rows = [
        // Salary 1000 in buckets 5, 4; 1500 in buckets 3, 2, twice in bucket 3 (100 and 95 days).
        (160.0, 1000.0),
        (130.0, 1000.0),
        (95.0, 1500.0),
        (100.0, 1500.0),
        (70.0, 1500.0),
        // Two large inflows 10 days ago, the smaller first in input.
        (10.0, 8000.0),
        (10.0, 9000.0),
        // Two payments, both first 100 days ago.
        (100.0, -300.0),
        (100.0, -30.0),
        (70.0, -30.0),
        (70.0, -300.0),
        (40.0, -300.0),
        (40.0, -30.0),
    ];
    let log = int_log(&[4; 13], &rows);
    let options = TransactionOptions::default();
    let f = features(&log, AS_OF, &options);
    compare(&f, &reference(&log, AS_OF, &options)).unwrap();
    // m_obs = floor(160 / 30) + 1 = 6; s_0..s_5 = 9000, -, 1500 (70 d), 1500 (95 d, the more
    // recent of two), 1000, 1000: b = 1, 2 lack s_1; b = 3 is a change of +50 %.
    assert_feature(&f, 0, "salary_change", 0.5);
    assert_feature(&f, 0, "days_since_salary_change", 95.0);
    // Credits 1000, 1000, 1500 x3, 8000, 9000: median 1500, threshold 4500.
    assert_feature(&f, 0, "large_inflow_amount", 9000.0);
    assert_feature(&f, 0, "days_since_large_inflow", 10.0);
    // Both payments start 100 days ago, 160 >= 100 + 60: the larger, 300.
    assert_feature(&f, 0, "new_recurring_payment_amount", 300.0);
    assert_feature(&f, 0, "days_since_new_recurring_payment", 100.0);
    // Recurring: salary clusters {1000 x2} (2 months, no), {1500 x3} in buckets 3, 3, 2 (no);
    // debits {30 x3}, {300 x3} in 3 buckets each: 990 / 6 = 165.
    assert_feature(&f, 0, "income_monthly", 0.0);
    assert_feature(&f, 0, "recurring_debit_monthly", 165.0);
}

/// Category shares, balances and string customer ids.
#[test]
fn hand_categories_balances_labels() {
    // (customer, days ago, amount, category, balance)
    let rows: Vec<(&str, f64, f64, Option<&str>, f64)> = vec![
        ("bob", 1.0, -5.0, Some("food"), 10.0),
        ("ann", 5.0, -10.0, Some("food"), 90.0),
        ("ann", 10.0, -30.0, Some("rent"), 60.0),
        ("bob", 1.0, 0.0, None, 7.0), // same time as bob's first row, later in input
        ("ann", 50.0, -20.0, Some("fun"), 80.0),
        ("ann", 60.0, -40.0, None, 100.0),
        ("Zed", -1.0, -99.0, Some("travel"), 0.0), // after as_of: Zed has no row
        ("ann", 100.0, 500.0, Some("food"), 140.0),
        ("bob", 2.0, -5.0, Some("fun"), 5.0),
        ("ann", 120.0, -1000.0, Some("travel"), 140.0), // outside the longest window
        ("bob", 3.0, 15.0, None, 15.0),
        ("Bea", 0.0, 1.0, None, 1.0),
    ];
    let log = Log {
        ids: Ids::Labels(CategoricalColumn::from_strs(rows.iter().map(|r| Some(r.0)))),
        ts: rows.iter().map(|r| at(r.1)).collect(),
        amounts: rows.iter().map(|r| r.2).collect(),
        cats: Some(CategoricalColumn::from_strs(rows.iter().map(|r| r.3))),
        balances: Some(rows.iter().map(|r| r.4).collect()),
    };
    let options = TransactionOptions {
        windows_days: vec![30, 90],
        top_categories: 2,
        ..Default::default()
    };
    let f = features(&log, AS_OF, &options);
    compare(&f, &reference(&log, AS_OF, &options)).unwrap();
    // Byte-wise order: "Bea" < "ann" < "bob"; Zed has nothing at or before as_of.
    assert_eq!(
        f.customer_ids,
        CustomerKeys::Str(vec!["Bea".into(), "ann".into(), "bob".into()])
    );
    // Debits within 90 days, all customers: rent 30, fun 20 + 5 = 25, food 10 + 5 = 15 (travel
    // is 120 days old). Top 2: rent, fun.
    let tail: Vec<&str> = f.names[f.names.len() - 10..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "share_rent",
            "share_fun",
            "share_other",
            "balance_last",
            "balance_mean_30d",
            "balance_min_30d",
            "balance_max_30d",
            "balance_mean_90d",
            "balance_min_90d",
            "balance_max_90d"
        ]
    );
    let (bea, ann, bob) = (0, 1, 2);
    // ann: debits within 90 days 10 (food) + 30 (rent) + 20 (fun) + 40 (missing) = 100.
    assert_feature(&f, ann, "share_rent", 0.3);
    assert_feature(&f, ann, "share_fun", 0.2);
    assert_feature(&f, ann, "share_other", 0.5); // food 10 + missing 40
                                                 // bob: 5 food + 5 fun.
    assert_feature(&f, bob, "share_rent", 0.0);
    assert_feature(&f, bob, "share_fun", 0.5);
    assert_feature(&f, bob, "share_other", 0.5);
    // Bea: no debit.
    for name in ["share_rent", "share_fun", "share_other"] {
        assert_feature(&f, bea, name, 0.0);
    }
    // ann's balances: latest 90 (5 days); 30 days: 90, 60; 90 days: 90, 60, 80, 100.
    assert_feature(&f, ann, "balance_last", 90.0);
    assert_feature(&f, ann, "balance_mean_30d", 75.0);
    assert_feature(&f, ann, "balance_min_30d", 60.0);
    assert_feature(&f, ann, "balance_max_30d", 90.0);
    assert_feature(&f, ann, "balance_mean_90d", 82.5);
    assert_feature(&f, ann, "balance_min_90d", 60.0);
    assert_feature(&f, ann, "balance_max_90d", 100.0);
    // bob: two rows 1 day ago, the later in input order has balance 7; 10, 7, 5, 15 in 30 days.
    assert_feature(&f, bob, "balance_last", 7.0);
    assert_feature(&f, bob, "balance_mean_30d", 9.25);
    assert_feature(&f, bob, "balance_min_30d", 5.0);
    assert_feature(&f, bob, "balance_max_30d", 15.0);
    assert_feature(&f, bea, "balance_last", 1.0);
    assert_feature(&f, bea, "days_since_last", 0.0);

    // Three top categories: rent, fun, food; a fourth does not exist within 90 days.
    let f = features(
        &log,
        AS_OF,
        &TransactionOptions {
            top_categories: 10,
            ..options.clone()
        },
    );
    let shares: Vec<&str> = f
        .names
        .iter()
        .filter(|n| n.starts_with("share_"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        shares,
        ["share_rent", "share_fun", "share_food", "share_other"]
    );
    assert_feature(&f, ann, "share_food", 0.1);
    assert_feature(&f, ann, "share_other", 0.4); // missing only

    // No top category at all: share_other only (1.0 with debits).
    let f = features(
        &log,
        AS_OF,
        &TransactionOptions {
            top_categories: 0,
            ..options
        },
    );
    assert_feature(&f, ann, "share_other", 1.0);
    assert_feature(&f, bea, "share_other", 0.0);
}

/// Equal category totals rank by label.
#[test]
fn hand_category_ties() {
    let cats = CategoricalColumn::from_strs([Some("b"), Some("a"), Some("c")]);
    let log = Log {
        ids: Ids::Int(vec![1, 2, 3]),
        ts: vec![AS_OF; 3],
        amounts: vec![-5.0, -5.0, -4.0],
        cats: Some(cats),
        balances: None,
    };
    let options = TransactionOptions {
        top_categories: 2,
        ..Default::default()
    };
    let f = features(&log, AS_OF, &options);
    let shares: Vec<&str> = f
        .names
        .iter()
        .filter(|n| n.starts_with("share_"))
        .map(String::as_str)
        .collect();
    assert_eq!(shares, ["share_a", "share_b", "share_other"]);
    assert_feature(&f, 2, "share_other", 1.0);
}

/// Float ids come back as integers, sorted numerically; extreme times work.
#[test]
fn hand_float_ids_and_extreme_times() {
    let log = Log {
        ids: Ids::Float(vec![3.0, -1.0, 3.0, -0.0, 9_007_199_254_740_992.0]),
        ts: vec![i64::MIN, AS_OF, AS_OF - DAY, i64::MAX, AS_OF],
        amounts: vec![1.0, -2.0, 3.0, 4.0, 5.0],
        cats: None,
        balances: None,
    };
    let options = TransactionOptions::default();
    let f = features(&log, AS_OF, &options);
    // 0 only has a row after as_of.
    assert_eq!(
        f.customer_ids,
        CustomerKeys::Int(vec![-1, 3, 9_007_199_254_740_992])
    );
    compare(&f, &reference(&log, AS_OF, &options)).unwrap();
    assert_feature(&f, 1, "days_since_last", 1.0);
    assert_feature(
        &f,
        1,
        "days_since_first",
        (AS_OF as f64 - i64::MIN as f64) / 86400.0,
    );
    // Both as_of and a time at i64::MIN at the far ends.
    let log = int_log(&[1], &[(0.0, 1.0)]);
    let log = Log {
        ts: vec![i64::MIN],
        ..log
    };
    let f = features(&log, i64::MAX, &options);
    assert_feature(&f, 0, "days_since_last", u64::MAX as f64 / 86400.0);
    // Far older than 12 months: in no bucket, so m_obs = 12 months of nothing.
    assert_feature(&f, 0, "net_flow_monthly_mean", 0.0);
    assert_feature(&f, 0, "net_flow_monthly_trend", 0.0);
}

// ------------------------------------------------------------------------------------------------
// Bad input.

fn expect_err(r: nextbest::Result<TransactionFeatures>, kind: ErrorKind, parts: &[&str]) {
    let e: Error = r.expect_err("expected an error");
    assert_eq!(e.kind(), kind, "{}", e.message());
    for p in parts {
        assert!(
            e.message().contains(p),
            "message {:?} lacks {p:?}",
            e.message()
        );
    }
}

#[test]
fn bad_shapes_and_empty() {
    let ids = [1i64, 2, 3];
    let ts = [AS_OF; 3];
    let amounts = [1.0, 2.0, 3.0];
    let o = TransactionOptions::default();
    let good = Transactions {
        customer_ids: CustomerIds::Int(&ids),
        timestamps: &ts,
        amounts: &amounts,
        categories: None,
        balances: None,
    };
    assert!(transaction_features(&good, AS_OF, &o).is_ok());
    let r = transaction_features(
        &Transactions {
            timestamps: &ts[..2],
            ..good
        },
        AS_OF,
        &o,
    );
    expect_err(
        r,
        ErrorKind::ShapeMismatch,
        &["timestamps has 2 rows", "customer_ids has 3"],
    );
    let r = transaction_features(
        &Transactions {
            amounts: &amounts[..1],
            ..good
        },
        AS_OF,
        &o,
    );
    expect_err(r, ErrorKind::ShapeMismatch, &["amounts has 1 rows"]);
    let cats = CategoricalColumn::from_strs([Some("a")]);
    let r = transaction_features(
        &Transactions {
            categories: Some(&cats),
            ..good
        },
        AS_OF,
        &o,
    );
    expect_err(r, ErrorKind::ShapeMismatch, &["categories has 1 rows"]);
    let r = transaction_features(
        &Transactions {
            balances: Some(&[1.0; 4]),
            ..good
        },
        AS_OF,
        &o,
    );
    expect_err(r, ErrorKind::ShapeMismatch, &["balances has 4 rows"]);
    let r = transaction_features(
        &Transactions {
            customer_ids: CustomerIds::Int(&[]),
            timestamps: &[],
            amounts: &[],
            ..good
        },
        AS_OF,
        &o,
    );
    expect_err(r, ErrorKind::Empty, &["no rows"]);
    let r = transaction_features(&good, AS_OF - 1, &o);
    expect_err(r, ErrorKind::Empty, &["no transaction at or before as_of"]);
}

#[test]
fn bad_values() {
    let o = TransactionOptions::default();
    let ts = [AS_OF, AS_OF + 5, AS_OF];
    let ids = [1i64, 2, 3];
    let log = |amounts: &'static [f64]| Transactions {
        customer_ids: CustomerIds::Int(&[1, 2, 3]),
        timestamps: &[AS_OF, AS_OF + 5, AS_OF],
        amounts,
        categories: None,
        balances: None,
    };
    expect_err(
        transaction_features(&log(&[1.0, 2.0, f64::NAN]), AS_OF, &o),
        ErrorKind::NonFinite,
        &["amounts: row 2 is NaN, not a finite number"],
    );
    // Rows after as_of are checked too.
    expect_err(
        transaction_features(&log(&[1.0, f64::INFINITY, 0.0]), AS_OF, &o),
        ErrorKind::NonFinite,
        &["amounts: row 1 is inf"],
    );
    let balances = [0.0, f64::NEG_INFINITY, 0.0];
    let r = transaction_features(
        &Transactions {
            customer_ids: CustomerIds::Int(&ids),
            timestamps: &ts,
            amounts: &[1.0; 3],
            categories: None,
            balances: Some(&balances),
        },
        AS_OF,
        &o,
    );
    expect_err(r, ErrorKind::NonFinite, &["balances: row 1 is -inf"]);

    let float = |ids: &[f64]| {
        let ids = ids.to_vec();
        transaction_features(
            &Transactions {
                customer_ids: CustomerIds::Float(&ids),
                timestamps: &ts,
                amounts: &[1.0; 3],
                categories: None,
                balances: None,
            },
            AS_OF,
            &o,
        )
    };
    expect_err(
        float(&[1.0, f64::NAN, 2.0]),
        ErrorKind::NonFinite,
        &["customer_ids: row 1 is NaN"],
    );
    expect_err(
        float(&[1.0, 2.0, f64::INFINITY]),
        ErrorKind::NonFinite,
        &["customer_ids: row 2 is inf"],
    );
    expect_err(
        float(&[1.5, 2.0, 3.0]),
        ErrorKind::InvalidArgument,
        &["customer_ids: row 0 is 1.5, not an integer"],
    );
    expect_err(
        float(&[1.0, -9_007_199_254_740_994.0, 3.0]),
        ErrorKind::InvalidArgument,
        &["customer_ids: row 1", "2^53"],
    );
    assert!(float(&[1.0, -9_007_199_254_740_992.0, 3.0]).is_ok());

    let labels = CategoricalColumn::from_strs([Some("a"), None, Some("b")]);
    let r = transaction_features(
        &Transactions {
            customer_ids: CustomerIds::Labels(&labels),
            timestamps: &ts,
            amounts: &[1.0; 3],
            categories: None,
            balances: None,
        },
        AS_OF,
        &o,
    );
    expect_err(
        r,
        ErrorKind::InvalidArgument,
        &["customer_ids: row 1 is missing"],
    );
    // A missing category is allowed.
    let r = transaction_features(
        &Transactions {
            customer_ids: CustomerIds::Int(&ids),
            timestamps: &ts,
            amounts: &[-1.0; 3],
            categories: Some(&labels),
            balances: None,
        },
        AS_OF,
        &o,
    );
    assert!(r.is_ok());
}

#[test]
fn bad_options() {
    let log = int_log(&[1], &[(1.0, 1.0)]);
    let check = |o: TransactionOptions, kind: ErrorKind, parts: &[&str]| {
        expect_err(transaction_features(&log.view(), AS_OF, &o), kind, parts);
    };
    let d = TransactionOptions::default;
    use ErrorKind::{InvalidArgument as Inv, NonFinite as Nf};
    let windows = |w: Vec<u32>| TransactionOptions {
        windows_days: w,
        ..d()
    };
    check(windows(vec![]), Inv, &["windows_days", "empty"]);
    check(windows(vec![30, 0]), Inv, &["windows_days: entry 1 is 0"]);
    check(
        windows(vec![36_501]),
        Inv,
        &["windows_days: entry 0 is 36501"],
    );
    check(
        windows(vec![30, 90, 30]),
        Inv,
        &["windows_days: 30 appears twice"],
    );
    assert!(transaction_features(&log.view(), AS_OF, &windows(vec![36_500])).is_ok());
    for months in [0, 1201] {
        check(TransactionOptions { months, ..d() }, Inv, &["months"]);
    }
    for (t, kind) in [(-0.1, Inv), (1.0, Inv), (f64::NAN, Nf)] {
        check(
            TransactionOptions {
                recurring_tolerance: t,
                ..d()
            },
            kind,
            &["recurring_tolerance"],
        );
    }
    check(
        TransactionOptions {
            recurring_min_months: 1,
            ..d()
        },
        Inv,
        &["recurring_min_months"],
    );
    for (f, kind) in [(0.0, Inv), (-1.0, Inv), (f64::INFINITY, Nf)] {
        check(
            TransactionOptions {
                salary_change_fraction: f,
                ..d()
            },
            kind,
            &["salary_change_fraction"],
        );
    }
    for (m, kind) in [(1.0, Inv), (0.5, Inv), (f64::NAN, Nf)] {
        check(
            TransactionOptions {
                large_inflow_multiple: m,
                ..d()
            },
            kind,
            &["large_inflow_multiple"],
        );
    }
    check(
        TransactionOptions {
            n_threads: Some(0),
            ..d()
        },
        Inv,
        &["n_threads"],
    );
}

// ------------------------------------------------------------------------------------------------
// CDNOW: the purchases of customers 1..=300 of the CDNOW master log.

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn cdnow() -> Log {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/cdnow_slice.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().contains("customer_id"));
    let (mut ids, mut ts, mut amounts) = (vec![], vec![], vec![]);
    for line in lines {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        assert_eq!(f.len(), 4, "{line}");
        let date: i64 = f[1].parse().unwrap();
        ids.push(f[0].parse::<i64>().unwrap());
        ts.push(days_from_civil(date / 10_000, date / 100 % 100, date % 100) * DAY);
        amounts.push(-f[3].parse::<f64>().unwrap());
    }
    Log {
        ids: Ids::Int(ids),
        ts,
        amounts,
        cats: None,
        balances: None,
    }
}

#[test]
fn cdnow_fixture() {
    let as_of = 875_664_000; // 1997-10-01
    assert_eq!(days_from_civil(1997, 10, 1) * DAY, as_of);
    let log = cdnow();
    assert_eq!(log.len(), 1046);
    let options = TransactionOptions::default();
    let f = features(&log, as_of, &options);
    compare(&f, &reference(&log, as_of, &options)).unwrap();
    // Every one of the 300 customers bought in 1997-Q1, before as_of.
    assert_eq!(f.customer_ids, CustomerKeys::Int((1..=300).collect()));

    // Checked by hand with awk (mktime in UTC, days = (875664000 - t) / 86400, bucket =
    // int(days / 30)):
    // Customer 1: a single purchase of 11.77 on 1997-01-01, 273 days before.
    let check = |row: usize, name: &str, want: f64| assert_feature(&f, row, name, want);
    check(0, "days_since_last", 273.0);
    check(0, "days_since_first", 273.0);
    check(0, "days_since_last_debit", 273.0);
    assert!(get(&f, 0, "days_since_last_credit").is_nan());
    check(0, "debit_count_30d", 0.0);
    check(0, "debit_sum_365d", 11.77);
    // m_obs = int(273 / 30) + 1 = 10.
    check(0, "net_flow_monthly_mean", -1.177);

    // Customer 5: 8 purchases by as_of (3 more after it): 29.33 (273 d, bucket 9),
    // 13.97 (260 d, 8), 38.90 (239 d, 7), 45.55 (173 d, 5), 38.71 (123 d, 4), 26.14 (107 d, 3),
    // 28.14 (71 d, 2), 40.47 (16 d, 0).
    check(4, "days_since_last", 16.0);
    check(4, "debit_count_30d", 1.0);
    check(4, "debit_sum_30d", 40.47);
    check(4, "debit_count_90d", 2.0);
    check(4, "debit_sum_90d", 68.61);
    check(4, "debit_count_365d", 8.0);
    check(4, "debit_sum_365d", 261.21);
    check(4, "debit_mean_365d", 32.65125);
    check(4, "net_flow_monthly_mean", -26.121);
    // Clusters of the sorted amounts (10 %): {13.97}, {26.14, 28.14}, {29.33},
    // {38.71, 38.90, 40.47} in buckets 4, 7, 0 (recurring), {45.55}: 118.08 / 10.
    check(4, "recurring_debit_monthly", 11.808);
    // That cluster started 239 days ago: not a new payment.
    check(4, "new_recurring_payment_amount", 0.0);

    // Customer 33: 9 purchases by as_of, 25 to 273 days old, summing to 332.57; monthly flows
    // -11.77, -35.69, 0, -30.13, -69.21, -40.74, 0, -73.42, -29.92, -41.69 (buckets 0..9):
    // mean -33.257 and OLS slope against -b 2.8916969697 (awk). No cluster of 3.
    check(32, "days_since_last", 25.0);
    check(32, "debit_count_90d", 2.0);
    check(32, "debit_sum_90d", 47.46);
    check(32, "debit_sum_365d", 332.57);
    check(32, "net_flow_monthly_mean", -33.257);
    assert!((get(&f, 32, "net_flow_monthly_trend") - 2.891_696_969_7).abs() < 1e-9);
    check(32, "recurring_debit_monthly", 0.0);
}
