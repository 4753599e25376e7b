//! Reading the gateway's decision log (`GET /admin/events`), for scenarios that
//! need the `events` capability.
use serde_json::Value;

/// Every event the gateway still holds, oldest first.
pub async fn fetch(admin: crate::admin::Admin<'_>) -> Result<Vec<Value>, String> {
    let body = admin.get("/admin/events").await?;
    body.get("events")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| format!("GET /admin/events answered no \"events\" array: {body}"))
}

/// The events of `kind` whose fields equal every `(field, value)` pair given.
pub fn matching<'a>(events: &'a [Value], kind: &str, fields: &[(&str, &str)]) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some(kind))
        .filter(|e| fields.iter().all(|(k, v)| e.get(*k).and_then(Value::as_str) == Some(*v)))
        .collect()
}
