//! Conversions of Python arguments into the plain values core takes.
//!
//! Nothing here decides anything about bandits: a wrong Python type or form becomes an
//! "invalid argument" error naming the argument; every constraint on the values themselves
//! (ranges, lengths, names, eligibility) is checked by core.

use crate::errors::bad_arg;
use nextbest::bandit::ArmRef;
use nextbest::{Error, ErrorKind};
use numpy::{
    AllowTypeChange, PyArrayDescrMethods, PyArrayLike1, PyReadonlyArray1, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// The Python type name of `obj`, for messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// A Python number as `f64` (core checks finiteness and range).
#[inline]
pub fn float_arg(obj: &Bound<'_, PyAny>, what: &str) -> Result<f64, Error> {
    obj.extract::<f64>()
        .map_err(|_| bad_arg(format!("{what} must be a number, got {}", type_name(obj))))
}

/// An optional number, `default` when absent or `None`.
pub fn float_or(obj: Option<&Bound<'_, PyAny>>, what: &str, default: f64) -> Result<f64, Error> {
    match obj {
        Some(o) if !o.is_none() => float_arg(o, what),
        _ => Ok(default),
    }
}

/// An optional number: `None` when absent or `None`.
pub fn opt_float(obj: Option<&Bound<'_, PyAny>>, what: &str) -> Result<Option<f64>, Error> {
    match obj {
        Some(o) if !o.is_none() => float_arg(o, what).map(Some),
        _ => Ok(None),
    }
}

/// The value of a Python integer (int, NumPy integer, anything with `__index__`; not bool or
/// float): `None` when `obj` is not one, `Err(v)` when it is negative.
#[inline]
pub(crate) fn int_value(obj: &Bound<'_, PyAny>) -> Option<Result<usize, i64>> {
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyFloat>() {
        return None;
    }
    match obj.extract::<i64>() {
        Ok(v) if v >= 0 => Some(Ok(v as usize)),
        Ok(v) => Some(Err(v)),
        Err(_) => match obj.extract::<u64>() {
            Ok(v) => Some(Ok(usize::try_from(v).unwrap_or(usize::MAX))),
            // An int beyond 64 bits: no index can be that large (core reports it out of range).
            Err(_) if obj.is_instance_of::<PyInt>() => Some(Ok(usize::MAX)),
            Err(_) => None,
        },
    }
}

/// A Python integer used as an index; `what` names it in messages. A negative value cannot be
/// an index: it is reported as not found.
#[inline]
pub fn index_arg(obj: &Bound<'_, PyAny>, what: impl Fn() -> String) -> Result<usize, Error> {
    match int_value(obj) {
        Some(Ok(v)) => Ok(v),
        Some(Err(v)) => Err(Error::not_found(format!("{} {v} is negative", what()))),
        None => Err(bad_arg(format!(
            "{} must be an int, got {}",
            what(),
            type_name(obj)
        ))),
    }
}

/// A non-negative count (`n`, `k`).
pub fn count_arg(obj: &Bound<'_, PyAny>, what: &str) -> Result<usize, Error> {
    match int_value(obj) {
        Some(Ok(v)) => Ok(v),
        Some(Err(v)) => Err(bad_arg(format!(
            "{what} must be a non-negative int, got {v}"
        ))),
        None => Err(bad_arg(format!(
            "{what} must be an int, got {}",
            type_name(obj)
        ))),
    }
}

/// The seed: `None` draws one from the operating system and the clock.
pub fn seed_arg(obj: Option<&Bound<'_, PyAny>>) -> Result<u64, Error> {
    match obj {
        Some(o) if !o.is_none() => {
            if let (Ok(v), None) = (o.extract::<u64>(), o.cast::<PyBool>().ok()) {
                return Ok(v);
            }
            match int_value(o) {
                Some(_) => Err(bad_arg("seed must be an int in [0, 2**64)")),
                None => Err(bad_arg(format!(
                    "seed must be an int or None, got {}",
                    type_name(o)
                ))),
            }
        }
        _ => Ok(nextbest::rng::entropy_seed()),
    }
}

/// A Python `str` as an owned Rust string.
pub fn string_of(s: &Bound<'_, PyString>, what: &str) -> Result<String, Error> {
    s.to_cow()
        .map(|c| c.into_owned())
        .map_err(|_| bad_arg(format!("{what} is not a valid Unicode string")))
}

/// A `str` argument.
pub fn str_arg(obj: &Bound<'_, PyAny>, what: &str) -> Result<String, Error> {
    match obj.cast::<PyString>() {
        Ok(s) => string_of(s, what),
        Err(_) => Err(bad_arg(format!(
            "{what} must be a str, got {}",
            type_name(obj)
        ))),
    }
}

/// The elements of a list, tuple, NumPy array or other iterable (not a str, bytes or dict).
pub(crate) fn elements<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> Result<Vec<Bound<'py, PyAny>>, Error> {
    if let Ok(l) = obj.cast::<PyList>() {
        return Ok(l.iter().collect());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return Ok(t.iter().collect());
    }
    let not_seq = || {
        bad_arg(format!(
            "{what} must be a sequence (list, tuple or NumPy array), got {}",
            type_name(obj)
        ))
    };
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyDict>()
    {
        return Err(not_seq());
    }
    let iter = obj.try_iter().map_err(|_| not_seq())?;
    iter.map(|item| item.map_err(|_| not_seq()))
        .collect::<Result<Vec<_>, Error>>()
}

