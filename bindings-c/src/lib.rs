//! C interface of nextbest (`libnextbest`, header `include/nextbest.h`).
//!
//! The binding is thin: every algorithm, check and message lives in the core crate. Each
//! `extern "C"` function runs its body inside [`boundary`], which catches panics, turns the
//! core [`Error`] into an [`nb_status`] and stores the message for [`nb_last_error_message`].
//! The two bandit families share one generic implementation over [`Arm`]; the exported
//! functions only name the handle type. The feature pipeline and the transaction aggregates
//! live in the modules `pipeline` and `transactions`.
//!
//! Pointer contract (the C caller's side, stated in the header): a non-NULL pointer points to
//! valid memory of the documented length; arrays of length 0 may be NULL.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]
#![warn(missing_docs)]

use nextbest::bandit::{Arm, BetaArm, BetaPrior, GaussianArm, GaussianPrior, Shared, Thompson};
use nextbest::features::CategoricalColumn;
use nextbest::{Error, ErrorKind, Persist};
use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

mod model;
mod pipeline;
mod scoring;
mod transactions;

pub use model::nb_model;
pub use pipeline::nb_pipeline;
pub use scoring::nb_scoring_pipeline;
pub use transactions::{nb_features, nb_transaction_options};

/// The result of every call that can fail; the numbers are stable.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum nb_status {
    /// Success.
    NB_OK = 0,
    /// A parameter or value violates a stated constraint.
    NB_INVALID_ARGUMENT = 1,
    /// Lengths or shapes of inputs disagree.
    NB_SHAPE_MISMATCH = 2,
    /// A NaN or infinite value where a finite one is required.
    NB_NON_FINITE = 3,
    /// An unknown name (arm, column, feature) or an index out of range.
    NB_NOT_FOUND = 4,
    /// Empty input where some is required (e.g. no arms).
    NB_EMPTY = 5,
    /// A decision was asked for but no arm is eligible.
    NB_NO_ELIGIBLE_ARM = 6,
    /// A JSON document that is not valid JSON or not a valid nextbest document.
    NB_BAD_DOCUMENT = 7,
    /// A JSON document of another kind than the one being loaded.
    NB_WRONG_KIND = 8,
    /// A JSON document of a version this build cannot read.
    NB_UNSUPPORTED_VERSION = 9,
    /// A model used before it was fitted.
    NB_NOT_FITTED = 10,
    /// A required pointer argument is NULL.
    NB_NULL_POINTER = 100,
    /// An internal error (a bug): the library caught a panic; the object is unchanged.
    NB_PANIC = 101,
    /// An error of a kind this binding does not know yet.
    NB_OTHER_ERROR = 102,
}

fn status_of(kind: ErrorKind) -> nb_status {
    use nb_status::*;
    match kind {
        ErrorKind::InvalidArgument => NB_INVALID_ARGUMENT,
        ErrorKind::ShapeMismatch => NB_SHAPE_MISMATCH,
        ErrorKind::NonFinite => NB_NON_FINITE,
        ErrorKind::NotFound => NB_NOT_FOUND,
        ErrorKind::Empty => NB_EMPTY,
        ErrorKind::NoEligibleArm => NB_NO_ELIGIBLE_ARM,
        ErrorKind::BadDocument => NB_BAD_DOCUMENT,
        ErrorKind::WrongKind => NB_WRONG_KIND,
        ErrorKind::UnsupportedVersion => NB_UNSUPPORTED_VERSION,
        ErrorKind::NotFitted => NB_NOT_FITTED,
        _ => NB_OTHER_ERROR,
    }
}

/// A failed call: the status to return and the message to store.
struct Failure {
    status: nb_status,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            status: status_of(e.kind()),
            message: e.message().to_owned(),
        }
    }
}

type Res<T = ()> = Result<T, Failure>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}

/// Runs the body of an exported function: catches panics, maps the error to a status and
/// stores its message for [`nb_last_error_message`].
fn boundary(body: impl FnOnce() -> Res) -> nb_status {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return nb_status::NB_OK,
        Ok(Err(f)) => f,
        Err(payload) => Failure {
            status: nb_status::NB_PANIC,
            message: format!("internal panic: {}", panic_message(&*payload)),
        },
    };
    let message = CString::new(failure.message.replace('\0', "\\0")).unwrap_or_default();
    // Fails only while the thread is being torn down; the status still says what happened.
    let _ = LAST_ERROR.try_with(|m| *m.borrow_mut() = message);
    failure.status
}

