//! Relaying a streamed answer, event by event, as it arrives.
//!
//! 1. [`open`] waits for the stream's first event. Until then nothing has
//!    reached the client, so a failure (an error, a timeout, an empty or
//!    malformed start) is an ordinary failed attempt and the request can still
//!    fail over.
//! 2. Once the first event is in, the client's response starts and the stream
//!    belongs to this provider: [`relay`] passes each event on as it comes. A
//!    later failure ends the client's stream with an error event in OpenAI's
//!    shape and no `[DONE]`; output from another provider is never spliced in.
//! 3. The end is judged, never assumed: `[DONE]` is a clean end; a body that
//!    ends after a chunk with `finish_reason` is finalised with the `[DONE]` the
//!    provider forgot; a body that ends without one is a truncated answer and is
//!    reported as such. Silence longer than the idle timeout ends the stream.
//! 4. The provider's breaker hears the outcome when the stream ends; a client
//!    that goes away first makes it an ignored (cancelled) call.
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use serde_json::json;

use super::sse::{Event, Parser};
use crate::policy::{Class, Verdict};

/// A provider's streaming body: hyper's in the gateway, any body in tests.
pub trait Upstream: Body<Data = Bytes> + Unpin + Send + 'static {}

impl<B: Body<Data = Bytes> + Unpin + Send + 'static> Upstream for B {}

/// A stream whose first event has arrived.
pub struct Opened<B = Incoming> {
    incoming: B,
    parser: Parser,
    pending: VecDeque<Event>,
}

/// Why a stream could not be opened: the class of the failed attempt.
pub type OpenFailure = (Class, &'static str);

enum Read {
    Event(Event),
    Broken,
    Ended,
    Silent,
}

async fn read<B: Upstream>(
    incoming: &mut B,
    parser: &mut Parser,
    pending: &mut VecDeque<Event>,
    until: Instant,
) -> Read {
    loop {
        if let Some(event) = pending.pop_front().or_else(|| parser.next_event()) {
            return Read::Event(event);
        }
        match tokio::time::timeout_at(until.into(), incoming.frame()).await {
            Err(_) => return Read::Silent,
            Ok(None) => return Read::Ended,
            Ok(Some(Err(_))) => return Read::Broken,
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    parser.push(data);
                }
            }
        }
    }
}

/// Waits until `deadline` for the first event of a successful streaming answer.
pub async fn open<B: Upstream>(mut incoming: B, deadline: Instant) -> Result<Opened<B>, OpenFailure> {
    let mut parser = Parser::default();
    let mut pending = VecDeque::new();
    match read(&mut incoming, &mut parser, &mut pending, deadline).await {
        Read::Event(Event::Malformed(_)) => Err((Class::MalformedResponse, "first event is not JSON")),
        Read::Event(Event::ProviderError(_)) => Err((Class::ServerError, "first event is an error")),
        Read::Event(first) => {
            pending.push_front(first);
            Ok(Opened { incoming, parser, pending })
        }
        Read::Broken => Err((Class::ConnectionFailed, "stream broke before its first event")),
        Read::Ended => Err((Class::ConnectionFailed, "stream ended before its first event")),
        Read::Silent => Err((Class::Timeout, "no first event within the first-byte timeout")),
    }
}

/// How a relayed stream ended, for the breaker and the decision log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ending {
    /// What the provider's breaker hears.
    pub verdict: Verdict,
    /// The failure class, if it failed.
    pub class: Option<Class>,
    /// `served`, or why the stream was cut short.
    pub outcome: &'static str,
    /// Content events relayed.
    pub events: u32,
}

/// Receives the stream's ending exactly once; dropped without one, it is told
/// the client went away.
pub trait OnEnd: Send + 'static {
    /// Called when the stream has ended.
    fn ended(&mut self, ending: Ending);
}

/// Opens another provider's stream (used only by a sabotaged gateway).
pub type Splice<B = Incoming> = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = Option<Opened<B>>> + Send>> + Send>;

/// Deliberate defects of the relay, for the suite's self-tests; the real
/// gateway uses the default, which has none.
pub struct Options<B = Incoming> {
    /// Ends a broken or truncated stream with `[DONE]`, as if it were complete.
    pub clean_end_on_failure: bool,
    /// On a failure mid-stream, carries on with another provider's stream.
    pub splice: Option<Splice<B>>,
    /// Sends nothing until the stream has ended, then everything at once.
    pub buffer_until_end: bool,
    /// Treats a complete stream without `[DONE]` as silent until the idle timeout.
    pub wait_for_missing_done: bool,
}

impl<B> Default for Options<B> {
    fn default() -> Self {
        Self { clean_end_on_failure: false, splice: None, buffer_until_end: false, wait_for_missing_done: false }
    }
}

struct Relay<B: Upstream, F: OnEnd> {
    opened: Opened<B>,
    idle: Duration,
    provider: String,
    events: u32,
    finished_seen: bool,
    options: Options<B>,
    on_end: Option<F>,
}

