//! Customer aggregates from transaction logs: `nb_transaction_*` and `nb_features_*`.

use super::{
    boundary, c_string, categorical, free, item, name_at, nb_status, new_handle, out_ref,
    reference, slice, Res,
};
use nextbest::features::{
    transaction_features, CustomerIds, CustomerKeys, TransactionFeatures, TransactionOptions,
    Transactions,
};
use nextbest::Error;
use std::ffi::c_char;
use std::sync::OnceLock;

/// Options of `nb_transaction_features`. Start from `nb_transaction_options_default()` and
/// change the fields you need; the library checks every value (an out-of-range one fails with
/// NB_INVALID_ARGUMENT, a NaN or infinite one with NB_NON_FINITE) and keeps no pointer.
#[repr(C)]
pub struct nb_transaction_options {
    /// Lengths of the frequency, monetary and balance windows, in days (`n_windows` distinct
    /// values in 1..=36500); the columns of each window follow this order.
    pub windows_days: *const u32,
    /// The number of entries of `windows_days` (at least 1).
    pub n_windows: usize,
    /// The number of spending categories with a `share_{label}` column.
    pub top_categories: usize,
    /// The number of 30-day months for flows, income and life events (1..=1200).
    pub months: usize,
    /// Relative tolerance within which amounts count as the same recurring amount, in [0, 1).
    pub recurring_tolerance: f64,
    /// Distinct months an amount must appear in to count as recurring (at least 2).
    pub recurring_min_months: usize,
    /// Relative move of the salary that counts as a salary change (above 0).
    pub salary_change_fraction: f64,
    /// A credit above this multiple of the customer's median credit is a large one-off inflow
    /// (above 1).
    pub large_inflow_multiple: f64,
    /// A recurring payment that first appeared within this many days is new.
    pub new_payment_days: u32,
    /// Worker threads; 0: all cores (the library's shared pool).
    pub n_threads: usize,
}

/// An immutable result of `nb_transaction_features`: one row of features per customer,
/// customers in ascending order. One handle may be used from many threads at once, as long as
/// no thread frees it meanwhile. Free with `nb_features_free`.
pub struct nb_features(TransactionFeatures);

/// Core's default windows, in memory that lives as long as the process.
static DEFAULT_WINDOWS: OnceLock<Box<[u32]>> = OnceLock::new();

/// The core options an `nb_transaction_options` stands for (NULL: the defaults).
unsafe fn options(p: *const nb_transaction_options) -> Res<TransactionOptions> {
    let Some(o) = (unsafe { p.as_ref() }) else {
        return Ok(TransactionOptions::default());
    };
    Ok(TransactionOptions {
        windows_days: unsafe { slice(o.windows_days, o.n_windows, "options->windows_days")? }
            .to_vec(),
        top_categories: o.top_categories,
        months: o.months,
        recurring_tolerance: o.recurring_tolerance,
        recurring_min_months: o.recurring_min_months,
        salary_change_fraction: o.salary_change_fraction,
        large_inflow_multiple: o.large_inflow_multiple,
        new_payment_days: o.new_payment_days,
        n_threads: (o.n_threads != 0).then_some(o.n_threads),
    })
}

/// The shared part of both entry points, once the customer ids are converted.
#[allow(clippy::too_many_arguments)]
unsafe fn features(
    n: usize,
    customer_ids: CustomerIds<'_>,
    timestamps: *const i64,
    amounts: *const f64,
    as_of: i64,
    categories: *const *const c_char,
    balances: *const f64,
    opts: *const nb_transaction_options,
    out: &mut *mut nb_features,
) -> Res {
    let options = unsafe { options(opts)? };
    let timestamps = unsafe { slice(timestamps, n, "timestamps")? };
    let amounts = unsafe { slice(amounts, n, "amounts")? };
    let categories = if categories.is_null() {
        None
    } else {
        Some(unsafe { categorical(categories, n, "categories")? })
    };
    let balances = if balances.is_null() {
        None
    } else {
        Some(unsafe { slice(balances, n, "balances")? })
    };
    let log = Transactions {
        customer_ids,
        timestamps,
        amounts,
        categories: categories.as_ref(),
        balances,
    };
    new_handle(
        out,
        nb_features(transaction_features(&log, as_of, &options)?),
    );
    Ok(())
}

/// The default options: windows of 30, 90 and 365 days (`windows_days` points to a static
/// array, never to be freed), 20 top categories, 12 months, recurring tolerance 0.1 over at
/// least 3 months, salary change 0.2, large inflow 3 times the median credit, new payments
/// within 120 days, all cores.
#[no_mangle]
pub extern "C" fn nb_transaction_options_default() -> nb_transaction_options {
    let d = TransactionOptions::default();
    let windows = DEFAULT_WINDOWS.get_or_init(|| d.windows_days.clone().into_boxed_slice());
    nb_transaction_options {
        windows_days: windows.as_ptr(),
        n_windows: windows.len(),
        top_categories: d.top_categories,
        months: d.months,
        recurring_tolerance: d.recurring_tolerance,
        recurring_min_months: d.recurring_min_months,
        salary_change_fraction: d.salary_change_fraction,
        large_inflow_multiple: d.large_inflow_multiple,
        new_payment_days: d.new_payment_days,
        n_threads: d.n_threads.unwrap_or(0),
    }
}

