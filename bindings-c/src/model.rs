//! Fitted models behind one generic handle: `nb_model_*`.
//!
//! The helpers shared with the scoring pipeline (`scoring`) live here too: the output-length
//! check, the scratch buffer that keeps `out` untouched on error, and the reason-code writer.

use super::{
    boundary, c_string, document, free, name_at, nb_status, new_handle, out_ref, reference, slice,
    slice_mut, Res,
};
use nextbest::data::Matrix;
use nextbest::model::{Classifier, Model};
use nextbest::propensity::{Reason, ReasonCodes};
use nextbest::Error;
use std::ffi::c_char;

/// A fitted binary classifier of any kind (logistic regression, gradient boosting), loaded with
/// `nb_model_from_json` from a model document saved by the Rust or Python API. Immutable: one
/// handle may be used from many threads at once, without locking, as long as no thread frees
/// it meanwhile. Free with `nb_model_free`.
pub struct nb_model(Model);

// ---- helpers shared with `scoring` --------------------------------------------------------

/// `a * b`, or a shape error naming both when it overflows.
pub(crate) fn product(a: usize, b: usize, what: &str) -> Res<usize> {
    a.checked_mul(b).ok_or_else(|| {
        Error::shape(format!("{what}: {a} x {b} values do not fit in memory")).into()
    })
}

/// Checks that the caller's `out_len` is the `expected` number of values.
pub(crate) fn check_out_len(out_len: usize, expected: usize, what: &str) -> Res {
    if out_len != expected {
        return Err(Error::shape(format!(
            "`out_len` is {out_len}, but {expected} values are needed ({what})"
        ))
        .into());
    }
    Ok(())
}

/// Outputs of at most this many values are computed in a stack buffer (no allocation on the
/// single-row path).
const STACK_VALUES: usize = 64;

/// Runs `compute` on a scratch buffer as long as `out` and copies the result to `out` only
/// when it succeeds, so that `out` is untouched on error whatever the model does.
pub(crate) fn into_out(
    out: &mut [f64],
    compute: impl FnOnce(&mut [f64]) -> nextbest::Result<()>,
) -> Res {
    if out.len() <= STACK_VALUES {
        let mut buf = [0.0; STACK_VALUES];
        let buf = &mut buf[..out.len()];
        compute(buf)?;
        out.copy_from_slice(buf);
    } else {
        let mut buf = vec![0.0; out.len()];
        compute(&mut buf)?;
        out.copy_from_slice(&buf);
    }
    Ok(())
}

/// The four caller arrays reason codes are written to, each `out_len` long.
pub(crate) struct ReasonOut<'a> {
    raising_feature: &'a mut [i64],
    raising_contribution: &'a mut [f64],
    lowering_feature: &'a mut [i64],
    lowering_contribution: &'a mut [f64],
}

impl<'a> ReasonOut<'a> {
    /// Checks the four arrays (NULL only when `out_len` is 0).
    pub(crate) unsafe fn new(
        raising_feature: *mut i64,
        raising_contribution: *mut f64,
        lowering_feature: *mut i64,
        lowering_contribution: *mut f64,
        out_len: usize,
    ) -> Res<Self> {
        unsafe {
            Ok(ReasonOut {
                raising_feature: slice_mut(raising_feature, out_len, "raising_feature")?,
                raising_contribution: slice_mut(
                    raising_contribution,
                    out_len,
                    "raising_contribution",
                )?,
                lowering_feature: slice_mut(lowering_feature, out_len, "lowering_feature")?,
                lowering_contribution: slice_mut(
                    lowering_contribution,
                    out_len,
                    "lowering_contribution",
                )?,
            })
        }
    }

    /// Writes `codes` (as long as the arrays): feature -1 and contribution 0 where a row has
    /// fewer than `k` reasons in a direction.
    pub(crate) fn write(self, codes: &ReasonCodes) {
        fn put(reasons: &[Option<Reason>], feature: &mut [i64], contribution: &mut [f64]) {
            for ((r, f), c) in reasons.iter().zip(feature).zip(contribution) {
                (*f, *c) = match r {
                    Some(r) => (r.feature as i64, r.contribution),
                    None => (-1, 0.0),
                };
            }
        }
        put(
            &codes.raising,
            self.raising_feature,
            self.raising_contribution,
        );
        put(
            &codes.lowering,
            self.lowering_feature,
            self.lowering_contribution,
        );
    }
}

// ---- the model ----------------------------------------------------------------------------

/// The row-major `n_rows x n_cols` matrix at `x` (NULL when it holds no value).
unsafe fn matrix<'a>(x: *const f64, n_rows: usize, n_cols: usize) -> Res<Matrix<'a>> {
    let len = product(n_rows, n_cols, "x")?;
    let data = unsafe { slice(x, len, "x")? };
    Ok(Matrix::row_major(data, n_rows, n_cols)?)
}

