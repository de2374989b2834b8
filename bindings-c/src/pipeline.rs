//! The fitted feature pipeline: `nb_pipeline_*`.

use super::{
    boundary, c_string, document, free, name_at, nb_status, new_handle, out_ref, reference,
    slice_mut, Columns, Res,
};
use nextbest::features::FeaturePipeline;
use nextbest::Persist;
use std::ffi::c_char;

/// A fitted feature pipeline (per-column imputation, clipping, scaling or binning of numbers;
/// one-hot or ordinal encoding of categories), loaded with `nb_pipeline_from_json` from a
/// `feature_pipeline` document saved by the Rust or Python API. Immutable: one handle may be
/// used from many threads at once, without locking, as long as no thread frees it meanwhile.
/// Free with `nb_pipeline_free`.
pub struct nb_pipeline(FeaturePipeline);

unsafe fn from_json(json: *const c_char, out: *mut *mut nb_pipeline) -> Res {
    let out = unsafe { out_ref(out, "out")? };
    let json = unsafe { document(json)? };
    new_handle(out, nb_pipeline(FeaturePipeline::from_json(json)?));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
unsafe fn transform(
    p: *const nb_pipeline,
    n_rows: usize,
    n_numeric: usize,
    numeric_names: *const *const c_char,
    numeric_cols: *const *const f64,
    n_categorical: usize,
    categorical_names: *const *const c_char,
    categorical_cols: *const *const *const c_char,
    out: *mut f64,
    out_len: usize,
) -> Res {
    let p = unsafe { reference(p, "p")? };
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
    let out = unsafe { slice_mut(out, out_len, "out")? };
    Ok(p.0.transform(&columns.table()?, out)?)
}

/// Loads a `feature_pipeline` document (saved by `FeaturePipeline::to_json` in Rust,
/// `FeaturePipeline.to_json()` in Python, or `nb_pipeline_to_json`); every value is checked.
/// A document of another kind fails with NB_WRONG_KIND, a newer version with
/// NB_UNSUPPORTED_VERSION, anything else invalid with NB_BAD_DOCUMENT. On success `*out` is a
/// new handle to free with `nb_pipeline_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_pipeline_from_json(
    json: *const c_char,
    out: *mut *mut nb_pipeline,
) -> nb_status {
    boundary(|| unsafe { from_json(json, out) })
}

/// Saves the pipeline as a JSON document written to `*out_json`; free it with
/// `nb_string_free`.
#[no_mangle]
pub unsafe extern "C" fn nb_pipeline_to_json(
    p: *const nb_pipeline,
    out_json: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (p, out) = (reference(p, "p")?, out_ref(out_json, "out_json")?);
        *out = c_string(p.0.to_json(), "the document")?;
        Ok(())
    })
}

/// Writes the number of output columns (the width of a row of `nb_pipeline_transform`'s
/// output) to `*out`.
#[no_mangle]
pub unsafe extern "C" fn nb_pipeline_n_outputs(
    p: *const nb_pipeline,
    out: *mut usize,
) -> nb_status {
    boundary(|| unsafe {
        let (p, out) = (reference(p, "p")?, out_ref(out, "out")?);
        *out = p.0.n_outputs();
        Ok(())
    })
}

/// Writes a copy of the name of output column `j` (0 <= j < n_outputs) to `*out_name`; free
/// it with `nb_string_free`. Names are `name` for a numeric or ordinal column,
/// `name__missing` for a missing-value indicator and `name=label` for a one-hot category
/// (`name=__missing__`, `name=__other__` for missing and rare or unseen values).
#[no_mangle]
pub unsafe extern "C" fn nb_pipeline_output_name(
    p: *const nb_pipeline,
    j: usize,
    out_name: *mut *mut c_char,
) -> nb_status {
    boundary(|| unsafe {
        let (p, out) = (reference(p, "p")?, out_ref(out_name, "out_name")?);
        name_at(p.0.feature_names_out(), j, "output column", out)
    })
}

/// Transforms a batch of `n_rows` rows (1 for a single row) given as columns into `out`,
/// row-major: `out[i * n_outputs + j]` is output column `j` of row `i`; `out_len` must be
/// `n_rows * n_outputs`.
///
/// The input is `n_numeric` numeric columns, `numeric_cols[i]` pointing to `n_rows` doubles
/// (NaN: missing) named `numeric_names[i]`, and `n_categorical` categorical columns,
/// `categorical_cols[i]` pointing to `n_rows` NUL-terminated UTF-8 strings (a NULL entry:
/// missing) named `categorical_names[i]`. Either count may be 0, its arrays then NULL. Every
/// column the pipeline uses must be there; other columns are ignored. A numeric column may
/// feed a categorical column of the pipeline (3.0 reads as "3"), not the reverse. A category
/// not seen at fit goes to `name=__other__` (or fails with NB_NOT_FOUND when the pipeline was
/// fitted with handle_unknown "error").
///
/// Every input is checked before anything is written: on error `out` is untouched. The
/// strings are read during the call only. Large batches are spread over the library's worker
/// threads.
#[no_mangle]
pub unsafe extern "C" fn nb_pipeline_transform(
    p: *const nb_pipeline,
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
        transform(
            p,
            n_rows,
            n_numeric,
            numeric_names,
            numeric_cols,
            n_categorical,
            categorical_names,
            categorical_cols,
            out,
            out_len,
        )
    })
}

/// Frees a pipeline. Accepts NULL.
#[no_mangle]
pub unsafe extern "C" fn nb_pipeline_free(p: *mut nb_pipeline) {
    boundary(|| unsafe { free(p) });
}
