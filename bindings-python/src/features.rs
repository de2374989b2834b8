//! `FeaturePipeline` and `transaction_features`: thin wrappers of core's
//! [`nextbest::features`].
//!
//! The binding turns the Python parameters into a core [`PipelineSpec`] (option names are parsed
//! by core's `from_name`), reads the columns the pipeline needs out of a DataFrame or a dict
//! (`columns`), and runs core's fit and transform with the GIL released. Every check of the
//! data (missing or mistyped columns, infinities, unknown categories) is core's.
//!
//! Locking: the state (parameters and fitted pipeline) sits behind a mutex that is only held,
//! with the GIL, for as long as it takes to copy or swap references; no Python code runs and
//! the GIL is never released while it is held. Fitting and transforming work on a shared
//! `Arc` of the immutable fitted pipeline, so one pipeline may serve many threads.

use crate::columns::{
    as_of_arg, id_column, label_column, number_column, pipeline_column, timestamp_column,
    ColumnData, Ids,
};
use crate::convert::{count_arg, elements, float_arg, int_value, str_arg, string_of, type_name};
use crate::errors::{bad_arg, out_of_memory, OrRaise};
use nextbest::features::{
    self as core_features, CategoricalSpec, Column, CustomerIds, CustomerKeys, Encoding,
    FeaturePipeline, HandleUnknown, Impute, MinFrequency, NumericSpec, PipelineSpec, Scale, Table,
    TransactionOptions, Transactions,
};
use nextbest::{Error, ErrorKind, Persist};
use numpy::{PyArray1, PyArray2};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple, PyType};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

/// The constructor parameters, in signature order.
const PARAMS: [&str; 14] = [
    "numeric",
    "categorical",
    "impute",
    "impute_value",
    "scale",
    "log1p",
    "clip",
    "bins",
    "max_categories",
    "min_frequency",
    "handle_unknown",
    "encoding",
    "add_indicator",
    "columns",
];
const NUMERIC: usize = 0;
const CATEGORICAL: usize = 1;
const IMPUTE: usize = 2;
const IMPUTE_VALUE: usize = 3;
const SCALE: usize = 4;
const LOG1P: usize = 5;
const CLIP: usize = 6;
const BINS: usize = 7;
const MAX_CATEGORIES: usize = 8;
const MIN_FREQUENCY: usize = 9;
const HANDLE_UNKNOWN: usize = 10;
const ENCODING: usize = 11;
const ADD_INDICATOR: usize = 12;
const COLUMNS: usize = 13;

/// The options a numeric column may override in `columns`.
const NUMERIC_OPTIONS: [&str; 7] = [
    "impute",
    "impute_value",
    "scale",
    "log1p",
    "clip",
    "bins",
    "add_indicator",
];
/// The options a categorical column may override in `columns`.
const CATEGORICAL_OPTIONS: [&str; 4] = [
    "encoding",
    "max_categories",
    "min_frequency",
    "handle_unknown",
];

