//! Assertions on soft failures: answers that arrive as a 200 but are wrong,
//! flagged by the gateway in a header, an event and a metric.
use serde_json::Value;

use crate::client::Exchange;
use crate::events::matching;
use crate::mock::Received;

/// The response header that names an answer's soft-failure class.
pub const HEADER: &str = "x-failover-soft-failure";

/// The six soft-failure classes, as the contract names them.
pub const CLASSES: [&str; 6] =
    ["refusal", "format_violation", "instruction_drift", "quality_degradation", "hallucination", "model_substitution"];

fn known(class: &str) -> Result<(), String> {
    if CLASSES.contains(&class) {
        Ok(())
    } else {
        Err(format!("\"{class}\" is not a soft-failure class; one of {CLASSES:?}"))
    }
}

fn flag(exchange: &Exchange) -> Result<Option<&str>, String> {
    if exchange.status != 200 {
        return Err(format!("expected the provider's 200 to reach the client, got {}", exchange.status));
    }
    exchange
        .headers
        .get(HEADER)
        .map(|v| v.to_str().map_err(|_| format!("the {HEADER} header is not text: {v:?}")))
        .transpose()
}

/// The client got a 200 flagged with soft-failure class `class`.
pub fn flagged(exchange: &Exchange, class: &str) -> Result<(), String> {
    known(class)?;
    match flag(exchange)? {
        Some(found) if found == class => Ok(()),
        Some(found) => Err(format!("the answer is flagged {found}, expected {class}")),
        None => Err(format!(
            "the answer is not flagged: no {HEADER} header, expected {class}; its body: {}",
            String::from_utf8_lossy(&exchange.body[..exchange.body.len().min(300)])
        )),
    }
}

/// The client got a 200 with no soft-failure flag.
pub fn not_flagged(exchange: &Exchange) -> Result<(), String> {
    match flag(exchange)? {
        None => Ok(()),
        Some(found) => Err(format!("an answer with nothing wrong a gateway can see is flagged {found}")),
    }
}

/// The log has a `soft_failure` event of `class` for `provider`, saying
/// in words what gave it away.
pub fn logged(events: &[Value], provider: &str, class: &str) -> Result<(), String> {
    known(class)?;
    let found = matching(events, "soft_failure", &[("provider", provider), ("class", class)]);
    let Some(event) = found.first() else {
        let any: Vec<&Value> = matching(events, "soft_failure", &[]);
        return Err(format!("no soft_failure event of class {class} for \"{provider}\"; soft_failure events: {any:?}"));
    };
    match event.get("detail").and_then(Value::as_str) {
        Some(detail) if !detail.trim().is_empty() => Ok(()),
        _ => Err(format!("the soft_failure event does not say what gave it away (detail): {event}")),
    }
}

/// The `failover.soft_failure` member of a stream's chunk, if it has one.
fn stream_flag(event: &crate::sse::StreamEvent) -> Option<Value> {
    event.json()?.pointer("/failover/soft_failure").cloned()
}

/// The flags of a stream, each with its event's position.
type Flags = Vec<(usize, Value)>;

/// A complete stream's flags, or what is wrong with the stream.
fn stream_flags(exchange: &Exchange) -> Result<(&crate::sse::StreamRecord, Flags), String> {
    let stream = exchange
        .stream
        .as_ref()
        .ok_or_else(|| format!("expected a streamed answer (text/event-stream), got {}", exchange.describe()))?;
    if !stream.ends_with_done() || stream.error().is_some() || stream.transport_error.is_some() {
        return Err(format!("expected the whole stream, ending with [DONE], got {}", stream.describe()));
    }
    let flags = stream.events.iter().enumerate().filter_map(|(i, e)| stream_flag(e).map(|f| (i, f))).collect();
    Ok((stream, flags))
}

/// The client got the whole stream, and its last chunk before `[DONE]`
/// flags soft-failure class `class` with a detail; no other chunk flags one.
pub fn stream_flagged(exchange: &Exchange, class: &str) -> Result<(), String> {
    known(class)?;
    let (stream, flags) = stream_flags(exchange)?;
    let [(at, flag)] = flags.as_slice() else {
        return Err(format!(
            "expected one chunk flagging a soft failure of class {class} (failover.soft_failure), got {}: {}",
            flags.len(),
            stream.events.iter().map(|e| e.data.as_str()).collect::<Vec<_>>().join(" | ")
        ));
    };
    if *at + 2 != stream.events.len() {
        return Err(format!(
            "the flag must be the last chunk before [DONE]; it is event {} of {}",
            at + 1,
            stream.describe()
        ));
    }
    if flag.get("class").and_then(Value::as_str) != Some(class) {
        return Err(format!("the stream is flagged {flag}, expected class {class}"));
    }
    match flag.get("detail").and_then(Value::as_str) {
        Some(detail) if !detail.trim().is_empty() => Ok(()),
        _ => Err(format!("the stream's flag does not say what gave it away (detail): {flag}")),
    }
}

/// The client got the whole stream, and no chunk flags a soft failure.
pub fn stream_not_flagged(exchange: &Exchange) -> Result<(), String> {
    let (_, flags) = stream_flags(exchange)?;
    match flags.first() {
        None => Ok(()),
        Some((_, flag)) => Err(format!("a stream with nothing wrong a gateway can see is flagged {flag}")),
    }
}

/// The client got each of the (not empty) `streams` whole, none flagged.
pub fn streams_not_flagged(streams: &[Exchange]) -> Result<(), String> {
    if streams.is_empty() {
        return Err("no stream was sent to check".into());
    }
    for (i, exchange) in streams.iter().enumerate() {
        stream_not_flagged(exchange).map_err(|e| format!("stream {} of {}: {e}", i + 1, streams.len()))?;
    }
    Ok(())
}

/// The judge's latest request (in `journal`) holds the answer the client got
/// in `exchange` and the text of the client's last message: the judge was
/// asked about that answer to that request.
pub fn judge_asked(journal: &[Received], exchange: &Exchange) -> Result<(), String> {
    let asked = journal.last().ok_or("the judge provider was asked nothing")?;
    let body: Value =
        serde_json::from_slice(&asked.body).map_err(|e| format!("the judge's request is not JSON: {e}"))?;
    let texts: Vec<&str> =
        body["messages"].as_array().into_iter().flatten().filter_map(|m| m["content"].as_str()).collect();
    let all = texts.join("\n");
    let answered = exchange.json().and_then(|a| a["choices"][0]["message"]["content"].as_str().map(str::to_owned));
    let answered = answered.filter(|a| !a.is_empty()).ok_or("the client got no answer text to compare")?;
    let sent: Value = serde_json::from_slice(&exchange.sent).map_err(|e| format!("the client's request: {e}"))?;
    let question = sent["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str());
    let question = question.ok_or("the client's last message has no text")?;
    for (what, text) in [("the answer", answered.as_str()), ("the client's last message", question)] {
        if !all.contains(text) {
            return Err(format!("the judge's request does not hold {what} ({text:?}); it holds {all:?}"));
        }
    }
    Ok(())
}
