//! Lenient parsing shared by the GitHub and GitLab models: the platforms' own examples break
//! their own schemas (booleans as strings, wrapped or `null` lists), so shapes are read
//! forgivingly — but never by dropping an element a check might look for.

use serde::{Deserialize, Deserializer};

/// A list answered as an array, wrapped (GitHub: `{"total_count": 2, "secrets": [...]}`) or
/// `null` (empty). An element of the wrong shape fails the whole list.
#[derive(Clone, Debug, Default)]
pub struct List<T>(pub Vec<T>);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let items = match v {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Object(mut o) => {
                let key = o.iter().find(|(_, v)| v.is_array()).map(|(k, _)| k.clone());
                match key.and_then(|k| o.remove(&k)) {
                    Some(serde_json::Value::Array(a)) => a,
                    _ => Vec::new(),
                }
            }
            serde_json::Value::Null => Vec::new(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a list, found {}",
                    kind(&other)
                )));
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(serde_json::from_value(item).map_err(serde::de::Error::custom)?);
        }
        Ok(List(out))
    }
}

pub(crate) fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A boolean GitHub sometimes wraps (`{"enabled": true}`) or writes as a string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flag(pub Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(Flag(flag(&v)))
    }
}

pub(crate) fn flag(v: &serde_json::Value) -> Option<bool> {
    match v {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "enabled" => Some(true),
            "false" | "0" | "no" | "disabled" => Some(false),
            _ => None,
        },
        serde_json::Value::Number(n) => n.as_i64().map(|n| n != 0),
        serde_json::Value::Object(o) => o.get("enabled").and_then(flag),
        _ => None,
    }
}