/// A one-dimensional NumPy array and its dtype kind (`b'b'`, `b'i'`, `b'u'`, `b'f'`, `b'U'`...).
fn ndarray<'a, 'py>(
    obj: &'a Bound<'py, PyAny>,
    what: &str,
) -> Result<Option<(&'a Bound<'py, PyUntypedArray>, u8)>, Error> {
    match obj.cast::<PyUntypedArray>() {
        Ok(a) => {
            if a.ndim() != 1 {
                return Err(Error::shape(format!(
                    "{what} must be one-dimensional, got an array of {} dimensions",
                    a.ndim()
                )));
            }
            Ok(Some((a, a.dtype().kind())))
        }
        Err(_) => Ok(None),
    }
}

fn dtype_name(a: &Bound<'_, PyUntypedArray>) -> String {
    a.dtype()
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Integers of a NumPy integer array as indices; negative entries are not found.
fn array_indices(obj: &Bound<'_, PyAny>, kind: u8, what: &str) -> Result<Vec<usize>, Error> {
    let bad = |_| bad_arg(format!("{what} could not be read as integers"));
    if kind == b'u' {
        let a = obj
            .extract::<PyArrayLike1<'_, u64, AllowTypeChange>>()
            .map_err(bad)?;
        Ok(a.as_array()
            .iter()
            .map(|&v| usize::try_from(v).unwrap_or(usize::MAX))
            .collect())
    } else {
        let a = obj
            .extract::<PyArrayLike1<'_, i64, AllowTypeChange>>()
            .map_err(bad)?;
        a.as_array()
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                usize::try_from(v).map_err(|_| {
                    Error::not_found(format!("{what}[{i}]: arm index {v} is negative"))
                })
            })
            .collect()
    }
}

/// How the arms of a new bandit are given.
pub enum ArmsSpec {
    /// `n` unnamed arms.
    Count(usize),
    /// Named arms.
    Names(Vec<String>),
}

