//! Relaying a streamed answer, event by event, as it arrives.
//!
//! The relay reads; the policy judges (`failover_policy::stream`). [`open`]
//! waits for the first event of a successful streaming answer: until it is in,
//! nothing has reached the client and a failure is an ordinary failed attempt.
//! [`relay`] then passes each event on as it comes and ends the client's
//! stream as the policy says: with `[DONE]` when the answer is complete, with
//! an error event in OpenAI's shape and no `[DONE]` when it failed. Its
//! [`Watch`] judges each read and hears how the stream ended, exactly once; a
//! client that goes away first makes it an ignored (cancelled) call.
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use failover_policy::stream::{Read, Step, StreamFailure};
use failover_policy::{Decide, Failure};
use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use serde_json::json;

use super::sse::{Event, Parser};

/// A provider's streaming body: hyper's in the gateway, any body in tests.
pub trait Upstream: Body<Data = Bytes> + Unpin + Send + 'static {}

impl<B: Body<Data = Bytes> + Unpin + Send + 'static> Upstream for B {}

/// A stream whose first event has arrived.
pub struct Opened<B = Incoming> {
    incoming: B,
    parser: Parser,
    pending: VecDeque<Event>,
}

/// What the relay read, and the event's bytes when it is one.
async fn read<B: Upstream>(
    incoming: &mut B,
    parser: &mut Parser,
    pending: &mut VecDeque<Event>,
    until: Instant,
) -> (Read, Option<Event>) {
    loop {
        if let Some(event) = pending.pop_front().or_else(|| parser.next_event()) {
            return (event.read(), Some(event));
        }
        match tokio::time::timeout_at(until.into(), incoming.frame()).await {
            Err(_) => return (Read::Silent, None),
            Ok(None) => return (Read::Ended { partial: parser.has_partial_event() }, None),
            Ok(Some(Err(_))) => return (Read::Broken, None),
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    parser.push(data);
                }
            }
        }
    }
}

/// Waits until `deadline` for the first event of a successful streaming
/// answer; the policy judges it.
pub async fn open<B: Upstream, D: Decide>(
    mut incoming: B,
    deadline: Instant,
    decide: &D,
) -> Result<Opened<B>, Failure> {
    let mut parser = Parser::default();
    let mut pending = VecDeque::new();
    let (first, event) = read(&mut incoming, &mut parser, &mut pending, deadline).await;
    decide.stream_open(first)?;
    pending.extend(event);
    Ok(Opened { incoming, parser, pending })
}

/// How a relayed stream ended, for the breaker and the decision log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Complete: `[DONE]` reached the client.
    Complete,
    /// Failed after its first event: an error event reached the client.
    Failed(StreamFailure),
    /// The client went away first.
    ClientGone,
}

/// The relay's partner: judges what was read, and hears how the stream ended.
pub trait Watch: Send + 'static {
    /// What the client gets for `read`; `finished_seen` tells whether a chunk
    /// with a `finish_reason` came before.
    fn step(&self, read: Read, finished_seen: bool) -> Step;
    /// Hears each content event relayed, by its `data`.
    fn relayed(&mut self, _data: &[u8]) {}
    /// The `data` of one last event for a complete stream, sent before
    /// `[DONE]` (the soft-failure flag).
    fn closing(&mut self) -> Option<Bytes> {
        None
    }
    /// Called once, when the stream has ended; `events` content events were relayed.
    fn ended(&mut self, ending: Ending, events: u32);
}

struct Relay<B: Upstream, W: Watch> {
    opened: Opened<B>,
    idle: Duration,
    provider: String,
    events: u32,
    finished_seen: bool,
    watch: Option<W>,
}

impl<B: Upstream, W: Watch> Relay<B, W> {
    fn end(&mut self, ending: Ending) {
        if let Some(mut watch) = self.watch.take() {
            watch.ended(ending, self.events);
        }
    }

    /// The next bytes for the client, or `None` once the stream is over.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            self.watch.as_ref()?;
            let until = Instant::now() + self.idle;
            let opened = &mut self.opened;
            let (read, event) = read(&mut opened.incoming, &mut opened.parser, &mut opened.pending, until).await;
            let step = self.watch.as_ref()?.step(read, self.finished_seen);
            return match (step, event) {
                (Step::Relay, None) => continue,
                (Step::Relay, Some(event)) => {
                    if let Some(watch) = self.watch.as_mut() {
                        watch.relayed(event.data());
                    }
                    self.events += 1;
                    self.finished_seen |= matches!(read, Read::Chunk { finished: true });
                    Some(frame(event.data()))
                }
                (step, _) => self.finish(step),
            };
        }
    }

    /// Ends the stream as `step` says.
    fn finish(&mut self, step: Step) -> Option<Bytes> {
        match step {
            Step::Relay => None,
            Step::Complete => {
                let last = self.watch.as_mut().and_then(Watch::closing);
                self.end(Ending::Complete);
                Some(match last {
                    Some(data) => [frame(&data), Bytes::from_static(DONE)].concat().into(),
                    None => Bytes::from_static(DONE),
                })
            }
            Step::Fail(failure) => {
                self.end(Ending::Failed(failure));
                let why = match failure {
                    StreamFailure::Interrupted => "broke the connection".to_owned(),
                    StreamFailure::Truncated => "ended the stream without a finish_reason".to_owned(),
                    StreamFailure::Stalled => format!("sent nothing for {} ms", self.idle.as_millis()),
                    StreamFailure::Malformed => "sent an event that is not JSON".to_owned(),
                    StreamFailure::ProviderError => "sent an error event".to_owned(),
                };
                let message = format!(
                    "provider \"{}\" {why} after {} events; the answer is incomplete",
                    self.provider, self.events
                );
                Some(error_event(failure.as_str(), &message))
            }
        }
    }
}

impl<B: Upstream, W: Watch> Drop for Relay<B, W> {
    fn drop(&mut self) {
        self.end(Ending::ClientGone);
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
/// judged ending.
pub fn relay<B: Upstream, W: Watch>(opened: Opened<B>, idle: Duration, provider: &str, watch: W) -> axum::body::Body {
    axum::body::Body::from_stream(frames(opened, idle, provider, watch))
}

/// The bytes the client gets for an opened stream, as a stream of chunks.
pub fn frames<B: Upstream, W: Watch>(
    opened: Opened<B>,
    idle: Duration,
    provider: &str,
    watch: W,
) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<B, W> {
    let relay =
        Relay { opened, idle, provider: provider.to_owned(), events: 0, finished_seen: false, watch: Some(watch) };
    futures_util::stream::unfold(relay, |mut relay| async move {
        let bytes = relay.next().await?;
        Some((Ok(bytes), relay))
    })
}
