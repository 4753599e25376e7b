//! Steps in which the client talks to the gateway.
use std::time::Duration;

use cucumber::{given, when};
use failover_conformance::client::RequestKind;
use failover_conformance::conversation::Extras;
use failover_conformance::scene::RequestOptions;
use failover_conformance::{checks, context};

use super::FailoverWorld;
use super::params::{Body, Count, Kind};

#[when(expr = "the client sends {count} {kind} for {string}")]
async fn send(w: &mut FailoverWorld, count: Count, kind: Kind, model: String) -> Result<(), String> {
    w.scene.send(count.0, kind.0, &model).await
}

#[when(
    expr = "the client keeps sending {kind} for {string} every {int} ms until {int} in a row are served by {string}, within {int} ms"
)]
async fn send_until_served(
    w: &mut FailoverWorld,
    kind: Kind,
    model: String,
    every: u64,
    n: usize,
    provider: String,
    within: u64,
) -> Result<(), String> {
    let (every, within) = (Duration::from_millis(every), context::tolerance(within));
    w.scene.send_until(kind.0, &model, every, within, |s| checks::last_in_a_row(s.batch(), n, &provider)).await
}

#[when(
    expr = "the client keeps sending {kind} for {string} every {int} ms until provider {string} has received {int} requests, within {int} ms"
)]
async fn send_until_received(
    w: &mut FailoverWorld,
    kind: Kind,
    model: String,
    every: u64,
    provider: String,
    n: usize,
    within: u64,
) -> Result<(), String> {
    let (every, within) = (Duration::from_millis(every), context::tolerance(within));
    w.scene.send_until(kind.0, &model, every, within, |s| s.received_by(&provider) >= n).await
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
    let method =
        reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| format!("\"{method}\" is not an HTTP method"))?;
    w.scene.send_raw(method, &path, bytes::Bytes::new()).await.map(drop)
}

#[when(expr = "the gateway is started")]
async fn start(w: &mut FailoverWorld) {
    w.scene.attempt_start().await;
}

#[when(expr = "the client streams {count} chat completion(s) for {string}")]
async fn stream(w: &mut FailoverWorld, count: Count, model: String) -> Result<(), String> {
    let options = RequestOptions { stream: true, ..RequestOptions::default() };
    w.scene.send_many_shaped(count.0, RequestKind::Chat, &model, &options).await
}

#[when(expr = "the client sends {count} {kind} for {string} asking the provider to store it")]
async fn send_storing(w: &mut FailoverWorld, count: Count, kind: Kind, model: String) -> Result<(), String> {
    let options = RequestOptions { store: true, ..RequestOptions::default() };
    w.scene.send_many_shaped(count.0, kind.0, &model, &options).await
}

#[when(regex = r#"^the client sends (?:a|another) chat completion for "([^"]+)" with Idempotency-Key "([^"]+)"$"#)]
async fn send_with_key(w: &mut FailoverWorld, model: String, key: String) -> Result<(), String> {
    let options = RequestOptions { idempotency_key: Some(key), ..RequestOptions::default() };
    w.scene.send_many_shaped(1, RequestKind::Chat, &model, &options).await
}

#[when(expr = "the client repeats its last request")]
async fn repeat(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.repeat_last().await.map(drop)
}

#[given(expr = "the client has measured its baseline over {int} {kind} for {string}")]
async fn baseline(w: &mut FailoverWorld, count: usize, kind: Kind, model: String) -> Result<(), String> {
    w.scene.measure_baseline(count, kind.0, &model).await.map(drop)
}

#[given(expr = "a conversation with a system prompt and {int} earlier turn(s)")]
async fn conversation(w: &mut FailoverWorld, turns: usize) {
    w.scene.start_conversation(turns, Extras::default());
}

#[given(expr = "a conversation with a system prompt, {int} earlier turns and a tool call with its result")]
async fn conversation_with_tool(w: &mut FailoverWorld, turns: usize) {
    w.scene.start_conversation(turns, Extras { tool_call: true, parameters: false });
}

#[given(expr = "the conversation sets temperature, max_tokens, tools and a response format")]
async fn conversation_parameters(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.conversation_parameters()
}

#[when(expr = "the client continues the conversation for {string} for {int} turns")]
async fn continue_conversation(w: &mut FailoverWorld, model: String, turns: usize) -> Result<(), String> {
    w.scene.continue_conversation(&model, turns).await
}
