//! Reading a provider's server-sent events, one event at a time.
//!
//! The relay needs to know, for every event, whether it is content, the end
//! sentinel, the provider reporting an error, or garbage; and at the end of the
//! body, whether the answer was complete. That judgement is the point of the
//! streaming relay (a cut stream must never look like a clean end), so the
//! parser is written here, small and tested, rather than hidden in a generic
//! event-source crate.
use bytes::{Buf, Bytes, BytesMut};
use failover_policy::stream::Read;
use serde::Deserialize;
use serde::de::IgnoredAny;

/// Longest event accepted; a provider sending more without a blank line is broken.
const MAX_EVENT: usize = 4 << 20;

/// One event, judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A JSON chunk; `finished` when it carries a `finish_reason`.
    Chunk {
        /// The `data` payload.
        data: Bytes,
        /// Whether a choice in it has a non-null `finish_reason`.
        finished: bool,
    },
    /// `data: [DONE]`.
    Done,
    /// A JSON payload with an `error` member: the provider gave up mid-stream.
    ProviderError(Bytes),
    /// A payload that is not JSON, or an event too large.
    Malformed(Bytes),
}

impl Event {
    /// What the policy is told about it.
    pub fn read(&self) -> Read {
        match self {
            Event::Chunk { finished, .. } => Read::Chunk { finished: *finished },
            Event::Done => Read::Done,
            Event::ProviderError(_) => Read::ProviderError,
            Event::Malformed(_) => Read::Malformed,
        }
    }

    /// Its `data` payload.
    pub fn data(&self) -> &[u8] {
        match self {
            Event::Chunk { data, .. } | Event::ProviderError(data) | Event::Malformed(data) => data,
            Event::Done => b"[DONE]",
        }
    }
}

#[derive(Deserialize)]
struct ChunkHead {
    #[serde(default)]
    choices: Vec<ChoiceHead>,
    #[serde(default)]
    error: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct ChoiceHead {
    #[serde(default)]
    finish_reason: Option<IgnoredAny>,
}

/// Incremental parser: feed bytes as they arrive, take events as they complete.
#[derive(Debug, Default)]
pub struct Parser {
    buffer: BytesMut,
}

impl Parser {
    /// Appends bytes from the body.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete event with data, if one has arrived. Comments and
    /// events without `data` (keep-alives) are skipped.
    pub fn next_event(&mut self) -> Option<Event> {
        loop {
            let Some((end, separator)) = find_blank_line(&self.buffer) else {
                if self.buffer.len() > MAX_EVENT {
                    let garbage = self.buffer.split().freeze();
                    return Some(Event::Malformed(garbage));
                }
                return None;
            };
            let raw = self.buffer.split_to(end).freeze();
            self.buffer.advance(separator);
            if let Some(data) = data_of(&raw) {
                return Some(judge(data));
            }
        }
    }

    /// Whether bytes of an unfinished event are left over.
    pub fn has_partial_event(&self) -> bool {
        self.buffer.iter().any(|b| !b.is_ascii_whitespace())
    }
}

/// Position and length of the first blank line (`\n\n`, `\r\n\r\n`, ...).
fn find_blank_line(buffer: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < buffer.len() {
        if buffer[i] == b'\n' {
            let rest = &buffer[i + 1..];
            if rest.first() == Some(&b'\n') {
                return Some((i, 2));
            }
            if rest.starts_with(b"\r\n") {
                return Some((i, 3));
            }
        }
        i += 1;
    }
    None
}

/// The joined `data:` lines of an event, if it has any.
fn data_of(raw: &[u8]) -> Option<Bytes> {
    let mut data: Option<Vec<u8>> = None;
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(value) = line.strip_prefix(b"data:") {
            let value = value.strip_prefix(b" ").unwrap_or(value);
            let joined = data.get_or_insert_with(Vec::new);
            if !joined.is_empty() {
                joined.push(b'\n');
            }
            joined.extend_from_slice(value);
        }
    }
    data.map(Bytes::from)
}

fn judge(data: Bytes) -> Event {
    if data.as_ref() == b"[DONE]" {
        return Event::Done;
    }
    match serde_json::from_slice::<ChunkHead>(&data) {
        Ok(head) if head.error.is_some() => Event::ProviderError(data),
        Ok(head) => Event::Chunk { finished: head.choices.iter().any(|c| c.finish_reason.is_some()), data },
        Err(_) => Event::Malformed(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(input: &[&[u8]]) -> Vec<Event> {
        let mut parser = Parser::default();
        let mut out = Vec::new();
        for piece in input {
            parser.push(piece);
            while let Some(e) = parser.next_event() {
                out.push(e);
            }
        }
        out
    }

    #[test]
    fn events_split_across_reads_are_joined() {
        let got = events(&[
            b"data: {\"choices\":[{\"delta\":{}}]}\n",
            b"\ndata: {\"choices\":[{\"finish_reason\":\"stop\"}]}\r\n\r\n: ping\n\ndata: [DONE]\n\n",
        ]);
        assert!(matches!(&got[0], Event::Chunk { finished: false, .. }));
        assert!(matches!(&got[1], Event::Chunk { finished: true, .. }));
        assert_eq!(got[2], Event::Done);
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn garbage_and_provider_errors_are_told_apart() {
        let got = events(&[b"data: {\"choi\n\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n"]);
        assert!(matches!(&got[0], Event::Malformed(_)));
        assert!(matches!(&got[1], Event::ProviderError(_)));
    }

    #[test]
    fn a_partial_event_is_left_over() {
        let mut parser = Parser::default();
        parser.push(b"data: {\"choices\":[]}\n\ndata: {\"cho");
        assert!(parser.next_event().is_some());
        assert!(parser.next_event().is_none());
        assert!(parser.has_partial_event());
    }
}