/// `arms`: an int (unnamed arms `0..n`) or a sequence of names.
pub fn arms_spec(obj: &Bound<'_, PyAny>) -> Result<ArmsSpec, Error> {
    const WHAT: &str = "arms must be a list of arm names (str) or a number of arms (int)";
    let count = |v: Option<Result<usize, i64>>| match v {
        Some(Ok(n)) => Ok(ArmsSpec::Count(n)),
        Some(Err(n)) => Err(bad_arg(format!(
            "the number of arms must not be negative, got {n}"
        ))),
        None => Err(bad_arg(format!("{WHAT}, got {}", type_name(obj)))),
    };
    if obj.is_instance_of::<PyInt>() {
        return count(int_value(obj));
    }
    if obj.is_instance_of::<PyString>() {
        return Err(bad_arg(format!("{WHAT}, got a single str (use [name])")));
    }
    let items = match elements(obj, "arms") {
        Ok(items) => items,
        // Not a sequence: perhaps a NumPy integer.
        Err(_) => return count(int_value(obj)),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item.cast::<PyString>() {
            Ok(s) => string_of(s, &format!("arms[{i}]")),
            Err(_) => Err(bad_arg(format!(
                "arms[{i}] must be an arm name (str), got {}",
                type_name(item)
            ))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(ArmsSpec::Names)
}

/// A number or one number per arm.
pub enum FloatOrSeq {
    /// The same value for every arm.
    Scalar(f64),
    /// One value per arm.
    Seq(Vec<f64>),
}

/// A number, or a sequence of numbers (list, tuple, NumPy array).
pub fn float_or_seq(obj: &Bound<'_, PyAny>, what: &str) -> Result<FloatOrSeq, Error> {
    let is_seq = obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
        || ndarray(obj, what)?.is_some();
    if !is_seq {
        return obj.extract::<f64>().map(FloatOrSeq::Scalar).map_err(|_| {
            bad_arg(format!(
                "{what} must be a number or a sequence of numbers (one per arm), got {}",
                type_name(obj)
            ))
        });
    }
    float_list(obj, what).map(FloatOrSeq::Seq)
}

/// A sequence of numbers (list, tuple, NumPy array of a numeric dtype).
pub fn float_list(obj: &Bound<'_, PyAny>, what: &str) -> Result<Vec<f64>, Error> {
    if let Some((a, kind)) = ndarray(obj, what)? {
        if !matches!(kind, b'b' | b'i' | b'u' | b'f') {
            return Err(bad_arg(format!(
                "{what} must hold numbers, got an array of dtype {}",
                dtype_name(a)
            )));
        }
        let v = obj
            .extract::<PyArrayLike1<'_, f64, AllowTypeChange>>()
            .map_err(|_| bad_arg(format!("{what} could not be read as numbers")))?;
        // A copy: the values are read with the GIL released, while Python may write the array.
        return Ok(v.as_array().to_vec());
    }
    elements(obj, what)?
        .iter()
        .enumerate()
        .map(|(i, item)| float_arg(item, &format!("{what}[{i}]")))
        .collect()
}

/// One arm given by name or index.
pub enum ArmArg<'a, 'py> {
    /// A name (a `str`, possibly the very object the bandit handed out).
    Name(&'a Bound<'py, PyString>),
    /// An index.
    Index(usize),
}

/// `arm`: a name (str) or an index (int, including NumPy integers).
#[inline]
pub fn arm_arg<'a, 'py>(obj: &'a Bound<'py, PyAny>, what: &str) -> Result<ArmArg<'a, 'py>, Error> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(ArmArg::Name(s));
    }
    match int_value(obj) {
        Some(Ok(v)) => Ok(ArmArg::Index(v)),
        Some(Err(v)) => Err(Error::not_found(format!("{what} index {v} is negative"))),
        None => Err(bad_arg(format!(
            "{what} must be an arm name (str) or an arm index (int), got {}",
            type_name(obj)
        ))),
    }
}

/// A batch of arms: all indices (the fast path), or names and indices.
pub enum ArmList {
    /// Indices only.
    Indices(Vec<usize>),
    /// Some names.
    Mixed(Vec<ArmRef>),
}

/// `arms` of `update_many`: a NumPy integer array, or a sequence of names and/or indices.
pub fn arm_list(obj: &Bound<'_, PyAny>, what: &str) -> Result<ArmList, Error> {
    let tmp;
    let mut obj = obj;
    if let Some((a, kind)) = ndarray(obj, what)? {
        match kind {
            b'i' | b'u' => return array_indices(obj, kind, what).map(ArmList::Indices),
            b'U' | b'S' | b'O' => {
                tmp = obj
                    .call_method0("tolist")
                    .map_err(|_| bad_arg(format!("{what} could not be read")))?;
                obj = &tmp;
            }
            _ => {
                return Err(bad_arg(format!(
                    "{what} must hold arm names or integer indices, got an array of dtype {}",
                    dtype_name(a)
                )))
            }
        }
    }
    let items = elements(obj, what)?;
    let mut refs = Vec::with_capacity(items.len());
    let mut any_name = false;
    for (i, item) in items.iter().enumerate() {
        match arm_arg(item, &format!("{what}[{i}]"))? {
            ArmArg::Name(s) => {
                any_name = true;
                refs.push(ArmRef::Name(string_of(s, &format!("{what}[{i}]"))?));
            }
            ArmArg::Index(k) => refs.push(ArmRef::Index(k)),
        }
    }
    if any_name {
        Ok(ArmList::Mixed(refs))
    } else {
        Ok(ArmList::Indices(
            refs.into_iter()
                .map(|r| match r {
                    ArmRef::Index(k) => k,
                    ArmRef::Name(_) => unreachable!("no names in the list"),
                })
                .collect(),
        ))
    }
}

/// Which arms may be chosen, in a form that can cross into code running without the GIL.
pub enum Eligible {
    /// Every arm.
    All,
    /// A boolean mask, one entry per arm.
    Mask(Vec<bool>),
    /// The named arms.
    Names(Vec<String>),
    /// The arms at these indices.
    Indices(Vec<usize>),
}

/// `eligible` as given: a NumPy boolean array is borrowed, not copied.
pub enum EligibleArg<'py> {
    /// Anything but a NumPy boolean array.
    Owned(Eligible),
    /// A NumPy boolean array, read in place (only while the GIL is held).
    Array(PyReadonlyArray1<'py, bool>),
}

impl EligibleArg<'_> {
    /// The owned form, for work done with the GIL released (a NumPy mask is copied: Python
    /// code could write to it meanwhile).
    pub fn into_owned(self) -> Eligible {
        match self {
            EligibleArg::Owned(e) => e,
            EligibleArg::Array(a) => Eligible::Mask(a.as_array().to_vec()),
        }
    }
}