/// The default value of parameter `i`.
fn default_param(py: Python<'_>, i: usize) -> Bound<'_, PyAny> {
    let s = |v: &str| PyString::new(py, v).into_any();
    match i {
        NUMERIC | CATEGORICAL | LOG1P => PyTuple::empty(py).into_any(),
        IMPUTE => s("median"),
        IMPUTE_VALUE | MIN_FREQUENCY => 0.0f64
            .into_pyobject(py)
            .unwrap_or_else(|e| match e {})
            .into_any(),
        SCALE => s("standard"),
        MAX_CATEGORIES => 32i64
            .into_pyobject(py)
            .unwrap_or_else(|e| match e {})
            .into_any(),
        HANDLE_UNKNOWN => s("other"),
        ENCODING => s("onehot"),
        ADD_INDICATOR => PyBool::new(py, false).to_owned().into_any(),
        _ => py.None().into_bound(py),
    }
}

fn defaults(py: Python<'_>) -> Vec<Bound<'_, PyAny>> {
    (0..PARAMS.len()).map(|i| default_param(py, i)).collect()
}

/// `params` with the positional `args` and keyword `kwargs` applied.
fn bind_params<'py>(
    mut params: Vec<Bound<'py, PyAny>>,
    args: Option<&Bound<'py, PyTuple>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> Result<Vec<Bound<'py, PyAny>>, Error> {
    let mut given = [false; PARAMS.len()];
    if let Some(args) = args {
        if args.len() > PARAMS.len() {
            return Err(bad_arg(format!(
                "FeaturePipeline takes at most {} positional arguments, got {}",
                PARAMS.len(),
                args.len()
            )));
        }
        for (i, a) in args.iter().enumerate() {
            params[i] = a;
            given[i] = true;
        }
    }
    if let Some(kwargs) = kwargs {
        for (k, v) in kwargs.iter() {
            let key = str_arg(&k, "a parameter name")?;
            let i = PARAMS.iter().position(|p| *p == key).ok_or_else(|| {
                bad_arg(format!(
                    "unknown parameter {key:?} (the parameters are {})",
                    PARAMS.join(", ")
                ))
            })?;
            if given[i] {
                return Err(bad_arg(format!("parameter {key:?} is given twice")));
            }
            params[i] = v;
            given[i] = true;
        }
    }
    Ok(params)
}

/// Prefixes the message of `e` with `prefix`.
fn prefixed(prefix: &str, e: Error) -> Error {
    Error::new(e.kind(), format!("{prefix}: {}", e.message()))
}

/// `True` or `False` (NumPy booleans too).
fn bool_arg(obj: &Bound<'_, PyAny>, what: &str) -> Result<bool, Error> {
    obj.extract::<bool>().map_err(|_| {
        bad_arg(format!(
            "{what} must be True or False, got {}",
            type_name(obj)
        ))
    })
}

/// A sequence of column names (None: none).
fn names_arg(obj: &Bound<'_, PyAny>, what: &str) -> Result<Vec<String>, Error> {
    if obj.is_none() {
        return Ok(Vec::new());
    }
    if obj.is_instance_of::<PyString>() {
        return Err(bad_arg(format!(
            "{what} must be a sequence of column names, got a single str (use [name])"
        )));
    }
    let items = elements(obj, what).map_err(|_| {
        bad_arg(format!(
            "{what} must be a sequence of column names, got {}",
            type_name(obj)
        ))
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item.cast::<PyString>() {
            Ok(s) => string_of(s, &format!("{what}[{i}]")),
            Err(_) => Err(bad_arg(format!(
                "{what}[{i}] must be a column name (str), got {}",
                type_name(item)
            ))),
        })
        .collect()
}

/// `None` or a count.
fn opt_count(obj: &Bound<'_, PyAny>, what: &str) -> Result<Option<usize>, Error> {
    if obj.is_none() {
        Ok(None)
    } else {
        count_arg(obj, what).map(Some)
    }
}

/// `None` or `(lower_quantile, upper_quantile)`.
fn clip_arg(obj: &Bound<'_, PyAny>, what: &str) -> Result<Option<(f64, f64)>, Error> {
    if obj.is_none() {
        return Ok(None);
    }
    let expected = || {
        bad_arg(format!(
            "{what} must be None or a pair (lower_quantile, upper_quantile), got {}",
            type_name(obj)
        ))
    };
    if obj.is_instance_of::<PyString>() {
        return Err(expected());
    }
    let items = elements(obj, what).map_err(|_| expected())?;
    if items.len() != 2 {
        return Err(bad_arg(format!(
            "{what} must be None or a pair (lower_quantile, upper_quantile), got {} values",
            items.len()
        )));
    }
    Ok(Some((
        float_arg(&items[0], &format!("{what}[0]"))?,
        float_arg(&items[1], &format!("{what}[1]"))?,
    )))
}

/// An int (a count of rows) or a float (a fraction of the rows).
fn min_frequency_arg(obj: &Bound<'_, PyAny>, what: &str) -> Result<MinFrequency, Error> {
    if obj.is_instance_of::<PyBool>() {
        return Err(bad_arg(format!(
            "{what} must be an int (a count) or a float (a fraction), got bool"
        )));
    }
    if int_value(obj).is_some() {
        return count_arg(obj, what).map(MinFrequency::Count);
    }
    obj.extract::<f64>()
        .map(MinFrequency::Fraction)
        .map_err(|_| {
            bad_arg(format!(
                "{what} must be an int (a count) or a float (a fraction), got {}",
                type_name(obj)
            ))
        })
}

/// The options of one numeric column.
#[derive(Clone)]
struct NumericOptions {
    impute: String,
    impute_value: f64,
    scale: Scale,
    log1p: bool,
    clip: Option<(f64, f64)>,
    bins: Option<usize>,
    add_indicator: bool,
}

impl NumericOptions {
    /// Sets option `key` (one of [`NUMERIC_OPTIONS`]); `what` names it in messages.
    fn set(&mut self, key: &str, v: &Bound<'_, PyAny>, what: &str) -> Result<(), Error> {
        match key {
            "impute" => {
                let name = str_arg(v, what)?;
                Impute::from_name(&name, 0.0)?;
                self.impute = name;
            }
            "impute_value" => self.impute_value = float_arg(v, what)?,
            "scale" => self.scale = Scale::from_name(&str_arg(v, what)?)?,
            "log1p" => self.log1p = bool_arg(v, what)?,
            "clip" => self.clip = clip_arg(v, what)?,
            "bins" => self.bins = opt_count(v, what)?,
            "add_indicator" => self.add_indicator = bool_arg(v, what)?,
            _ => unreachable!("checked against NUMERIC_OPTIONS"),
        }
        Ok(())
    }

    fn spec(&self, name: &str) -> Result<NumericSpec, Error> {
        Ok(NumericSpec {
            name: name.to_owned(),
            log1p: self.log1p,
            clip: self.clip,
            impute: Impute::from_name(&self.impute, self.impute_value)?,
            add_indicator: self.add_indicator,
            scale: self.scale,
            bins: self.bins,
        })
    }
}

/// The options of one categorical column.
#[derive(Clone)]
struct CategoricalOptions {
    encoding: Encoding,
    max_categories: Option<usize>,
    min_frequency: MinFrequency,
    handle_unknown: HandleUnknown,
}

impl CategoricalOptions {
    /// Sets option `key` (one of [`CATEGORICAL_OPTIONS`]); `what` names it in messages.
    fn set(&mut self, key: &str, v: &Bound<'_, PyAny>, what: &str) -> Result<(), Error> {
        match key {
            "encoding" => self.encoding = Encoding::from_name(&str_arg(v, what)?)?,
            "max_categories" => self.max_categories = opt_count(v, what)?,
            "min_frequency" => self.min_frequency = min_frequency_arg(v, what)?,
            "handle_unknown" => self.handle_unknown = HandleUnknown::from_name(&str_arg(v, what)?)?,
            _ => unreachable!("checked against CATEGORICAL_OPTIONS"),
        }
        Ok(())
    }

    fn spec(&self, name: &str) -> CategoricalSpec {
        CategoricalSpec {
            name: name.to_owned(),
            encoding: self.encoding,
            max_categories: self.max_categories,
            min_frequency: self.min_frequency,
            handle_unknown: self.handle_unknown,
        }
    }
}

/// A key and its value.
type Pair<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>);

/// The pairs of a dict or other mapping.
fn mapping_items<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
    expected: &str,
) -> Result<Vec<Pair<'py>>, Error> {
    let bad = || bad_arg(format!("{what} must be {expected}, got {}", type_name(obj)));
    if let Ok(d) = obj.cast::<PyDict>() {
        return Ok(d.iter().collect());
    }
    if obj.is_instance_of::<PyString>() || !obj.hasattr(intern!(obj.py(), "items")).unwrap_or(false)
    {
        return Err(bad());
    }
    let items = obj
        .call_method0(intern!(obj.py(), "items"))
        .map_err(|_| bad())?;
    let iter = items.try_iter().map_err(|_| bad())?;
    iter.map(|pair| {
        let pair = pair.map_err(|_| bad())?;
        pair.extract::<Pair<'py>>().map_err(|_| bad())
    })
    .collect()
}

