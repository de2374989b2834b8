//! Customer aggregates from raw transaction logs.
//!
//! [`transaction_features`] turns a log of transactions (customer, time, signed amount, and
//! optionally a spending category and the balance after the transaction) into one row of
//! features per customer, as of a given instant. This page is the reference for what every
//! feature means.
//!
//! # Time
//!
//! Only transactions with `timestamp <= as_of` are used; later ones are ignored (after being
//! validated), so that no feature can leak the future. The log may be in any order. The age of a
//! transaction at time `t` (epoch seconds) is `days(t) = (as_of - t) / 86400.0`, in (fractional)
//! days.
//!
//! - A transaction is *in window `w`* (`w` in [`TransactionOptions::windows_days`]) when
//!   `days(t) < w`. The *longest window* is the largest `w`.
//! - *Months* are 30-day buckets counted back from `as_of`: a transaction is in bucket
//!   `b = floor(days(t) / 30)`, and buckets `0 .. months` ([`TransactionOptions::months`]) are
//!   used. Bucket 0 is the most recent.
//! - A customer's *observed months* are `m_obs = min(months, floor(days_since_first / 30) + 1)`:
//!   the buckets from `as_of` back to the customer's first transaction.
//!
//! # Rows
//!
//! One row per customer with at least one transaction at or before `as_of`, customers in
//! ascending order: numeric order for [`CustomerIds::Int`] and [`CustomerIds::Float`] (whose
//! keys come back as [`CustomerKeys::Int`]), byte-wise lexicographic order of the labels for
//! [`CustomerIds::Labels`]. Values are row-major: `values[row * names.len() + col]`.
//!
//! # Columns
//!
//! *Credits* are transactions with `amount > 0`; *debits* those with `amount < 0`, reported as
//! positive magnitudes `-amount`. Zero amounts count only for `days_since_last`,
//! `days_since_first`, the monthly net flow (where they add nothing) and the balance columns.
//! "NaN" below is `f64::NAN`, meaning "not applicable". The *median* of an even number of
//! values is the mean of the two middle values. In this order (`{w}` is each window of
//! `windows_days`, in the order given):
//!
//! 1. **Recency**: `days_since_last`, `days_since_last_credit`, `days_since_last_debit`,
//!    `days_since_first`: the `days` of the customer's most recent transaction, most recent
//!    credit, most recent debit, and earliest transaction (NaN when there is no such
//!    transaction).
//! 2. **Frequency and value**, for each window `w`: `credit_count_{w}d`, `credit_sum_{w}d`,
//!    `credit_mean_{w}d`, `debit_count_{w}d`, `debit_sum_{w}d`, `debit_mean_{w}d` over the
//!    transactions in window `w`; a mean is NaN when its count is 0.
//! 3. **Monthly net flow**: `net_flow_monthly_mean` = (sum of all amounts in buckets
//!    `0 .. m_obs`) / `m_obs`; `net_flow_monthly_trend` = the ordinary-least-squares slope of the
//!    net flow of each bucket `b` in `0 .. m_obs` (buckets without transactions count as 0)
//!    against `x = -b`, in currency per month: positive when the flow improves towards the
//!    present. NaN when `m_obs < 2`.
//! 4. **Recurring amounts**: the customer's credits in buckets `0 .. months` are grouped by
//!    category when categories are given (a missing category is a group of its own), else all in
//!    one group. Each group's amounts are sorted ascending and clustered greedily: a cluster
//!    starts at the smallest amount `a0` not yet clustered and takes every following amount
//!    `<= a0 * (1 + recurring_tolerance)`. A cluster is *recurring* when its transactions fall
//!    into at least `recurring_min_months` distinct buckets. `income_monthly` = (sum of the
//!    amounts of all recurring credit clusters) / `m_obs`. Debits, by magnitude, give
//!    `recurring_debit_monthly` the same way (a positive number).
//! 5. **Salary change**: the monthly salary series `s_b` is the largest credit in bucket `b`
//!    (absent when the bucket has no credit), for `b` in `0 .. m_obs`. A salary change happens at
//!    bucket `b >= 1` when `s_{b+2}`, `s_{b+1}`, `s_b` and `s_{b-1}` are all present (so
//!    `b + 2 < m_obs`), the old level is established (`|s_{b+1} / s_{b+2} - 1| <=
//!    recurring_tolerance`), the new level is confirmed (`|s_{b-1} / s_b - 1| <=
//!    recurring_tolerance`), and the move is large (`|s_b / s_{b+1} - 1| >
//!    salary_change_fraction`). The most recent change (smallest `b`) is reported:
//!    `salary_change` = `s_b / s_{b+1} - 1` (0.0 when there is none) and
//!    `days_since_salary_change` = the `days` of the credit that gave `s_b` (NaN when none).
//!    When several credits of a bucket share the largest amount, the most recent of them gives
//!    `s_b`.
//! 6. **Large one-off inflow**: among the credits in buckets `0 .. months`, when there are at
//!    least 3 of them, with `m` their median amount: the most recent credit with amount
//!    `> large_inflow_multiple * m` (of two at the same time, the larger).
//!    `large_inflow_amount` is its amount (0.0 when there is none) and `days_since_large_inflow`
//!    its `days` (NaN when none).
//! 7. **New recurring payment**: a recurring debit cluster (from 4) is *new* when its first
//!    (earliest) transaction has `days <= new_payment_days` while the customer's
//!    `days_since_first >= days + 60` (the customer was already active before, so the payment is
//!    new rather than the account). Of the new clusters, the one that started most recently is
//!    reported (of two that started at the same time, the one of the larger median):
//!    `new_recurring_payment_amount` = the median amount of the cluster (0.0 when there is none)
//!    and `days_since_new_recurring_payment` = the `days` of its first transaction (NaN when
//!    none).
//! 8. **Category shares** (only when categories are given): the `top_categories` categories with
//!    the largest total debit magnitude over *all* customers within the longest window (ties by
//!    label, ascending; the missing category never ranks; only categories with at least one such
//!    debit rank, so there may be fewer columns) give the columns `share_{label}`, in rank order,
//!    followed by `share_other`. Each is the customer's debit magnitude in that category (for
//!    `share_other`: in every other category, the missing one included) within the longest window
//!    divided by the customer's total debit magnitude within the longest window. All are 0.0 when
//!    the customer has no debit in the longest window. Labels are used verbatim in the names.
//! 9. **Balances** (only when balances are given): `balance_last` = the balance of the
//!    customer's most recent transaction (of several at the same time, the last in input order);
//!    then for each window `w`: `balance_mean_{w}d`, `balance_min_{w}d`, `balance_max_{w}d` over
//!    the transactions in window `w` (NaN when there is none).
//!
//! [`feature_names`] gives the names without computing anything.
//!
//! # Validation
//!
//! Everything is checked before anything is computed, and the error names the argument and the
//! row:
//! - [`ErrorKind::ShapeMismatch`](crate::ErrorKind::ShapeMismatch) when `timestamps`,
//!   `amounts`, `categories` or `balances` has not as many rows as `customer_ids`;
//! - [`ErrorKind::Empty`](crate::ErrorKind::Empty) for an empty log, or when no transaction is at
//!   or before `as_of`;
//! - [`ErrorKind::NonFinite`](crate::ErrorKind::NonFinite) for a NaN or infinite amount, balance
//!   or floating-point customer id (`amounts: row 17 is NaN, not a finite number`);
//! - [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a floating-point
//!   customer id that is not an integer or beyond ±2^53, a missing string customer id
//!   (`customer_ids: row 3 is missing`; a missing *category* is allowed and means "no
//!   category"), and options out of range: `windows_days` empty, with a repeated window, or with
//!   a window outside `1 ..= 36500`; `months` outside `1 ..= 1200`; `recurring_tolerance` outside
//!   `[0, 1)`; `recurring_min_months < 2`; `salary_change_fraction <= 0`;
//!   `large_inflow_multiple <= 1`; `n_threads == Some(0)`. A NaN or infinite option is
//!   [`ErrorKind::NonFinite`](crate::ErrorKind::NonFinite).
//!
//! # Performance
//!
//! Each customer gets a *slot*, its place in the output order: `id - min id` for integer ids
//! that span a range no wider than the log (sequential ids, the common case), else its rank
//! among the distinct ids (found with a hash table), or, for labels, its rank among the labels.
//! The slots are cut into groups of up to about a million transactions; the row indices are
//! partitioned by group (a pass with few destinations, friendly to caches), and each group in
//! turn gathers its transactions customer by customer into one compact buffer and computes its
//! customers' rows. Groups run in parallel on [`rayon`] threads (a dedicated pool of
//! `n_threads` when given), each writing its own output rows. Each customer's transactions are
//! visited in input order, so results do not depend on the number of threads.
//!
//! Memory beyond the input and the output: 4 bytes a transaction for the partition (8 with
//! hashed integer ids), and 32 bytes a transaction of a group, per thread (32 MiB at most, less
//! with many threads).

