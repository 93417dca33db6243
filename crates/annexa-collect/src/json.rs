//! Page merging and body clean-up. Bodies stay what the API answered, except: pages are merged
//! into one, secret values that must never be stored are removed, and the token is blanked if a
//! server ever echoed it.

use serde_json::{Map, Value};

/// Array members of GitHub's wrapper objects (`{"total_count": N, "runners": [...]}`), in the
/// order they are looked for.
const WRAPPER_ARRAYS: &[&str] = &[
    "runners",
    "secrets",
    "environments",
    "runner_groups",
    "repositories",
    "branch_policies",
    "workflow_runs",
    "workflows",
    "jobs",
    "variables",
    "custom_deployment_protection_rules",
    "artifacts",
    "check_runs",
    "installations",
];

/// The array member of a wrapper object: a known name, or else the only array-valued member.
fn wrapper_key(obj: &Map<String, Value>) -> Option<&str> {
    if let Some(k) = WRAPPER_ARRAYS
        .iter()
        .find(|k| obj.get(**k).is_some_and(Value::is_array))
    {
        return Some(k);
    }
    let mut arrays = obj.iter().filter(|(_, v)| v.is_array());
    match (arrays.next(), arrays.next()) {
        (Some((k, _)), None) => Some(k.as_str()),
        _ => None,
    }
}

/// The items of a list body: the array itself, or a wrapper object's array member.
pub(crate) fn items(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Array(a) => Some(a),
        Value::Object(o) => wrapper_key(o)
            .and_then(|k| o.get(k))
            .and_then(Value::as_array),
        _ => None,
    }
}

/// Append the items of `page` to `acc`. A wrapper object's other members (`total_count`) are
/// kept from the first page.
pub(crate) fn merge_page(acc: &mut Value, page: Value) -> Result<(), String> {
    match (acc, page) {
        (Value::Array(a), Value::Array(p)) => {
            a.extend(p);
            Ok(())
        }
        (Value::Object(a), Value::Object(mut p)) => {
            let Some(key) = wrapper_key(a).map(str::to_owned) else {
                return Err("the first page is an object without a list member".to_owned());
            };
            let Some(Value::Array(more)) = p.remove(&key) else {
                return Err(format!("a later page has no {key:?} list"));
            };
            if let Some(Value::Array(list)) = a.get_mut(&key) {
                list.extend(more);
            }
            Ok(())
        }
        (a, p) => Err(format!(
            "pages have different shapes ({} then {})",
            kind(a),
            kind(&p)
        )),
    }
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

/// Remove every member called `name`, at any depth. Returns how many were removed.
pub(crate) fn strip_members(v: &mut Value, name: &str) -> usize {
    match v {
        Value::Object(o) => {
            let mut n = usize::from(o.remove(name).is_some());
            for child in o.values_mut() {
                n += strip_members(child, name);
            }
            n
        }
        Value::Array(a) => a.iter_mut().map(|c| strip_members(c, name)).sum(),
        _ => 0,
    }
}

/// Replace every occurrence of `secret` in `bytes` (a server echoing the token back must not
/// put it on disk). Secrets shorter than 8 bytes are not searched for: they would match
/// ordinary text and no real token is that short.
pub(crate) fn redact(bytes: Vec<u8>, secret: &str) -> Vec<u8> {
    let needle = secret.as_bytes();
    if needle.len() < 8 || !contains(&bytes, needle) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(needle) {
            out.extend_from_slice(b"[REDACTED]");
            i += needle.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Parse a stored or received body; empty (or whitespace) bodies are `None`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Option<Value>, serde_json::Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_and_wrappers_merge() {
        let mut a = json!([1, 2]);
        merge_page(&mut a, json!([3])).unwrap();
        assert_eq!(a, json!([1, 2, 3]));

        let mut w = json!({"total_count": 3, "runners": [{"id": 1}, {"id": 2}]});
        merge_page(&mut w, json!({"total_count": 3, "runners": [{"id": 3}]})).unwrap();
        assert_eq!(w["runners"].as_array().unwrap().len(), 3);
        assert_eq!(w["total_count"], 3);

        // An unknown wrapper name is found when it is the only array member.
        let mut u = json!({"total_count": 2, "things": [1], "meta": {}});
        merge_page(&mut u, json!({"total_count": 2, "things": [2]})).unwrap();
        assert_eq!(u["things"], json!([1, 2]));
        assert_eq!(items(&u).unwrap().len(), 2);

        assert!(merge_page(&mut json!([1]), json!({"a": []})).is_err());
        assert!(merge_page(&mut json!({"a": 1}), json!({"a": 2})).is_err());
        assert!(merge_page(&mut json!({"runners": []}), json!({"other": []})).is_err());
    }

    #[test]
    fn members_are_stripped_at_any_depth() {
        let mut v = json!([{"key": "A", "value": "s3cr3t", "nested": {"value": 1}}, {"key": "B"}]);
        assert_eq!(strip_members(&mut v, "value"), 2);
        assert_eq!(v, json!([{"key": "A", "nested": {}}, {"key": "B"}]));
    }

    #[test]
    fn redaction() {
        let t = "ghp_abcdefgh12345678";
        let out = redact(
            format!("{{\"echo\":\"Bearer {t}\",\"x\":\"{t}\"}}").into_bytes(),
            t,
        );
        assert!(!contains(&out, t.as_bytes()));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"echo":"Bearer [REDACTED]","x":"[REDACTED]"}"#
        );
        assert_eq!(redact(b"short".to_vec(), "sho"), b"short");
    }

    #[test]
    fn empty_bodies_parse_to_none() {
        assert!(parse(b"").unwrap().is_none());
        assert!(parse(b" \n").unwrap().is_none());
        assert_eq!(parse(b"[]").unwrap(), Some(json!([])));
        assert!(parse(b"<html>").is_err());
    }
}