/// The one NULL check: `Err` naming the parameter when `p` is NULL.
fn non_null<T>(p: *const T, name: &str) -> Res<*const T> {
    if p.is_null() {
        Err(Failure {
            status: nb_status::NB_NULL_POINTER,
            message: format!("argument `{name}` is NULL"),
        })
    } else {
        Ok(p)
    }
}

unsafe fn reference<'a, T>(p: *const T, name: &str) -> Res<&'a T> {
    Ok(unsafe { &*non_null(p, name)? })
}

unsafe fn out_ref<'a, T>(p: *mut T, name: &str) -> Res<&'a mut T> {
    Ok(unsafe { &mut *non_null(p.cast_const(), name)?.cast_mut() })
}

unsafe fn slice<'a, T>(p: *const T, n: usize, name: &str) -> Res<&'a [T]> {
    if n == 0 {
        return Ok(&[]);
    }
    Ok(unsafe { std::slice::from_raw_parts(non_null(p, name)?, n) })
}

unsafe fn slice_mut<'a, T>(p: *mut T, n: usize, name: &str) -> Res<&'a mut [T]> {
    if n == 0 {
        return Ok(&mut []);
    }
    Ok(unsafe { std::slice::from_raw_parts_mut(non_null(p.cast_const(), name)?.cast_mut(), n) })
}

unsafe fn string<'a>(p: *const c_char, name: &str) -> Res<&'a str> {
    let s = unsafe { CStr::from_ptr(non_null(p, name)?) };
    s.to_str().map_err(|e| utf8_error(name, e))
}

fn utf8_error(name: &str, e: std::str::Utf8Error) -> Failure {
    Error::invalid(format!("argument `{name}` is not valid UTF-8: {e}")).into()
}

/// The eligibility mask of `n` bytes at `p` (NULL: every arm eligible).
unsafe fn mask(p: *const u8, n: usize) -> Option<Vec<bool>> {
    (!p.is_null()).then(|| {
        unsafe { std::slice::from_raw_parts(p, n) }
            .iter()
            .map(|&e| e != 0)
            .collect()
    })
}

/// `n` NUL-terminated UTF-8 strings at `p` (NULL when `n` is 0), named `name[i]` in errors.
unsafe fn strings<'a>(p: *const *const c_char, n: usize, name: &str) -> Res<Vec<&'a str>> {
    unsafe { slice(p, n, name)? }
        .iter()
        .enumerate()
        .map(|(i, &s)| unsafe { string(s, &format!("{name}[{i}]")) })
        .collect()
}

/// A column of `n` optional strings at `p` (NULL when `n` is 0): a NULL entry is missing.
/// Errors name the entry as `name[i]`.
unsafe fn categorical(p: *const *const c_char, n: usize, name: &str) -> Res<CategoricalColumn> {
    let mut col = CategoricalColumn::with_capacity(n);
    for (i, &s) in unsafe { slice(p, n, name)? }.iter().enumerate() {
        if s.is_null() {
            col.push(None);
        } else {
            // Not `string`: no per-row formatting of the argument's name.
            let value = unsafe { CStr::from_ptr(s) }
                .to_str()
                .map_err(|e| utf8_error(&format!("{name}[{i}]"), e))?;
            col.push(Some(value));
        }
    }
    Ok(col)
}

/// The text of a JSON document argument (not UTF-8: a bad document).
unsafe fn document<'a>(json: *const c_char) -> Res<&'a str> {
    Ok(unsafe { CStr::from_ptr(non_null(json, "json")?) }
        .to_str()
        .map_err(|e| Error::document(format!("document is not valid UTF-8: {e}")))?)
}

/// The named raw input columns of a call (`nb_pipeline_transform`, the scoring pipeline).
pub(crate) struct Columns<'a> {
    pub(crate) n_rows: usize,
    numeric: Vec<(&'a str, &'a [f64])>,
    categorical: Vec<(&'a str, CategoricalColumn)>,
}

