//! The scoring pipeline (features, model, calibrator): `nb_scoring_pipeline_*`.

use super::model::{check_out_len, into_out, product, ReasonOut};
use super::{
    boundary, c_string, document, free, item, name_at, nb_status, new_handle, out_ref, reference,
    slice_mut, Columns, Res,
};
use nextbest::propensity::ScoringPipeline;
use nextbest::Persist;
use std::ffi::c_char;

/// A fitted scoring pipeline: a feature pipeline, a model and an optional calibrator saved as
/// one `scoring_pipeline` document, so that raw customer columns go in and calibrated
/// probabilities, explanations and reason codes come out. Loaded with
/// `nb_scoring_pipeline_from_json`. Immutable: one handle may be used from many threads at
/// once, without locking, as long as no thread frees it meanwhile. Free with
/// `nb_scoring_pipeline_free`.
pub struct nb_scoring_pipeline(ScoringPipeline);

/// The arguments every scoring call starts with: the handle and the input columns.
#[allow(clippy::too_many_arguments)]
unsafe fn pipeline_and_columns<'a>(
    p: *const nb_scoring_pipeline,
    n_rows: usize,
    n_numeric: usize,
    numeric_names: *const *const c_char,
    numeric_cols: *const *const f64,
    n_categorical: usize,
    categorical_names: *const *const c_char,
    categorical_cols: *const *const *const c_char,
) -> Res<(&'a ScoringPipeline, Columns<'a>)> {
    let p = &unsafe { reference(p, "p")? }.0;
    let columns = unsafe {
        Columns::new(
            n_rows,
            n_numeric,
            numeric_names,
            numeric_cols,
            n_categorical,
            categorical_names,
            categorical_cols,
        )?
    };
    Ok((p, columns))
}

/// Loads a `scoring_pipeline` document (saved by `ScoringPipeline::to_json` in Rust,
/// `ScoringPipeline.to_json()` in Python, or `nb_scoring_pipeline_to_json`); every part is
/// checked, and the model must take exactly the feature pipeline's outputs. A document of
/// another kind fails with NB_WRONG_KIND, a newer version (of the document or of a part) with
/// NB_UNSUPPORTED_VERSION, anything else invalid with NB_BAD_DOCUMENT. On success `*out` is a
/// new handle to free with `nb_scoring_pipeline_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_from_json(
    json: *const c_char,
    out: *mut *mut nb_scoring_pipeline,
) -> nb_status {
    boundary(|| unsafe {
        let out = out_ref(out, "out")?;
        let json = document(json)?;
        new_handle(out, nb_scoring_pipeline(ScoringPipeline::from_json(json)?));
        Ok(())
    })
}

/// Saves the scoring pipeline as a JSON document written to `*out_json`; free it with
/// `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_to_json(
    p: *const nb_scoring_pipeline,
    out_json: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (p, out) = (reference(p, "p")?, out_ref(out_json, "out_json")?);
        *out = c_string(p.0.to_json(), "the document")?;
        Ok(())
    })
}

/// Writes the number of the model's features (the feature pipeline's output columns, in the
/// order of explanations and reason codes) to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_n_features(
    p: *const nb_scoring_pipeline,
    out: *mut usize,
) -> nb_status {
    boundary(|| unsafe {
        let (p, out) = (reference(p, "p")?, out_ref(out, "out")?);
        *out = p.0.feature_names().len();
        Ok(())
    })
}

/// Writes a copy of the name of model feature `j` (0 <= j < n_features) to `*out_name`, named
/// as `nb_pipeline_output_name` names output columns; free it with `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_feature_name(
    p: *const nb_scoring_pipeline,
    j: usize,
    out_name: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (p, out) = (reference(p, "p")?, out_ref(out_name, "out_name")?);
        name_at(p.0.feature_names(), j, "feature", out)
    })
}

/// Writes the number of raw input columns the pipeline reads: numeric ones to
/// `*out_n_numeric`, categorical ones to `*out_n_categorical`. Every one of them must be
/// given to the scoring calls (by name, in any order).
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_n_inputs(
    p: *const nb_scoring_pipeline,
    out_n_numeric: *mut usize,
    out_n_categorical: *mut usize,
) -> nb_status {
    boundary(|| unsafe {
        let p = reference(p, "p")?;
        let numeric = out_ref(out_n_numeric, "out_n_numeric")?;
        let categorical = out_ref(out_n_categorical, "out_n_categorical")?;
        let features = p.0.features();
        (*numeric, *categorical) = (
            features.numeric_inputs().len(),
            features.categorical_inputs().len(),
        );
        Ok(())
    })
}

/// Writes a copy of the name of numeric input column `j` (0 <= j < n_numeric of
/// `nb_scoring_pipeline_n_inputs`) to `*out_name`; free it with `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_numeric_input(
    p: *const nb_scoring_pipeline,
    j: usize,
    out_name: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (p, out) = (reference(p, "p")?, out_ref(out_name, "out_name")?);
        let names: Vec<&str> = p.0.features().numeric_inputs().collect();
        *out = c_string(
            item(&names, j, "numeric input")?.to_string(),
            "the numeric input name",
        )?;
        Ok(())
    })
}

/// Writes a copy of the name of categorical input column `j` (0 <= j < n_categorical of
/// `nb_scoring_pipeline_n_inputs`) to `*out_name`; free it with `nb_string_free`. A numeric
/// column may be given for it (3.0 reads as "3").
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_categorical_input(
    p: *const nb_scoring_pipeline,
    j: usize,
    out_name: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (p, out) = (reference(p, "p")?, out_ref(out_name, "out_name")?);
        let names: Vec<&str> = p.0.features().categorical_inputs().collect();
        *out = c_string(
            item(&names, j, "categorical input")?.to_string(),
            "the categorical input name",
        )?;
        Ok(())
    })
}

