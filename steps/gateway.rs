//! Steps that look at the gateway itself: health, start-up, decision events.
use cucumber::then;
use failover_conformance::checks::{self, events};
use failover_conformance::context;

use super::FailoverWorld;

#[then(expr = "the gateway reports healthy")]
async fn healthy(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.healthy().await
}

#[then(expr = "the gateway refuses to start, naming {string}")]
async fn refuses_to_start(w: &mut FailoverWorld, field: String) -> Result<(), String> {
    checks::refused_to_start(w.scene.start_error(), &field)
}

#[then(
    expr = "the gateway's events show the breaker of {string} for model {string} opening at a failure rate of at least {int}% over at least {int} calls"
)]
async fn breaker_opened(
    w: &mut FailoverWorld,
    provider: String,
    model: String,
    percent: u64,
    calls: u64,
) -> Result<(), String> {
    events::breaker_opened(&w.scene.events().await?, &provider, &model, percent, calls)
}

#[then(expr = "the gateway's events show the breaker of {string} for model {string} opening on {word} alone")]
async fn breaker_opened_for_class(
    w: &mut FailoverWorld,
    provider: String,
    model: String,
    class: String,
) -> Result<(), String> {
    events::breaker_opened_for_class(&w.scene.events().await?, &provider, &model, &class)
}

#[then(expr = "the gateway's events show requests for model {string} skipping {string}")]
async fn requests_skipping(w: &mut FailoverWorld, model: String, provider: String) -> Result<(), String> {
    events::requests_skipped(&w.scene.events().await?, &model, &provider)
}

#[then(expr = "the gateway's events show a failback to {string} for model {string}")]
async fn failback(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    events::failed_back(&w.scene.events().await?, &provider, &model)
}

#[then(expr = "the gateway's events show the request served by {string} after a failed attempt on {string}")]
async fn served_after_failure(w: &mut FailoverWorld, served: String, failed: String) -> Result<(), String> {
    events::served_after_failure(&w.scene.events().await?, &served, &failed, None)
}

#[then(expr = "the gateway's events show the request served by {string} after a {word} on {string}")]
async fn served_after_class(
    w: &mut FailoverWorld,
    served: String,
    class: String,
    failed: String,
) -> Result<(), String> {
    events::served_after_failure(&w.scene.events().await?, &served, &failed, Some(&class))
}

#[then(expr = "the gateway's events for {string} on model {string} agree with the switches the client saw")]
async fn events_agree(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    let (log, journal) = (w.scene.events().await?, w.scene.existing_provider(&provider)?.journal());
    events::agree_with_switches(&log, w.scene.exchanges(), &journal, &provider, &model)
}

#[then(
    expr = "the gateway's events show the probe of {string} for model {string} timed out within {int} ms of entering half-open, with {int} ms of tolerance"
)]
async fn probe_timed_out(
    w: &mut FailoverWorld,
    provider: String,
    model: String,
    bound: u64,
    tolerance: u64,
) -> Result<(), String> {
    let (bound, tolerance) = (std::time::Duration::from_millis(bound), context::tolerance(tolerance));
    events::probe_timed_out_within(&w.scene.events().await?, &provider, &model, bound, tolerance)
}

#[then(expr = "the gateway's events explain the drain of {string} for model {string} by its health score")]
async fn drain_explained(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    let horizon = w.scene.config().policy.health.map_or(0.0, |h| h.trend_horizon_ms as f64);
    checks::health::drain_explained(&w.scene.events().await?, &provider, &model, horizon)
}