impl<'a> Columns<'a> {
    /// Reads and checks the caller's columns (names UTF-8, no NULL where values are needed).
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn new(
        n_rows: usize,
        n_numeric: usize,
        numeric_names: *const *const c_char,
        numeric_cols: *const *const f64,
        n_categorical: usize,
        categorical_names: *const *const c_char,
        categorical_cols: *const *const *const c_char,
    ) -> Res<Self> {
        let numeric_names = unsafe { strings(numeric_names, n_numeric, "numeric_names")? };
        let numeric_cols = unsafe { slice(numeric_cols, n_numeric, "numeric_cols")? }
            .iter()
            .enumerate()
            .map(|(i, &c)| unsafe { slice(c, n_rows, &format!("numeric_cols[{i}]")) })
            .collect::<Res<Vec<&[f64]>>>()?;
        let categorical_names =
            unsafe { strings(categorical_names, n_categorical, "categorical_names")? };
        let categorical_cols =
            unsafe { slice(categorical_cols, n_categorical, "categorical_cols")? }
                .iter()
                .enumerate()
                .map(|(i, &c)| unsafe { categorical(c, n_rows, &format!("categorical_cols[{i}]")) })
                .collect::<Res<Vec<CategoricalColumn>>>()?;
        Ok(Columns {
            n_rows,
            numeric: numeric_names.into_iter().zip(numeric_cols).collect(),
            categorical: categorical_names
                .into_iter()
                .zip(categorical_cols)
                .collect(),
        })
    }

    /// The columns as a core table (a name given twice fails).
    pub(crate) fn table(&self) -> nextbest::Result<nextbest::features::Table<'_>> {
        use nextbest::features::{Column, Table};
        let mut table = Table::new();
        for &(name, col) in &self.numeric {
            table.push(name, Column::Numeric(col))?;
        }
        for (name, col) in &self.categorical {
            table.push(name, Column::Categorical(col))?;
        }
        Ok(table)
    }
}

/// Boxes `value` into a new handle written to `*out`.
fn new_handle<T>(out: &mut *mut T, value: T) {
    *out = Box::into_raw(Box::new(value));
}

/// `items[j]`, or a "not found" error naming `what` (e.g. "row index 5 is out of range for 3
/// rows"). The core types behind `nb_pipeline` and `nb_features` hand out plain slices.
fn item<'a, T>(items: &'a [T], j: usize, what: &str) -> Res<&'a T> {
    items.get(j).ok_or_else(|| {
        Error::not_found(format!(
            "{what} index {j} is out of range for {} {what}s",
            items.len()
        ))
        .into()
    })
}

/// Writes a copy of `names[j]` to `*out` (freed by `nb_string_free`).
fn name_at(names: &[String], j: usize, what: &str, out: &mut *mut c_char) -> Res {
    *out = c_string(item(names, j, what)?.clone(), &format!("the {what} name"))?;
    Ok(())
}

fn c_string(s: String, what: &str) -> Res<*mut c_char> {
    CString::new(s).map(CString::into_raw).map_err(|_| {
        Error::invalid(format!(
            "{what} contains a NUL byte and cannot be returned as a C string"
        ))
        .into()
    })
}

/// A handle type: an opaque C object around a [`Shared`] bandit.
trait Handle: Sized {
    type A: Arm;
    fn wrap(bandit: Thompson<Self::A>) -> Self;
    fn shared(&self) -> &Shared<Self::A>;
}

/// A Beta-Bernoulli Thompson-sampling bandit (rewards in [0, 1]). Create with `nb_bandit_new`
/// or `nb_bandit_from_json`, free with `nb_bandit_free`. Thread-safe: one handle may be used
/// from many threads at once (every call locks it), and no update is lost.
pub struct nb_bandit(Shared<BetaArm>);

/// A Gaussian Thompson-sampling bandit (real-valued rewards, e.g. revenue). Create with
/// `nb_gaussian_bandit_new` or `nb_gaussian_bandit_from_json`, free with
/// `nb_gaussian_bandit_free`. Thread-safe: one handle may be used from many threads at once.
pub struct nb_gaussian_bandit(Shared<GaussianArm>);