/// Checks that the caller's `n_cols` is the model's number of features.
fn check_n_cols(m: &Model, n_cols: usize) -> Res {
    if n_cols != m.n_features() {
        return Err(Error::shape(format!(
            "`n_cols` is {n_cols}, but the {} takes {} features",
            m.kind(),
            m.n_features()
        ))
        .into());
    }
    Ok(())
}

/// The model, the input matrix and the output array of a scoring call, with `out_len` checked
/// against `per_row` values per row.
#[allow(clippy::too_many_arguments)]
unsafe fn scoring_args<'a>(
    m: *const nb_model,
    x: *const f64,
    n_rows: usize,
    n_cols: usize,
    out: *mut f64,
    out_len: usize,
    per_row: impl FnOnce(&Model) -> usize,
    what: &str,
) -> Res<(&'a Model, Matrix<'a>, &'a mut [f64])> {
    let m = &unsafe { reference(m, "m")? }.0;
    let x = unsafe { matrix(x, n_rows, n_cols)? };
    let out = unsafe { slice_mut(out, out_len, "out")? };
    check_n_cols(m, n_cols)?;
    check_out_len(out_len, product(n_rows, per_row(m), what)?, what)?;
    Ok((m, x, out))
}

#[allow(clippy::too_many_arguments)]
unsafe fn reason_codes(
    m: *const nb_model,
    x: *const f64,
    n_rows: usize,
    n_cols: usize,
    k: usize,
    raising_feature: *mut i64,
    raising_contribution: *mut f64,
    lowering_feature: *mut i64,
    lowering_contribution: *mut f64,
    out_len: usize,
) -> Res {
    let m = &unsafe { reference(m, "m")? }.0;
    let x = unsafe { matrix(x, n_rows, n_cols)? };
    let out = unsafe {
        ReasonOut::new(
            raising_feature,
            raising_contribution,
            lowering_feature,
            lowering_contribution,
            out_len,
        )?
    };
    check_n_cols(m, n_cols)?;
    check_out_len(out_len, product(n_rows, k, "reason codes")?, "n_rows * k")?;
    out.write(&m.reason_codes(x, k)?);
    Ok(())
}

/// Loads a model document of any supported kind (`logistic_regression`, `gradient_boosting`),
/// saved by `to_json` in Rust, `.to_json()` in Python, or `nb_model_to_json`;
/// every value is checked. A document of a non-model kind (a bandit, a pipeline) fails with
/// NB_WRONG_KIND, a newer version with NB_UNSUPPORTED_VERSION, anything else invalid with
/// NB_BAD_DOCUMENT. On success `*out` is a new handle to free with `nb_model_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_model_from_json(
    json: *const c_char,
    out: *mut *mut nb_model,
) -> nb_status {
    boundary(|| unsafe {
        let out = out_ref(out, "out")?;
        let json = document(json)?;
        new_handle(out, nb_model(Model::from_json(json)?));
        Ok(())
    })
}

/// Saves the model as a JSON document written to `*out_json`; free it with `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_model_to_json(
    m: *const nb_model,
    out_json: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (m, out) = (reference(m, "m")?, out_ref(out_json, "out_json")?);
        *out = c_string(m.0.to_json(), "the document")?;
        Ok(())
    })
}

/// Writes a copy of the model's document kind (e.g. "logistic_regression") to `*out_kind`;
/// free it with `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_model_kind(
    m: *const nb_model,
    out_kind: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (m, out) = (reference(m, "m")?, out_ref(out_kind, "out_kind")?);
        *out = c_string(m.0.kind().to_owned(), "the kind")?;
        Ok(())
    })
}

/// Writes the number of input features (the `n_cols` every scoring call takes) to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_model_n_features(m: *const nb_model, out: *mut usize) -> nb_status {
    boundary(|| unsafe {
        let (m, out) = (reference(m, "m")?, out_ref(out, "out")?);
        *out = m.0.n_features();
        Ok(())
    })
}

/// Writes a copy of the name of input feature `j` (0 <= j < n_features) to `*out_name`; free
/// it with `nb_string_free`. Fails with NB_NOT_FOUND when `j` is out of range or the model was
/// fitted without feature names.
#[no_mangle]
pub unsafe extern "C" fn nb_model_feature_name(
    m: *const nb_model,
    j: usize,
    out_name: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (m, out) = (reference(m, "m")?, out_ref(out_name, "out_name")?);
        let names = m.0.feature_names().ok_or_else(|| {
            Error::not_found(format!(
                "the {} was fitted without feature names",
                m.0.kind()
            ))
        })?;
        name_at(names, j, "feature", out)
    })
}

