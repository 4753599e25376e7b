//! What a mock provider received and what it answered, request by request.
use std::time::Instant;

use bytes::Bytes;
use serde_json::Value;

/// One request a mock provider received, with the answer it gave.
#[derive(Clone, Debug)]
pub struct Received {
    /// 1-based position in the provider's journal.
    pub seq: usize,
    /// When the request had fully arrived.
    pub at: Instant,
    /// Request path, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Every request header, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The raw request body.
    pub body: Bytes,
    /// The status answered (for a hang: the status it would answer, late).
    pub status: u16,
    /// Whether the answer was a fault.
    pub faulted: bool,
    /// The answer body.
    pub answer: Bytes,
}

impl Received {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The request body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