impl<B: Upstream, F: OnEnd> Relay<B, F> {
    fn end(&mut self, verdict: Verdict, class: Option<Class>, outcome: &'static str) {
        if let Some(mut on_end) = self.on_end.take() {
            on_end.ended(Ending { verdict, class, outcome, events: self.events });
        }
    }

    fn fail(&mut self, class: Class, code: &'static str, why: &str) -> Bytes {
        self.end(Verdict::Failure, Some(class), code);
        error_event(
            code,
            &format!("provider \"{}\" {why} after {} events; the answer is incomplete", self.provider, self.events),
        )
    }

    /// The next bytes for the client, or `None` once the stream is over.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            self.on_end.as_ref()?;
            let until = Instant::now() + self.idle;
            let opened = &mut self.opened;
            let read = read(&mut opened.incoming, &mut opened.parser, &mut opened.pending, until).await;
            let failure = match read {
                Read::Event(Event::Chunk { data, finished }) => {
                    self.events += 1;
                    self.finished_seen |= finished;
                    return Some(frame(&data));
                }
                Read::Event(Event::Done) => {
                    self.end(Verdict::Success, None, "served");
                    return Some(Bytes::from_static(DONE));
                }
                Read::Ended if self.options.wait_for_missing_done => {
                    tokio::time::sleep(self.idle).await;
                    (Class::Timeout, "stream_stalled", format!("sent nothing for {} ms", self.idle.as_millis()))
                }
                Read::Ended if self.finished_seen && !self.opened.parser.has_partial_event() => {
                    // Complete (finish_reason seen) but without the sentinel: finalise it.
                    self.end(Verdict::Success, None, "served");
                    return Some(Bytes::from_static(DONE));
                }
                Read::Event(Event::ProviderError(_)) => {
                    (Class::ServerError, "provider_error", "sent an error event".to_owned())
                }
                Read::Event(Event::Malformed(_)) => {
                    (Class::MalformedResponse, "stream_malformed", "sent an event that is not JSON".to_owned())
                }
                Read::Broken => (Class::ConnectionFailed, "stream_interrupted", "broke the connection".to_owned()),
                Read::Silent => {
                    (Class::Timeout, "stream_stalled", format!("sent nothing for {} ms", self.idle.as_millis()))
                }
                Read::Ended => {
                    (Class::ConnectionFailed, "stream_truncated", "ended the stream without a finish_reason".to_owned())
                }
            };
            if let Some(splice) = self.options.splice.take() {
                if let Some(other) = splice().await {
                    self.opened = other;
                    continue;
                }
            }
            if self.options.clean_end_on_failure {
                self.end(Verdict::Success, None, "served");
                return Some(Bytes::from_static(DONE));
            }
            let (class, code, why) = failure;
            return Some(self.fail(class, code, &why));
        }
    }
}

impl<B: Upstream, F: OnEnd> Drop for Relay<B, F> {
    fn drop(&mut self) {
        self.end(Verdict::Ignored, None, "client_disconnected");
    }
}

const DONE: &[u8] = b"data: [DONE]\n\n";

fn frame(data: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(data.len() + 8);
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\n\n");
    out.freeze()
}

/// An SSE error event in OpenAI's error shape.
pub fn error_event(code: &str, message: &str) -> Bytes {
    let error = json!({"error": {"message": message, "type": "server_error", "param": null, "code": code}});
    frame(error.to_string().as_bytes())
}

/// The client's body for an opened stream: its events as they come, then the
/// judged ending. `on_end` hears how it ended.
pub fn relay<B: Upstream, F: OnEnd>(
    opened: Opened<B>,
    idle: Duration,
    provider: &str,
    options: Options<B>,
    on_end: F,
) -> axum::body::Body {
    axum::body::Body::from_stream(frames(opened, idle, provider, options, on_end))
}

/// The bytes the client gets for an opened stream, as a stream of chunks.
pub fn frames<B: Upstream, F: OnEnd>(
    opened: Opened<B>,
    idle: Duration,
    provider: &str,
    options: Options<B>,
    on_end: F,
) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<B, F> {
    let relay = Relay {
        opened,
        idle,
        provider: provider.to_owned(),
        events: 0,
        finished_seen: false,
        options,
        on_end: Some(on_end),
    };
    futures_unfold(relay)
}

fn futures_unfold<B: Upstream, F: OnEnd>(
    relay: Relay<B, F>,
) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold(relay, |mut relay| async move {
        if relay.options.buffer_until_end {
            let mut all = BytesMut::new();
            while let Some(bytes) = relay.next().await {
                all.extend_from_slice(&bytes);
            }
            relay.options.buffer_until_end = false;
            return (!all.is_empty()).then(|| (Ok(all.freeze()), relay));
        }
        let bytes = relay.next().await?;
        Some((Ok(bytes), relay))
    })
}
