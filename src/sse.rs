//! The client's view of a streamed answer: its events and when each arrived.
//!
//! Deliberately independent of the reference gateway's own SSE reader, so that
//! a bug there cannot hide itself from the suite.
use std::time::Duration;

use serde_json::Value;

use crate::mock::responses;

/// One event the client received.
#[derive(Clone, Debug)]
pub struct StreamEvent {
    /// Time since the request was sent.
    pub at: Duration,
    /// The joined `data:` lines.
    pub data: String,
}

impl StreamEvent {
    /// The payload as JSON, unless it is `[DONE]` or not JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.data).ok()
    }

    /// Whether it is an error event (`{"error": ...}`).
    pub fn is_error(&self) -> bool {
        self.json().is_some_and(|j| j.get("error").is_some())
    }

    /// Whether it is `[DONE]`.
    pub fn is_done(&self) -> bool {
        self.data == "[DONE]"
    }

    /// Whether it is a chunk carrying content.
    pub fn content(&self) -> Option<String> {
        let json = self.json()?;
        json.pointer("/choices/0/delta/content").and_then(Value::as_str).map(str::to_owned)
    }

    /// The provider stamp the chunk carries.
    pub fn served_by(&self) -> Option<String> {
        self.json().as_ref().and_then(responses::served_by).map(str::to_owned)
    }
}

/// A streamed answer as the client saw it.
#[derive(Clone, Debug, Default)]
pub struct StreamRecord {
    /// Events with data, in order.
    pub events: Vec<StreamEvent>,
    /// Set if the body broke instead of ending.
    pub transport_error: Option<String>,
    /// When the body ended (or broke).
    pub ended_at: Duration,
}

impl StreamRecord {
    /// Events carrying content.
    pub fn content_events(&self) -> Vec<&StreamEvent> {
        self.events.iter().filter(|e| e.content().is_some()).collect()
    }

    /// Whether the last event is `[DONE]`.
    pub fn ends_with_done(&self) -> bool {
        self.events.last().is_some_and(StreamEvent::is_done)
    }

    /// The provider that served the stream, if it completed (`[DONE]`, no
    /// error, no broken body) and every stamped chunk came from that one.
    pub fn complete_from(&self) -> Option<String> {
        if !self.ends_with_done() || self.error().is_some() || self.transport_error.is_some() {
            return None;
        }
        let mut stamps = self.events.iter().filter_map(StreamEvent::served_by);
        let first = stamps.next()?;
        stamps.all(|s| s == first).then_some(first)
    }

    /// The error event, if one came.
    pub fn error(&self) -> Option<&StreamEvent> {
        self.events.iter().find(|e| e.is_error())
    }

    /// A one-line account for failure messages.
    pub fn describe(&self) -> String {
        let kinds: Vec<String> = self
            .events
            .iter()
            .map(|e| {
                if e.is_done() {
                    "[DONE]".to_owned()
                } else if e.is_error() {
                    format!("error {}", e.data)
                } else {
                    format!("chunk({})", e.served_by().unwrap_or_else(|| "?".into()))
                }
            })
            .collect();
        let broke = self.transport_error.as_deref().map(|e| format!(", then the body broke: {e}")).unwrap_or_default();
        format!("{} events [{}]{broke}", self.events.len(), kinds.join(", "))
    }
}

/// Splits bytes received so far into complete events; returns the payloads and
/// keeps the unfinished rest in `buffer`.
pub fn take_events(buffer: &mut String) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(end) = buffer.find("\n\n") {
        let raw: String = buffer.drain(..end + 2).collect();
        let data: Vec<&str> = raw
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|v| v.strip_prefix(' ').unwrap_or(v))
            .collect();
        if !data.is_empty() {
            out.push(data.join("\n"));
        }
    }
    out
}
