//! Reading columns of Python data (NumPy arrays, pandas Series, lists) into the column types
//! core takes: numbers (`f64`), integers (`i64`, ids and epoch seconds) and
//! [`CategoricalColumn`]s.
//!
//! Pandas is never imported: a pandas column is recognised by its attributes (`dtype`, `cat`,
//! `to_numpy`). What is converted, and how:
//! - NumPy numeric and boolean arrays are read as `f64` in place when they already are
//!   contiguous `float64`, else converted once;
//! - pandas nullable columns (`Int64`, `Float64`, `boolean`) become `f64` with NaN for `NA`;
//! - pandas `category` columns become a [`CategoricalColumn`] from their categories and codes,
//!   without any work per row on strings;
//! - NumPy `str` arrays are read from their UCS-4 buffer, each distinct string decoded once;
//! - object arrays (and lists) hold numbers (read as numbers) or labels: `str` values are
//!   labels, `None`, NaN, `pd.NA` and `pd.NaT` are missing, numbers are written as core writes
//!   numbers read as labels (`3.0` as `"3"`), anything else through `str()`. Each distinct
//!   value is converted once: codes are cached by object address, and strings not seen
//!   before as objects by their Python hash (see `object_labels`).
//!
//! Nothing here checks values (NaN amounts, lengths, unknown categories): core does.

use crate::convert::{int_value, type_name};
use crate::errors::bad_arg;
use nextbest::features::CategoricalColumn;
use nextbest::{Error, ErrorKind};
use numpy::{
    PyArrayDescr, PyArrayDescrMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Numbers read from Python: borrowed from a contiguous `float64` array, or converted.
pub enum Numbers<'py> {
    /// A contiguous `float64` array, read in place.
    Borrowed(PyReadonlyArray1<'py, f64>),
    /// Converted values.
    Owned(Vec<f64>),
}

impl Numbers<'_> {
    /// The values.
    pub fn values(&self) -> &[f64] {
        match self {
            // Only contiguous arrays are kept borrowed (see `numbers_of`).
            Numbers::Borrowed(a) => a.as_slice().unwrap_or(&[]),
            Numbers::Owned(v) => v,
        }
    }
}

/// Integers read from Python: borrowed from a contiguous `int64` array, or converted.
pub enum Ints<'py> {
    /// A contiguous `int64` array, read in place.
    Borrowed(PyReadonlyArray1<'py, i64>),
    /// Converted values.
    Owned(Vec<i64>),
}

impl Ints<'_> {
    /// The values.
    pub fn values(&self) -> &[i64] {
        match self {
            Ints::Borrowed(a) => a.as_slice().unwrap_or(&[]),
            Ints::Owned(v) => v,
        }
    }
}

/// A column of a feature-pipeline input.
pub enum ColumnData<'py> {
    /// Numbers (NaN is missing).
    Numeric(Numbers<'py>),
    /// Labels.
    Categorical(CategoricalColumn),
}

/// Customer ids of a transaction log.
pub enum Ids<'py> {
    /// Integers.
    Int(Ints<'py>),
    /// Floating-point numbers (core checks that each is an integer).
    Float(Numbers<'py>),
    /// Labels.
    Labels(CategoricalColumn),
}

/// A Python error met while reading `what`, as an "invalid argument" naming it.
fn py_failed(py: Python<'_>, what: &str, doing: &str, e: PyErr) -> Error {
    let detail = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    bad_arg(format!("{what} could not be {doing}: {detail}"))
}

fn numpy(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import(intern!(py, "numpy"))
}

/// `numpy.asarray(obj)`, or `numpy.asarray(obj, dtype=object)` for plain Python sequences (so
/// that a list mixing strings and numbers is not turned into strings by NumPy).
fn as_ndarray<'py>(obj: &Bound<'py, PyAny>, what: &str) -> Result<Bound<'py, PyAny>, Error> {
    let py = obj.py();
    if obj.cast::<PyUntypedArray>().is_ok() {
        return Ok(obj.clone());
    }
    let has_dtype = obj.hasattr(intern!(py, "dtype")).unwrap_or(false);
    let r = numpy(py).and_then(|np| {
        let asarray = np.getattr(intern!(py, "asarray"))?;
        if has_dtype || obj.hasattr(intern!(py, "__array__")).unwrap_or(false) {
            asarray.call1((obj,))
        } else {
            let kw = PyDict::new(py);
            kw.set_item(
                intern!(py, "dtype"),
                py.import(intern!(py, "builtins"))?
                    .getattr(intern!(py, "object"))?,
            )?;
            asarray.call((obj,), Some(&kw))
        }
    });
    r.map_err(|e| py_failed(py, what, "read as an array", e))
}