impl Handle for nb_bandit {
    type A = BetaArm;
    fn wrap(bandit: Thompson<BetaArm>) -> Self {
        nb_bandit(Shared::new(bandit))
    }
    fn shared(&self) -> &Shared<BetaArm> {
        &self.0
    }
}

impl Handle for nb_gaussian_bandit {
    type A = GaussianArm;
    fn wrap(bandit: Thompson<GaussianArm>) -> Self {
        nb_gaussian_bandit(Shared::new(bandit))
    }
    fn shared(&self) -> &Shared<GaussianArm> {
        &self.0
    }
}

/// The C encoding of a Gaussian prior: strength 0 is the uninformative prior.
fn gaussian_prior(mean: f64, strength: f64, scale: f64) -> nextbest::Result<GaussianPrior> {
    if strength == 0.0 {
        Ok(GaussianPrior::Uninformative)
    } else {
        GaussianPrior::informative(mean, strength, scale)
    }
}

// ---- generic implementations -------------------------------------------------------------

unsafe fn new<H: Handle>(
    n_arms: usize,
    names: *const *const c_char,
    prior: nextbest::Result<<H::A as Arm>::Prior>,
    discount: f64,
    seed: u64,
    out: *mut *mut H,
) -> Res {
    let out = unsafe { out_ref(out, "out")? };
    let prior = prior?;
    let bandit = if names.is_null() {
        Thompson::unnamed(n_arms, prior, discount, seed)?
    } else {
        let names = unsafe { strings(names, n_arms, "names")? };
        Thompson::new(names, prior, discount, seed)?
    };
    new_handle(out, H::wrap(bandit));
    Ok(())
}

unsafe fn select<H: Handle>(b: *const H, eligible: *const u8, out_arm: *mut usize) -> Res {
    let (b, out) = unsafe { (reference(b, "b")?, out_ref(out_arm, "out_arm")?) };
    let mut t = b.shared().lock();
    let mask = unsafe { mask(eligible, t.n_arms()) };
    *out = t.select(mask.as_deref())?;
    Ok(())
}

unsafe fn select_many<H: Handle>(
    b: *const H,
    n: usize,
    eligible: *const u8,
    out: *mut usize,
) -> Res {
    let (b, out) = unsafe { (reference(b, "b")?, slice_mut(out, n, "out_arms")?) };
    let mut t = b.shared().lock();
    let mask = unsafe { mask(eligible, t.n_arms()) };
    Ok(t.select_many(mask.as_deref(), out)?)
}

unsafe fn top_k<H: Handle>(b: *const H, k: usize, eligible: *const u8, out: *mut usize) -> Res {
    let (b, out) = unsafe { (reference(b, "b")?, slice_mut(out, k, "out_arms")?) };
    let mut t = b.shared().lock();
    let mask = unsafe { mask(eligible, t.n_arms()) };
    out.copy_from_slice(&t.top_k(k, mask.as_deref())?);
    Ok(())
}

unsafe fn update<H: Handle>(b: *const H, arm: usize, reward: f64) -> Res {
    Ok(unsafe { reference(b, "b")? }
        .shared()
        .lock()
        .update(arm, reward)?)
}

unsafe fn update_many<H: Handle>(
    b: *const H,
    n: usize,
    arms: *const usize,
    rewards: *const f64,
) -> Res {
    let b = unsafe { reference(b, "b")? };
    let (arms, rewards) = unsafe { (slice(arms, n, "arms")?, slice(rewards, n, "rewards")?) };
    Ok(b.shared().lock().update_many(arms, rewards)?)
}

unsafe fn arm_probabilities<H: Handle>(b: *const H, eligible: *const u8, out: *mut f64) -> Res {
    let b = unsafe { reference(b, "b")? };
    let out = non_null(out.cast_const(), "out")?.cast_mut();
    let t = b.shared().lock();
    let mask = unsafe { mask(eligible, t.n_arms()) };
    let p = t.arm_probabilities(mask.as_deref())?;
    unsafe { slice_mut(out, p.len(), "out")? }.copy_from_slice(&p);
    Ok(())
}

