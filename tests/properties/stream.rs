//! The streaming relay's invariants: once the first byte has gone to the
//! client, no other upstream attempt is made for the request, and a stream that
//! did not end cleanly is never presented as complete.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::StreamBody;
use hyper::body::Frame;
use proptest::prelude::*;
use reference_gateway::proxy::relay::{self, Ending, OnEnd, Options, Splice};

/// How one upstream stream behaves.
#[derive(Clone, Debug)]
pub struct Script {
    /// Chunks before the end; `true` carries `finish_reason`.
    pub chunks: Vec<bool>,
    /// A chunk that is not JSON, at this position, if any.
    pub garbage_at: Option<usize>,
    pub end: End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Done,
    CleanClose,
    Reset,
    Stall,
}

pub fn scripts() -> impl Strategy<Value = Script> {
    let end = prop_oneof![Just(End::Done), Just(End::CleanClose), Just(End::Reset), Just(End::Stall)];
    (proptest::collection::vec(any::<bool>(), 1..8), proptest::option::of(0usize..8), end)
        .prop_map(|(chunks, garbage_at, end)| Script { chunks, garbage_at, end })
}

type Upstream = StreamBody<futures::stream::BoxStream<'static, Result<Frame<Bytes>, std::io::Error>>>;

fn chunk(source: &str, finished: bool) -> Bytes {
    let finish = if finished { "\"stop\"" } else { "null" };
    Bytes::from(format!(
        "data: {{\"system_fingerprint\":\"{source}\",\"choices\":[{{\"delta\":{{\"content\":\"x\"}},\"finish_reason\":{finish}}}]}}\n\n"
    ))
}

fn upstream(script: &Script, source: &'static str) -> Upstream {
    let mut frames: Vec<Result<Frame<Bytes>, std::io::Error>> = Vec::new();
    for (i, finished) in script.chunks.iter().enumerate() {
        if script.garbage_at == Some(i) {
            frames.push(Ok(Frame::data(Bytes::from_static(b"data: {not json\n\n"))));
        }
        frames.push(Ok(Frame::data(chunk(source, *finished))));
    }
    let end = script.end;
    let tail = futures::stream::once(async move {
        match end {
            End::Done => Some(Ok(Frame::data(Bytes::from_static(b"data: [DONE]\n\n")))),
            End::CleanClose => None,
            End::Reset => Some(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"))),
            End::Stall => {
                tokio::time::sleep(Duration::from_secs(3_600)).await;
                None
            }
        }
    })
    .filter_map(|f| async move { f });
    StreamBody::new(futures::stream::iter(frames).chain(tail).boxed())
}

struct Quiet;
impl OnEnd for Quiet {
    fn ended(&mut self, _: Ending) {}
}

/// What the client received, and how many upstream streams were opened.
pub struct Seen {
    pub text: String,
    pub opened: usize,
}

/// A relay variant under test.
#[derive(Clone, Copy, Debug)]
pub enum Variant {
    Real,
    /// Carries on with another provider's stream when the first fails.
    Splices,
    /// Ends a failed stream with `[DONE]`.
    CleanEndOnFailure,
}

/// Relays `script` through the relay variant; `None` if the stream could not
/// even be opened (nothing reached the client, so failover is allowed).
pub fn run(script: &Script, variant: Variant) -> Option<Seen> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    runtime.block_on(async {
        let opened = Arc::new(Mutex::new(1usize));
        let first = relay::open(upstream(script, "mock:first"), Instant::now() + Duration::from_secs(1)).await.ok()?;
        let options: Options<Upstream> = match variant {
            Variant::Real => Options::default(),
            Variant::CleanEndOnFailure => Options { clean_end_on_failure: true, ..Options::default() },
            Variant::Splices => {
                let opened = opened.clone();
                let splice: Splice<Upstream> = Box::new(move || {
                    Box::pin(async move {
                        *opened.lock().unwrap() += 1;
                        let second = Script { chunks: vec![false, true], garbage_at: None, end: End::Done };
                        relay::open(upstream(&second, "mock:second"), Instant::now() + Duration::from_secs(1))
                            .await
                            .ok()
                    })
                });
                Options { splice: Some(splice), ..Options::default() }
            }
        };
        let frames = relay::frames::<Upstream, Quiet>(first, Duration::from_millis(100), "first", options, Quiet);
        let text: Vec<String> = frames.map(|b| String::from_utf8_lossy(&b.unwrap()).into_owned()).collect().await;
        let opened = *opened.lock().unwrap();
        Some(Seen { text: text.concat(), opened })
    })
}

/// Whether the upstream ended cleanly: `[DONE]`, or a clean close after a
/// chunk with `finish_reason`, and no garbage on the way.
fn ended_cleanly(script: &Script) -> bool {
    let garbage = script.garbage_at.is_some_and(|g| g < script.chunks.len());
    !garbage && (script.end == End::Done || (script.end == End::CleanClose && script.chunks.iter().any(|f| *f)))
}

/// Property 20: After the first byte of a stream has been relayed, no further upstream
/// attempt is made for that request: nothing from another provider reaches
/// the client.
pub fn no_second_upstream(script: &Script, variant: Variant) -> Result<(), String> {
    let Some(seen) = run(script, variant) else { return Ok(()) };
    if seen.opened != 1 || seen.text.contains("mock:second") {
        return Err(format!(
            "{} upstream streams opened after the first byte; the client got: {}",
            seen.opened, seen.text
        ));
    }
    Ok(())
}

/// Property 21: A stream is presented as complete (`[DONE]`) only if it ended cleanly;
/// otherwise it ends with an error event and no `[DONE]`.
pub fn truncation_never_looks_complete(script: &Script, variant: Variant) -> Result<(), String> {
    let Some(seen) = run(script, variant) else { return Ok(()) };
    let done = seen.text.contains("data: [DONE]");
    let error_last = seen.text.trim_end().rsplit("\n\n").next().is_some_and(|last| last.contains("\"error\""));
    match (ended_cleanly(script), done, error_last) {
        (true, true, false) | (false, false, true) => Ok(()),
        (clean, _, _) => Err(format!("upstream ended cleanly: {clean}; the client got: {}", seen.text)),
    }
}