/// Writes P(y = 1) of each of the `n_rows` rows of `x` to `out`. `x` is row-major,
/// `n_rows x n_cols` (`x[i * n_cols + j]` is feature `j` of row `i`), with `n_cols` equal to
/// the model's n_features. An infinite value fails with NB_NON_FINITE, the message naming its
/// row and column; so does a NaN for a logistic regression, while gradient boosting takes NaN
/// as a missing value (each split knows where it goes). `out_len` must be `n_rows`.
///
/// One row (n_rows 1) is scored without allocating; large batches are spread over the
/// library's worker threads. On error `out` is untouched.
#[no_mangle]
pub unsafe extern "C" fn nb_model_predict_proba(
    m: *const nb_model,
    x: *const f64,
    n_rows: usize,
    n_cols: usize,
    out: *mut f64,
    out_len: usize,
) -> nb_status {
    boundary(|| unsafe {
        let (m, x, out) = scoring_args(
            m,
            x,
            n_rows,
            n_cols,
            out,
            out_len,
            |_| 1,
            "one probability per row",
        )?;
        into_out(out, |buf| m.predict_proba(x, buf))
    })
}

/// Writes the raw score (log-odds of class 1) of each row of `x` to `out`; the inputs and
/// `out_len` (`n_rows`) as in `nb_model_predict_proba`. On error `out` is untouched.
#[no_mangle]
pub unsafe extern "C" fn nb_model_decision_function(
    m: *const nb_model,
    x: *const f64,
    n_rows: usize,
    n_cols: usize,
    out: *mut f64,
    out_len: usize,
) -> nb_status {
    boundary(|| unsafe {
        let (m, x, out) = scoring_args(
            m,
            x,
            n_rows,
            n_cols,
            out,
            out_len,
            |_| 1,
            "one score per row",
        )?;
        into_out(out, |buf| m.decision_function(x, buf))
    })
}

/// Writes each row's exact additive explanation of its raw score to `out`, row-major
/// `n_rows x (n_features + 1)`: `out[i * (n_features + 1) + j]` is the contribution of feature
/// `j` to row `i`'s log-odds, and the last value of each row is the base value (the score of
/// the reference customer); each row sums to the raw score of `nb_model_decision_function`.
/// For a logistic regression the contribution of feature `j` is `coef[j] * (x[j] - mean[j])`,
/// `mean[j]` the (weighted) mean of the feature over the training rows. For gradient boosting
/// they are the exact TreeSHAP values (the path-dependent Shapley values), and the base value
/// is the mean raw score over the training rows. `out_len` must be
/// `n_rows * (n_features + 1)`; the inputs as in `nb_model_predict_proba`. On error `out` is
/// untouched.
#[no_mangle]
pub unsafe extern "C" fn nb_model_explain(
    m: *const nb_model,
    x: *const f64,
    n_rows: usize,
    n_cols: usize,
    out: *mut f64,
    out_len: usize,
) -> nb_status {
    boundary(|| unsafe {
        let (m, x, out) = scoring_args(
            m,
            x,
            n_rows,
            n_cols,
            out,
            out_len,
            |m| m.n_features() + 1,
            "n_rows * (n_features + 1)",
        )?;
        into_out(out, |buf| m.explain(x, buf))
    })
}

/// The `k` (at least 1) features that raise and the `k` that lower each row's score most, from
/// the explanation of `nb_model_explain`. Each of the four output arrays is row-major
/// `n_rows x k`, so `out_len` must be `n_rows * k`: `raising_feature[i * k + r]` is the index
/// of the feature with the (r+1)-th largest positive contribution to row `i` and
/// `raising_contribution[i * k + r]` that contribution; `lowering_*` likewise for the most
/// negative contributions, most negative first. Where fewer than `k` features raise (lower)
/// the score, the remaining entries are feature -1 and contribution 0.0. Features with a zero
/// contribution are never reasons; ties go to the lower feature index. The inputs as in
/// `nb_model_predict_proba`. On error no array is written.
#[no_mangle]
pub unsafe extern "C" fn nb_model_reason_codes(
    m: *const nb_model,
    x: *const f64,
    n_rows: usize,
    n_cols: usize,
    k: usize,
    raising_feature: *mut i64,
    raising_contribution: *mut f64,
    lowering_feature: *mut i64,
    lowering_contribution: *mut f64,
    out_len: usize,
) -> nb_status {
    boundary(|| unsafe {
        reason_codes(
            m,
            x,
            n_rows,
            n_cols,
            k,
            raising_feature,
            raising_contribution,
            lowering_feature,
            lowering_contribution,
            out_len,
        )
    })
}

/// Frees a model. Accepts NULL.
#[no_mangle]
pub unsafe extern "C" fn nb_model_free(m: *mut nb_model) {
    boundary(|| unsafe { free(m) });
}
