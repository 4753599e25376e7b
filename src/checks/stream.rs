//! Assertions on streamed answers as the client received them.
use std::time::Duration;

use crate::client::Exchange;
use crate::sse::StreamRecord;

fn record(exchange: &Exchange) -> Result<&StreamRecord, String> {
    exchange
        .stream
        .as_ref()
        .ok_or_else(|| format!("expected a streamed answer (text/event-stream), got {}", exchange.describe()))
}

/// The stream is complete: content, then `[DONE]`, no error, no broken body.
pub fn complete(exchange: &Exchange) -> Result<(), String> {
    let stream = record(exchange)?;
    if stream.ends_with_done()
        && stream.error().is_none()
        && stream.transport_error.is_none()
        && !stream.content_events().is_empty()
    {
        Ok(())
    } else {
        Err(format!("expected a complete stream ending with [DONE], got {}", stream.describe()))
    }
}

/// The stream ended with an error event in OpenAI's shape and without `[DONE]`:
/// a cut answer is never presented as complete.
pub fn ended_with_error(exchange: &Exchange) -> Result<(), String> {
    let stream = record(exchange)?;
    let error = stream.error().ok_or_else(|| format!("expected an error event, got {}", stream.describe()))?;
    let json = error.json().unwrap_or_default();
    let shaped = json.pointer("/error/message").is_some_and(|m| m.is_string())
        && json.pointer("/error/type").is_some_and(|t| t.is_string());
    if !shaped {
        return Err(format!(
            "expected the error event in OpenAI's shape {{\"error\": {{\"message\", \"type\"}}}}, got {}",
            error.data
        ));
    }
    if stream.events.iter().any(|e| e.is_done()) {
        return Err(format!("expected no [DONE] after a failed stream, got {}", stream.describe()));
    }
    if stream.events.last().is_some_and(|e| !e.is_error()) {
        return Err(format!("expected the error event to be the last event, got {}", stream.describe()));
    }
    Ok(())
}

/// Every content chunk carries `provider`'s stamp: nothing was spliced in.
pub fn all_chunks_from(exchange: &Exchange, provider: &str) -> Result<(), String> {
    let stream = record(exchange)?;
    let chunks = stream.content_events();
    super::observed(&chunks, &format!("the stream carried no content chunk: {}", stream.describe()))?;
    if chunks.iter().all(|e| e.served_by().as_deref() == Some(provider)) {
        Ok(())
    } else {
        Err(format!("expected every chunk from \"{provider}\", got {}", stream.describe()))
    }
}

/// The stream carried exactly `n` content chunks.
pub fn content_chunks(exchange: &Exchange, n: usize) -> Result<(), String> {
    let stream = record(exchange)?;
    let got = stream.content_events().len();
    if got == n { Ok(()) } else { Err(format!("expected {n} content chunks, got {got}: {}", stream.describe())) }
}

/// The chunks arrived one by one as the provider sent them, not all at once at
/// the end: the first chunk came at least `spread` before the last.
pub fn arrived_incrementally(exchange: &Exchange, spread: Duration) -> Result<(), String> {
    let stream = record(exchange)?;
    let chunks = stream.content_events();
    match (chunks.first(), chunks.last()) {
        (Some(first), Some(last)) if last.at.saturating_sub(first.at) >= spread => Ok(()),
        (Some(first), Some(last)) => Err(format!(
            "expected the chunks to arrive as they were sent, spread over at least {} ms; they came within {:.1} ms of each other",
            spread.as_millis(),
            (last.at.saturating_sub(first.at)).as_secs_f64() * 1e3
        )),
        _ => Err(format!("expected content chunks, got {}", stream.describe())),
    }
}

/// The first event arrived within `bound`.
pub fn first_event_within(exchange: &Exchange, bound: Duration) -> Result<(), String> {
    let stream = record(exchange)?;
    match stream.events.first() {
        Some(first) if first.at <= bound => Ok(()),
        Some(first) => Err(format!(
            "expected the first event within {} ms, it came after {:.1} ms",
            bound.as_millis(),
            first.at.as_secs_f64() * 1e3
        )),
        None => Err(format!("expected events, got {}", stream.describe())),
    }
}

/// The stream ended within `bound` of its last content chunk.
pub fn ended_within_of_last_chunk(exchange: &Exchange, bound: Duration) -> Result<(), String> {
    let stream = record(exchange)?;
    let chunks = stream.content_events();
    let last = chunks.last().map(|e| e.at).ok_or_else(|| {
        format!("nothing was observed: the stream carried no content chunk to time its end from: {}", stream.describe())
    })?;
    let gap = stream.ended_at.saturating_sub(last);
    if gap <= bound {
        Ok(())
    } else {
        Err(format!(
            "expected the stream to end within {} ms of its last chunk, it took {:.1} ms: {}",
            bound.as_millis(),
            gap.as_secs_f64() * 1e3,
            stream.describe()
        ))
    }
}

/// The stream names the model `provider` answered in every chunk, and carries
/// the usage chunk `provider` sent: the client is billed for what served it.
pub fn accounted_to(exchange: &Exchange, provider: &crate::mock::MockProvider) -> Result<(), String> {
    let stream = record(exchange)?;
    let journal = provider.journal();
    let answered = journal.last().ok_or_else(|| format!("provider \"{}\" received no request", provider.id()))?;
    let mut sent = String::from_utf8_lossy(&answered.answer).into_owned();
    let theirs: Vec<serde_json::Value> =
        crate::sse::take_events(&mut sent).iter().filter_map(|d| serde_json::from_str(d).ok()).collect();
    let model = theirs.iter().find_map(|e| e.get("model").cloned());
    let usage = theirs.iter().find_map(|e| e.get("usage").filter(|u| !u.is_null()).cloned());
    let (Some(model), Some(usage)) = (model, usage) else {
        return Err(format!("provider \"{}\" streamed no model and usage to compare with", provider.id()));
    };
    let ours: Vec<serde_json::Value> = stream.events.iter().filter_map(|e| e.json()).collect();
    super::observed(&ours, "the stream carried no chunk")?;
    if let Some(other) = ours.iter().find(|e| e.get("model") != Some(&model)) {
        return Err(format!(
            "expected every chunk to name model {model}, as provider \"{}\" answered; got {other}",
            provider.id()
        ));
    }
    match ours.iter().find_map(|e| e.get("usage").filter(|u| !u.is_null())) {
        Some(got) if *got == usage => Ok(()),
        got => Err(format!(
            "expected the stream to carry the usage provider \"{}\" sent ({usage}), got {got:?}: {}",
            provider.id(),
            stream.describe()
        )),
    }
}