unsafe fn n_arms<H: Handle>(b: *const H, out: *mut usize) -> Res {
    let (b, out) = unsafe { (reference(b, "b")?, out_ref(out, "out")?) };
    *out = b.shared().lock().n_arms();
    Ok(())
}

unsafe fn arm_index<H: Handle>(b: *const H, name: *const c_char, out: *mut usize) -> Res {
    let (b, name, out) = unsafe {
        (
            reference(b, "b")?,
            string(name, "name")?,
            out_ref(out, "out")?,
        )
    };
    *out = b.shared().lock().arm_index(name)?;
    Ok(())
}

unsafe fn arm_name<H: Handle>(b: *const H, arm: usize, out_name: *mut *mut c_char) -> Res {
    let (b, out) = unsafe { (reference(b, "b")?, out_ref(out_name, "out_name")?) };
    let t = b.shared().lock();
    let name = t.names()[t.check_arm(arm)?].clone();
    *out = c_string(name, "the arm name")?;
    Ok(())
}

unsafe fn add_arm<H: Handle>(
    b: *const H,
    name: *const c_char,
    prior: nextbest::Result<<H::A as Arm>::Prior>,
    out_index: *mut usize,
) -> Res {
    let (b, name, out) = unsafe {
        (
            reference(b, "b")?,
            string(name, "name")?,
            out_ref(out_index, "out_index")?,
        )
    };
    *out = b.shared().lock().add_arm(name, prior?)?;
    Ok(())
}

unsafe fn remove_arm<H: Handle>(b: *const H, arm: usize) -> Res {
    Ok(unsafe { reference(b, "b")? }
        .shared()
        .lock()
        .remove_arm(arm)?)
}

/// Writes column `j` of the posterior table to `outs[j]` (one array per summary field).
unsafe fn posterior<H: Handle>(b: *const H, outs: &[*mut f64]) -> Res {
    let b = unsafe { reference(b, "b")? };
    let fields = <H::A as Arm>::SUMMARY_FIELDS;
    assert_eq!(
        outs.len(),
        fields.len(),
        "one output array per posterior field"
    );
    for (&p, name) in outs.iter().zip(fields) {
        non_null(p.cast_const(), name)?;
    }
    let post = b.shared().lock().posterior();
    for (j, (&p, name)) in outs.iter().zip(fields).enumerate() {
        let col = unsafe { slice_mut(p, post.arms.len(), name)? };
        for (i, v) in col.iter_mut().enumerate() {
            *v = post.values[i * fields.len() + j];
        }
    }
    Ok(())
}

unsafe fn to_json<H: Handle>(b: *const H, out_json: *mut *mut c_char) -> Res {
    let (b, out) = unsafe { (reference(b, "b")?, out_ref(out_json, "out_json")?) };
    *out = c_string(b.shared().lock().to_json(), "the document")?;
    Ok(())
}

unsafe fn from_json<H: Handle>(json: *const c_char, out: *mut *mut H) -> Res {
    let out = unsafe { out_ref(out, "out")? };
    let json = unsafe { document(json)? };
    new_handle(out, H::wrap(Thompson::from_json(json)?));
    Ok(())
}

unsafe fn free<H>(b: *mut H) -> Res {
    if !b.is_null() {
        drop(unsafe { Box::from_raw(b) });
    }
    Ok(())
}

// ---- library-wide functions -------------------------------------------------------------

/// The message of the last failed call on this thread ("" when none has failed). Never NULL;
/// valid until the next failed call on the same thread. Do not free it.
#[no_mangle]
pub extern "C" fn nb_last_error_message() -> *const c_char {
    LAST_ERROR
        .try_with(|m| m.borrow().as_ptr())
        .unwrap_or(c"".as_ptr())
}

/// The library version, "major.minor.patch" (a static string; do not free it). Compare with
/// the header's NEXTBEST_VERSION to detect a header/library mismatch.
#[no_mangle]
pub extern "C" fn nb_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Frees a string returned by the library (JSON documents, arm names). Accepts NULL.
#[no_mangle]
pub unsafe extern "C" fn nb_string_free(s: *mut c_char) {
    boundary(|| {
        if !s.is_null() {
            drop(unsafe { CString::from_raw(s) });
        }
        Ok(())
    });
}