/// A one-dimensional NumPy array.
fn one_dim<'a, 'py>(
    arr: &'a Bound<'py, PyAny>,
    what: &str,
) -> Result<&'a Bound<'py, PyUntypedArray>, Error> {
    let a = arr
        .cast::<PyUntypedArray>()
        .map_err(|_| bad_arg(format!("{what} could not be read as an array")))?;
    match a.ndim() {
        1 => Ok(a),
        0 => Err(Error::shape(format!(
            "{what} must be one-dimensional (an array, a Series or a list of values), got a \
             single value"
        ))),
        d => Err(Error::shape(format!(
            "{what} must be one-dimensional, got an array of {d} dimensions"
        ))),
    }
}

fn dtype_str(a: &Bound<'_, PyUntypedArray>) -> String {
    a.dtype()
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// The values of a numeric or boolean array as `f64`: in place when contiguous `float64`.
fn numbers_of<'py>(a: &Bound<'py, PyUntypedArray>, what: &str) -> Result<Numbers<'py>, Error> {
    let py = a.py();
    let ro = match a.extract::<PyReadonlyArray1<'py, f64>>() {
        Ok(ro) => ro,
        Err(_) => a
            .call_method1(intern!(py, "astype"), (intern!(py, "float64"),))
            .and_then(|c| c.extract::<PyReadonlyArray1<'py, f64>>())
            .map_err(|e| py_failed(py, what, "read as numbers", e))?,
    };
    Ok(if ro.as_slice().is_ok() {
        Numbers::Borrowed(ro)
    } else {
        Numbers::Owned(ro.as_array().to_vec())
    })
}