/// The core spec the parameters describe. Option names are parsed by core; the values of the
/// options are checked by core at fit.
fn build_spec(p: &[Bound<'_, PyAny>]) -> Result<PipelineSpec, Error> {
    let numeric = names_arg(&p[NUMERIC], "numeric")?;
    let categorical = names_arg(&p[CATEGORICAL], "categorical")?;
    let impute = str_arg(&p[IMPUTE], "impute")?;
    let impute_value = float_arg(&p[IMPUTE_VALUE], "impute_value")?;
    Impute::from_name(&impute, impute_value)?;
    let mut num = NumericOptions {
        impute,
        impute_value,
        scale: Scale::from_name(&str_arg(&p[SCALE], "scale")?)?,
        log1p: false,
        clip: clip_arg(&p[CLIP], "clip")?,
        bins: opt_count(&p[BINS], "bins")?,
        add_indicator: bool_arg(&p[ADD_INDICATOR], "add_indicator")?,
    };
    // log1p: True (every numeric column), False/None (none) or a list of numeric columns.
    let log1p = &p[LOG1P];
    let log1p_all = if log1p.is_none() {
        Some(false)
    } else if log1p.is_instance_of::<PyBool>() || type_name(log1p).starts_with("bool") {
        Some(bool_arg(log1p, "log1p")?)
    } else {
        None
    };
    let log1p_names: HashSet<String> = match log1p_all {
        Some(_) => HashSet::new(),
        None => {
            let names = names_arg(log1p, "log1p").map_err(|_| {
                bad_arg(format!(
                    "log1p must be True, False or a sequence of numeric column names, got {}",
                    type_name(log1p)
                ))
            })?;
            for n in &names {
                if !numeric.contains(n) {
                    return Err(bad_arg(format!(
                        "log1p: column {n:?} is not one of the numeric columns"
                    )));
                }
            }
            names.into_iter().collect()
        }
    };
    num.log1p = log1p_all.unwrap_or(false);
    let cat = CategoricalOptions {
        encoding: Encoding::from_name(&str_arg(&p[ENCODING], "encoding")?)?,
        max_categories: opt_count(&p[MAX_CATEGORIES], "max_categories")?,
        min_frequency: min_frequency_arg(&p[MIN_FREQUENCY], "min_frequency")?,
        handle_unknown: HandleUnknown::from_name(&str_arg(&p[HANDLE_UNKNOWN], "handle_unknown")?)?,
    };
    let mut num_opts: Vec<NumericOptions> = numeric
        .iter()
        .map(|n| NumericOptions {
            log1p: num.log1p || log1p_names.contains(n),
            ..num.clone()
        })
        .collect();
    let mut cat_opts: Vec<CategoricalOptions> = vec![cat; categorical.len()];
    // Per-column overrides.
    let columns = &p[COLUMNS];
    let mut overridden = vec![false; numeric.len()];
    if !columns.is_none() {
        const EXPECTED: &str = "None or a dict {column name: {option: value}}";
        for (name, opts) in mapping_items(columns, "columns", EXPECTED)? {
            let name = match name.cast::<PyString>() {
                Ok(s) => string_of(s, "columns")?,
                Err(_) => {
                    return Err(bad_arg(format!(
                        "columns: keys must be column names (str), got {}",
                        type_name(&name)
                    )))
                }
            };
            let at = format!("columns[{name:?}]");
            let items = mapping_items(&opts, &at, "a dict {option: value}")?;
            if let Some(i) = numeric.iter().position(|n| *n == name) {
                overridden[i] = true;
                for (key, value) in items {
                    let key = str_arg(&key, &format!("{at}: an option name"))?;
                    if !NUMERIC_OPTIONS.contains(&key.as_str()) {
                        return Err(bad_arg(format!(
                            "{at}: unknown option {key:?} for a numeric column (its options: {})",
                            NUMERIC_OPTIONS.join(", ")
                        )));
                    }
                    num_opts[i]
                        .set(&key, &value, &format!("{at}[{key:?}]"))
                        .map_err(|e| prefixed(&at, e))?;
                }
            } else if let Some(i) = categorical.iter().position(|n| *n == name) {
                for (key, value) in items {
                    let key = str_arg(&key, &format!("{at}: an option name"))?;
                    if !CATEGORICAL_OPTIONS.contains(&key.as_str()) {
                        return Err(bad_arg(format!(
                            "{at}: unknown option {key:?} for a categorical column (its options: {})",
                            CATEGORICAL_OPTIONS.join(", ")
                        )));
                    }
                    cat_opts[i]
                        .set(&key, &value, &format!("{at}[{key:?}]"))
                        .map_err(|e| prefixed(&at, e))?;
                }
            } else {
                return Err(Error::not_found(format!(
                    "columns: {name:?} is neither in numeric nor in categorical"
                )));
            }
        }
    }
    let numeric = numeric
        .iter()
        .zip(&num_opts)
        .zip(&overridden)
        .map(|((n, o), &over)| {
            o.spec(n).map_err(|e| {
                if over {
                    prefixed(&format!("columns[{n:?}]"), e)
                } else {
                    e
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let categorical = categorical
        .iter()
        .zip(&cat_opts)
        .map(|(n, o)| o.spec(n))
        .collect();
    Ok(PipelineSpec {
        numeric,
        categorical,
    })
}

/// The converted input columns a pipeline needs, in the order asked for.
pub(crate) struct Inputs<'py> {
    names: Vec<String>,
    /// `(index into names, data)` for the columns found in the input.
    data: Vec<(usize, ColumnData<'py>)>,
}

impl Inputs<'_> {
    /// The table core reads (core reports the columns that are absent).
    pub(crate) fn table(&self) -> Result<Table<'_>, Error> {
        let mut t = Table::new();
        for (i, d) in &self.data {
            let column = match d {
                ColumnData::Numeric(v) => Column::Numeric(v.values()),
                ColumnData::Categorical(c) => Column::Categorical(c),
            };
            t.push(&self.names[*i], column)?;
        }
        Ok(t)
    }
}

/// The column names of `x`, for messages (at most 20).
fn column_names_of(x: &Bound<'_, PyAny>) -> String {
    const SHOWN: usize = 20;
    let keys = x
        .call_method0(intern!(x.py(), "keys"))
        .and_then(|k| k.try_iter())
        .map(|it| it.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default();
    if keys.is_empty() {
        return "none".to_owned();
    }
    let mut shown: Vec<String> = keys
        .iter()
        .take(SHOWN)
        .map(|k| match k.cast::<PyString>() {
            Ok(s) => format!("{:?}", s.to_string_lossy()),
            Err(_) => k.repr().map(|r| r.to_string()).unwrap_or_default(),
        })
        .collect();
    if keys.len() > SHOWN {
        shown.push(format!("... ({} in all)", keys.len()));
    }
    shown.join(", ")
}

/// Reads the columns `names` of `x` (a DataFrame or a mapping). A name listed twice is read
/// once (core reports the repetition); an absent column is "not found", naming it and the
/// columns `x` has. (Core would name it too, but a table without any column has no rows, and
/// core reports an empty input first.)
pub(crate) fn read_inputs<'py>(
    x: &Bound<'py, PyAny>,
    names: Vec<String>,
) -> Result<Inputs<'py>, Error> {
    let py = x.py();
    let dict = x.cast::<PyDict>().ok();
    if dict.is_none() && !x.hasattr(intern!(py, "columns")).unwrap_or(false) {
        let is_mapping = py
            .import(intern!(py, "collections.abc"))
            .and_then(|m| m.getattr(intern!(py, "Mapping")))
            .and_then(|mapping| x.is_instance(&mapping))
            .unwrap_or(false);
        if !is_mapping {
            return Err(bad_arg(format!(
                "X must be a pandas DataFrame or a dict of column name -> values, got {}",
                type_name(x)
            )));
        }
    }
    let mut data = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let failed = |e: PyErr| {
            let detail = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
            bad_arg(format!(
                "column {name:?} could not be read from X: {detail}"
            ))
        };
        let column = match dict {
            Some(d) => d.get_item(name).map_err(failed)?,
            None => {
                if x.contains(name).map_err(failed)? {
                    Some(x.get_item(name).map_err(failed)?)
                } else {
                    None
                }
            }
        };
        match column {
            _ if names[..i].contains(name) => {}
            Some(column) => data.push((i, pipeline_column(&column, &format!("column {name:?}"))?)),
            None => {
                return Err(Error::not_found(format!(
                    "column {name:?} is not in X (its columns: {})",
                    column_names_of(x)
                )))
            }
        }
    }
    Ok(Inputs { names, data })
}

/// The input column names of a fitted pipeline.
pub(crate) fn input_names(p: &FeaturePipeline) -> Vec<String> {
    p.numeric_inputs()
        .chain(p.categorical_inputs())
        .map(str::to_owned)
        .collect()
}

fn not_fitted() -> Error {
    Error::new(
        ErrorKind::NotFitted,
        "this FeaturePipeline is not fitted: call fit(X) first, or load a fitted one with \
         FeaturePipeline.from_json",
    )
}

/// Transforms `inputs` with `p`, without the GIL.
fn transform_inputs<'py>(
    py: Python<'py>,
    p: &FeaturePipeline,
    inputs: &Inputs<'_>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let table = inputs.table().or_raise(py)?;
    let (n, w) = (table.n_rows(), p.n_outputs());
    let total = n
        .checked_mul(w)
        .ok_or_else(|| out_of_memory("the output", usize::MAX))?;
    let mut out: Vec<f64> = Vec::new();
    out.try_reserve_exact(total)
        .map_err(|_| out_of_memory("the output", total))?;
    let out = py
        .detach(|| {
            out.resize(total, 0.0);
            p.transform(&table, &mut out).map(|()| out)
        })
        .or_raise(py)?;
    crate::convert::array2(py, out, n, w)
}

struct State {
    /// The constructor parameters, in [`PARAMS`] order, as given.
    params: Vec<Py<PyAny>>,
    fitted: Option<Arc<FeaturePipeline>>,
}

/// Per-column transforms of a table (a pandas DataFrame or a dict of columns) into a float64
/// matrix for a model: numeric columns are imputed and scaled (or binned), categorical columns
/// one-hot or ordinal encoded.
///
/// Numeric columns go through, in order: ``log1p`` (optional), clipping at quantiles learned
/// at fit (optional), imputation of missing values (NaN, None, ``pd.NA``) by the median, the
/// mean or a constant (with an optional ``name__missing`` indicator column), then standard,
/// robust or min-max scaling, or the index of a quantile bin when ``bins`` is set.
/// Categorical columns learn their categories at fit: missing is a category of its own
/// (``__missing__``), and rare categories (``min_frequency``, ``max_categories``) and values
/// never seen at fit go to ``__other__``. The results match scikit-learn's ``SimpleImputer``,
/// ``StandardScaler``, ``RobustScaler``, ``MinMaxScaler``, ``KBinsDiscretizer`` and
/// ``OneHotEncoder``; the fitted pipeline is saved with ``to_json`` and applied by the Rust and
/// C libraries exactly as here.
///
/// Parameters
/// ----------
/// numeric, categorical : sequence of str
///     The numeric and the categorical input columns. Outputs come in this order: numeric
///     columns first. A categorical column given as numbers reads them as labels (``3.0`` is
///     ``"3"``).
/// impute : {"median", "mean", "constant"}, default "median"
///     How missing numbers are filled; ``"constant"`` fills with ``impute_value`` (in raw units).
/// impute_value : float, default 0.0
/// scale : {"standard", "robust", "minmax", "none"}, default "standard"
/// log1p : sequence of str or bool, default ()
///     The numeric columns to transform with ``log(1 + x)`` first; True for all of them.
/// clip : (float, float) or None, default None
///     Quantiles (e.g. ``(0.01, 0.99)``) at which numeric columns are clipped.
/// bins : int or None, default None
///     Output the index of the quantile bin (of ``bins`` bins) instead of a scaled value.
/// max_categories : int or None, default 32
///     The most output categories of a column, ``__missing__`` and ``__other__`` included.
/// min_frequency : int or float, default 0.0
///     Categories seen fewer times at fit (an int: rows; a float in [0, 1): a fraction of the
///     rows) go to ``__other__``.
/// handle_unknown : {"other", "error"}, default "other"
///     What a value never seen at fit becomes: ``__other__``, or an error.
/// encoding : {"onehot", "ordinal"}, default "onehot"
/// add_indicator : bool, default False
///     Add a ``name__missing`` 0/1 column for numeric columns with missing values at fit.
/// columns : dict or None, default None
///     Per-column overrides, ``{name: {option: value}}``: numeric columns may set ``impute``,
///     ``impute_value``, ``scale``, ``log1p``, ``clip``, ``bins`` and ``add_indicator``;
///     categorical columns ``encoding``, ``max_categories``, ``min_frequency`` and
///     ``handle_unknown``.
///
/// ``get_params`` and ``set_params`` work as in scikit-learn; ``set_params`` does not change a
/// fitted pipeline: call ``fit`` again. Pandas is optional: X may be a DataFrame or a dict of
/// NumPy arrays or lists. Fit and transform run without the GIL. Errors are raised as
/// ``nextbest.NextbestError``.
///
/// Examples
/// --------
/// >>> import nextbest
/// >>> X = {"income": [1200.0, 3400.0, float("nan"), 2800.0],
/// ...      "region": ["north", "south", None, "north"]}
/// >>> pipe = nextbest.FeaturePipeline(numeric=["income"], categorical=["region"])
/// >>> Z = pipe.fit_transform(X)
/// >>> Z.shape
/// (4, 5)
/// >>> pipe.feature_names_out()
/// ['income', 'region=north', 'region=south', 'region=__missing__', 'region=__other__']
/// >>> Z[2, 1:].tolist()
/// [0.0, 0.0, 1.0, 0.0]
/// >>> pipe.transform({"income": [2800.0], "region": ["east"]})[0, 1:].tolist()
/// [0.0, 0.0, 0.0, 1.0]
/// >>> loaded = nextbest.FeaturePipeline.from_json(pipe.to_json())
/// >>> bool((loaded.transform(X) == Z).all())
/// True
// `dict`: scikit-learn sets attributes of its own on the estimators of a `Pipeline`.
#[pyclass(frozen, weakref, dict, module = "nextbest", name = "FeaturePipeline")]
pub struct PyFeaturePipeline {
    state: Mutex<State>,
}

impl PyFeaturePipeline {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn from_params(params: Vec<Bound<'_, PyAny>>, fitted: Option<Arc<FeaturePipeline>>) -> Self {
        PyFeaturePipeline {
            state: Mutex::new(State {
                params: params.into_iter().map(Bound::unbind).collect(),
                fitted,
            }),
        }
    }

    fn params<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        let refs: Vec<Py<PyAny>> = self.lock().params.iter().map(|p| p.clone_ref(py)).collect();
        refs.into_iter().map(|p| p.into_bound(py)).collect()
    }

    pub(crate) fn fitted(&self) -> Result<Arc<FeaturePipeline>, Error> {
        self.lock().fitted.clone().ok_or_else(not_fitted)
    }

    /// Replaces the state; the old one is dropped after unlocking (dropping may run Python
    /// code).
    fn replace(&self, params: Vec<Bound<'_, PyAny>>, fitted: Option<Option<Arc<FeaturePipeline>>>) {
        let params: Vec<Py<PyAny>> = params.into_iter().map(Bound::unbind).collect();
        let old = {
            let mut s = self.lock();
            let old_params = std::mem::replace(&mut s.params, params);
            let old_fit = fitted.map(|f| std::mem::replace(&mut s.fitted, f));
            (old_params, old_fit)
        };
        drop(old);
    }

    fn set_fitted(&self, p: Arc<FeaturePipeline>) {
        let old = self.lock().fitted.replace(p);
        drop(old);
    }

    /// Fits on `x`; returns the pipeline and the inputs read.
    fn fit_inputs<'py>(
        &self,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<(Arc<FeaturePipeline>, Inputs<'py>)> {
        let py = x.py();
        let spec = build_spec(&self.params(py)).or_raise(py)?;
        let names = spec
            .numeric
            .iter()
            .map(|s| s.name.clone())
            .chain(spec.categorical.iter().map(|s| s.name.clone()))
            .collect();
        let inputs = read_inputs(x, names).or_raise(py)?;
        let table = inputs.table().or_raise(py)?;
        let fitted = py.detach(|| spec.fit(&table)).or_raise(py)?;
        drop(table);
        let fitted = Arc::new(fitted);
        self.set_fitted(Arc::clone(&fitted));
        Ok((fitted, inputs))
    }
}

