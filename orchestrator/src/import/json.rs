//! Reading fields out of a tool's JSON without trusting its shape: every getter says what was
//! wrong (`benchmarks[3].real_time is a string, not a number`) instead of panicking, unknown
//! keys are ignored, and keys may be matched loosely (case and underscores), since tools have
//! renamed theirs across versions (`Mean` → `mean`, `MedianAbsDev` → `median_abs_dev`). Pure.

use nbench_schema::{ParamValue, Params};
use serde_json::{Map, Value};

/// A result with a reader's error message.
pub type R<T> = Result<T, String>;

/// Parses a whole document as JSON.
pub fn parse(text: &str) -> R<Value> {
    serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
}

/// `v` as an object, or an error naming `what`.
pub fn object<'a>(v: &'a Value, what: &str) -> R<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| format!("{what} is {}, not an object", kind(v)))
}

/// `v` as an array, or an error naming `what`.
pub fn array<'a>(v: &'a Value, what: &str) -> R<&'a [Value]> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| format!("{what} is {}, not an array", kind(v)))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn loose(k: &str) -> String {
    k.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field `key` of `o`, matched exactly first, then ignoring case and underscores; a JSON
/// `null` counts as absent.
pub fn get<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    let v = o.get(key).or_else(|| {
        let want = loose(key);
        o.iter().find(|(k, _)| loose(k) == want).map(|(_, v)| v)
    })?;
    (!v.is_null()).then_some(v)
}

/// An optional number field.
pub fn num(o: &Map<String, Value>, key: &str, at: &str) -> R<Option<f64>> {
    match get(o, key) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("{at}.{key} is {}, not a number", kind(v))),
    }
}

/// An optional non-negative integer field (an integral float such as `3.0` is accepted).
pub fn count(o: &Map<String, Value>, key: &str, at: &str) -> R<Option<u64>> {
    match get(o, key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            })
            .map(Some)
            .ok_or_else(|| format!("{at}.{key} is {v}, not a count")),
    }
}

/// An optional string field.
pub fn string(o: &Map<String, Value>, key: &str, at: &str) -> R<Option<String>> {
    match get(o, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(format!("{at}.{key} is {}, not a string", kind(v))),
    }
}

/// An optional boolean field; tools write `1`/`0` for some flags.
pub fn flag(o: &Map<String, Value>, key: &str) -> bool {
    match get(o, key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

/// An array of numbers, or an error naming the first that is not one.
pub fn numbers(v: &Value, at: &str) -> R<Vec<f64>> {
    array(v, at)?
        .iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64()
                .ok_or_else(|| format!("{at}[{i}] is {}, not a number", kind(x)))
        })
        .collect()
}

/// A tool's parameter value as nbench's: numbers and strings keep their type; anything else
/// (booleans, lists, objects) becomes its JSON text, so no parameter is dropped.
pub fn param(v: &Value) -> ParamValue {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => ParamValue::Int(i),
            None => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map_or_else(|| ParamValue::Str(n.to_string()), ParamValue::Float),
        },
        Value::String(s) => ParamValue::from_cli(s),
        other => ParamValue::Str(other.to_string()),
    }
}

/// An object of parameters as [`Params`].
pub fn params(v: Option<&Value>, at: &str) -> R<Params> {
    let Some(v) = v else {
        return Ok(Params::new());
    };
    Ok(object(v, at)?
        .iter()
        .map(|(k, v)| (k.clone(), param(v)))
        .collect())
}