/// The values of an integer array as `i64`: in place when contiguous `int64`; unsigned values
/// beyond `i64::MAX` are refused, naming the row.
fn ints_of<'py>(a: &Bound<'py, PyUntypedArray>, what: &str) -> Result<Ints<'py>, Error> {
    let py = a.py();
    if a.dtype().kind() == b'u' {
        let ro = a
            .call_method1(intern!(py, "astype"), (intern!(py, "uint64"),))
            .and_then(|c| c.extract::<PyReadonlyArray1<'py, u64>>())
            .map_err(|e| py_failed(py, what, "read as integers", e))?;
        return ro
            .as_array()
            .iter()
            .enumerate()
            .map(|(row, &v)| {
                i64::try_from(v).map_err(|_| {
                    bad_arg(format!("{what}: row {row} is {v}, beyond the int64 range"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Ints::Owned);
    }
    let ro = match a.extract::<PyReadonlyArray1<'py, i64>>() {
        Ok(ro) => ro,
        Err(_) => a
            .call_method1(intern!(py, "astype"), (intern!(py, "int64"),))
            .and_then(|c| c.extract::<PyReadonlyArray1<'py, i64>>())
            .map_err(|e| py_failed(py, what, "read as integers", e))?,
    };
    Ok(if ro.as_slice().is_ok() {
        Ints::Borrowed(ro)
    } else {
        Ints::Owned(ro.as_array().to_vec())
    })
}

/// Labels of a NumPy `str` array, read from its UCS-4 buffer; each distinct string is decoded
/// once.
fn labels_of_unicode(
    a: &Bound<'_, PyUntypedArray>,
    what: &str,
) -> Result<CategoricalColumn, Error> {
    let py = a.py();
    let n = a.len();
    let k = a.dtype().itemsize() / 4;
    let mut col = CategoricalColumn::with_capacity(n);
    if k == 0 {
        let code = col.intern("");
        (0..n).for_each(|_| col.push_code(code));
        return Ok(col);
    }
    let words = numpy(py)
        .and_then(|np| {
            let native = np
                .getattr(intern!(py, "dtype"))?
                .call1((format!("=U{k}"),))?;
            let contiguous = np
                .getattr(intern!(py, "ascontiguousarray"))?
                .call1((a, native))?;
            let flat = contiguous.call_method1(intern!(py, "view"), (intern!(py, "uint32"),))?;
            flat.extract::<PyReadonlyArray1<'_, u32>>()
        })
        .map_err(|e| py_failed(py, what, "read as strings", e))?;
    let data = words
        .as_slice()
        .map_err(|_| bad_arg(format!("{what} could not be read as strings")))?;
    let mut seen: HashMap<&[u32], u32> = HashMap::new();
    for (row, chunk) in data.chunks_exact(k).enumerate() {
        let end = chunk.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
        let chunk = &chunk[..end];
        let code = match seen.get(chunk) {
            Some(&c) => c,
            None => {
                let label: String = chunk
                    .iter()
                    .map(|&c| char::from_u32(c))
                    .collect::<Option<String>>()
                    .ok_or_else(|| {
                        bad_arg(format!("{what}: row {row} is not a valid Unicode string"))
                    })?;
                let c = col.intern(&label);
                seen.insert(chunk, c);
                c
            }
        };
        col.push_code(code);
    }
    Ok(col)
}

/// A hasher for object addresses (already well spread but aligned: multiply and keep the high
/// bits).
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(32);
    }
}

type AddrMap<V> = HashMap<usize, V, BuildHasherDefault<AddrHasher>>;

/// Whether `obj` is a missing value: `None`, a float NaN, `pd.NA` or `pd.NaT`.
fn is_missing(obj: &Bound<'_, PyAny>) -> bool {
    if obj.is_none() {
        return true;
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return f.value().is_nan();
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyInt>() {
        return false;
    }
    let name = type_name(obj);
    name == "NAType" || name == "NaTType"
}

/// The numbers of an object array whose elements are all numbers or missing.
struct ObjectNumbers {
    values: Vec<f64>,
    /// The values as integers when every element is an integer (not a float, not missing).
    ints: Option<Vec<i64>>,
}

/// Reads the elements of an object array as numbers: `Err(row)` at the first element that is
/// not a number (int, float, bool, NumPy number) or missing.
fn object_numbers(
    items: &PyReadonlyArray1<'_, Py<PyAny>>,
    want_ints: bool,
) -> Result<ObjectNumbers, usize> {
    let py = items.py();
    let view = items.as_array();
    let mut values = Vec::with_capacity(view.len());
    let mut ints: Option<Vec<i64>> = want_ints.then(|| Vec::with_capacity(view.len()));
    for (row, item) in view.iter().enumerate() {
        let obj = item.bind(py);
        if let Ok(f) = obj.cast::<PyFloat>() {
            values.push(f.value());
            ints = None;
            continue;
        }
        if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
            return Err(row);
        }
        if obj.is_instance_of::<PyBool>()
            || obj.is_instance_of::<PyInt>()
            || int_value(obj).is_some()
        {
            match obj.extract::<i64>() {
                Ok(i) => {
                    values.push(i as f64);
                    if let Some(v) = ints.as_mut() {
                        v.push(i);
                    }
                }
                Err(_) => match obj.extract::<f64>() {
                    Ok(f) => {
                        values.push(f);
                        ints = None;
                    }
                    Err(_) => return Err(row),
                },
            }
            continue;
        }
        if is_missing(obj) {
            values.push(f64::NAN);
            ints = None;
            continue;
        }
        match obj.extract::<f64>() {
            Ok(f) => {
                values.push(f);
                ints = None;
            }
            Err(_) => return Err(row),
        }
    }
    Ok(ObjectNumbers { values, ints })
}

/// The label of one object of an object array (`None`: missing).
fn object_label<'a>(
    obj: &'a Bound<'_, PyAny>,
    what: &str,
    row: usize,
) -> Result<Option<Cow<'a, str>>, Error> {
    let invalid = || bad_arg(format!("{what}: row {row} is not a valid Unicode string"));
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_cow().map(Some).map_err(|_| invalid());
    }
    if is_missing(obj) {
        return Ok(None);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Some(Cow::Owned(nextbest::features::number_label(
            f.value(),
        ))));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(|s| Some(Cow::Owned(s.to_owned())))
            .map_err(|_| invalid());
    }
    // `str()` may run Python code: hold a reference of our own meanwhile.
    let obj = obj.clone();
    match obj.str() {
        Ok(s) => s
            .to_cow()
            .map(|c| Some(Cow::Owned(c.into_owned())))
            .map_err(|_| invalid()),
        Err(e) => Err(py_failed(
            obj.py(),
            &format!("{what}: row {row}"),
            "written as a str",
            e,
        )),
    }
}

/// Lookups after which a cache that found less than a quarter of them is dropped.
const CACHE_TRIAL: usize = 1 << 16;