use super::CategoricalColumn;
use crate::error::{check_finite, Error, Result};
use rayon::prelude::*;

/// Customer identifiers of a transaction log, one per transaction.
#[derive(Clone, Copy, Debug)]
pub enum CustomerIds<'a> {
    /// Integer ids.
    Int(&'a [i64]),
    /// Ids given as floating-point numbers: each must be a finite integer (NaN is refused).
    Float(&'a [f64]),
    /// String ids, dictionary-encoded; a missing id is refused.
    Labels(&'a CategoricalColumn),
}

impl CustomerIds<'_> {
    /// The number of ids.
    pub fn len(&self) -> usize {
        match self {
            CustomerIds::Int(v) => v.len(),
            CustomerIds::Float(v) => v.len(),
            CustomerIds::Labels(c) => c.len(),
        }
    }

    /// Whether there are no ids.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The distinct customers of a result, in ascending order.
#[derive(Clone, Debug, PartialEq)]
pub enum CustomerKeys {
    /// Integer ids (also for [`CustomerIds::Float`] input).
    Int(Vec<i64>),
    /// String ids, in byte-wise lexicographic order.
    Str(Vec<String>),
}

impl CustomerKeys {
    /// The number of customers.
    pub fn len(&self) -> usize {
        match self {
            CustomerKeys::Int(v) => v.len(),
            CustomerKeys::Str(v) => v.len(),
        }
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A transaction log, borrowed from the caller: one entry per transaction in every slice.
#[derive(Clone, Copy, Debug)]
pub struct Transactions<'a> {
    /// The customer of each transaction.
    pub customer_ids: CustomerIds<'a>,
    /// Unix epoch seconds.
    pub timestamps: &'a [i64],
    /// Signed amounts: credits (inflows) are positive, debits (spend) negative.
    pub amounts: &'a [f64],
    /// Optional spending category of each transaction.
    pub categories: Option<&'a CategoricalColumn>,
    /// Optional account balance after each transaction.
    pub balances: Option<&'a [f64]>,
}

/// Options of [`transaction_features`].
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionOptions {
    /// Lengths of the frequency and monetary windows, in days.
    pub windows_days: Vec<u32>,
    /// Number of spending categories with a share column.
    pub top_categories: usize,
    /// Number of 30-day months for flows, income and life events.
    pub months: usize,
    /// Relative tolerance within which amounts count as the same recurring amount.
    pub recurring_tolerance: f64,
    /// Distinct months an amount must appear in to count as recurring.
    pub recurring_min_months: usize,
    /// Relative move of the recurring income that counts as a salary change.
    pub salary_change_fraction: f64,
    /// A credit above this multiple of the customer's median credit is a large one-off inflow.
    pub large_inflow_multiple: f64,
    /// A recurring payment that first appeared within this many days is new.
    pub new_payment_days: u32,
    /// Worker threads (`None`: all cores).
    pub n_threads: Option<usize>,
}

impl Default for TransactionOptions {
    fn default() -> Self {
        TransactionOptions {
            windows_days: vec![30, 90, 365],
            top_categories: 20,
            months: 12,
            recurring_tolerance: 0.1,
            recurring_min_months: 3,
            salary_change_fraction: 0.2,
            large_inflow_multiple: 3.0,
            new_payment_days: 120,
            n_threads: None,
        }
    }
}

/// One row of features per customer.
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionFeatures {
    /// The customers, one per row, ascending.
    pub customer_ids: CustomerKeys,
    /// The feature names, one per column.
    pub names: Vec<String>,
    /// The features, row-major: `values[row * names.len() + col]`.
    pub values: Vec<f64>,
}

impl TransactionFeatures {
    /// The number of rows (customers).
    pub fn n_rows(&self) -> usize {
        self.customer_ids.len()
    }

    /// The index of the column called `name`, if any.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The features of row `row`.
    ///
    /// # Panics
    /// When `row` is out of range.
    pub fn row(&self, row: usize) -> &[f64] {
        let w = self.names.len();
        &self.values[row * w..(row + 1) * w]
    }
}

/// The column names [`transaction_features`] gives for `options`: `category_labels` are the
/// ranked top categories when categories are given (`None` when not: no share columns), and
/// `with_balances` tells whether balances are given.
///
/// ```
/// use nextbest::features::{feature_names, TransactionOptions};
///
/// let options = TransactionOptions { windows_days: vec![30], ..Default::default() };
/// let names = feature_names(&options, Some(&["groceries".to_string()]), false);
/// assert_eq!(names[4], "credit_count_30d");
/// assert_eq!(names[names.len() - 2..], ["share_groceries", "share_other"]);
/// ```
pub fn feature_names(
    options: &TransactionOptions,
    category_labels: Option<&[String]>,
    with_balances: bool,
) -> Vec<String> {
    let mut names: Vec<String> = [
        "days_since_last",
        "days_since_last_credit",
        "days_since_last_debit",
        "days_since_first",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for w in &options.windows_days {
        for side in ["credit", "debit"] {
            for stat in ["count", "sum", "mean"] {
                names.push(format!("{side}_{stat}_{w}d"));
            }
        }
    }
    names.extend(
        [
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
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    if let Some(labels) = category_labels {
        names.extend(labels.iter().map(|l| format!("share_{l}")));
        names.push("share_other".to_string());
    }
    if with_balances {
        names.push("balance_last".to_string());
        for w in &options.windows_days {
            for stat in ["mean", "min", "max"] {
                names.push(format!("balance_{stat}_{w}d"));
            }
        }
    }
    names
}

/// Computes the customer aggregates of `log` as of `as_of` (epoch seconds): one row per
/// customer with a transaction at or before `as_of`. The [module documentation](self) defines
/// every column and every check.
///
/// ```
/// use nextbest::features::{
///     transaction_features, CustomerIds, CustomerKeys, TransactionOptions, Transactions,
/// };
///
/// let day = 86_400;
/// let as_of = 20_000 * day;
/// let ids = [7, 7, 3, 7];
/// let timestamps = [as_of - 10 * day, as_of - 40 * day, as_of - day, as_of + day];
/// let amounts = [-25.0, 1000.0, -5.0, 99.0];
/// let log = Transactions {
///     customer_ids: CustomerIds::Int(&ids),
///     timestamps: &timestamps,
///     amounts: &amounts,
///     categories: None,
///     balances: None,
/// };
/// let options = TransactionOptions { windows_days: vec![30], ..Default::default() };
/// let features = transaction_features(&log, as_of, &options)?;
///
/// assert_eq!(features.customer_ids, CustomerKeys::Int(vec![3, 7]));
/// let col = |name: &str| features.column_index(name).unwrap();
/// let customer_7 = features.row(1);
/// assert_eq!(customer_7[col("days_since_last")], 10.0);
/// assert_eq!(customer_7[col("days_since_first")], 40.0);
/// assert_eq!(customer_7[col("debit_sum_30d")], 25.0);
/// // The credit is 40 days old, and the one after `as_of` is ignored.
/// assert_eq!(customer_7[col("credit_count_30d")], 0.0);
/// assert!(customer_7[col("credit_mean_30d")].is_nan());
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn transaction_features(
    log: &Transactions<'_>,
    as_of: i64,
    options: &TransactionOptions,
) -> Result<TransactionFeatures> {
    check_options(options)?;
    check_log(log)?;
    match log.customer_ids {
        CustomerIds::Int(ids) => int_customers(log, as_of, options, |r| ids[r]),
        CustomerIds::Float(ids) => int_customers(log, as_of, options, |r| ids[r] as i64),
        CustomerIds::Labels(col) => {
            let (slot_of_code, counts, keys) = label_slots(col, log.timestamps, as_of);
            let codes = col.codes();
            finish(log, as_of, options, CustomerKeys::Str(keys), &counts, |r| {
                slot_of_code[codes[r] as usize] as usize
            })
        }
    }
}

/// [`transaction_features`] for integer ids, `key(row)`: slots are `id - min id` when the ids
/// span a range no wider than the log (the common case of sequential ids), else positions in
/// the sorted distinct ids, found by hashing.
fn int_customers(
    log: &Transactions<'_>,
    as_of: i64,
    options: &TransactionOptions,
    key: impl Fn(usize) -> i64 + Copy + Sync,
) -> Result<TransactionFeatures> {
    let ts = log.timestamps;
    let n = ts.len();
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for (row, &t) in ts.iter().enumerate() {
        if t <= as_of {
            let k = key(row);
            lo = lo.min(k);
            hi = hi.max(k);
        }
    }
    if lo > hi {
        return Err(nothing_by(as_of, n));
    }
    let span = hi.abs_diff(lo);
    if span < n.max(1 << 16) as u64 {
        let mut counts = vec![0u32; span as usize + 1];
        for (row, &t) in ts.iter().enumerate() {
            if t <= as_of {
                counts[key(row).abs_diff(lo) as usize] += 1;
            }
        }
        let keys = counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(slot, _)| lo + slot as i64)
            .collect();
        finish(log, as_of, options, CustomerKeys::Int(keys), &counts, |r| {
            key(r).abs_diff(lo) as usize
        })
    } else {
        let (cust, counts, keys) = hashed_slots(ts, as_of, key);
        finish(log, as_of, options, CustomerKeys::Int(keys), &counts, |r| {
            cust[r] as usize
        })
    }
}

fn nothing_by(as_of: i64, n: usize) -> Error {
    Error::empty(format!(
        "no transaction at or before as_of ({as_of}): all {n} are later"
    ))
}

/// The computation, once each row `r` at or before `as_of` has its customer's slot, `slot(r)`:
/// slots order the customers as the output does, and slot `s` has `counts[s]` rows (0 for an
/// unused slot); `customer_ids` are the customers of the used slots.
fn finish(
    log: &Transactions<'_>,
    as_of: i64,
    options: &TransactionOptions,
    customer_ids: CustomerKeys,
    counts: &[u32],
    slot: impl Fn(usize) -> usize + Sync,
) -> Result<TransactionFeatures> {
    let n_rows: usize = counts.iter().map(|&c| c as usize).sum();
    if n_rows == 0 {
        return Err(nothing_by(as_of, log.timestamps.len()));
    }
    let max_window = *options
        .windows_days
        .iter()
        .max()
        .expect("checked non-empty");
    let max_window_secs = u64::from(max_window) * SECS_PER_DAY;
    let (cats, top) = match log.categories {
        Some(col) => {
            let top = top_categories(
                col,
                log.timestamps,
                log.amounts,
                as_of,
                max_window_secs,
                options.top_categories,
            );
            (Some(col), Some(top))
        }
        None => (None, None),
    };
    let top_labels: Option<Vec<String>> = match (cats, &top) {
        (Some(col), Some(top)) => Some(
            top.iter()
                .map(|&c| col.labels()[c as usize].clone())
                .collect(),
        ),
        _ => None,
    };
    let names = feature_names(options, top_labels.as_deref(), log.balances.is_some());

    let n_top = top.as_ref().map_or(0, Vec::len);
    let cat_col = match (cats, &top) {
        (Some(col), Some(top)) => {
            let mut map = vec![n_top as u32; col.labels().len()];
            for (rank, &c) in top.iter().enumerate() {
                map[c as usize] = rank as u32;
            }
            map
        }
        _ => Vec::new(),
    };
    let nw = options.windows_days.len();
    let layout = Layout::new(nw, cats.map(|_| n_top + 1), log.balances.is_some());
    debug_assert_eq!(layout.ncols, names.len());

    let ctx = Ctx {
        as_of,
        has_cats: cats.is_some(),
        has_balances: log.balances.is_some(),
        win_secs: options
            .windows_days
            .iter()
            .map(|&w| u64::from(w) * SECS_PER_DAY)
            .collect(),
        max_window_secs,
        months: options.months,
        tol: options.recurring_tolerance,
        factor: 1.0 + options.recurring_tolerance,
        min_months: options.recurring_min_months,
        salary_fraction: options.salary_change_fraction,
        large_multiple: options.large_inflow_multiple,
        new_payment_days: f64::from(options.new_payment_days),
        cat_col,
        n_top,
        layout,
    };

    let pool = match options.n_threads {
        Some(threads) if threads > 1 => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| {
                    Error::invalid(format!("n_threads: could not start {threads} threads: {e}"))
                })?,
        ),
        _ => None,
    };
    let threads = match (&pool, options.n_threads) {
        (Some(pool), _) => pool.current_num_threads(),
        (None, Some(_)) => 1,
        (None, None) => rayon::current_num_threads(),
    };

    // Cut the slots into groups of about `group_rows` rows; give every group its row indices,
    // ascending.
    let plan = Plan::new(counts, group_rows(n_rows, threads));
    let idx = plan.partition(log.timestamps, as_of, &slot);
    let input = Input {
        slot: &slot,
        idx: idx.as_deref(),
        ts: log.timestamps,
        amounts: log.amounts,
        cats: cats.map(CategoricalColumn::codes),
        balances: log.balances,
    };

    let ncols = ctx.layout.ncols;
    let mut values = vec![0.0; customer_ids.len() * ncols];
    let mut chunks: Vec<(usize, &mut [f64])> = Vec::with_capacity(plan.n_groups());
    let mut rest = values.as_mut_slice();
    for g in 0..plan.n_groups() {
        let (chunk, tail) =
            rest.split_at_mut((plan.out_bounds[g + 1] - plan.out_bounds[g]) * ncols);
        chunks.push((g, chunk));
        rest = tail;
    }
    let init = || (GroupBuffers::default(), Scratch::new(&ctx));
    let work = |(bufs, s): &mut (GroupBuffers, Scratch), (g, out): (usize, &mut [f64])| {
        run_group(&ctx, &input, &plan, g, bufs, s, out)
    };
    match pool {
        Some(pool) => pool.install(|| chunks.into_par_iter().for_each_init(init, work)),
        None if threads == 1 => {
            let mut state = init();
            chunks.into_iter().for_each(|x| work(&mut state, x));
        }
        None => chunks.into_par_iter().for_each_init(init, work),
    }

    Ok(TransactionFeatures {
        customer_ids,
        names,
        values,
    })
}

const SECS_PER_DAY: u64 = 86_400;
const SECS_PER_MONTH: u64 = 30 * SECS_PER_DAY;
/// Rows per group, at most (unless one customer has more): a group's rows, gathered, take
/// 32 bytes each.
const MAX_GROUP_ROWS: usize = 1 << 20;
/// Rows per group, at least (unless there are fewer).
const MIN_GROUP_ROWS: usize = 1 << 16;
/// Marks a row after `as_of` in the per-row customer index.
const SKIP: u32 = u32::MAX;
const MISSING: u32 = CategoricalColumn::MISSING;

fn check_options(o: &TransactionOptions) -> Result<()> {
    if o.windows_days.is_empty() {
        return Err(Error::invalid(
            "windows_days is empty; give at least one window",
        ));
    }
    for (i, &w) in o.windows_days.iter().enumerate() {
        if !(1..=36_500).contains(&w) {
            return Err(Error::invalid(format!(
                "windows_days: entry {i} is {w}, outside 1..=36500 days"
            )));
        }
        if o.windows_days[..i].contains(&w) {
            return Err(Error::invalid(format!(
                "windows_days: {w} appears twice (entry {i})"
            )));
        }
    }
    if !(1..=1200).contains(&o.months) {
        return Err(Error::invalid(format!(
            "months is {}, outside 1..=1200",
            o.months
        )));
    }
    let t = check_finite(o.recurring_tolerance, || "recurring_tolerance".into())?;
    if !(0.0..1.0).contains(&t) {
        return Err(Error::invalid(format!(
            "recurring_tolerance is {t}, outside [0, 1)"
        )));
    }
    if o.recurring_min_months < 2 {
        return Err(Error::invalid(format!(
            "recurring_min_months is {}, below 2",
            o.recurring_min_months
        )));
    }
    let f = check_finite(o.salary_change_fraction, || "salary_change_fraction".into())?;
    if f <= 0.0 {
        return Err(Error::invalid(format!(
            "salary_change_fraction is {f}, not above 0"
        )));
    }
    let m = check_finite(o.large_inflow_multiple, || "large_inflow_multiple".into())?;
    if m <= 1.0 {
        return Err(Error::invalid(format!(
            "large_inflow_multiple is {m}, not above 1"
        )));
    }
    if o.n_threads == Some(0) {
        return Err(Error::invalid(
            "n_threads is 0; give at least 1, or None for all cores",
        ));
    }
    Ok(())
}

fn check_log(log: &Transactions<'_>) -> Result<()> {
    let n = log.customer_ids.len();
    let lens = [
        ("timestamps", Some(log.timestamps.len())),
        ("amounts", Some(log.amounts.len())),
        ("categories", log.categories.map(CategoricalColumn::len)),
        ("balances", log.balances.map(<[f64]>::len)),
    ];
    for (name, len) in lens {
        if let Some(len) = len {
            if len != n {
                return Err(Error::shape(format!(
                    "{name} has {len} rows, customer_ids has {n}"
                )));
            }
        }
    }
    if n == 0 {
        return Err(Error::empty("the transaction log has no rows"));
    }
    if n >= u32::MAX as usize {
        return Err(Error::invalid(format!(
            "the transaction log has {n} rows, more than the 4294967294 supported"
        )));
    }
    match log.customer_ids {
        CustomerIds::Int(_) => {}
        CustomerIds::Float(ids) => {
            const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
            for (row, &x) in ids.iter().enumerate() {
                if !(x.fract() == 0.0 && x.abs() <= LIMIT) {
                    check_finite(x, || format!("customer_ids: row {row}"))?;
                    if x.fract() != 0.0 {
                        return Err(Error::invalid(format!(
                            "customer_ids: row {row} is {x}, not an integer"
                        )));
                    }
                    return Err(Error::invalid(format!(
                        "customer_ids: row {row} is {x}, beyond ±2^53"
                    )));
                }
            }
        }
        CustomerIds::Labels(col) => {
            if let Some(row) = col.codes().iter().position(|&c| c == MISSING) {
                return Err(Error::invalid(format!(
                    "customer_ids: row {row} is missing"
                )));
            }
        }
    }
    check_all_finite("amounts", log.amounts)?;
    if let Some(balances) = log.balances {
        check_all_finite("balances", balances)?;
    }
    Ok(())
}

fn check_all_finite(name: &str, values: &[f64]) -> Result<()> {
    // Fast path without early exit, so that it vectorises; find the row only on failure.
    if values.iter().fold(true, |ok, v| ok & v.is_finite()) {
        return Ok(());
    }
    for (row, &v) in values.iter().enumerate() {
        check_finite(v, || format!("{name}: row {row}"))?;
    }
    Ok(())
}

/// The rows per group: small enough to give every thread a few groups, large enough to keep
/// the passes over the row indices few.
fn group_rows(rows: usize, threads: usize) -> usize {
    (rows / (4 * threads.max(1))).clamp(MIN_GROUP_ROWS, MAX_GROUP_ROWS)
}

/// An open-addressing hash table from integer ids to dense indices (Fibonacci hashing, linear
/// probing, at most half full).
struct IdMap {
    slots: Vec<(i64, u32)>,
    bits: u32,
    len: usize,
}

impl IdMap {
    const EMPTY: u32 = u32::MAX;

    fn new() -> Self {
        IdMap {
            slots: vec![(0, Self::EMPTY); 1 << 10],
            bits: 10,
            len: 0,
        }
    }

    #[inline]
    fn home(&self, key: i64) -> usize {
        ((key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize
    }

    /// The slot `key` hashes to first.
    #[inline]
    fn first_probe(&self, key: i64) -> (i64, u32) {
        self.slots[self.home(key)]
    }

    /// The index of `key`, inserting it with index `next` if new; whether it was new.
    fn get_or_insert(&mut self, key: i64, next: u32) -> (u32, bool) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let (k, v) = self.slots[i];
            if v == Self::EMPTY {
                self.slots[i] = (key, next);
                self.len += 1;
                return (next, true);
            }
            if k == key {
                return (v, false);
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        self.bits += 1;
        let old = std::mem::replace(&mut self.slots, vec![(0, Self::EMPTY); 1 << self.bits]);
        let mask = self.slots.len() - 1;
        for (k, v) in old {
            if v != Self::EMPTY {
                let mut i = self.home(k);
                while self.slots[i].1 != Self::EMPTY {
                    i = (i + 1) & mask;
                }
                self.slots[i] = (k, v);
            }
        }
    }
}

/// Slots for integer ids by hashing: each row's slot ([`SKIP`] after `as_of`), the rows per
/// slot and the ids of the slots, ascending. The first probes of a block of rows are loaded
/// before any is looked at, so that their cache misses overlap; the previous row's id is
/// remembered, as logs are often grouped by customer.
fn hashed_slots(
    ts: &[i64],
    as_of: i64,
    key: impl Fn(usize) -> i64,
) -> (Vec<u32>, Vec<u32>, Vec<i64>) {
    const BLOCK: usize = 16;
    let n = ts.len();
    let mut cust = vec![SKIP; n];
    let mut keys: Vec<i64> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    let mut map = IdMap::new();
    let mut prev: Option<(i64, u32)> = None;
    let mut probes = [(0i64, IdMap::EMPTY); BLOCK];
    for block in (0..n).step_by(BLOCK) {
        let end = (block + BLOCK).min(n);
        for (p, row) in probes.iter_mut().zip(block..end) {
            *p = map.first_probe(key(row));
        }
        for (j, row) in (block..end).enumerate() {
            if ts[row] > as_of {
                continue;
            }
            let k = key(row);
            let d = match prev {
                Some((pk, pd)) if pk == k => pd,
                _ => {
                    // A hit in the early probe stays valid: entries never change their index.
                    let (pk, pd) = probes[j];
                    let d = if pd != IdMap::EMPTY && pk == k {
                        pd
                    } else {
                        let (d, new) = map.get_or_insert(k, keys.len() as u32);
                        if new {
                            keys.push(k);
                            counts.push(0);
                        }
                        d
                    };
                    prev = Some((k, d));
                    d
                }
            };
            cust[row] = d;
            counts[d as usize] += 1;
        }
    }
    drop(map);
    // Renumber in key order.
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_unstable_by_key(|&d| keys[d as usize]);
    let mut rank = vec![0u32; keys.len()];
    for (r, &d) in order.iter().enumerate() {
        rank[d as usize] = r as u32;
    }
    for c in cust.iter_mut().filter(|c| **c != SKIP) {
        *c = rank[*c as usize];
    }
    let counts = order.iter().map(|&d| counts[d as usize]).collect();
    let keys = order.iter().map(|&d| keys[d as usize]).collect();
    (cust, counts, keys)
}

/// Slots for label ids: the slot of each code ([`SKIP`] when it has no row at or before
/// `as_of`), the rows per slot and the labels of the slots, in byte-wise order.
fn label_slots(
    col: &CategoricalColumn,
    ts: &[i64],
    as_of: i64,
) -> (Vec<u32>, Vec<u32>, Vec<String>) {
    let labels = col.labels();
    let mut by_code = vec![0u32; labels.len()];
    for (&c, &t) in col.codes().iter().zip(ts) {
        if t <= as_of {
            by_code[c as usize] += 1;
        }
    }
    let mut used: Vec<u32> = (0..labels.len() as u32)
        .filter(|&c| by_code[c as usize] > 0)
        .collect();
    used.sort_unstable_by(|&a, &b| labels[a as usize].cmp(&labels[b as usize]));
    let mut slot_of_code = vec![SKIP; labels.len()];
    for (slot, &c) in used.iter().enumerate() {
        slot_of_code[c as usize] = slot as u32;
    }
    let counts = used.iter().map(|&c| by_code[c as usize]).collect();
    let keys = used.iter().map(|&c| labels[c as usize].clone()).collect();
    (slot_of_code, counts, keys)
}

/// The slots cut into groups that are gathered and computed one at a time.
struct Plan {
    /// Slot `s` has rows `start[s]..start[s + 1]` of the grouped order.
    start: Vec<u32>,
    /// Group `g` holds slots `bounds[g]..bounds[g + 1]`...
    bounds: Vec<usize>,
    /// ... which are output rows `out_bounds[g]..out_bounds[g + 1]` (unused slots have none).
    out_bounds: Vec<usize>,
}

impl Plan {
    fn new(counts: &[u32], group_rows: usize) -> Self {
        let mut start = Vec::with_capacity(counts.len() + 1);
        let (mut bounds, mut out_bounds) = (vec![0], vec![0]);
        let (mut total, mut group_start, mut n_out) = (0u32, 0u32, 0usize);
        for (slot, &c) in counts.iter().enumerate() {
            if c > 0 && (total - group_start) as usize >= group_rows {
                bounds.push(slot);
                out_bounds.push(n_out);
                group_start = total;
            }
            start.push(total);
            total += c;
            n_out += usize::from(c > 0);
        }
        start.push(total);
        bounds.push(counts.len());
        out_bounds.push(n_out);
        Plan {
            start,
            bounds,
            out_bounds,
        }
    }

    fn n_groups(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The rows of group `g` in the grouped order.
    fn rows(&self, g: usize) -> std::ops::Range<usize> {
        self.start[self.bounds[g]] as usize..self.start[self.bounds[g + 1]] as usize
    }

    /// With several groups, the indices of the rows at or before `as_of` sorted by group,
    /// ascending within each (group `g` at [`Plan::rows`]`(g)`); `None` with one group.
    fn partition(&self, ts: &[i64], as_of: i64, slot: impl Fn(usize) -> usize) -> Option<Vec<u32>> {
        if self.n_groups() == 1 {
            return None;
        }
        let mut group_of = vec![0u32; self.bounds[self.n_groups()]];
        for g in 0..self.n_groups() {
            group_of[self.bounds[g]..self.bounds[g + 1]].fill(g as u32);
        }
        let mut cursor: Vec<u32> = (0..self.n_groups())
            .map(|g| self.rows(g).start as u32)
            .collect();
        let mut idx = vec![0u32; *self.start.last().expect("not empty") as usize];
        for (row, &t) in ts.iter().enumerate() {
            if t <= as_of {
                let cur = &mut cursor[group_of[slot(row)] as usize];
                idx[*cur as usize] = row as u32;
                *cur += 1;
            }
        }
        Some(idx)
    }
}

/// The log, with each row's slot.
struct Input<'a, S> {
    slot: &'a S,
    /// The rows sorted by group (`None`: one group, all rows).
    idx: Option<&'a [u32]>,
    ts: &'a [i64],
    amounts: &'a [f64],
    cats: Option<&'a [u32]>,
    balances: Option<&'a [f64]>,
}

/// One transaction, gathered: age in seconds, amount, balance (0 when not given) and category
/// code (0 when not given).
#[derive(Clone, Copy, Debug, Default)]
struct Rec {
    diff: u64,
    amount: f64,
    balance: f64,
    cat: u32,
}

/// One group's rows, gathered customer by customer; reused from group to group by one worker.
#[derive(Default)]
struct GroupBuffers {
    cursor: Vec<u32>,
    recs: Vec<Rec>,
}

/// Gathers the rows of group `g` customer by customer (each in input order), then computes its
/// customers' rows of `out`.
fn run_group<S: Fn(usize) -> usize>(
    ctx: &Ctx,
    input: &Input<'_, S>,
    plan: &Plan,
    g: usize,
    b: &mut GroupBuffers,
    s: &mut Scratch,
    out: &mut [f64],
) {
    let (s0, s1) = (plan.bounds[g], plan.bounds[g + 1]);
    let rows = plan.rows(g);
    let base = rows.start as u32;
    b.cursor.clear();
    b.cursor
        .extend(plan.start[s0..s1].iter().map(|&st| st - base));
    b.recs.resize(rows.len(), Rec::default());
    let as_of = ctx.as_of;
    let mut place = |row: usize| {
        let cursor = &mut b.cursor[(input.slot)(row) - s0];
        let p = *cursor as usize;
        *cursor += 1;
        b.recs[p] = Rec {
            diff: as_of.abs_diff(input.ts[row]),
            amount: input.amounts[row],
            balance: input.balances.map_or(0.0, |v| v[row]),
            cat: input.cats.map_or(0, |v| v[row]),
        };
    };
    match input.idx {
        Some(idx) => idx[rows].iter().for_each(|&row| place(row as usize)),
        None => {
            for (row, &t) in input.ts.iter().enumerate() {
                if t <= as_of {
                    place(row);
                }
            }
        }
    }
    let ncols = ctx.layout.ncols;
    let mut outs = out.chunks_mut(ncols);
    for w in plan.start[s0..=s1].windows(2) {
        if w[1] > w[0] {
            let o = outs.next().expect("one output row per used slot");
            customer(
                ctx,
                s,
                &b.recs[(w[0] - base) as usize..(w[1] - base) as usize],
                o,
            );
        }
    }
}

/// The codes of the `k` categories with the largest total debit magnitude within the longest
/// window, over all customers; ties by label.
fn top_categories(
    col: &CategoricalColumn,
    ts: &[i64],
    amounts: &[f64],
    as_of: i64,
    max_window_secs: u64,
    k: usize,
) -> Vec<u32> {
    let labels = col.labels();
    let mut total = vec![0.0f64; labels.len()];
    for ((&c, &t), &a) in col.codes().iter().zip(ts).zip(amounts) {
        if c != MISSING && a < 0.0 && t <= as_of && as_of.abs_diff(t) < max_window_secs {
            total[c as usize] -= a;
        }
    }
    let mut ranked: Vec<u32> = (0..labels.len() as u32)
        .filter(|&c| total[c as usize] > 0.0)
        .collect();
    ranked.sort_unstable_by(|&a, &b| {
        total[b as usize]
            .total_cmp(&total[a as usize])
            .then_with(|| labels[a as usize].cmp(&labels[b as usize]))
    });
    ranked.truncate(k);
    ranked
}

/// Where each group of columns starts.
struct Layout {
    /// The first window column.
    window: usize,
    /// `net_flow_monthly_mean`, followed by the other monthly and life-event columns.
    monthly: usize,
    /// The first share column, and the number of share columns (top categories + other).
    share: usize,
    n_share: usize,
    /// `balance_last`, followed by the balance window columns (when balances are given).
    balance: usize,
    ncols: usize,
}

impl Layout {
    fn new(n_windows: usize, n_share: Option<usize>, balances: bool) -> Self {
        let window = 4;
        let monthly = window + 6 * n_windows;
        let share = monthly + 10;
        let n_share = n_share.unwrap_or(0);
        let balance = share + n_share;
        let ncols = balance + if balances { 1 + 3 * n_windows } else { 0 };
        Layout {
            window,
            monthly,
            share,
            n_share,
            balance,
            ncols,
        }
    }
}

/// What every customer's computation reads.
struct Ctx {
    as_of: i64,
    /// Whether categories and balances are given.
    has_cats: bool,
    has_balances: bool,
    win_secs: Vec<u64>,
    max_window_secs: u64,
    months: usize,
    tol: f64,
    /// `1 + recurring_tolerance`.
    factor: f64,
    min_months: usize,
    salary_fraction: f64,
    large_multiple: f64,
    new_payment_days: f64,
    /// Category code to share column (`n_top`: other).
    cat_col: Vec<u32>,
    n_top: usize,
    layout: Layout,
}

/// A credit or debit (by magnitude) in buckets `0 .. months`.
#[derive(Clone, Copy, Debug)]
struct Item {
    amount: f64,
    diff: u64,
    cat: u32,
    bucket: u32,
}

/// Sums of one window.
#[derive(Clone, Copy, Debug)]
struct WindowAcc {
    credit_n: u32,
    debit_n: u32,
    balance_n: u32,
    credit_sum: f64,
    debit_sum: f64,
    balance_sum: f64,
    balance_min: f64,
    balance_max: f64,
}

impl WindowAcc {
    const EMPTY: WindowAcc = WindowAcc {
        credit_n: 0,
        debit_n: 0,
        balance_n: 0,
        credit_sum: 0.0,
        debit_sum: 0.0,
        balance_sum: 0.0,
        balance_min: f64::INFINITY,
        balance_max: f64::NEG_INFINITY,
    };
}

/// Buffers reused from customer to customer by one worker. Between customers, `month_sum`,
/// `salary` and `shares` are all zero.
struct Scratch {
    windows: Vec<WindowAcc>,
    month_sum: Vec<f64>,
    /// Largest credit of each bucket and its age in seconds (amount 0: none).
    salary: Vec<(f64, u64)>,
    /// Cluster stamps per bucket, to count distinct buckets.
    stamps: Vec<u32>,
    stamp: u32,
    credits: Vec<Item>,
    debits: Vec<Item>,
    median: Vec<u64>,
    shares: Vec<f64>,
}

impl Scratch {
    fn new(ctx: &Ctx) -> Self {
        Scratch {
            windows: vec![WindowAcc::EMPTY; ctx.win_secs.len()],
            month_sum: vec![0.0; ctx.months],
            salary: vec![(0.0, 0); ctx.months],
            stamps: vec![0; ctx.months],
            stamp: 0,
            credits: Vec::new(),
            debits: Vec::new(),
            median: Vec::new(),
            shares: vec![0.0; ctx.layout.n_share],
        }
    }
}

#[inline]
fn days(diff: u64) -> f64 {
    diff as f64 / SECS_PER_DAY as f64
}

fn nan_unless(cond: bool, v: f64) -> f64 {
    if cond {
        v
    } else {
        f64::NAN
    }
}

/// Computes one customer's row `out` from its `rows` (input order, all at or before `as_of`).
fn customer(ctx: &Ctx, s: &mut Scratch, rows: &[Rec], out: &mut [f64]) {
    let month_limit = ctx.months as u64 * SECS_PER_MONTH;
    s.windows.fill(WindowAcc::EMPTY);
    s.credits.clear();
    s.debits.clear();
    let mut min_diff = u64::MAX;
    let mut max_diff = 0u64;
    let (mut last_credit, mut last_debit) = (None::<u64>, None::<u64>);
    let mut balance_last = (u64::MAX, f64::NAN);
    let mut debit_total = 0.0;
    let has_cats = ctx.has_cats;
    let has_balances = ctx.has_balances;

    for rec in rows {
        let diff = rec.diff;
        let a = rec.amount;
        min_diff = min_diff.min(diff);
        max_diff = max_diff.max(diff);
        if a > 0.0 {
            last_credit = Some(last_credit.map_or(diff, |d| d.min(diff)));
        } else if a < 0.0 {
            last_debit = Some(last_debit.map_or(diff, |d| d.min(diff)));
        }
        let balance = has_balances.then_some(rec.balance);
        for (acc, &w) in s.windows.iter_mut().zip(&ctx.win_secs) {
            if diff < w {
                if a > 0.0 {
                    acc.credit_n += 1;
                    acc.credit_sum += a;
                } else if a < 0.0 {
                    acc.debit_n += 1;
                    acc.debit_sum -= a;
                }
                if let Some(b) = balance {
                    acc.balance_n += 1;
                    acc.balance_sum += b;
                    acc.balance_min = acc.balance_min.min(b);
                    acc.balance_max = acc.balance_max.max(b);
                }
            }
        }
        if let Some(b) = balance {
            // Rows come in input order: of equal times, the last wins.
            if diff <= balance_last.0 {
                balance_last = (diff, b);
            }
        }
        if diff < month_limit {
            let bucket = (diff / SECS_PER_MONTH) as usize;
            s.month_sum[bucket] += a;
            let cat = rec.cat;
            if a > 0.0 {
                let best = &mut s.salary[bucket];
                if a > best.0 || (a == best.0 && diff < best.1) {
                    *best = (a, diff);
                }
                s.credits.push(Item {
                    amount: a,
                    diff,
                    cat,
                    bucket: bucket as u32,
                });
            } else if a < 0.0 {
                s.debits.push(Item {
                    amount: -a,
                    diff,
                    cat,
                    bucket: bucket as u32,
                });
            }
        }
        if has_cats && a < 0.0 && diff < ctx.max_window_secs {
            debit_total -= a;
            let c = rec.cat;
            let col = if c == MISSING {
                ctx.n_top
            } else {
                ctx.cat_col[c as usize] as usize
            };
            s.shares[col] -= a;
        }
    }

    // 1. Recency.
    out[0] = days(min_diff);
    out[1] = last_credit.map_or(f64::NAN, days);
    out[2] = last_debit.map_or(f64::NAN, days);
    let days_since_first = days(max_diff);
    out[3] = days_since_first;

    // 2. Windows.
    for (i, acc) in s.windows.iter().enumerate() {
        let o = &mut out[ctx.layout.window + 6 * i..ctx.layout.window + 6 * i + 6];
        o[0] = f64::from(acc.credit_n);
        o[1] = acc.credit_sum;
        o[2] = nan_unless(acc.credit_n > 0, acc.credit_sum / f64::from(acc.credit_n));
        o[3] = f64::from(acc.debit_n);
        o[4] = acc.debit_sum;
        o[5] = nan_unless(acc.debit_n > 0, acc.debit_sum / f64::from(acc.debit_n));
    }

    // 3. Monthly net flow.
    let m_obs = (max_diff / SECS_PER_MONTH)
        .saturating_add(1)
        .min(ctx.months as u64) as usize;
    let m = m_obs as f64;
    let flows = &s.month_sum[..m_obs];
    let mean = flows.iter().sum::<f64>() / m;
    let trend = if m_obs >= 2 {
        let x_mean = -(m - 1.0) / 2.0;
        let (mut sxx, mut sxy) = (0.0, 0.0);
        for (b, &y) in flows.iter().enumerate() {
            let dx = -(b as f64) - x_mean;
            sxx += dx * dx;
            sxy += dx * (y - mean);
        }
        sxy / sxx
    } else {
        f64::NAN
    };
    let o = &mut out[ctx.layout.monthly..ctx.layout.monthly + 10];
    o[0] = mean;
    o[1] = trend;

    // 6. Large one-off inflow (before the credits are sorted for 4).
    let (mut large_amount, mut large_days) = (0.0, f64::NAN);
    if s.credits.len() >= 3 {
        s.median.clear();
        s.median
            .extend(s.credits.iter().map(|c| c.amount.to_bits()));
        let median = median_of_bits(&mut s.median);
        let threshold = ctx.large_multiple * median;
        let mut best: Option<(u64, f64)> = None;
        for c in &s.credits {
            if c.amount > threshold {
                let better = match best {
                    None => true,
                    Some((d, a)) => c.diff < d || (c.diff == d && c.amount > a),
                };
                if better {
                    best = Some((c.diff, c.amount));
                }
            }
        }
        if let Some((d, a)) = best {
            large_amount = a;
            large_days = days(d);
        }
    }

    // 4. Recurring amounts, and 7. new recurring payment.
    let income = recurring(&mut s.credits, &mut s.stamps, &mut s.stamp, ctx, |_| {});
    let mut new_payment: Option<(u64, f64)> = None;
    let recurring_debit = recurring(&mut s.debits, &mut s.stamps, &mut s.stamp, ctx, |c| {
        let first = c
            .iter()
            .map(|i| i.diff)
            .max()
            .expect("clusters are not empty");
        let first_days = days(first);
        if first_days <= ctx.new_payment_days && days_since_first >= first_days + 60.0 {
            let median = median_sorted(c);
            let better = match new_payment {
                None => true,
                Some((d, med)) => first < d || (first == d && median > med),
            };
            if better {
                new_payment = Some((first, median));
            }
        }
    });
    o[2] = income / m;
    o[3] = recurring_debit / m;

    // 5. Salary change.
    let salary = &s.salary[..m_obs];
    let (mut change, mut change_days) = (0.0, f64::NAN);
    for b in 1..m_obs.saturating_sub(2) {
        let (s_prev, s_b, s_old, s_older) = (
            salary[b - 1].0,
            salary[b].0,
            salary[b + 1].0,
            salary[b + 2].0,
        );
        if s_prev > 0.0 && s_b > 0.0 && s_old > 0.0 && s_older > 0.0 {
            let moved = s_b / s_old - 1.0;
            if (s_old / s_older - 1.0).abs() <= ctx.tol
                && (s_prev / s_b - 1.0).abs() <= ctx.tol
                && moved.abs() > ctx.salary_fraction
            {
                change = moved;
                change_days = days(salary[b].1);
                break;
            }
        }
    }
    o[4] = change;
    o[5] = change_days;
    o[6] = large_amount;
    o[7] = large_days;
    o[8] = new_payment.map_or(0.0, |p| p.1);
    o[9] = new_payment.map_or(f64::NAN, |p| days(p.0));

    // 8. Category shares.
    if has_cats {
        let o = &mut out[ctx.layout.share..ctx.layout.share + ctx.layout.n_share];
        for (o, sh) in o.iter_mut().zip(s.shares.iter_mut()) {
            *o = if debit_total > 0.0 {
                *sh / debit_total
            } else {
                0.0
            };
            *sh = 0.0;
        }
    }

    // 9. Balances.
    if has_balances {
        let o = &mut out[ctx.layout.balance..ctx.layout.balance + 1 + 3 * s.windows.len()];
        o[0] = balance_last.1;
        for (i, acc) in s.windows.iter().enumerate() {
            let some = acc.balance_n > 0;
            o[1 + 3 * i] = nan_unless(some, acc.balance_sum / f64::from(acc.balance_n));
            o[2 + 3 * i] = nan_unless(some, acc.balance_min);
            o[3 + 3 * i] = nan_unless(some, acc.balance_max);
        }
    }

    // Leave the bucket buffers zero for the next customer: only buckets below m_obs were touched.
    s.month_sum[..m_obs].fill(0.0);
    s.salary[..m_obs].fill((0.0, 0));
}

/// The median of positive finite numbers given by their bits (which order like the numbers).
fn median_of_bits(v: &mut [u64]) -> f64 {
    let n = v.len();
    let (left, &mut mid, _) = v.select_nth_unstable(n / 2);
    let hi = f64::from_bits(mid);
    if n % 2 == 1 {
        hi
    } else {
        let lo = f64::from_bits(*left.iter().max().expect("n >= 2"));
        (lo + hi) / 2.0
    }
}

/// The median amount of items sorted by amount.
fn median_sorted(c: &[Item]) -> f64 {
    let n = c.len();
    if n % 2 == 1 {
        c[n / 2].amount
    } else {
        (c[n / 2 - 1].amount + c[n / 2].amount) / 2.0
    }
}

/// Clusters `items` (sorted here by category, then amount) and returns the summed amount of the
/// recurring clusters, calling `on_recurring` with each (sorted by amount).
fn recurring(
    items: &mut [Item],
    stamps: &mut [u32],
    stamp: &mut u32,
    ctx: &Ctx,
    mut on_recurring: impl FnMut(&[Item]),
) -> f64 {
    if items.len() < ctx.min_months {
        return 0.0;
    }
    // Amounts are positive and finite, so their bits order like them.
    items.sort_unstable_by_key(|i| (i.cat, i.amount.to_bits()));
    let mut total = 0.0;
    let mut i = 0;
    while i < items.len() {
        let (cat, limit) = (items[i].cat, items[i].amount * ctx.factor);
        let mut j = i + 1;
        while j < items.len() && items[j].cat == cat && items[j].amount <= limit {
            j += 1;
        }
        let cluster = &items[i..j];
        i = j;
        if cluster.len() < ctx.min_months {
            continue;
        }
        if *stamp == u32::MAX {
            stamps.fill(0);
            *stamp = 0;
        }
        *stamp += 1;
        let mut distinct = 0;
        for it in cluster {
            let st = &mut stamps[it.bucket as usize];
            if *st != *stamp {
                *st = *stamp;
                distinct += 1;
            }
        }
        if distinct >= ctx.min_months {
            total += cluster.iter().map(|it| it.amount).sum::<f64>();
            on_recurring(cluster);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_map_grows_and_finds() {
        let mut map = IdMap::new();
        for k in 0..5000i64 {
            assert_eq!(
                map.get_or_insert(k * 7919 - 100_000, k as u32),
                (k as u32, true)
            );
        }
        for k in 0..5000i64 {
            assert_eq!(map.get_or_insert(k * 7919 - 100_000, 0), (k as u32, false));
        }
        assert_eq!(map.get_or_insert(i64::MIN, 5000), (5000, true));
        assert_eq!(map.get_or_insert(i64::MAX, 5001), (5001, true));
        assert_eq!(map.get_or_insert(i64::MIN, 0), (5000, false));
    }

    #[test]
    fn plan_partitions_rows_by_group() {
        // Slots of the rows 1, 0, -, 1, 3, 0 (slot 2 unused); groups cut once they have 3 rows:
        // {0, 1, 2}, {3}.
        let slots = [1, 0, 9, 1, 3, 0];
        let ts = [0, 0, 1, 0, 0, 0];
        let plan = Plan::new(&[2, 2, 0, 1], 3);
        assert_eq!(plan.start, [0, 2, 4, 4, 5]);
        assert_eq!(plan.bounds, [0, 3, 4]);
        assert_eq!(plan.out_bounds, [0, 2, 3]);
        let idx = plan.partition(&ts, 0, |r| slots[r]);
        assert_eq!(idx.unwrap(), [0, 1, 3, 5, 4]);
        let one = Plan::new(&[2, 2, 0, 1], 10);
        assert_eq!(one.bounds, [0, 4]);
        assert!(one.partition(&ts, 0, |r| slots[r]).is_none());
    }

    #[test]
    fn medians() {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(median_of_bits(&mut bits(&[3.0, 1.0, 2.0])), 2.0);
        assert_eq!(median_of_bits(&mut bits(&[4.0, 1.0, 3.0, 2.0])), 2.5);
    }

    #[test]
    fn names_match_layout() {
        let o = TransactionOptions::default();
        for (cats, bal) in [
            (None, false),
            (Some(3), true),
            (Some(1), false),
            (None, true),
        ] {
            let labels: Vec<String> = (0..cats.unwrap_or(0)).map(|i| i.to_string()).collect();
            let names = feature_names(&o, cats.map(|_| labels.as_slice()), bal);
            let layout = Layout::new(3, cats.map(|k| k + 1), bal);
            assert_eq!(names.len(), layout.ncols);
            assert_eq!(names[layout.monthly], "net_flow_monthly_mean");
            if bal {
                assert_eq!(names[layout.balance], "balance_last");
            }
        }
    }
}
