//! A closed-loop load generator: `concurrency` tasks, each sending its next
//! request as soon as its last one has been answered, over one pooled HTTP
//! client, until the total is sent. Every `stream_every`-th request streams.
//! What each request came to is kept ([`Shot`]) for the checks.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::task::JoinSet;

use crate::client::RequestKind;
use crate::mock::responses;
use crate::sse::{StreamEvent, StreamRecord, take_events};

/// The shape of a load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests in all.
    pub total: usize,
    /// Every this many requests, one streams (0: none does).
    pub stream_every: usize,
    /// No request is sent once this long has passed (`None`: until `total`).
    pub duration: Option<Duration>,
}

/// What one request came to.
#[derive(Clone, Debug, PartialEq)]
pub struct Shot {
    /// When it was sent.
    pub started: Instant,
    /// Until its whole answer had arrived, or it failed.
    pub latency: Duration,
    /// The status, or `None` when the connection failed.
    pub status: Option<u16>,
    /// Whether it streamed.
    pub stream: bool,
    /// The provider that served it, for a whole answer or a complete stream.
    pub served_by: Option<String>,
    /// How it failed, when it did: the connection's error, or a stream that
    /// did not complete.
    pub error: Option<String>,
    /// `Retry-After`, in seconds, when the answer had one.
    pub retry_after: Option<u64>,
    /// The number its body is tagged with (see [`crate::attribution`]).
    pub tag: usize,
}

impl Shot {
    /// Served: a 200 with a whole answer or a complete stream.
    pub fn served(&self) -> bool {
        self.status == Some(200) && self.served_by.is_some()
    }
}

/// How many failed requests keep their error's text: enough to explain a
/// failure, few enough that a gateway failing every request at once does not
/// fill the suite's memory.
const EXPLAINED: usize = 16;

/// Sends `load` to `url` for `model` and waits for every answer; the
/// requests are tagged from `first_tag` on.
pub async fn run(http: &reqwest::Client, url: &str, model: &str, load: Load, first_tag: usize) -> Vec<Shot> {
    let next = Arc::new(AtomicUsize::new(0));
    let end = load.duration.map(|d| Instant::now() + d);
    let mut tasks = JoinSet::new();
    for _ in 0..load.concurrency.max(1) {
        let (http, url, model, next) = (http.clone(), url.to_owned(), model.to_owned(), next.clone());
        tasks.spawn(async move {
            let mut shots = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= load.total || end.is_some_and(|end| Instant::now() >= end) {
                    return shots;
                }
                let stream = load.stream_every > 0 && n % load.stream_every == 0;
                shots.push(shoot(&http, &url, &model, first_tag + n, stream).await);
            }
        });
    }
    let mut shots = Vec::with_capacity(load.total.min(1 << 16));
    let mut explained = 0;
    while let Some(done) = tasks.join_next().await {
        for mut shot in done.unwrap_or_default() {
            if shot.error.is_some() {
                explained += 1;
                if explained > EXPLAINED {
                    shot.error = Some(String::new());
                }
            }
            shots.push(shot);
        }
    }
    shots.sort_by_key(|s| s.started);
    shots
}

async fn shoot(http: &reqwest::Client, url: &str, model: &str, n: usize, stream: bool) -> Shot {
    let kind = if stream { RequestKind::StreamedChat } else { RequestKind::Chat };
    let started = Instant::now();
    let mut shot = Shot {
        started,
        latency: Duration::ZERO,
        status: None,
        stream,
        served_by: None,
        error: None,
        retry_after: None,
        tag: n,
    };
    let sent = http.post(format!("{url}{}", kind.path())).json(&kind.body(model, n)).send().await;
    let result = match sent {
        Ok(response) => {
            shot.status = Some(response.status().as_u16());
            shot.retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.trim().parse().ok());
            response.bytes().await.map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    shot.latency = started.elapsed();
    match result {
        Err(e) => shot.error = Some(e),
        Ok(body) if stream && shot.status == Some(200) => {
            let mut text = String::from_utf8_lossy(&body).into_owned();
            let events =
                take_events(&mut text).into_iter().map(|data| StreamEvent { at: Duration::ZERO, data }).collect();
            let record = StreamRecord { events, transport_error: None, ended_at: shot.latency };
            shot.served_by = record.complete_from();
            if shot.served_by.is_none() {
                shot.error = Some(format!("an incomplete stream: {}", record.describe()));
            }
        }
        Ok(body) => {
            let json: Option<Value> = serde_json::from_slice(&body).ok();
            shot.served_by = json.as_ref().and_then(responses::served_by).map(str::to_owned);
            if shot.status != Some(200) {
                shot.error = Some(String::from_utf8_lossy(&body).chars().take(300).collect());
            }
        }
    }
    shot
}

/// A percentile (nearest rank) of the shots' latencies.
pub fn percentile(shots: &[&Shot], p: f64) -> Option<Duration> {
    let mut latencies: Vec<Duration> = shots.iter().map(|s| s.latency).collect();
    latencies.sort();
    let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
    latencies.get(rank.max(1) - 1).copied()
}
