//! The load generator: HTTP/1.1 keep-alive connections in a closed loop, each
//! sending the next request when the last answer has arrived.
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

const BODY: &str = r#"{"model":"gpt-4o","messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"What is 2 + 2?"}],"temperature":0.2,"max_tokens":64}"#;

/// What one target measured.
pub struct Measured {
    pub p50_us: f64,
    pub p99_us: f64,
    pub rps_16: f64,
    pub rps_64: f64,
    /// CPU time the proxy spent per request at 64 connections, if it was read.
    pub cpu_us: Option<f64>,
}

/// Reads the CPU time a proxy has spent so far.
pub type CpuMeter = Box<dyn Fn() -> Box<dyn Fn() -> Duration>>;

async fn connect(target: SocketAddr) -> SendRequest<Full<Bytes>> {
    let socket = tokio::net::TcpStream::connect(target).await.expect("the target accepts connections");
    socket.set_nodelay(true).expect("TCP_NODELAY");
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(socket)).await.expect("a handshake");
    tokio::spawn(connection);
    sender
}

/// One request; panics on anything but a 200 with a body: a failing target
/// would measure nothing worth printing.
async fn one(sender: &mut SendRequest<Full<Bytes>>, target: SocketAddr) {
    let request = hyper::Request::post("/api/v1/chat/completions")
        .header("host", target.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(BODY.as_bytes())))
        .expect("a request");
    sender.ready().await.expect("the connection is usable");
    let response = sender.send_request(request).await.expect("an answer");
    let status = response.status();
    let body = response.into_body().collect().await.expect("a whole body").to_bytes();
    assert!(status == 200 && !body.is_empty(), "{target} answered {status}: {}", String::from_utf8_lossy(&body));
}

async fn latency(target: SocketAddr) -> (f64, f64) {
    let mut sender = connect(target).await;
    for _ in 0..500 {
        one(&mut sender, target).await;
    }
    let mut samples = Vec::with_capacity(5_000);
    for _ in 0..5_000 {
        let started = Instant::now();
        one(&mut sender, target).await;
        samples.push(started.elapsed());
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    (at(0.5), at(0.99))
}

/// Requests per second over `window`, after half a second of warm-up; and all
/// requests answered, warm-up included.
async fn throughput(target: SocketAddr, connections: usize, window: Duration) -> (f64, u64) {
    let counted = Arc::new(AtomicU64::new(0));
    let answered = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(500);
    let end = start + window;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (counted, answered) = (counted.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(target).await;
            loop {
                one(&mut sender, target).await;
                answered.fetch_add(1, Ordering::Relaxed);
                let now = Instant::now();
                if now >= end {
                    break;
                }
                if now >= start {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a load task");
    }
    (counted.load(Ordering::Relaxed) as f64 / window.as_secs_f64(), answered.load(Ordering::Relaxed))
}

/// Latency at one connection, throughput at 16 and 64, and (with a `cpu`
/// meter: a reading that returns the time spent since) the proxy's CPU time
/// per request at 64.
pub async fn measure(target: SocketAddr, window: Duration, cpu: Option<&CpuMeter>) -> Measured {
    let (p50_us, p99_us) = latency(target).await;
    let (rps_16, _) = throughput(target, 16, window).await;
    let since = cpu.map(|start| start());
    let (rps_64, answered) = throughput(target, 64, window).await;
    let cpu_us = since.map(|spent| spent().as_secs_f64() * 1e6 / answered.max(1) as f64);
    Measured { p50_us, p99_us, rps_16, rps_64, cpu_us }
}

/// Sends requests until the failing primary's breaker must be open (its
/// minimum call count of failures, and more).
pub async fn open_the_breaker(target: SocketAddr) {
    let mut sender = connect(target).await;
    for _ in 0..50 {
        one(&mut sender, target).await;
    }
}

/// The median of each figure over several rounds, if there were any.
pub fn median(mut rounds: Vec<Measured>) -> Option<Measured> {
    fn mid(mut values: Vec<f64>) -> f64 {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    }
    if rounds.is_empty() {
        return None;
    }
    let of = |f: fn(&Measured) -> f64, rounds: &[Measured]| mid(rounds.iter().map(f).collect());
    let cpu: Vec<f64> = rounds.iter().filter_map(|m| m.cpu_us).collect();
    let median = Measured {
        p50_us: of(|m| m.p50_us, &rounds),
        p99_us: of(|m| m.p99_us, &rounds),
        rps_16: of(|m| m.rps_16, &rounds),
        rps_64: of(|m| m.rps_64, &rounds),
        cpu_us: (!cpu.is_empty()).then(|| mid(cpu)),
    };
    rounds.clear();
    Some(median)
}
