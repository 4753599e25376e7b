//! Steps that check what the mock providers received.
use std::time::Duration;

use cucumber::then;
use failover_conformance::checks::{self, Count};
use failover_conformance::context;

use super::FailoverWorld;

#[then(expr = "provider {string} received {int} request(s)")]
async fn received(w: &mut FailoverWorld, provider: String, n: usize) -> Result<(), String> {
    checks::received(w.scene.existing_provider(&provider)?, Count::Exactly(n))
}

#[then(expr = "provider {string} received at most {int} request(s)")]
async fn received_at_most(w: &mut FailoverWorld, provider: String, n: usize) -> Result<(), String> {
    checks::received(w.scene.existing_provider(&provider)?, Count::AtMost(n))
}

#[then(expr = "provider {string} received no requests")]
async fn received_none(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::received(w.scene.existing_provider(&provider)?, Count::Exactly(0))
}

#[then(expr = "provider {string} received each request exactly as the client sent it")]
async fn forwarded_as_sent(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::forwarded_as_sent(w.scene.existing_provider(&provider)?, w.scene.exchanges(), None)
}

#[then(expr = "provider {string} received the client's requests with only the model changed to {string}")]
async fn forwarded_with_model(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    checks::forwarded_as_sent(w.scene.existing_provider(&provider)?, w.scene.exchanges(), Some(&model))
}

#[then(expr = "provider {string} was always called with its own API key")]
async fn own_key(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::used_own_key(w.scene.existing_provider(&provider)?)
}

#[then(
    expr = "provider {string} received no request sooner than {int} ms after a failed one, once it had failed {int} requests"
)]
async fn quiet_after_failures(w: &mut FailoverWorld, provider: String, ms: u64, after: usize) -> Result<(), String> {
    let journal = w.scene.existing_provider(&provider)?.journal();
    checks::quiet_after_failures(&journal, &provider, Duration::from_millis(ms), after)
}

#[then(expr = "provider {string} received {int} requests, at least {int} ms apart")]
async fn received_apart(w: &mut FailoverWorld, provider: String, n: usize, ms: u64) -> Result<(), String> {
    let p = w.scene.existing_provider(&provider)?;
    checks::received(p, Count::Exactly(n))?;
    checks::spaced_at_least(&p.journal(), &provider, Duration::from_millis(ms))
}

#[then(expr = "the providers received {int} request(s) in total")]
async fn total(w: &mut FailoverWorld, n: usize) -> Result<(), String> {
    w.scene.no_strays()?;
    checks::received_in_total(&w.scene.received_by_provider(), n)
}

#[then(expr = "provider {string} received every request")]
async fn received_every(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    let journal = w.scene.existing_provider(&provider)?.journal();
    checks::reached_every(w.scene.exchanges(), &journal, &provider)
}

#[then(expr = "traffic switched away from and back to {string} at most {int} times")]
async fn switch_count(w: &mut FailoverWorld, provider: String, max: usize) -> Result<(), String> {
    let switches = w.scene.switches(&provider)?;
    w.scene.measure("switches", switches.count() as f64, "count");
    checks::routing::switches_at_most(&switches, &provider, max)
}

#[then(expr = "traffic moved away from {string} and back at most once each per {int} ms, with {int} ms of tolerance")]
async fn switch_rate(w: &mut FailoverWorld, provider: String, ms: u64, tolerance: u64) -> Result<(), String> {
    let (period, tolerance) = (Duration::from_millis(ms), context::tolerance(tolerance));
    checks::routing::at_most_one_switch_each_way_per(&w.scene.switches(&provider)?, &provider, period, tolerance)
}

#[then(expr = "traffic came back to {string} only after {int} ms without a request it failed")]
async fn back_after_quiet(w: &mut FailoverWorld, provider: String, ms: u64) -> Result<(), String> {
    let journal = w.scene.existing_provider(&provider)?.journal();
    checks::routing::back_only_after_quiet(w.scene.exchanges(), &journal, &provider, Duration::from_millis(ms))
}

#[then(expr = "provider {string} received at least {int} request(s)")]
async fn received_at_least(w: &mut FailoverWorld, provider: String, n: usize) -> Result<(), String> {
    checks::received(w.scene.existing_provider(&provider)?, Count::AtLeast(n))
}

#[then(expr = "provider {string} received no request once its latency had climbed to {int} ms")]
async fn left_before_latency(w: &mut FailoverWorld, provider: String, ms: u64) -> Result<(), String> {
    checks::health::left_before_latency(w.scene.existing_provider(&provider)?, Duration::from_millis(ms))
}