#[pymethods]
impl PyFeaturePipeline {
    #[new]
    #[pyo3(
        signature = (*args, **kwargs),
        text_signature = "(numeric=(), categorical=(), impute='median', impute_value=0.0, scale='standard', log1p=(), clip=None, bins=None, max_categories=32, min_frequency=0.0, handle_unknown='other', encoding='onehot', add_indicator=False, columns=None)"
    )]
    fn new(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let py = args.py();
        let params = bind_params(defaults(py), Some(args), kwargs).or_raise(py)?;
        build_spec(&params).or_raise(py)?;
        Ok(Self::from_params(params, None))
    }

    /// Learns every column's statistics from ``X`` (a DataFrame or a dict of columns; other
    /// columns are ignored) and returns ``self``. ``y`` is ignored.
    #[pyo3(signature = (X, y=None))]
    #[allow(non_snake_case)]
    fn fit<'py>(
        slf: &Bound<'py, Self>,
        X: &Bound<'py, PyAny>,
        y: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, Self>> {
        let _ = y;
        slf.get().fit_inputs(X)?;
        Ok(slf.clone())
    }

    /// The features of ``X``: a C-contiguous float64 array of shape ``(n_rows, n_outputs_)``,
    /// columns named by ``feature_names_out()``. Every input is checked first.
    #[allow(non_snake_case)]
    fn transform<'py>(&self, X: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let py = X.py();
        let p = self.fitted().or_raise(py)?;
        let inputs = read_inputs(X, input_names(&p)).or_raise(py)?;
        transform_inputs(py, &p, &inputs)
    }

    /// ``fit(X)`` then ``transform(X)``, reading ``X`` once.
    #[pyo3(signature = (X, y=None))]
    #[allow(non_snake_case)]
    fn fit_transform<'py>(
        &self,
        X: &Bound<'py, PyAny>,
        y: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let _ = y;
        let (p, inputs) = self.fit_inputs(X)?;
        transform_inputs(X.py(), &p, &inputs)
    }

    /// The names of the output columns: ``name`` for a numeric or ordinal column,
    /// ``name__missing`` for a missing-value indicator, ``name=label`` for a one-hot category.
    fn feature_names_out<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let p = self.fitted().or_raise(py)?;
        PyList::new(py, p.feature_names_out())
    }

    /// ``feature_names_out()`` as a NumPy array of str, as scikit-learn transformers give it.
    #[pyo3(signature = (input_features=None))]
    fn get_feature_names_out<'py>(
        &self,
        py: Python<'py>,
        input_features: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<Py<PyAny>>>> {
        let _ = input_features;
        let p = self.fitted().or_raise(py)?;
        let names: Vec<Py<PyAny>> = p
            .feature_names_out()
            .iter()
            .map(|n| PyString::new(py, n).into_any().unbind())
            .collect();
        Ok(PyArray1::from_vec(py, names))
    }

    /// The number of output columns.
    #[getter]
    fn n_outputs_(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.fitted().or_raise(py)?.n_outputs())
    }

    /// The output categories of categorical column ``name``: the kept labels in byte-wise
    /// order, then ``"__missing__"`` and ``"__other__"`` when present.
    fn categories<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let name = str_arg(name, "name").or_raise(py)?;
        let p = self.fitted().or_raise(py)?;
        match p.categories(&name) {
            Some(c) => PyList::new(py, c),
            None => Err(Error::not_found(format!(
                "{name:?} is not a categorical column of the pipeline (its categorical columns: {})",
                p.categorical_inputs()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
            .or_raise(py),
        }
    }

    /// The fitted pipeline as a versioned JSON document (what the Rust and C libraries load).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let p = self.fitted().or_raise(py)?;
        Ok(py.detach(|| p.to_json()))
    }

    /// Loads a pipeline saved by ``to_json``: it is fitted. Its ``numeric`` and ``categorical``
    /// parameters are the document's columns, every other parameter is the default (the
    /// document holds what was learned, not the options it was learned with).
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = document.py();
        let doc = str_arg(document, "document").or_raise(py)?;
        let p = py
            .detach(|| FeaturePipeline::from_json(&doc))
            .or_raise(py)?;
        let mut params = defaults(py);
        params[NUMERIC] = PyList::new(py, p.numeric_inputs())?.into_any();
        params[CATEGORICAL] = PyList::new(py, p.categorical_inputs())?.into_any();
        Ok(Self::from_params(params, Some(Arc::new(p))))
    }

    /// The constructor parameters, as given (scikit-learn's ``get_params``).
    #[pyo3(signature = (deep=true))]
    fn get_params<'py>(&self, py: Python<'py>, deep: bool) -> PyResult<Bound<'py, PyDict>> {
        let _ = deep;
        let d = PyDict::new(py);
        for (k, v) in PARAMS.iter().zip(self.params(py)) {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// Sets constructor parameters (scikit-learn's ``set_params``) and returns ``self``. A
    /// fitted pipeline is left as it was: call ``fit`` again for the new parameters to apply.
    #[pyo3(signature = (**params))]
    fn set_params<'py>(
        slf: &Bound<'py, Self>,
        params: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        let this = slf.get();
        let new = bind_params(this.params(py), None, params).or_raise(py)?;
        build_spec(&new).or_raise(py)?;
        this.replace(new, None);
        Ok(slf.clone())
    }

    /// Whether the pipeline is fitted (scikit-learn's ``check_is_fitted`` asks this).
    fn __sklearn_is_fitted__(&self) -> bool {
        self.lock().fitted.is_some()
    }

    /// The estimator tags scikit-learn (1.6 and later) asks for, e.g. in a ``Pipeline``:
    /// a transformer of tables with missing values, strings and categories. Imports
    /// scikit-learn, so only call it when scikit-learn is there.
    fn __sklearn_tags__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let utils = py.import("sklearn.utils")?;
        let input = PyDict::new(py);
        for key in ["allow_nan", "string", "categorical", "dict"] {
            input.set_item(key, true)?;
        }
        let target = PyDict::new(py);
        target.set_item("required", false)?;
        let tags = PyDict::new(py);
        tags.set_item("estimator_type", py.None())?;
        tags.set_item(
            "target_tags",
            utils.getattr("TargetTags")?.call((), Some(&target))?,
        )?;
        tags.set_item(
            "transformer_tags",
            utils.getattr("TransformerTags")?.call0()?,
        )?;
        tags.set_item(
            "input_tags",
            utils.getattr("InputTags")?.call((), Some(&input))?,
        )?;
        utils.getattr("Tags")?.call((), Some(&tags))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        const LONGEST: usize = 200;
        let mut parts = Vec::new();
        for (i, v) in self.params(py).iter().enumerate() {
            let default = default_param(py, i);
            let same = v.is(&default)
                || (v.get_type().is(default.get_type()) && v.eq(&default).unwrap_or(false));
            if i == NUMERIC || i == CATEGORICAL || !same {
                let mut r = v.repr()?.to_string();
                if r.chars().count() > LONGEST {
                    r = r.chars().take(LONGEST - 3).collect::<String>() + "...";
                }
                parts.push(format!("{}={r}", PARAMS[i]));
            }
        }
        Ok(format!("FeaturePipeline({})", parts.join(", ")))
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>, Bound<'py, PyDict>)> {
        let py = slf.py();
        let this = slf.get();
        let state = PyDict::new(py);
        state.set_item("params", this.get_params(py, true)?)?;
        let fitted = this.lock().fitted.clone();
        match fitted {
            Some(p) => state.set_item("pipeline", py.detach(|| p.to_json()))?,
            None => state.set_item("pipeline", py.None())?,
        }
        Ok((slf.get_type(), PyTuple::empty(py), state))
    }

    fn __setstate__(&self, state: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = state.py();
        let bad = || {
            bad_arg("FeaturePipeline state must be a dict with keys \"params\" and \"pipeline\"")
        };
        let state = state.cast::<PyDict>().map_err(|_| bad()).or_raise(py)?;
        let params = state.get_item("params")?.ok_or_else(bad).or_raise(py)?;
        let params = params.cast::<PyDict>().map_err(|_| bad()).or_raise(py)?;
        let params = bind_params(defaults(py), None, Some(params)).or_raise(py)?;
        build_spec(&params).or_raise(py)?;
        let fitted = match state.get_item("pipeline")? {
            Some(doc) if !doc.is_none() => {
                let doc = str_arg(&doc, "the saved pipeline").or_raise(py)?;
                Some(Arc::new(
                    py.detach(|| FeaturePipeline::from_json(&doc))
                        .or_raise(py)?,
                ))
            }
            _ => None,
        };
        self.replace(params, Some(fitted));
        Ok(())
    }
}

