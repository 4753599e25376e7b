//! Checks on the end of the fallback chain (capability `fallback-tail`):
//! a cached answer, a default answer, each marked as such.
use serde_json::Value;

use crate::client::Exchange;

/// Response header naming what at the end of the chain answered.
pub const FALLBACK: &str = "x-failover-fallback";
/// Response header: a cached answer's age in milliseconds.
pub const CACHE_AGE: &str = "x-failover-cache-age-ms";

fn header<'a>(exchange: &'a Exchange, name: &str) -> Option<&'a str> {
    exchange.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The latest exchange is a 200 carrying, byte for byte, the answer the
/// first exchange sending the same body got, marked `cache`, with an age no
/// larger than the time from that answer to this request.
pub fn from_cache(exchanges: &[Exchange]) -> Result<(), String> {
    let last = exchanges.last().ok_or("the client sent no request")?;
    let first = exchanges
        .iter()
        .find(|e| e.sent == last.sent && e.status == 200)
        .filter(|e| !std::ptr::eq(*e, last))
        .ok_or("no earlier request with the same body was answered 200")?;
    if last.status != 200 || header(last, FALLBACK) != Some("cache") {
        return Err(format!("expected a 200 marked {FALLBACK}: cache, got {}", last.describe()));
    }
    if last.body != first.body {
        return Err(format!(
            "the cached answer is not the answer the same request got before: {} against {}",
            String::from_utf8_lossy(&last.body),
            String::from_utf8_lossy(&first.body)
        ));
    }
    let age: u64 = header(last, CACHE_AGE)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("the cached answer has no {CACHE_AGE} in milliseconds"))?;
    let since = (last.started + last.latency).saturating_duration_since(first.started).as_millis() as u64;
    if age > since {
        return Err(format!(
            "the cached answer says it is {age} ms old, but it was answered at most {since} ms before"
        ));
    }
    Ok(())
}

/// The latest exchange is a 200 chat completion whose message is `content`,
/// marked `default`.
pub fn default_answer(exchanges: &[Exchange], content: &str) -> Result<(), String> {
    let last = exchanges.last().ok_or("the client sent no request")?;
    if last.status != 200 || header(last, FALLBACK) != Some("default") {
        return Err(format!("expected a 200 marked {FALLBACK}: default, got {}", last.describe()));
    }
    let body = last.json().ok_or("the default answer is not JSON")?;
    let said = body.pointer("/choices/0/message/content").and_then(Value::as_str);
    if body["object"] != "chat.completion" || said != Some(content) {
        return Err(format!("expected a chat completion saying {content:?}, got {body}"));
    }
    Ok(())
}
