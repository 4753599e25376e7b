//! Graceful shutdown of the gateway's binary: on SIGTERM it refuses new
//! connections at once, lets the requests in flight finish (a whole answer
//! and a stream alike) and exits 0; a request that outlasts
//! `--drain-timeout-ms` is cut at that bound, and the exit is still 0.
//! The provider is a raw socket (`common/provider.rs`), so that the test sees
//! exactly when it received a request and when it answered.
mod common;
#[path = "common/provider.rs"]
mod provider;

use provider::{Answer, provider};

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// The gateway's binary over `provider`, and the address it listens on.
async fn gateway(provider: SocketAddr, drain_ms: u64, dir: &tempfile::TempDir) -> (Child, SocketAddr) {
    let config = serde_json::json!({
        "schema": "conformance/v1",
        "providers": [{"id": "only", "base_url": format!("http://{provider}"), "api_key": "sk-test"}],
        "models": [{"name": "gpt-4o", "backend_map": [{"provider": "only"}]}],
        "policy": {"retry": {"max_attempts": 1}, "attempt_timeout_ms": 20000, "request_timeout_ms": 30000,
                   "streaming": {"first_byte_timeout_ms": 20000, "idle_timeout_ms": 20000}}
    });
    let path = dir.path().join("gateway.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_reference-gateway"))
        .args(["--port", "0", "--events-log", "none", "--workers", "1", "--drain-timeout-ms"])
        .arg(drain_ms.to_string())
        .arg("--config")
        .arg(&path)
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the gateway's binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        }
        panic!("the gateway exited before it listened");
    })
    .await
    .expect("the gateway listens within 20 s");
    // Keep reading its output, so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

fn chat(stream: bool) -> String {
    let body = format!(r#"{{"model":"gpt-4o","stream":{stream},"messages":[{{"role":"user","content":"hi"}}]}}"#);
    format!(
        "POST /api/v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Sends a chat completion in the background: its status and body.
fn send(addr: SocketAddr, stream: bool) -> tokio::task::JoinHandle<(u16, String)> {
    tokio::spawn(async move { common::exchange(addr, &chat(stream)).await })
}

fn terminate(child: &Child) {
    let pid = nix::unistd::Pid::from_raw(child.id().expect("still running") as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
}

/// Waits for `what` from the provider, at most 10 s.
async fn heard(told: &mut mpsc::UnboundedReceiver<&'static str>, what: &str) {
    let got = tokio::time::timeout(Duration::from_secs(10), told.recv()).await;
    assert_eq!(got.ok().flatten(), Some(what), "the provider should have seen a {what}");
}

/// Whether a new connection is refused within `bound` of now.
async fn refused_within(addr: SocketAddr, bound: Duration) -> bool {
    let deadline = Instant::now() + bound;
    while Instant::now() < deadline {
        if TcpStream::connect(addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_refuses_new_connections_and_lets_a_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let delay = Duration::from_millis(800);
    let (provider, mut told) = provider(Answer::After(delay)).await;
    let (mut child, addr) = gateway(provider, 10_000, &dir).await;
    let in_flight = send(addr, false);
    heard(&mut told, "request").await;
    let signalled = Instant::now();
    terminate(&child);
    // 300 ms of tolerance for a loaded machine; the answer is 800 ms away.
    assert!(refused_within(addr, Duration::from_millis(300)).await, "new connections are refused at once");
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 200, "the request in flight is answered: {body}");
    assert!(body.contains("drained"), "with the provider's answer: {body}");
    let exit = tokio::time::timeout(Duration::from_secs(5), child.wait()).await.expect("exits within 5 s").unwrap();
    assert!(exit.success(), "exits 0 after draining: {exit}");
    assert!(signalled.elapsed() >= delay - Duration::from_millis(100), "it waited for the answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_stream_in_flight_finish_with_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let (provider, mut told) = provider(Answer::Stream(Duration::from_millis(150))).await;
    let (mut child, addr) = gateway(provider, 10_000, &dir).await;
    let in_flight = send(addr, true);
    heard(&mut told, "request").await;
    heard(&mut told, "event").await;
    terminate(&child);
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 200);
    for i in 0..5 {
        assert!(body.contains(&format!("piece{i} ")), "event {i} was relayed: {body}");
    }
    assert!(body.contains("data: [DONE]"), "the stream ended complete: {body}");
    let exit = tokio::time::timeout(Duration::from_secs(5), child.wait()).await.expect("exits within 5 s").unwrap();
    assert!(exit.success(), "exits 0 after draining: {exit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_outlasts_the_drain_timeout_is_cut_and_the_exit_is_still_clean() {
    let dir = tempfile::tempdir().unwrap();
    let (provider, mut told) = provider(Answer::Never).await;
    let (mut child, addr) = gateway(provider, 300, &dir).await;
    let _in_flight = send(addr, false);
    heard(&mut told, "request").await;
    let signalled = Instant::now();
    terminate(&child);
    // The drain timeout, plus 1,500 ms of tolerance for a loaded machine.
    let exit = tokio::time::timeout(Duration::from_millis(1_800), child.wait())
        .await
        .expect("exits within the drain timeout plus 1,500 ms")
        .unwrap();
    assert!(exit.success(), "a cut drain still exits 0: {exit}");
    assert!(signalled.elapsed() >= Duration::from_millis(250), "it waited for the drain timeout first");
}
