//! The end of the fallback chain (capability `fallback-tail`): a request no
//! provider served gets the answer kept for the same request, if one is
//! fresh, then the model's default answer, each marked as such; the choice
//! is the policy's (`failover_policy::tail`).
//!
//! The cache is exact-match: its key is the model and the request body with
//! its keys sorted and `stream` and `stream_options` left out, so that the
//! same question asked in another key order is the same request.
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use failover_contract::CacheConfig;
use failover_policy::Decide;
use failover_policy::tail::{Asked, CacheRule, Tail};
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::forward::ATTEMPTS;
use crate::Gateway;

/// Response header: what at the end of the chain answered (`cache`, `default`).
pub const FALLBACK: &str = "x-failover-fallback";
/// Response header: how old a cached answer is, in milliseconds.
pub const CACHE_AGE: &str = "x-failover-cache-age-ms";

/// Bodies larger than this are never kept: a cache of 1,000 entries stays
/// within a few tens of megabytes.
const MAX_KEPT: usize = 64 * 1024;

/// Recent successful answers, by request.
pub(crate) struct Cache {
    rule: CacheRule,
    answers: quick_cache::sync::Cache<Box<str>, Arc<Kept>>,
}

/// An answer kept, and when.
struct Kept {
    body: Bytes,
    at: Instant,
}

/// A request as the cache sees it: its key, if its answer may be kept.
pub(crate) struct Key(Option<Box<str>>);

impl Key {
    /// No key: the answer is not kept, and none is looked up.
    pub fn none() -> Self {
        Self(None)
    }
}

impl Cache {
    /// The cache `config` describes.
    pub fn new(config: &CacheConfig) -> Self {
        let rule =
            CacheRule { max_age: Duration::from_millis(config.max_age_ms), max_temperature: config.max_temperature };
        let entries = usize::try_from(config.max_entries).unwrap_or(usize::MAX);
        Self { rule, answers: quick_cache::sync::Cache::new(entries) }
    }

    /// The key of a request for `model` with `body`, when the policy lets
    /// its answer be kept.
    pub fn key<D: Decide>(&self, decide: &D, model: &str, body: &[u8]) -> Key {
        if body.len() > MAX_KEPT {
            return Key(None);
        }
        let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else { return Key(None) };
        let asked = Asked {
            temperature: fields.get("temperature").and_then(Value::as_f64),
            choices: fields.get("n").and_then(Value::as_u64),
            stream: fields.get("stream").and_then(Value::as_bool).unwrap_or(false),
        };
        if !decide.cacheable(&self.rule, &asked) {
            return Key(None);
        }
        fields.remove("stream");
        fields.remove("stream_options");
        let mut key = String::with_capacity(body.len() + model.len() + 1);
        key.push_str(model);
        key.push('\n');
        canonical(&Value::Object(fields), &mut key);
        Key(Some(key.into()))
    }

    /// Keeps `body`, a successful answer to the request of `key`.
    pub fn keep(&self, key: &Key, body: &Bytes, now: Instant) {
        if let Some(key) = &key.0
            && body.len() <= MAX_KEPT
        {
            self.answers.insert(key.clone(), Arc::new(Kept { body: body.clone(), at: now }));
        }
    }
}

/// `value` with every object's keys in order, numbers and strings as JSON writes them.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", Value::from(k.as_str()));
                canonical(&fields[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// What ends a request for the model at `route`, with cache key `key`, that
/// no provider served after `attempts` attempts: the response, and what
/// answered, or `None` for the exhausted error.
pub(crate) fn answer<D: Decide>(
    gateway: &Gateway<D>,
    route: usize,
    key: &Key,
    attempts: u32,
    now: Instant,
) -> Option<(Response, Tail)> {
    let default = gateway.settings.routes[route].default_answer.as_deref();
    let kept = match (&gateway.cache, &key.0) {
        (Some(cache), Some(key)) => cache.answers.get(key.as_ref()).map(|kept| (cache, kept)),
        _ => None,
    };
    let age = kept.as_ref().map(|(_, kept)| now.saturating_duration_since(kept.at));
    let rule = gateway.cache.as_ref().map(|c| &c.rule);
    let (response, tail) = match gateway.decide.tail(rule, age, default.is_some()) {
        Tail::Cached => {
            let (_, kept) = kept?;
            let mut response = Response::new(Body::from(kept.body.clone()));
            let age = age.unwrap_or_default().as_millis() as u64;
            response.headers_mut().insert(FALLBACK, HeaderValue::from_static("cache"));
            response.headers_mut().insert(CACHE_AGE, HeaderValue::from(age));
            (response, Tail::Cached)
        }
        Tail::Default => {
            let model = &gateway.settings.routes[route].model;
            let body = default_body(model, default?);
            let mut response = Response::new(Body::from(body));
            response.headers_mut().insert(FALLBACK, HeaderValue::from_static("default"));
            (response, Tail::Default)
        }
        Tail::Nothing => return None,
    };
    let mut response = response;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(ATTEMPTS, HeaderValue::from(attempts));
    Some((response, tail))
}

/// A chat completion whose answer is the model's default answer `content`.
fn default_body(model: &str, content: &str) -> Vec<u8> {
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let body = json!({
        "id": format!("failover-default-{created}"),
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    });
    serde_json::to_vec(&body).expect("a JSON value serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use failover_policy::Standard;

    fn cache() -> Cache {
        Cache::new(&CacheConfig { max_entries: 10, max_age_ms: 1_000, max_temperature: 0.0 })
    }

    #[test]
    fn the_same_request_in_another_key_order_or_streamed_has_the_same_key() {
        let c = cache();
        let a = c.key(&Standard, "m", br#"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5}"#);
        let b = c.key(
            &Standard,
            "m",
            br#"{"max_tokens":5,"stream":false,"messages":[{"content":"hi","role":"user"}],"model":"m"}"#,
        );
        assert!(a.0.is_some());
        assert_eq!(a.0, b.0);
        let other = c.key(&Standard, "m", br#"{"model":"m","messages":[{"role":"user","content":"hi!"}]}"#);
        assert_ne!(a.0, other.0);
    }

    #[test]
    fn a_warm_or_streamed_request_or_one_asking_several_choices_has_no_key() {
        let c = cache();
        for body in [
            br#"{"model":"m","temperature":0.2}"#.as_slice(),
            br#"{"model":"m","stream":true}"#,
            br#"{"model":"m","n":2}"#,
            br#"not json"#,
        ] {
            assert!(c.key(&Standard, "m", body).0.is_none(), "{}", String::from_utf8_lossy(body));
        }
    }
}
