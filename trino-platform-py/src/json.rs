//! JSON-shaped data between Python and the core: Python values (dicts, lists, strings, numbers,
//! booleans, `None`) to a [`serde_json::Value`] for specs given as dicts, and the core's serde
//! forms (reports, policy documents) to plain Python dicts and lists.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde::Serialize;
use serde_json::{Map, Number, Value};
use trino_platform::{Error, ErrorKind};

use crate::errors::to_pyerr;

/// `value`'s serde form as Python data: objects become `dict`s (keys as serde names them,
/// camelCase for the core's types), arrays `list`s, and numbers `int` or `float`.
pub(crate) fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(value)
        .map_err(|e| to_pyerr(Error::new(ErrorKind::Internal, format!("cannot convert a result for Python: {e}"))))?;
    value_to_py(py, &value)
}

/// A JSON value as Python data (see [`to_py`]).
pub(crate) fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            (None, None) => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            PyList::new(py, items.iter().map(|item| value_to_py(py, item)).collect::<PyResult<Vec<_>>>()?)?.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// Python data as a JSON value: a `Mapping` with `str` keys, a `list` or `tuple`, `str`, `int`,
/// finite `float`, `bool` or `None`, nested. `path` names `obj` in errors (`spec.lifecycle`).
///
/// Raises `TypeError` naming the path for anything else (a `set`, a `bytes`, a non-`str` key),
/// and `InvalidInputError` for a number JSON cannot hold (NaN, infinity, beyond 64 bits).
pub(crate) fn from_py(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    let invalid = |why: &str| to_pyerr(Error::invalid_input(format!("{path}: {why}")));
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return obj.extract::<u64>().map(Value::from).map_err(|_| invalid("the number does not fit in 64 bits"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| invalid("NaN and infinity are not allowed"));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return obj
            .try_iter()?
            .enumerate()
            .map(|(i, item)| from_py(&item?, &format!("{path}[{i}]")))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    let items = if let Ok(dict) = obj.cast::<PyDict>() {
        dict.items()
    } else if let Ok(mapping) = obj.cast::<PyMapping>() {
        mapping.items()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "{path}: {} is not JSON data (expected a dict, list, str, int, float, bool or None)",
            obj.get_type().name()?
        )));
    };
    let mut map = Map::new();
    for item in items.iter() {
        let (key, value) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
        let Ok(key) = key.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!("{path}: the keys must be str, not {}", key.get_type().name()?)));
        };
        let key = key.to_str()?.to_owned();
        let value = from_py(&value, &format!("{path}.{key}"))?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}
