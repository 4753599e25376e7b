//! Reading a client request without re-serialising it.
//!
//! The body is parsed once, to check it is JSON and to find the `model` field and
//! the `stream` flag. The bytes themselves are forwarded as they came; when a
//! chain entry maps the model name for a provider, only the span of the `model`
//! value is replaced.
use std::ops::Range;

use bytes::{Bytes, BytesMut};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A parsed client request.
#[derive(Debug)]
pub struct Inbound {
    /// The client's bytes.
    pub body: Bytes,
    /// The requested model.
    pub model: String,
    /// Whether the client asked for server-sent events.
    pub stream: bool,
    /// Whether the body asks the provider to store what it creates (`"store": true`).
    pub store: bool,
    /// Whether the request may be sent twice: its model allows it and it stores nothing.
    pub idempotent: bool,
    /// Whether its guardrails were bypassed with the admin token.
    pub unguarded: bool,
    /// Whether the `pii` guardrail redacted it.
    pub redacted: bool,
    /// Its gateway-side session, when it names one (`x-session-id`): then
    /// `body` is the session's whole context.
    pub(crate) session: Option<std::sync::Arc<super::session::Turn>>,
    /// The spend budgets it counts against, if any applies.
    pub(crate) spending: Option<super::spend::Spending>,
    model_span: Range<usize>,
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    model: Option<&'a RawValue>,
    #[serde(default)]
    stream: Option<bool>,
    #[serde(default)]
    store: Option<bool>,
}

/// Why a body cannot be served, in words for the client.
#[derive(Debug, PartialEq, Eq)]
pub enum BadBody {
    /// Not a JSON object, or not JSON at all.
    Malformed(String),
    /// No `model` field.
    MissingModel,
    /// `model` is not a string.
    ModelNotString,
}

impl Inbound {
    /// Parses a request body.
    pub fn parse(body: Bytes) -> Result<Self, BadBody> {
        // serde would also read a struct from a JSON array; the API takes objects only.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') && !body.trim_ascii().is_empty() {
            return Err(BadBody::Malformed("expected a JSON object at line 1".into()));
        }
        let head: Head<'_> = serde_json::from_slice(&body).map_err(|e| BadBody::Malformed(e.to_string()))?;
        let raw = head.model.ok_or(BadBody::MissingModel)?;
        let model: String = serde_json::from_str(raw.get()).map_err(|_| BadBody::ModelNotString)?;
        // `raw` borrows from `body`, so its position in it is a pointer difference.
        let start = raw.get().as_ptr() as usize - body.as_ptr() as usize;
        let model_span = start..start + raw.get().len();
        let store = head.store.unwrap_or(false);
        let stream = head.stream.unwrap_or(false);
        Ok(Self {
            model,
            stream,
            store,
            idempotent: !store,
            unguarded: false,
            redacted: false,
            session: None,
            spending: None,
            model_span,
            body,
        })
    }

    /// Why the request must not be sent twice, in words for the client.
    pub fn why_not_idempotent(&self) -> &'static str {
        if self.store {
            "it asks the provider to store its result (\"store\": true)"
        } else {
            "its model is configured as not idempotent"
        }
    }

    /// The body to send upstream: unchanged, or with the model name replaced.
    pub fn body_for(&self, model: Option<&str>) -> Bytes {
        match model {
            None => self.body.clone(),
            Some(name) if name == self.model => self.body.clone(),
            Some(name) => {
                let quoted = serde_json::to_string(name).expect("a string serialises");
                let mut out = BytesMut::with_capacity(self.body.len() + quoted.len());
                out.extend_from_slice(&self.body[..self.model_span.start]);
                out.extend_from_slice(quoted.as_bytes());
                out.extend_from_slice(&self.body[self.model_span.end..]);
                out.freeze()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_the_model_changes_only_the_model() {
        let body = Bytes::from_static(
            br#"{"messages":[{"role":"user","content":"hi \"gpt\""}], "model" : "gpt-4o","stream":true}"#,
        );
        let inbound = Inbound::parse(body.clone()).unwrap();
        assert_eq!(inbound.model, "gpt-4o");
        assert!(inbound.stream);
        assert_eq!(inbound.body_for(None), body);
        let mapped: serde_json::Value = serde_json::from_slice(&inbound.body_for(Some("mini \"x\""))).unwrap();
        let mut expected: serde_json::Value = serde_json::from_slice(&body).unwrap();
        expected["model"] = "mini \"x\"".into();
        assert_eq!(mapped, expected);
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        assert!(
            matches!(Inbound::parse(Bytes::from_static(b"{\"model\": ")), Err(BadBody::Malformed(m)) if m.contains("EOF"))
        );
        assert_eq!(Inbound::parse(Bytes::from_static(b"{}")).unwrap_err(), BadBody::MissingModel);
        assert_eq!(Inbound::parse(Bytes::from_static(b"{\"model\": 4}")).unwrap_err(), BadBody::ModelNotString);
        assert!(matches!(Inbound::parse(Bytes::from_static(b"[1]")), Err(BadBody::Malformed(_))));
    }
}