// ---- Beta-Bernoulli bandit ----------------------------------------------------------------

/// Creates a Beta-Bernoulli bandit with `n_arms` arms, each with the prior
/// Beta(prior_alpha, prior_beta) (1, 1 is uniform). `names`: NULL for arms named "0".."n-1",
/// or `n_arms` distinct non-empty UTF-8 strings (copied). `discount` in (0, 1]: 1 keeps all
/// evidence, below 1 old evidence fades. The same `seed` gives the same decisions.
/// On success `*out` is a new handle to free with `nb_bandit_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_new(
    n_arms: usize,
    names: *const *const c_char,
    prior_alpha: f64,
    prior_beta: f64,
    discount: f64,
    seed: u64,
    out: *mut *mut nb_bandit,
) -> nb_status {
    let prior = Ok(BetaPrior {
        alpha: prior_alpha,
        beta: prior_beta,
    });
    boundary(|| unsafe { new(n_arms, names, prior, discount, seed, out) })
}

/// One decision: writes the index of the arm to play to `*out_arm`. `eligible`: NULL (every
/// arm) or `n_arms` bytes, nonzero = eligible.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_select(
    b: *mut nb_bandit,
    eligible: *const u8,
    out_arm: *mut usize,
) -> nb_status {
    boundary(|| unsafe { select(b, eligible, out_arm) })
}

/// `n` independent decisions with the current posterior, written to `out_arms` (`n` long).
/// Above 4096 decisions the work is spread over the library's worker threads.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_select_many(
    b: *mut nb_bandit,
    n: usize,
    eligible: *const u8,
    out_arms: *mut usize,
) -> nb_status {
    boundary(|| unsafe { select_many(b, n, eligible, out_arms) })
}

/// A ranked slate of `k` distinct eligible arms, best first, written to `out_arms` (`k` long).
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_top_k(
    b: *mut nb_bandit,
    k: usize,
    eligible: *const u8,
    out_arms: *mut usize,
) -> nb_status {
    boundary(|| unsafe { top_k(b, k, eligible, out_arms) })
}

/// Learns one reward in [0, 1] (1 = accepted) for `arm`.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_update(b: *mut nb_bandit, arm: usize, reward: f64) -> nb_status {
    boundary(|| unsafe { update(b, arm, reward) })
}

/// Learns `n` rewards in order (`arms` and `rewards` are `n` long). Every pair is checked
/// before any is applied: on error the bandit is unchanged.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_update_many(
    b: *mut nb_bandit,
    n: usize,
    arms: *const usize,
    rewards: *const f64,
) -> nb_status {
    boundary(|| unsafe { update_many(b, n, arms, rewards) })
}

/// The probability that `nb_bandit_select` picks each arm now, written to `out` (`n_arms`
/// long; 0 for ineligible arms): the propensity to log with each decision.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_arm_probabilities(
    b: *mut nb_bandit,
    eligible: *const u8,
    out: *mut f64,
) -> nb_status {
    boundary(|| unsafe { arm_probabilities(b, eligible, out) })
}

/// Writes the number of arms to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_n_arms(b: *const nb_bandit, out: *mut usize) -> nb_status {
    boundary(|| unsafe { n_arms(b, out) })
}

/// Writes the index of the arm called `name` to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_arm_index(
    b: *const nb_bandit,
    name: *const c_char,
    out: *mut usize,
) -> nb_status {
    boundary(|| unsafe { arm_index(b, name, out) })
}

/// Writes a copy of the name of `arm` to `*out_name`; free it with `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_arm_name(
    b: *const nb_bandit,
    arm: usize,
    out_name: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe { arm_name(b, arm, out_name) })
}

/// Adds an arm with prior Beta(prior_alpha, prior_beta), keeping every other arm's state;
/// writes its index (the last) to `*out_index`.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_add_arm(
    b: *mut nb_bandit,
    name: *const c_char,
    prior_alpha: f64,
    prior_beta: f64,
    out_index: *mut usize,
) -> nb_status {
    let prior = Ok(BetaPrior {
        alpha: prior_alpha,
        beta: prior_beta,
    });
    boundary(|| unsafe { add_arm(b, name, prior, out_index) })
}