/// A cache that stops when it does not pay: after [`CACHE_TRIAL`] lookups, it is kept only if
/// a quarter of them were hits.
struct Trial {
    lookups: usize,
    hits: usize,
    on: bool,
}

impl Trial {
    fn new() -> Self {
        Trial {
            lookups: 0,
            hits: 0,
            on: true,
        }
    }

    #[inline]
    fn record(&mut self, hit: bool) {
        self.lookups += 1;
        self.hits += hit as usize;
        if self.lookups == CACHE_TRIAL && self.hits * 4 < self.lookups {
            self.on = false;
        }
    }
}

/// Labels of an object array, each distinct value converted once:
/// - codes are cached by object address (the objects of a column are often shared), and the
///   cached objects are kept alive so that an address cannot be reused while the cache lives;
/// - a `str` object not seen before is looked up by its Python hash (cached by the object)
///   and equality among the strings already converted, so that equal strings held by distinct
///   objects are converted to UTF-8 once.
///
/// Each cache turns itself off when it finds too little (unique ids, say).
fn object_labels(
    items: &PyReadonlyArray1<'_, Py<PyAny>>,
    what: &str,
) -> Result<CategoricalColumn, Error> {
    let py = items.py();
    let view = items.as_array();
    let mut col = CategoricalColumn::with_capacity(view.len());
    let mut by_addr: AddrMap<u32> = AddrMap::default();
    let mut by_hash: AddrMap<Vec<(Bound<'_, PyString>, u32)>> = AddrMap::default();
    let (mut addr_trial, mut hash_trial) = (Trial::new(), Trial::new());
    let mut alive: Vec<Bound<'_, PyAny>> = Vec::new();
    for (row, item) in view.iter().enumerate() {
        let addr = item.as_ptr() as usize;
        if addr_trial.on {
            let hit = by_addr.get(&addr).copied();
            addr_trial.record(hit.is_some());
            if let Some(code) = hit {
                col.push_code(code);
                continue;
            }
        }
        let obj = item.bind(py);
        // Exact `str` only: hashing a subclass could run Python code.
        let code = match obj.cast_exact::<PyString>() {
            Ok(s) if hash_trial.on => {
                let h = s.hash().unwrap_or(-1) as usize;
                let found = by_hash.get(&h).and_then(|same| {
                    same.iter()
                        .find(|(other, _)| {
                            // SAFETY: both are live `str` objects; comparing them cannot fail.
                            unsafe { pyo3::ffi::PyUnicode_Compare(s.as_ptr(), other.as_ptr()) == 0 }
                        })
                        .map(|&(_, c)| c)
                });
                hash_trial.record(found.is_some());
                match found {
                    Some(c) => c,
                    None => {
                        let label = s.to_cow().map_err(|_| {
                            bad_arg(format!("{what}: row {row} is not a valid Unicode string"))
                        })?;
                        let c = col.intern(&label);
                        by_hash.entry(h).or_default().push((s.clone(), c));
                        c
                    }
                }
            }
            _ => match object_label(obj, what, row)? {
                Some(label) => col.intern(&label),
                None => CategoricalColumn::MISSING,
            },
        };
        if addr_trial.on {
            by_addr.insert(addr, code);
            alive.push(obj.clone());
        }
        col.push_code(code);
    }
    Ok(col)
}

fn object_items<'py>(
    a: &Bound<'py, PyUntypedArray>,
    what: &str,
) -> Result<PyReadonlyArray1<'py, Py<PyAny>>, Error> {
    a.extract::<PyReadonlyArray1<'py, Py<PyAny>>>()
        .map_err(|e| py_failed(a.py(), what, "read", e))
}

