//! Two-dimensional inputs (`X`) as core [`Matrix`] views.
//!
//! A float64 NumPy array in C or Fortran order is read where it lies, without a copy (it is
//! read with the GIL released: a Python thread writing the same array meanwhile races, as with
//! NumPy's own functions). Anything else (other dtypes, strided views, lists, DataFrames) is
//! converted once by NumPy into a new float64 array.

use crate::convert::type_name;
use crate::errors::bad_arg;
use nextbest::data::{Layout, Matrix};
use nextbest::Error;
use numpy::{
    AllowTypeChange, PyArray2, PyArrayDescrMethods, PyArrayLike2, PyArrayMethods, PyReadonlyArray2,
    PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

/// A 2-D float64 input, borrowed or converted.
pub struct MatrixArg<'py> {
    array: PyReadonlyArray2<'py, f64>,
    copy: Option<Vec<f64>>,
    layout: Layout,
}

impl MatrixArg<'_> {
    /// The core view of the values.
    pub fn view(&self) -> Matrix<'_> {
        let shape = self.array.shape();
        let data = match &self.copy {
            Some(v) => v.as_slice(),
            None => self
                .array
                .as_slice()
                .expect("contiguous arrays have a slice"),
        };
        Matrix::new(data, shape[0], shape[1], self.layout).expect("the shape matches the data")
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.array.shape()[0]
    }
}

fn dims_error(what: &str, shape: &[usize]) -> Error {
    let shape = shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Error::shape(format!(
        "Expected 2D array, got an array of shape ({shape}) for {what} instead. Reshape your \
         data either using array.reshape(-1, 1) if your data has a single feature or \
         array.reshape(1, -1) if it contains a single sample."
    ))
}

/// Reads `obj` (named `what`) as a 2-D float64 matrix. Python errors of NumPy's own
/// conversion (an object that is not a number) propagate unchanged.
pub fn matrix_arg<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Result<MatrixArg<'py>, Error>> {
    if obj.hasattr("tocsr")? && obj.hasattr("nnz")? {
        return Ok(Err(bad_arg(format!(
            "Sparse data is not supported: {what} is a sparse {}; pass a dense array \
             (e.g. {what}.toarray())",
            type_name(obj)
        ))));
    }
    if let Ok(a) = obj.cast::<PyUntypedArray>() {
        if a.ndim() != 2 {
            return Ok(Err(dims_error(what, a.shape())));
        }
        match a.dtype().kind() {
            b'c' => {
                return Ok(Err(bad_arg(format!(
                    "Complex data not supported: {what} has dtype {}",
                    a.dtype().str().map(|s| s.to_string()).unwrap_or_default()
                ))))
            }
            b'b' | b'i' | b'u' | b'f' | b'O' => {}
            _ => {
                return Ok(Err(bad_arg(format!(
                    "{what} must hold numbers, got an array of dtype {}",
                    a.dtype().str().map(|s| s.to_string()).unwrap_or_default()
                ))))
            }
        }
    }
    let array: PyReadonlyArray2<'py, f64> = match obj.cast::<PyArray2<f64>>() {
        Ok(a) => a.readonly(),
        Err(_) => {
            if obj.cast::<PyUntypedArray>().is_err() {
                // Lists, DataFrames...: one dimension check before NumPy's conversion.
                let converted = obj.py().import("numpy")?.call_method1("asarray", (obj,))?;
                if let Ok(a) = converted.cast::<PyUntypedArray>() {
                    if a.ndim() != 2 {
                        return Ok(Err(dims_error(what, a.shape())));
                    }
                } else {
                    return Ok(Err(bad_arg(format!(
                        "{what} must be a 2-D array of numbers, got {}",
                        type_name(obj)
                    ))));
                }
            }
            let like: PyArrayLike2<'py, f64, AllowTypeChange> = obj.extract()?;
            (*like).clone()
        }
    };
    let (layout, copy) = if array.is_c_contiguous() {
        (Layout::RowMajor, None)
    } else if array.is_fortran_contiguous() {
        (Layout::ColMajor, None)
    } else {
        let copy: Vec<f64> = array.as_array().iter().copied().collect();
        (Layout::RowMajor, Some(copy))
    };
    Ok(Ok(MatrixArg {
        array,
        copy,
        layout,
    }))
}