/// Customer aggregates of a transaction log of `n` transactions as of `as_of` (epoch
/// seconds): one row per customer with a transaction at or before `as_of` (later ones are
/// ignored), customers in ascending numeric order. The columns (recency; counts, sums and
/// means of credits and debits per window; monthly net flow and its trend; recurring income
/// and payments; salary change; large one-off inflow; new recurring payment; category shares;
/// balances) are defined in the documentation of the Rust crate
/// (`nextbest::features::transaction_features`, core/src/features/transactions.rs);
/// `nb_features_name` gives their names.
///
/// Every array holds `n` entries, in any order: `customer_ids`, `timestamps` (epoch seconds),
/// `amounts` (credits positive, debits negative; finite), and optionally `categories` (NULL:
/// no category columns; a NULL entry: no category) and `balances` (the balance after each
/// transaction, finite; NULL: no balance columns). `options`: NULL for
/// `nb_transaction_options_default()`. Everything is checked before anything is computed, and
/// the message names the argument and the row (e.g. NB_NON_FINITE for a NaN amount, NB_EMPTY
/// when no transaction is at or before `as_of`). On success `*out` is a new result to free
/// with `nb_features_free`. The work is spread over `options->n_threads` threads; the result
/// does not depend on their number.
#[no_mangle]
pub unsafe extern "C" fn nb_transaction_features(
    n: usize,
    customer_ids: *const i64,
    timestamps: *const i64,
    amounts: *const f64,
    as_of: i64,
    categories: *const *const c_char,
    balances: *const f64,
    options: *const nb_transaction_options,
    out: *mut *mut nb_features,
) -> nb_status {
    boundary(|| unsafe {
        let out = out_ref(out, "out")?;
        let ids = CustomerIds::Int(slice(customer_ids, n, "customer_ids")?);
        features(
            n, ids, timestamps, amounts, as_of, categories, balances, options, out,
        )
    })
}

/// `nb_transaction_features` with string customer ids: `customer_ids` holds `n`
/// NUL-terminated UTF-8 strings (a NULL entry fails with NB_INVALID_ARGUMENT, naming the row).
/// Rows are in byte-wise ascending order of the ids; read them with `nb_features_id_str`.
#[no_mangle]
pub unsafe extern "C" fn nb_transaction_features_str(
    n: usize,
    customer_ids: *const *const c_char,
    timestamps: *const i64,
    amounts: *const f64,
    as_of: i64,
    categories: *const *const c_char,
    balances: *const f64,
    options: *const nb_transaction_options,
    out: *mut *mut nb_features,
) -> nb_status {
    boundary(|| unsafe {
        let out = out_ref(out, "out")?;
        let ids = categorical(customer_ids, n, "customer_ids")?;
        let ids = CustomerIds::Labels(&ids);
        features(
            n, ids, timestamps, amounts, as_of, categories, balances, options, out,
        )
    })
}

/// Writes the number of rows (customers) to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_features_n_rows(f: *const nb_features, out: *mut usize) -> nb_status {
    boundary(|| unsafe {
        let (f, out) = (reference(f, "f")?, out_ref(out, "out")?);
        *out = f.0.n_rows();
        Ok(())
    })
}

/// Writes the number of columns (features) to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_features_n_cols(f: *const nb_features, out: *mut usize) -> nb_status {
    boundary(|| unsafe {
        let (f, out) = (reference(f, "f")?, out_ref(out, "out")?);
        *out = f.0.names.len();
        Ok(())
    })
}

/// Writes to `*out` a pointer to the `n_rows * n_cols` values, row-major:
/// `(*out)[row * n_cols + col]`; NaN means "not applicable" (e.g. the mean of no credit). The
/// memory belongs to `f` and stays valid until `nb_features_free(f)`; do not free or change it.
#[no_mangle]
pub unsafe extern "C" fn nb_features_values(
    f: *const nb_features,
    out: *mut *const f64,
) -> nb_status {
    boundary(|| unsafe {
        let (f, out) = (reference(f, "f")?, out_ref(out, "out")?);
        *out = f.0.values.as_ptr();
        Ok(())
    })
}

/// Writes a copy of the name of column `j` (0 <= j < n_cols) to `*out_name`; free it with
/// `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_features_name(
    f: *const nb_features,
    j: usize,
    out_name: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (f, out) = (reference(f, "f")?, out_ref(out_name, "out_name")?);
        name_at(&f.0.names, j, "column", out)
    })
}

/// Writes the customer id of `row` to `*out`, for a result of `nb_transaction_features`
/// (integer ids); a result of `nb_transaction_features_str` fails with NB_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn nb_features_id_int(
    f: *const nb_features,
    row: usize,
    out: *mut i64,
) -> nb_status {
    boundary(|| unsafe {
        let (f, out) = (reference(f, "f")?, out_ref(out, "out")?);
        match &f.0.customer_ids {
            CustomerKeys::Int(ids) => *out = *item(ids, row, "row")?,
            CustomerKeys::Str(_) => {
                return Err(Error::invalid(
                    "the customer ids are strings: read them with nb_features_id_str",
                )
                .into())
            }
        }
        Ok(())
    })
}

/// Writes a copy of the customer id of `row` to `*out_id`, for a result of
/// `nb_transaction_features_str` (string ids); free it with `nb_string_free`. A result of
/// `nb_transaction_features` fails with NB_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn nb_features_id_str(
    f: *const nb_features,
    row: usize,
    out_id: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (f, out) = (reference(f, "f")?, out_ref(out_id, "out_id")?);
        match &f.0.customer_ids {
            CustomerKeys::Str(ids) => {
                *out = c_string(item(ids, row, "row")?.clone(), "the customer id")?;
                Ok(())
            }
            CustomerKeys::Int(_) => Err(Error::invalid(
                "the customer ids are integers: read them with nb_features_id_int",
            )
            .into()),
        }
    })
}

/// Frees a result. Accepts NULL.
#[no_mangle]
pub unsafe extern "C" fn nb_features_free(f: *mut nb_features) {
    boundary(|| unsafe { free(f) });
}