/// A pandas `category` column (or `pd.Categorical`, `CategoricalIndex`): its categories and
/// codes, or `None` when `obj` is not one.
fn pandas_categorical(
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> Result<Option<CategoricalColumn>, Error> {
    let py = obj.py();
    let Ok(dtype) = obj.getattr(intern!(py, "dtype")) else {
        return Ok(None);
    };
    if dtype.cast::<PyArrayDescr>().is_ok() {
        return Ok(None);
    }
    let is_category = dtype
        .getattr(intern!(py, "name"))
        .and_then(|n| n.extract::<String>())
        .map(|n| n == "category")
        .unwrap_or(false);
    if !is_category {
        return Ok(None);
    }
    let r = (|| -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
        let holder = match obj.getattr(intern!(py, "cat")) {
            Ok(cat) => cat,
            Err(_) => obj.clone(),
        };
        let categories = holder
            .getattr(intern!(py, "categories"))?
            .call_method0(intern!(py, "tolist"))?;
        let codes = numpy(py)?
            .getattr(intern!(py, "asarray"))?
            .call1((holder.getattr(intern!(py, "codes"))?, intern!(py, "int64")))?;
        Ok((categories, codes))
    })();
    let (categories, codes) = r.map_err(|e| py_failed(py, what, "read as categories", e))?;
    let categories = categories
        .cast::<PyList>()
        .map_err(|_| bad_arg(format!("{what}: its categories could not be read")))?;
    let mut labels = Vec::with_capacity(categories.len());
    for (i, c) in categories.iter().enumerate() {
        let label = object_label(&c, &format!("{what}: category"), i)?
            .ok_or_else(|| bad_arg(format!("{what}: category {i} is missing")))?;
        labels.push(label.into_owned());
    }
    let codes = one_dim(&codes, what)?;
    let codes = ints_of(codes, what)?;
    CategoricalColumn::from_codes(labels, codes.values())
        .map(Some)
        .map_err(|e| Error::new(e.kind(), format!("{what}: {}", e.message())))
}

/// A pandas extension column (nullable numbers, strings, time zones) as a NumPy array; `obj`
/// itself when it has a NumPy dtype or none. Integer columns without missing values stay
/// integers when `keep_ints`.
fn pandas_to_numpy<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
    keep_ints: bool,
) -> Result<Bound<'py, PyAny>, Error> {
    let py = obj.py();
    let Ok(dtype) = obj.getattr(intern!(py, "dtype")) else {
        return Ok(obj.clone());
    };
    if dtype.cast::<PyArrayDescr>().is_ok()
        || !obj.hasattr(intern!(py, "to_numpy")).unwrap_or(false)
    {
        return Ok(obj.clone());
    }
    let kind = dtype
        .getattr(intern!(py, "kind"))
        .and_then(|k| k.extract::<String>())
        .unwrap_or_default();
    let to_numpy = |dtype: &str, nan: bool| -> PyResult<Bound<'py, PyAny>> {
        let kw = PyDict::new(py);
        kw.set_item(intern!(py, "dtype"), dtype)?;
        if nan {
            kw.set_item(intern!(py, "na_value"), f64::NAN)?;
        }
        obj.call_method(intern!(py, "to_numpy"), (), Some(&kw))
    };
    let r = match kind.as_str() {
        "i" | "u" if keep_ints => to_numpy("int64", false).or_else(|_| to_numpy("float64", true)),
        "i" | "u" | "f" | "b" => to_numpy("float64", true),
        // Time-zone aware: UTC instants.
        "M" => to_numpy("datetime64[us]", false),
        _ => return Ok(obj.clone()),
    };
    r.map_err(|e| py_failed(py, what, "converted to a NumPy array", e))
}

fn datetime_error(what: &str, a: &Bound<'_, PyUntypedArray>) -> Error {
    bad_arg(format!(
        "{what} holds {} ({}): convert it to numbers first (e.g. days since an event)",
        if a.dtype().kind() == b'M' {
            "datetimes"
        } else {
            "time spans"
        },
        dtype_str(a)
    ))
}

fn unsupported(what: &str, a: &Bound<'_, PyUntypedArray>, wanted: &str) -> Error {
    bad_arg(format!(
        "{what} must hold {wanted}, got an array of dtype {}",
        dtype_str(a)
    ))
}

/// `S` (bytes) arrays are read as `str` arrays (ASCII).
fn bytes_as_unicode<'py>(
    a: &Bound<'py, PyUntypedArray>,
    what: &str,
) -> Result<Bound<'py, PyAny>, Error> {
    let py = a.py();
    a.call_method1(intern!(py, "astype"), (intern!(py, "U"),))
        .map_err(|e| py_failed(py, what, "read as strings", e))
}

