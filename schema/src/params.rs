//! Parameter values of a point (`size`, `algebra`, `density`, …).
//!
//! A [`ParamValue`] is an integer, a float or a string, read and written as the plain JSON
//! scalar (`37`, `0.01`, `"tropical"`) by a hand-written visitor — not an untagged enum — so
//! its meaning is fixed. [`Params`] is sorted by key, which makes [`canonical`] stable: the same
//! point always hashes to the same seed and digest. This module does not validate values
//! against a probe's axes; the worker does.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The parameters of a point, sorted by name.
pub type Params = BTreeMap<String, ParamValue>;

/// One parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// An integer, such as `size` or `mib`.
    Int(i64),
    /// A finite float, such as `density`.
    Float(f64),
    /// A name, such as `algebra` or `kind`.
    Str(String),
}

impl From<i64> for ParamValue {
    fn from(v: i64) -> Self {
        ParamValue::Int(v)
    }
}

impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Float(v)
    }
}

impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Str(v.to_string())
    }
}

impl ParamValue {
    /// Parses a value typed on the command line: an integer, else a finite float, else a string.
    pub fn from_cli(text: &str) -> ParamValue {
        if let Ok(i) = text.parse::<i64>() {
            return ParamValue::Int(i);
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() && text.chars().any(|c| c.is_ascii_digit()) => {
                ParamValue::Float(f)
            }
            _ => ParamValue::Str(text.to_string()),
        }
    }

    /// The value as an integer, when it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ParamValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as a float (integers widen).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Int(i) => Some(*i as f64),
            ParamValue::Float(f) => Some(*f),
            ParamValue::Str(_) => None,
        }
    }

    /// The value as a string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ParamValue::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{x:?}"),
            ParamValue::Str(s) => f.write_str(s),
        }
    }
}

impl Eq for ParamValue {}

impl std::hash::Hash for ParamValue {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            ParamValue::Int(i) => (0u8, i).hash(state),
            ParamValue::Float(x) => (1u8, x.to_bits()).hash(state),
            ParamValue::Str(s) => (2u8, s).hash(state),
        }
    }
}

impl PartialOrd for ParamValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ParamValue {
    /// Numbers before strings, numbers by value, so sizes sort 100 < 1000.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self.as_f64(), other.as_f64()) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => self.as_str().cmp(&other.as_str()),
        }
    }
}

impl Serialize for ParamValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ParamValue::Int(i) => s.serialize_i64(*i),
            ParamValue::Float(x) => s.serialize_f64(*x),
            ParamValue::Str(v) => s.serialize_str(v),
        }
    }
}

struct ParamVisitor;

impl Visitor<'_> for ParamVisitor {
    type Value = ParamValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer, a finite number or a string")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ParamValue, E> {
        Ok(ParamValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParamValue, E> {
        i64::try_from(v)
            .map(ParamValue::Int)
            .map_err(|_| E::custom(format!("parameter value {v} does not fit in i64")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ParamValue, E> {
        Ok(ParamValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ParamValue, E> {
        Ok(ParamValue::Str(v.to_string()))
    }
}

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParamVisitor)
    }
}

impl schemars::JsonSchema for ParamValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ParamValue".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An integer, a finite float or a string.",
            "type": ["integer", "number", "string"]
        })
    }
}

/// The canonical text of a point: `key=value` pairs sorted by key, joined by `,`.
///
/// Seeds and digests hash this text, so it must never change for an existing point.
pub fn canonical(params: &Params) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_values_parse_by_shape() {
        assert_eq!(ParamValue::from_cli("37"), ParamValue::Int(37));
        assert_eq!(ParamValue::from_cli("0.01"), ParamValue::Float(0.01));
        assert_eq!(
            ParamValue::from_cli("tropical"),
            ParamValue::Str("tropical".into())
        );
        assert_eq!(ParamValue::from_cli("inf"), ParamValue::Str("inf".into()));
    }

    #[test]
    fn json_round_trip_keeps_kind() {
        let p: Params =
            serde_json::from_str(r#"{"size":1000,"density":0.01,"algebra":"log"}"#).unwrap();
        assert_eq!(p["size"], ParamValue::Int(1000));
        assert_eq!(p["density"], ParamValue::Float(0.01));
        assert_eq!(canonical(&p), "algebra=log,density=0.01,size=1000");
        let back = serde_json::to_string(&p).unwrap();
        assert_eq!(back, r#"{"algebra":"log","density":0.01,"size":1000}"#);
    }

    #[test]
    fn numbers_sort_numerically() {
        let mut v = vec![
            ParamValue::Int(1000),
            ParamValue::Int(100),
            ParamValue::Float(500.5),
        ];
        v.sort();
        assert_eq!(
            v,
            vec![
                ParamValue::Int(100),
                ParamValue::Float(500.5),
                ParamValue::Int(1000)
            ]
        );
    }
}