/// Retires `arm`, keeping every other arm's state; later arms move down one index.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_remove_arm(b: *mut nb_bandit, arm: usize) -> nb_status {
    boundary(|| unsafe { remove_arm(b, arm) })
}

/// Per-arm posterior Beta(alpha, beta), its mean and 95% interval [lower, upper]; each output
/// is `n_arms` long.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_posterior(
    b: *const nb_bandit,
    alpha: *mut f64,
    beta: *mut f64,
    mean: *mut f64,
    lower: *mut f64,
    upper: *mut f64,
) -> nb_status {
    boundary(|| unsafe { posterior(b, &[alpha, beta, mean, lower, upper]) })
}

/// Saves the whole state (arms, evidence, generator) as a JSON document written to
/// `*out_json`; free it with `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_to_json(
    b: *const nb_bandit,
    out_json: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe { to_json(b, out_json) })
}

/// Loads a document written by `nb_bandit_to_json` (every value is checked); the reloaded
/// bandit continues the same random stream. On success `*out` is a new handle.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_from_json(
    json: *const c_char,
    out: *mut *mut nb_bandit,
) -> nb_status {
    boundary(|| unsafe { from_json(json, out) })
}

/// Frees a bandit. Accepts NULL.
#[no_mangle]
pub unsafe extern "C" fn nb_bandit_free(b: *mut nb_bandit) {
    boundary(|| unsafe { free(b) });
}

// ---- Gaussian bandit ----------------------------------------------------------------------

/// Creates a Gaussian bandit with `n_arms` arms. `prior_strength` 0: the uninformative prior
/// (each arm is played twice before sampling; `prior_mean`, `prior_scale` are ignored);
/// above 0: rewards look like `prior_strength` observations of mean `prior_mean` and standard
/// deviation `prior_scale`. `names`, `discount`, `seed` and `out` as in `nb_bandit_new`; free
/// with `nb_gaussian_bandit_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_new(
    n_arms: usize,
    names: *const *const c_char,
    prior_mean: f64,
    prior_strength: f64,
    prior_scale: f64,
    discount: f64,
    seed: u64,
    out: *mut *mut nb_gaussian_bandit,
) -> nb_status {
    let prior = gaussian_prior(prior_mean, prior_strength, prior_scale);
    boundary(|| unsafe { new(n_arms, names, prior, discount, seed, out) })
}

/// One decision; see `nb_bandit_select`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_select(
    b: *mut nb_gaussian_bandit,
    eligible: *const u8,
    out_arm: *mut usize,
) -> nb_status {
    boundary(|| unsafe { select(b, eligible, out_arm) })
}

/// `n` independent decisions; see `nb_bandit_select_many`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_select_many(
    b: *mut nb_gaussian_bandit,
    n: usize,
    eligible: *const u8,
    out_arms: *mut usize,
) -> nb_status {
    boundary(|| unsafe { select_many(b, n, eligible, out_arms) })
}

/// A ranked slate of `k` distinct eligible arms; see `nb_bandit_top_k`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_top_k(
    b: *mut nb_gaussian_bandit,
    k: usize,
    eligible: *const u8,
    out_arms: *mut usize,
) -> nb_status {
    boundary(|| unsafe { top_k(b, k, eligible, out_arms) })
}

/// Learns one finite reward (at most 1e100 in magnitude) for `arm`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_update(
    b: *mut nb_gaussian_bandit,
    arm: usize,
    reward: f64,
) -> nb_status {
    boundary(|| unsafe { update(b, arm, reward) })
}

/// Learns `n` rewards in order, all or none; see `nb_bandit_update_many`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_update_many(
    b: *mut nb_gaussian_bandit,
    n: usize,
    arms: *const usize,
    rewards: *const f64,
) -> nb_status {
    boundary(|| unsafe { update_many(b, n, arms, rewards) })
}

/// Selection probabilities (`n_arms` long); see `nb_bandit_arm_probabilities`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_arm_probabilities(
    b: *mut nb_gaussian_bandit,
    eligible: *const u8,
    out: *mut f64,
) -> nb_status {
    boundary(|| unsafe { arm_probabilities(b, eligible, out) })
}