/// One input column of a feature pipeline.
pub fn pipeline_column<'py>(obj: &Bound<'py, PyAny>, what: &str) -> Result<ColumnData<'py>, Error> {
    if let Some(col) = pandas_categorical(obj, what)? {
        return Ok(ColumnData::Categorical(col));
    }
    let obj = pandas_to_numpy(obj, what, false)?;
    let arr = as_ndarray(&obj, what)?;
    let a = one_dim(&arr, what)?;
    match a.dtype().kind() {
        b'f' | b'i' | b'u' | b'b' => numbers_of(a, what).map(ColumnData::Numeric),
        b'U' => labels_of_unicode(a, what).map(ColumnData::Categorical),
        b'S' => {
            let u = bytes_as_unicode(a, what)?;
            labels_of_unicode(one_dim(&u, what)?, what).map(ColumnData::Categorical)
        }
        b'O' => {
            let items = object_items(a, what)?;
            match object_numbers(&items, false) {
                Ok(n) => Ok(ColumnData::Numeric(Numbers::Owned(n.values))),
                Err(_) => object_labels(&items, what).map(ColumnData::Categorical),
            }
        }
        b'M' | b'm' => Err(datetime_error(what, a)),
        _ => Err(unsupported(what, a, "numbers or strings")),
    }
}

/// A column of numbers (amounts, balances); NaN passes through (core checks).
pub fn number_column<'py>(obj: &Bound<'py, PyAny>, what: &str) -> Result<Numbers<'py>, Error> {
    let obj = pandas_to_numpy(obj, what, false)?;
    let arr = as_ndarray(&obj, what)?;
    let a = one_dim(&arr, what)?;
    match a.dtype().kind() {
        b'f' | b'i' | b'u' | b'b' => numbers_of(a, what),
        b'O' => {
            let items = object_items(a, what)?;
            object_numbers(&items, false)
                .map(|n| Numbers::Owned(n.values))
                .map_err(|row| {
                    let item = items.as_array()[row].bind(items.py()).clone();
                    bad_arg(format!(
                        "{what}: row {row} is {}, not a number",
                        item.repr()
                            .map(|r| r.to_string())
                            .unwrap_or_else(|_| type_name(&item))
                    ))
                })
        }
        _ => Err(unsupported(what, a, "numbers")),
    }
}

/// A column of labels (transaction categories); numbers are written as labels.
pub fn label_column(obj: &Bound<'_, PyAny>, what: &str) -> Result<CategoricalColumn, Error> {
    if let Some(col) = pandas_categorical(obj, what)? {
        return Ok(col);
    }
    let obj = pandas_to_numpy(obj, what, true)?;
    let arr = as_ndarray(&obj, what)?;
    let a = one_dim(&arr, what)?;
    match a.dtype().kind() {
        b'U' => labels_of_unicode(a, what),
        b'S' => labels_of_unicode(one_dim(&bytes_as_unicode(a, what)?, what)?, what),
        b'O' => object_labels(&object_items(a, what)?, what),
        b'i' | b'u' => {
            let ints = ints_of(a, what)?;
            Ok(labels_of(ints.values().iter().map(|v| Some(v.to_string()))))
        }
        b'f' | b'b' => {
            let n = numbers_of(a, what)?;
            Ok(labels_of(n.values().iter().map(|&v| {
                (!v.is_nan()).then(|| nextbest::features::number_label(v))
            })))
        }
        b'M' | b'm' => Err(datetime_error(what, a)),
        _ => Err(unsupported(what, a, "strings")),
    }
}

fn labels_of(values: impl Iterator<Item = Option<String>>) -> CategoricalColumn {
    let mut col = CategoricalColumn::new();
    for v in values {
        col.push(v.as_deref());
    }
    col
}

/// Customer ids: integers, floating-point numbers or labels.
pub fn id_column<'py>(obj: &Bound<'py, PyAny>, what: &str) -> Result<Ids<'py>, Error> {
    if let Some(col) = pandas_categorical(obj, what)? {
        return Ok(Ids::Labels(col));
    }
    let obj = pandas_to_numpy(obj, what, true)?;
    let arr = as_ndarray(&obj, what)?;
    let a = one_dim(&arr, what)?;
    match a.dtype().kind() {
        b'i' | b'u' => ints_of(a, what).map(Ids::Int),
        b'f' => numbers_of(a, what).map(Ids::Float),
        b'U' => labels_of_unicode(a, what).map(Ids::Labels),
        b'S' => {
            labels_of_unicode(one_dim(&bytes_as_unicode(a, what)?, what)?, what).map(Ids::Labels)
        }
        b'O' => {
            let items = object_items(a, what)?;
            match object_numbers(&items, true) {
                Ok(ObjectNumbers { ints: Some(v), .. }) => Ok(Ids::Int(Ints::Owned(v))),
                Ok(n) => Ok(Ids::Float(Numbers::Owned(n.values))),
                Err(_) => object_labels(&items, what).map(Ids::Labels),
            }
        }
        _ => Err(unsupported(
            what,
            a,
            "integers, floating-point numbers or strings",
        )),
    }
}