/// Writes the calibrated probability of class 1 of each of the `n_rows` customers to `out`
/// (the model's probability when the pipeline has no calibrator); `out_len` must be `n_rows`.
///
/// The raw columns are given exactly as to `nb_pipeline_transform`: `n_numeric` numeric
/// columns, `numeric_cols[i]` pointing to `n_rows` doubles (NaN: missing) named
/// `numeric_names[i]`, and `n_categorical` categorical columns, `categorical_cols[i]`
/// pointing to `n_rows` NUL-terminated UTF-8 strings (a NULL entry: missing) named
/// `categorical_names[i]`; either count may be 0, its arrays then NULL. Every column the
/// pipeline reads must be there (a missing one fails with NB_NOT_FOUND, naming it); other
/// columns are ignored. A category not seen at fit goes to `name=__other__` (or fails with
/// NB_NOT_FOUND when the pipeline was fitted with handle_unknown "error"); an infinite value
/// fails with NB_NON_FINITE, naming the column and the row.
///
/// Every input is checked before anything is written: on error `out` is untouched. The
/// strings are read during the call only.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_predict_proba(
    p: *const nb_scoring_pipeline,
    n_rows: usize,
    n_numeric: usize,
    numeric_names: *const *const c_char,
    numeric_cols: *const *const f64,
    n_categorical: usize,
    categorical_names: *const *const c_char,
    categorical_cols: *const *const *const c_char,
    out: *mut f64,
    out_len: usize,
) -> nb_status {
    boundary(|| unsafe {
        let (p, columns) = pipeline_and_columns(
            p,
            n_rows,
            n_numeric,
            numeric_names,
            numeric_cols,
            n_categorical,
            categorical_names,
            categorical_cols,
        )?;
        let out = slice_mut(out, out_len, "out")?;
        check_out_len(out_len, columns.n_rows, "one probability per row")?;
        let table = columns.table()?;
        into_out(out, |buf| p.predict_proba(&table, buf))
    })
}

/// Writes each customer's exact additive explanation of the model's raw score (the log-odds
/// before calibration) to `out`, row-major `n_rows x (n_features + 1)`: the contribution of
/// each model feature (see `nb_scoring_pipeline_feature_name`), then the base value; each row
/// sums to the raw score. `out_len` must be `n_rows * (n_features + 1)`; the columns as in
/// `nb_scoring_pipeline_predict_proba`. On error `out` is untouched.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_explain(
    p: *const nb_scoring_pipeline,
    n_rows: usize,
    n_numeric: usize,
    numeric_names: *const *const c_char,
    numeric_cols: *const *const f64,
    n_categorical: usize,
    categorical_names: *const *const c_char,
    categorical_cols: *const *const *const c_char,
    out: *mut f64,
    out_len: usize,
) -> nb_status {
    boundary(|| unsafe {
        let (p, columns) = pipeline_and_columns(
            p,
            n_rows,
            n_numeric,
            numeric_names,
            numeric_cols,
            n_categorical,
            categorical_names,
            categorical_cols,
        )?;
        let out = slice_mut(out, out_len, "out")?;
        let width = p.feature_names().len() + 1;
        check_out_len(
            out_len,
            product(n_rows, width, "explanation")?,
            "n_rows * (n_features + 1)",
        )?;
        let table = columns.table()?;
        into_out(out, |buf| p.explain(&table, buf))
    })
}

/// The `k` (at least 1) model features that raise and the `k` that lower each customer's
/// score most, as `nb_model_reason_codes` writes them (four row-major `n_rows x k` arrays,
/// `out_len` = `n_rows * k`, feature -1 and contribution 0.0 where fewer than `k` reasons);
/// feature indices name the model's features (`nb_scoring_pipeline_feature_name`). The
/// columns as in `nb_scoring_pipeline_predict_proba`. On error no array is written.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_reason_codes(
    p: *const nb_scoring_pipeline,
    n_rows: usize,
    n_numeric: usize,
    numeric_names: *const *const c_char,
    numeric_cols: *const *const f64,
    n_categorical: usize,
    categorical_names: *const *const c_char,
    categorical_cols: *const *const *const c_char,
    k: usize,
    raising_feature: *mut i64,
    raising_contribution: *mut f64,
    lowering_feature: *mut i64,
    lowering_contribution: *mut f64,
    out_len: usize,
) -> nb_status {
    boundary(|| unsafe {
        let (p, columns) = pipeline_and_columns(
            p,
            n_rows,
            n_numeric,
            numeric_names,
            numeric_cols,
            n_categorical,
            categorical_names,
            categorical_cols,
        )?;
        let out = ReasonOut::new(
            raising_feature,
            raising_contribution,
            lowering_feature,
            lowering_contribution,
            out_len,
        )?;
        check_out_len(out_len, product(n_rows, k, "reason codes")?, "n_rows * k")?;
        out.write(&p.reason_codes(&columns.table()?, k)?);
        Ok(())
    })
}

/// Frees a scoring pipeline. Accepts NULL.
#[no_mangle]
pub unsafe extern "C" fn nb_scoring_pipeline_free(p: *mut nb_scoring_pipeline) {
    boundary(|| unsafe { free(p) });
}
