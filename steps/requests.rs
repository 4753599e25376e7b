//! Steps in which the client talks to the gateway.
use std::time::Duration;

use cucumber::when;
use failover_conformance::checks;

use super::FailoverWorld;
use super::params::{Body, Count, Kind};

#[when(expr = "the client sends {count} {kind} for {string}")]
async fn send(w: &mut FailoverWorld, count: Count, kind: Kind, model: String) -> Result<(), String> {
    w.scene.send(count.0, kind.0, &model).await
}

#[when(expr = "the client keeps sending {kind} for {string} every {int} ms until {int} in a row are served by {string}, within {int} ms")]
async fn send_until_served(
    w: &mut FailoverWorld,
    kind: Kind,
    model: String,
    every: u64,
    n: usize,
    provider: String,
    within: u64,
) -> Result<(), String> {
    let (every, within) = (Duration::from_millis(every), Duration::from_millis(within));
    w.scene.send_until(kind.0, &model, every, within, |sent| checks::last_in_a_row(sent, n, &provider)).await
}

#[when(expr = "the client keeps sending {kind} for {string} every {int} ms for {int} ms")]
async fn send_for(w: &mut FailoverWorld, kind: Kind, model: String, every: u64, duration: u64) -> Result<(), String> {
    w.scene.send_for(kind.0, &model, Duration::from_millis(every), Duration::from_millis(duration)).await
}

#[when(expr = "the client posts {body} to {string}")]
async fn post_raw(w: &mut FailoverWorld, body: Body, path: String) -> Result<(), String> {
    w.scene.send_raw(reqwest::Method::POST, &path, body.0).await.map(drop)
}

#[when(expr = "the client sends a {word} request to {string}")]
async fn method_raw(w: &mut FailoverWorld, method: String, path: String) -> Result<(), String> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| format!("\"{method}\" is not an HTTP method"))?;
    w.scene.send_raw(method, &path, bytes::Bytes::new()).await.map(drop)
}

#[when(expr = "the gateway is started")]
async fn start(w: &mut FailoverWorld) {
    w.scene.attempt_start().await;
}
