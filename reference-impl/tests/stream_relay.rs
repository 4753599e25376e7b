//! Property 21 of the reference gateway: a stream that did not end cleanly is
//! never presented to the client as complete. It drives the streaming relay,
//! with the policy's judgement, through random upstream scripts on a paused
//! clock; its bite runs it with a judgement that takes a failure for a clean
//! end. (Properties 1-20 and 22-25 are the policy's, in `policy/tests`.)
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::StreamBody;
use hyper::body::Frame;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use reference_gateway::policy::stream::{Read, Step};
use reference_gateway::policy::{Decide, Standard};
use reference_gateway::proxy::relay::{self, Ending, Watch};

/// How one upstream stream behaves.
#[derive(Clone, Debug)]
struct Script {
    /// Chunks before the end; `true` carries `finish_reason`.
    chunks: Vec<bool>,
    /// A chunk that is not JSON, at this position, if any.
    garbage_at: Option<usize>,
    end: End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Done,
    CleanClose,
    Reset,
    Stall,
}

fn scripts() -> impl Strategy<Value = Script> {
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

fn upstream(script: &Script) -> Upstream {
    let source = "mock:first";
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

/// Judges with the standard policy, or (broken) takes every failure for a clean end.
struct Judge {
    clean_end_on_failure: bool,
}

impl Watch for Judge {
    fn step(&self, read: Read, finished_seen: bool) -> Step {
        match Standard.stream_step(read, finished_seen) {
            Step::Fail(_) if self.clean_end_on_failure => Step::Complete,
            step => step,
        }
    }

    fn ended(&mut self, _: Ending, _: u32) {}
}

/// Relays `script`; `None` if the stream could not even be opened (nothing
/// reached the client, so failover is allowed).
fn run(script: &Script, judge: Judge) -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    runtime.block_on(async {
        let first = relay::open(upstream(script), Instant::now() + Duration::from_secs(1), &Standard).await.ok()?;
        let frames = relay::frames::<Upstream, Judge>(first, Duration::from_millis(100), "first", judge);
        let text: Vec<String> = frames.map(|b| String::from_utf8_lossy(&b.unwrap()).into_owned()).collect().await;
        Some(text.concat())
    })
}

/// Whether the upstream ended cleanly: `[DONE]`, or a clean close after a
/// chunk with `finish_reason`, and no garbage on the way.
fn ended_cleanly(script: &Script) -> bool {
    let garbage = script.garbage_at.is_some_and(|g| g < script.chunks.len());
    !garbage && (script.end == End::Done || (script.end == End::CleanClose && script.chunks.iter().any(|f| *f)))
}

/// Property 21: A stream is presented as complete (`[DONE]`) only if it ended cleanly;
/// otherwise it ends with an error event and no `[DONE]`.
fn truncation_never_looks_complete(script: &Script, judge: Judge) -> Result<(), String> {
    let Some(seen) = run(script, judge) else { return Ok(()) };
    let done = seen.contains("data: [DONE]");
    let error_last = seen.trim_end().rsplit("\n\n").next().is_some_and(|last| last.contains("\"error\""));
    match (ended_cleanly(script), done, error_last) {
        (true, true, false) | (false, false, true) => Ok(()),
        (clean, _, _) => Err(format!("upstream ended cleanly: {clean}; the client got: {seen}")),
    }
}

fn config() -> Config {
    // Each case runs a small async relay: fewer cases keep the run short.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256u32);
    Config { cases: (cases / 4).max(16), failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn p21_a_cut_stream_never_looks_complete(script in scripts()) {
        truncation_never_looks_complete(&script, Judge { clean_end_on_failure: false }).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p21_bites() {
    let mut runner =
        TestRunner::new(Config { cases: 4_000, failure_persistence: None, max_shrink_iters: 0, ..Config::default() });
    let broken = |script: Script| truncation_never_looks_complete(&script, Judge { clean_end_on_failure: true });
    match runner.run(&scripts(), |script| broken(script).map_err(TestCaseError::fail)) {
        Err(TestError::Fail(..)) => {}
        other => panic!("the property found no counterexample in a deliberately broken relay: {other:?}"),
    }
}

/// Hears every relayed chunk and closes a complete stream with one event.
struct Closer {
    heard: std::sync::Arc<std::sync::Mutex<usize>>,
}

impl Watch for Closer {
    fn step(&self, read: Read, finished_seen: bool) -> Step {
        Standard.stream_step(read, finished_seen)
    }

    fn relayed(&mut self, _: &[u8]) {
        *self.heard.lock().unwrap() += 1;
    }

    fn closing(&mut self) -> Option<Bytes> {
        Some(Bytes::from_static(b"{\"closing\":true}"))
    }

    fn ended(&mut self, _: Ending, _: u32) {}
}

/// The closing event reaches the client after every chunk and right before
/// `[DONE]`, and only when the stream is complete.
#[test]
fn the_closing_event_comes_last_before_done_and_only_on_a_complete_stream() {
    for (end, complete) in [(End::Done, true), (End::Reset, false)] {
        let script = Script { chunks: vec![false, false, true], garbage_at: None, end };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        let heard = std::sync::Arc::new(std::sync::Mutex::new(0));
        let seen = runtime.block_on(async {
            let first =
                relay::open(upstream(&script), Instant::now() + Duration::from_secs(1), &Standard).await.unwrap();
            let closer = Closer { heard: heard.clone() };
            let frames = relay::frames::<Upstream, Closer>(first, Duration::from_millis(100), "first", closer);
            let text: Vec<String> = frames.map(|b| String::from_utf8_lossy(&b.unwrap()).into_owned()).collect().await;
            text.concat()
        });
        assert_eq!(*heard.lock().unwrap(), 3, "every chunk relayed is heard: {seen}");
        let ending = "data: {\"closing\":true}\n\ndata: [DONE]\n\n";
        assert_eq!(seen.ends_with(ending), complete, "{end:?}: {seen}");
        assert_eq!(seen.contains("closing"), complete, "{end:?}: {seen}");
    }
}