/// Seconds per unit of the NumPy datetime units finer than a second.
const SUBSECOND_UNITS: [(&str, i64); 6] = [
    ("ms", 1_000),
    ("us", 1_000_000),
    ("ns", 1_000_000_000),
    ("ps", 1_000_000_000_000),
    ("fs", 1_000_000_000_000_000),
    ("as", 1_000_000_000_000_000_000),
];

/// Floors floating-point epoch seconds; NaN, infinities and values beyond `i64` name the row.
fn floor_seconds(values: &[f64], what: &str) -> Result<Vec<i64>, Error> {
    values
        .iter()
        .enumerate()
        .map(|(row, &v)| {
            if !v.is_finite() {
                return Err(Error::new(
                    ErrorKind::NonFinite,
                    format!("{what}: row {row} is {v}, not a finite number"),
                ));
            }
            let f = v.floor();
            if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
                return Err(bad_arg(format!(
                    "{what}: row {row} is {v}, beyond the range of epoch seconds"
                )));
            }
            Ok(f as i64)
        })
        .collect()
}

/// Epoch seconds of a `datetime64` array of any unit (floored); NaT names the row.
fn datetime_seconds<'py>(a: &Bound<'py, PyUntypedArray>, what: &str) -> Result<Ints<'py>, Error> {
    let py = a.py();
    let unit = dtype_str(a);
    // "<M8[ns]" -> "ns"; a multiple ("M8[10ms]") goes through NumPy's conversion.
    let unit = unit
        .split_once('[')
        .map(|(_, u)| u.trim_end_matches(']').to_owned())
        .unwrap_or_default();
    let factor = SUBSECOND_UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|&(_, f)| f);
    let view = |a: &Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
        a.call_method1(intern!(py, "view"), (intern!(py, "int64"),))
    };
    let raw = if unit == "s" || factor.is_some() {
        view(a.as_any())
    } else {
        // Coarser units: NumPy converts exactly (NaT stays NaT).
        a.call_method1(intern!(py, "astype"), (intern!(py, "datetime64[s]"),))
            .and_then(|s| view(&s))
    }
    .map_err(|e| py_failed(py, what, "read as datetimes", e))?;
    let ints = ints_of(one_dim(&raw, what)?, what)?;
    if let Some(row) = ints.values().iter().position(|&v| v == i64::MIN) {
        return Err(Error::new(
            ErrorKind::NonFinite,
            format!("{what}: row {row} is NaT, not a time"),
        ));
    }
    Ok(match factor {
        None => ints,
        Some(f) => Ints::Owned(ints.values().iter().map(|&v| v.div_euclid(f)).collect()),
    })
}

/// Timestamps as epoch seconds: `datetime64` of any unit, integers, floating-point numbers
/// (floored), or datetime objects and ISO strings (parsed by NumPy).
pub fn timestamp_column<'py>(obj: &Bound<'py, PyAny>, what: &str) -> Result<Ints<'py>, Error> {
    let py = obj.py();
    let obj = pandas_to_numpy(obj, what, true)?;
    let arr = as_ndarray(&obj, what)?;
    let a = one_dim(&arr, what)?;
    let parse = |a: &Bound<'py, PyUntypedArray>| -> Result<Ints<'py>, Error> {
        let d = a
            .call_method1(intern!(py, "astype"), (intern!(py, "datetime64[us]"),))
            .map_err(|e| py_failed(py, what, "read as datetimes", e))?;
        datetime_seconds(one_dim(&d, what)?, what)
    };
    match a.dtype().kind() {
        b'M' => datetime_seconds(a, what),
        b'i' | b'u' => ints_of(a, what),
        b'f' => floor_seconds(numbers_of(a, what)?.values(), what).map(Ints::Owned),
        b'U' | b'S' => parse(a),
        b'O' => {
            let items = object_items(a, what)?;
            match object_numbers(&items, true) {
                Ok(ObjectNumbers { ints: Some(v), .. }) => Ok(Ints::Owned(v)),
                Ok(n) => floor_seconds(&n.values, what).map(Ints::Owned),
                Err(_) => parse(a),
            }
        }
        _ => Err(unsupported(
            what,
            a,
            "datetime64 values or epoch seconds (integers or floats)",
        )),
    }
}