/// `windows_days`: a sequence of whole days (or one int).
fn windows_arg(obj: &Bound<'_, PyAny>) -> Result<Vec<u32>, Error> {
    let one = |v: usize, what: &str| {
        u32::try_from(v).map_err(|_| bad_arg(format!("{what} is {v}, outside 1..=36500 days")))
    };
    if int_value(obj).is_some() && !obj.is_instance_of::<PyBool>() {
        return one(count_arg(obj, "windows_days")?, "windows_days").map(|w| vec![w]);
    }
    elements(obj, "windows_days")?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let what = format!("windows_days[{i}]");
            one(count_arg(item, &what)?, &what)
        })
        .collect()
}

fn opt_arg<T>(
    obj: Option<&Bound<'_, PyAny>>,
    default: T,
    read: impl FnOnce(&Bound<'_, PyAny>) -> Result<T, Error>,
) -> Result<T, Error> {
    match obj {
        Some(o) if !o.is_none() => read(o),
        _ => Ok(default),
    }
}

/// What `transaction_features` returns: customer ids, the feature matrix, the feature names.
type Features<'py> = (
    Bound<'py, PyAny>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyList>,
);

/// One row of features per customer from a log of transactions, as of ``as_of``.
///
/// Recency, frequency and value per window, monthly net flow and its trend, recurring income
/// and payments, salary changes, large one-off inflows, new recurring payments, spending
/// shares of the top categories (when ``categories`` is given) and balance statistics (when
/// ``balances`` is given). Only transactions at or before ``as_of`` are used; the log may be in
/// any order. The Rust library's documentation of ``nextbest::features::transactions``
/// defines every column.
///
/// Parameters
/// ----------
/// customer_ids : array-like of int, float or str
///     The customer of each transaction.
/// timestamps : array-like
///     ``datetime64`` values of any unit (a pandas datetime column or ``DatetimeIndex``), or
///     epoch seconds (int or float).
/// amounts : array-like of float
///     Signed amounts: credits (inflows) positive, debits (spend) negative.
/// as_of : int, float, datetime.datetime, datetime.date, numpy.datetime64 or str
///     The instant of the features: epoch seconds, a datetime (naive is UTC), a date (its
///     midnight UTC) or a date string such as ``"2024-06-30"``.
/// categories : array-like of str or None, optional
///     The spending category of each transaction (None: no category).
/// balances : array-like of float, optional
///     The account balance after each transaction.
/// windows_days : sequence of int, default (30, 90, 365)
/// top_categories : int, default 20
/// months, recurring_tolerance, recurring_min_months, salary_change_fraction,
/// large_inflow_multiple, new_payment_days : keyword-only
///     The settings of the monthly, recurring and life-event features.
/// n_threads : int or None, default None
///     Worker threads (None: all cores); the results do not depend on it.
///
/// Returns
/// -------
/// customer_ids : numpy.ndarray
///     The customers, one per row, ascending: int64 for numeric ids, an object array of str
///     for string ids.
/// X : numpy.ndarray of float64, shape (n_customers, n_features)
/// names : list of str
///     The feature names, one per column of ``X``.
///
/// Runs without the GIL. Errors are raised as ``nextbest.NextbestError``.
///
/// Examples
/// --------
/// >>> import numpy as np, nextbest
/// >>> ids = [7, 7, 3, 7]
/// >>> ts = np.array(["2024-05-20", "2024-04-20", "2024-05-30", "2024-06-02"], dtype="datetime64[s]")
/// >>> amounts = [-25.0, 1000.0, -5.0, 99.0]
/// >>> customers, X, names = nextbest.transaction_features(
/// ...     ids, ts, amounts, as_of="2024-05-31", windows_days=[30])
/// >>> customers.tolist()
/// [3, 7]
/// >>> float(X[1, names.index("days_since_last")]), float(X[1, names.index("debit_sum_30d")])
/// (11.0, 25.0)
#[pyfunction]
#[pyo3(
    signature = (customer_ids, timestamps, amounts, as_of, categories=None, balances=None, windows_days=None, top_categories=None, *, months=None, recurring_tolerance=None, recurring_min_months=None, salary_change_fraction=None, large_inflow_multiple=None, new_payment_days=None, n_threads=None),
    text_signature = "(customer_ids, timestamps, amounts, as_of, categories=None, balances=None, windows_days=(30, 90, 365), top_categories=20, *, months=12, recurring_tolerance=0.1, recurring_min_months=3, salary_change_fraction=0.2, large_inflow_multiple=3.0, new_payment_days=120, n_threads=None)"
)]
#[allow(clippy::too_many_arguments)]
pub fn transaction_features<'py>(
    py: Python<'py>,
    customer_ids: &Bound<'py, PyAny>,
    timestamps: &Bound<'py, PyAny>,
    amounts: &Bound<'py, PyAny>,
    as_of: &Bound<'py, PyAny>,
    categories: Option<&Bound<'py, PyAny>>,
    balances: Option<&Bound<'py, PyAny>>,
    windows_days: Option<&Bound<'py, PyAny>>,
    top_categories: Option<&Bound<'py, PyAny>>,
    months: Option<&Bound<'py, PyAny>>,
    recurring_tolerance: Option<&Bound<'py, PyAny>>,
    recurring_min_months: Option<&Bound<'py, PyAny>>,
    salary_change_fraction: Option<&Bound<'py, PyAny>>,
    large_inflow_multiple: Option<&Bound<'py, PyAny>>,
    new_payment_days: Option<&Bound<'py, PyAny>>,
    n_threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Features<'py>> {
    let d = TransactionOptions::default();
    let options = (|| -> Result<TransactionOptions, Error> {
        Ok(TransactionOptions {
            windows_days: opt_arg(windows_days, d.windows_days.clone(), windows_arg)?,
            top_categories: opt_arg(top_categories, d.top_categories, |o| {
                count_arg(o, "top_categories")
            })?,
            months: opt_arg(months, d.months, |o| count_arg(o, "months"))?,
            recurring_tolerance: opt_arg(recurring_tolerance, d.recurring_tolerance, |o| {
                float_arg(o, "recurring_tolerance")
            })?,
            recurring_min_months: opt_arg(recurring_min_months, d.recurring_min_months, |o| {
                count_arg(o, "recurring_min_months")
            })?,
            salary_change_fraction: opt_arg(
                salary_change_fraction,
                d.salary_change_fraction,
                |o| float_arg(o, "salary_change_fraction"),
            )?,
            large_inflow_multiple: opt_arg(large_inflow_multiple, d.large_inflow_multiple, |o| {
                float_arg(o, "large_inflow_multiple")
            })?,
            new_payment_days: opt_arg(new_payment_days, d.new_payment_days, |o| {
                let v = count_arg(o, "new_payment_days")?;
                u32::try_from(v).map_err(|_| bad_arg(format!("new_payment_days is {v}, too large")))
            })?,
            n_threads: opt_arg(n_threads, None, |o| count_arg(o, "n_threads").map(Some))?,
        })
    })()
    .or_raise(py)?;
    let ids = id_column(customer_ids, "customer_ids").or_raise(py)?;
    let ts = timestamp_column(timestamps, "timestamps").or_raise(py)?;
    let amounts = number_column(amounts, "amounts").or_raise(py)?;
    let as_of = as_of_arg(as_of).or_raise(py)?;
    let categories = match categories {
        Some(c) if !c.is_none() => Some(label_column(c, "categories").or_raise(py)?),
        _ => None,
    };
    let balances = match balances {
        Some(b) if !b.is_none() => Some(number_column(b, "balances").or_raise(py)?),
        _ => None,
    };
    let log = Transactions {
        customer_ids: match &ids {
            Ids::Int(v) => CustomerIds::Int(v.values()),
            Ids::Float(v) => CustomerIds::Float(v.values()),
            Ids::Labels(c) => CustomerIds::Labels(c),
        },
        timestamps: ts.values(),
        amounts: amounts.values(),
        categories: categories.as_ref(),
        balances: balances.as_ref().map(|b| b.values()),
    };
    let f = py
        .detach(|| core_features::transaction_features(&log, as_of, &options))
        .or_raise(py)?;
    let (n, w) = (f.n_rows(), f.names.len());
    let keys = match f.customer_ids {
        CustomerKeys::Int(v) => PyArray1::from_vec(py, v).into_any(),
        CustomerKeys::Str(v) => {
            let objs: Vec<Py<PyAny>> = v
                .iter()
                .map(|s| PyString::new(py, s).into_any().unbind())
                .collect();
            PyArray1::from_vec(py, objs).into_any()
        }
    };
    let names = PyList::new(py, &f.names)?;
    let x = crate::convert::array2(py, f.values, n, w)?;
    Ok((keys, x, names))
}