/// Writes the number of arms to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_n_arms(
    b: *const nb_gaussian_bandit,
    out: *mut usize,
) -> nb_status {
    boundary(|| unsafe { n_arms(b, out) })
}

/// Writes the index of the arm called `name` to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_arm_index(
    b: *const nb_gaussian_bandit,
    name: *const c_char,
    out: *mut usize,
) -> nb_status {
    boundary(|| unsafe { arm_index(b, name, out) })
}

/// Writes a copy of the name of `arm` to `*out_name`; free it with `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_arm_name(
    b: *const nb_gaussian_bandit,
    arm: usize,
    out_name: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe { arm_name(b, arm, out_name) })
}

/// Adds an arm with its own prior (encoded as in `nb_gaussian_bandit_new`), keeping every
/// other arm's state; writes its index (the last) to `*out_index`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_add_arm(
    b: *mut nb_gaussian_bandit,
    name: *const c_char,
    prior_mean: f64,
    prior_strength: f64,
    prior_scale: f64,
    out_index: *mut usize,
) -> nb_status {
    let prior = gaussian_prior(prior_mean, prior_strength, prior_scale);
    boundary(|| unsafe { add_arm(b, name, prior, out_index) })
}

/// Retires `arm`, keeping every other arm's state; later arms move down one index.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_remove_arm(
    b: *mut nb_gaussian_bandit,
    arm: usize,
) -> nb_status {
    boundary(|| unsafe { remove_arm(b, arm) })
}

/// Per-arm summaries, each output `n_arms` long: the (discounted) observation count, the
/// rewards' mean and standard deviation (NaN until 1 resp. 2 observations), and the posterior
/// mean of the expected reward with its 95% interval [lower, upper] (infinite while the arm is
/// unexplored).
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_posterior(
    b: *const nb_gaussian_bandit,
    count: *mut f64,
    reward_mean: *mut f64,
    reward_std: *mut f64,
    mean: *mut f64,
    lower: *mut f64,
    upper: *mut f64,
) -> nb_status {
    boundary(|| unsafe { posterior(b, &[count, reward_mean, reward_std, mean, lower, upper]) })
}

/// Saves the whole state as a JSON document written to `*out_json`; free it with
/// `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_to_json(
    b: *const nb_gaussian_bandit,
    out_json: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe { to_json(b, out_json) })
}

/// Loads a document written by `nb_gaussian_bandit_to_json`; see `nb_bandit_from_json`.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_from_json(
    json: *const c_char,
    out: *mut *mut nb_gaussian_bandit,
) -> nb_status {
    boundary(|| unsafe { from_json(json, out) })
}

/// Frees a Gaussian bandit. Accepts NULL.
#[no_mangle]
pub unsafe extern "C" fn nb_gaussian_bandit_free(b: *mut nb_gaussian_bandit) {
    boundary(|| unsafe { free(b) });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_message() -> String {
        unsafe { CStr::from_ptr(nb_last_error_message()) }
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_panic_becomes_nb_panic_with_its_message() {
        assert_eq!(boundary(|| panic!("boom {}", 42)), nb_status::NB_PANIC);
        assert_eq!(last_message(), "internal panic: boom 42");
    }

    #[test]
    fn errors_map_to_their_status_and_keep_the_message() {
        let status = boundary(|| Err(Error::not_found("unknown arm \"x\"").into()));
        assert_eq!(status, nb_status::NB_NOT_FOUND);
        assert_eq!(last_message(), "unknown arm \"x\"");
        assert_eq!(boundary(|| Ok(())), nb_status::NB_OK);
        assert_eq!(
            last_message(),
            "unknown arm \"x\"",
            "the last *failed* call's message"
        );
        let status = boundary(|| non_null(std::ptr::null::<u8>(), "names").map(|_| ()));
        assert_eq!(status, nb_status::NB_NULL_POINTER);
        assert_eq!(last_message(), "argument `names` is NULL");
    }

    #[test]
    fn a_message_with_a_nul_byte_is_kept() {
        boundary(|| Err(Error::invalid("a\0b").into()));
        assert_eq!(last_message(), "a\\0b");
    }
}