const ELIGIBLE: &str =
    "eligible must be None, a boolean mask (one entry per arm), a list of arm names or a list of arm indices";

/// `eligible`: None, a boolean mask (list or NumPy array), arm names or arm indices.
pub fn eligible_arg<'py>(obj: Option<&Bound<'py, PyAny>>) -> Result<EligibleArg<'py>, Error> {
    let obj = match obj {
        None => return Ok(EligibleArg::Owned(Eligible::All)),
        Some(o) if o.is_none() => return Ok(EligibleArg::Owned(Eligible::All)),
        Some(o) => o,
    };
    let tmp;
    let mut obj = obj;
    if !obj.is_instance_of::<PyList>() && !obj.is_instance_of::<PyTuple>() {
        if let Some((a, kind)) = ndarray(obj, "eligible")? {
            match kind {
                b'b' => {
                    let arr = obj
                        .extract::<PyReadonlyArray1<'py, bool>>()
                        .map_err(|e| bad_arg(format!("eligible could not be read: {e}")))?;
                    return Ok(EligibleArg::Array(arr));
                }
                b'i' | b'u' => {
                    return array_indices(obj, kind, "eligible")
                        .map(|v| EligibleArg::Owned(Eligible::Indices(v)))
                }
                b'U' | b'S' | b'O' => {
                    tmp = obj
                        .call_method0("tolist")
                        .map_err(|_| bad_arg("eligible could not be read"))?;
                    obj = &tmp;
                }
                _ => {
                    return Err(bad_arg(format!(
                        "{ELIGIBLE}, got an array of dtype {}",
                        dtype_name(a)
                    )))
                }
            }
        }
    }
    let items = elements(obj, "eligible")
        .map_err(|_| bad_arg(format!("{ELIGIBLE}, got {}", type_name(obj))))?;
    let first = match items.first() {
        // No names: no arm is eligible (core says so).
        None => return Ok(EligibleArg::Owned(Eligible::Names(Vec::new()))),
        Some(f) => f,
    };
    let mixed = |i: usize, item: &Bound<'_, PyAny>| {
        bad_arg(format!(
            "{ELIGIBLE}; eligible[{i}] is a {} unlike eligible[0]",
            type_name(item)
        ))
    };
    let e = if first.extract::<bool>().is_ok() {
        let mask = items
            .iter()
            .enumerate()
            .map(|(i, item)| item.extract::<bool>().map_err(|_| mixed(i, item)))
            .collect::<Result<Vec<_>, _>>()?;
        Eligible::Mask(mask)
    } else if first.is_instance_of::<PyString>() {
        let names = items
            .iter()
            .enumerate()
            .map(|(i, item)| match item.cast::<PyString>() {
                Ok(s) => string_of(s, &format!("eligible[{i}]")),
                Err(_) => Err(mixed(i, item)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Eligible::Names(names)
    } else {
        let idx = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if item.is_instance_of::<PyString>() || item.extract::<bool>().is_ok() {
                    return Err(mixed(i, item));
                }
                index_arg(item, || format!("eligible[{i}]: arm index")).map_err(|e| {
                    if e.kind() == ErrorKind::InvalidArgument {
                        bad_arg(format!(
                            "{ELIGIBLE}, got {} in eligible[{i}]",
                            type_name(item)
                        ))
                    } else {
                        e
                    }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Eligible::Indices(idx)
    };
    Ok(EligibleArg::Owned(e))
}

/// A one-dimensional array-like of numbers (list, tuple, NumPy array of any numeric dtype,
/// pandas Series) as `f64` values.
pub fn numbers(obj: &Bound<'_, PyAny>, what: &str) -> Result<Vec<f64>, Error> {
    if obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
        || obj.cast::<PyUntypedArray>().is_ok()
    {
        return float_list(obj, what);
    }
    let not_numbers = || {
        bad_arg(format!(
            "{what} must be a sequence of numbers (list, NumPy array, pandas Series), got {}",
            type_name(obj)
        ))
    };
    let py = obj.py();
    let array = py
        .import(pyo3::intern!(py, "numpy"))
        .and_then(|np| np.call_method1(pyo3::intern!(py, "asarray"), (obj,)))
        .map_err(|_| not_numbers())?;
    // A scalar, a str or any other object NumPy wraps as a 0-dimensional array.
    match array.cast::<PyUntypedArray>() {
        Ok(a) if a.ndim() > 0 => {}
        _ => return Err(not_numbers()),
    }
    float_list(&array, what)
}

/// A zeroed output buffer of `n` values, or a `MemoryError`.
pub fn output(n: usize, what: &str) -> PyResult<Vec<f64>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| crate::errors::out_of_memory(what, n))?;
    v.resize(n, 0.0);
    Ok(v)
}

/// A row-major vector as a `(rows, cols)` array, without a copy.
pub fn array2(
    py: Python<'_>,
    values: Vec<f64>,
    rows: usize,
    cols: usize,
) -> PyResult<Bound<'_, numpy::PyArray2<f64>>> {
    use numpy::PyArrayMethods;
    numpy::PyArray1::from_vec(py, values).reshape([rows, cols])
}