/// `as_of`: epoch seconds (int, float), a `numpy.datetime64`, a `datetime.datetime` (naive is
/// UTC), a `datetime.date` (midnight UTC) or a str parsed by `numpy.datetime64`.
pub fn as_of_arg(obj: &Bound<'_, PyAny>) -> Result<i64, Error> {
    let py = obj.py();
    const WHAT: &str = "as_of";
    let expected = || {
        bad_arg(format!(
            "as_of must be epoch seconds (int or float), a datetime.datetime, a datetime.date, \
             a numpy.datetime64 or a date str, got {}",
            type_name(obj)
        ))
    };
    if obj.is_instance_of::<PyBool>() {
        return Err(expected());
    }
    if let Some(v) = int_value(obj) {
        return match (v, obj.extract::<i64>()) {
            (_, Ok(i)) => Ok(i),
            _ => Err(bad_arg("as_of is beyond the range of epoch seconds")),
        };
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return floor_seconds(&[f.value()], WHAT)
            .map(|v| v[0])
            .map_err(|e| Error::new(e.kind(), e.message().replace("as_of: row 0 is", "as_of is")));
    }
    let dt = py
        .import(intern!(py, "datetime"))
        .map_err(|e| py_failed(py, WHAT, "read", e))?;
    let get = |name: &str| dt.getattr(name).map_err(|e| py_failed(py, WHAT, "read", e));
    let (datetime, date) = (get("datetime")?, get("date")?);
    if obj.is_instance(&datetime).unwrap_or(false) {
        let r = (|| -> PyResult<Bound<'_, PyAny>> {
            let utc = dt.getattr("timezone")?.getattr("utc")?;
            let aware = if obj.getattr("tzinfo")?.is_none() {
                let kw = PyDict::new(py);
                kw.set_item("tzinfo", &utc)?;
                obj.call_method("replace", (), Some(&kw))?
            } else {
                obj.clone()
            };
            let epoch = datetime.call1((1970, 1, 1, 0, 0, 0, 0, &utc))?;
            let second = dt.getattr("timedelta")?.call1((0, 1))?;
            aware
                .call_method1("__sub__", (epoch,))?
                .call_method1("__floordiv__", (second,))
        })();
        let secs = r.map_err(|e| py_failed(py, WHAT, "read as a time", e))?;
        return secs.extract::<i64>().map_err(|_| {
            bad_arg(format!(
                "as_of is not a time (it is {})",
                obj.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        });
    }
    if obj.is_instance(&date).unwrap_or(false) {
        let r = (|| -> PyResult<i64> {
            let epoch = date.call1((1970, 1, 1))?;
            let days = obj
                .call_method1("__sub__", (epoch,))?
                .getattr("days")?
                .extract::<i64>()?;
            Ok(days * 86_400)
        })();
        return r.map_err(|e| py_failed(py, WHAT, "read as a date", e));
    }
    let np = numpy(py).map_err(|e| py_failed(py, WHAT, "read", e))?;
    let value = if obj.is_instance_of::<PyString>() {
        np.getattr("datetime64")
            .and_then(|f| f.call1((obj,)))
            .map_err(|e| py_failed(py, WHAT, "parsed as a date", e))?
    } else {
        let is_dt64 = np
            .getattr("datetime64")
            .and_then(|t| obj.is_instance(&t))
            .unwrap_or(false);
        if !is_dt64 {
            // A NumPy floating-point scalar.
            return match obj.extract::<f64>() {
                Ok(f) if !obj.is_instance_of::<PyString>() => {
                    floor_seconds(&[f], WHAT).map(|v| v[0]).map_err(|e| {
                        Error::new(e.kind(), e.message().replace("as_of: row 0 is", "as_of is"))
                    })
                }
                _ => Err(expected()),
            };
        }
        obj.clone()
    };
    let one = np
        .getattr("asarray")
        .and_then(|f| f.call1((pyo3::types::PyList::new(py, [value])?,)))
        .map_err(|e| py_failed(py, WHAT, "read as a time", e))?;
    let a = one_dim(&one, WHAT)?;
    if a.dtype().kind() != b'M' {
        return Err(expected());
    }
    datetime_seconds(a, WHAT)
        .map(|v| v.values()[0])
        .map_err(|e| Error::new(e.kind(), e.message().replace("as_of: row 0 is", "as_of is")))
}
