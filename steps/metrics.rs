//! Steps on the gateway's Prometheus metrics and the fallback activation rate.
use cucumber::{given, then};
use failover_conformance::{checks, draft};

use super::FailoverWorld;

#[given(
    expr = "the fallback activation rate is watched over {int} ms, with a warning from {float}% and an alert above {float}%, once {int} requests are in"
)]
async fn watched(w: &mut FailoverWorld, window: u64, warning: f64, alert: f64, min: u32) -> Result<(), String> {
    w.scene.watch_fallback_rate(draft::fallback_rate(window, warning, alert, min))
}

#[then(expr = "the metrics show a fallback activation rate of {float}% for {string}, at level {word}")]
async fn rate(w: &mut FailoverWorld, percent: f64, model: String, level: String) -> Result<(), String> {
    checks::metrics::fallback_rate(&w.scene.scrape().await?, &model, percent, &level)
}

#[then(expr = "the gateway's events show the fallback activation rate of {string} going from {word} to {word}")]
async fn rate_logged(w: &mut FailoverWorld, model: String, from: String, to: String) -> Result<(), String> {
    checks::metrics::level_change_logged(&w.scene.events().await?, &model, &from, &to)
}

#[then(expr = "the metrics count {int} request(s) for {string} served by {string} with outcome {word}")]
async fn requests(
    w: &mut FailoverWorld,
    n: u32,
    model: String,
    provider: String,
    outcome: String,
) -> Result<(), String> {
    let labels = [("model", model.as_str()), ("provider", provider.as_str()), ("outcome", outcome.as_str())];
    checks::metrics::counted(&w.scene.scrape().await?, "requests", &labels, f64::from(n))
}

#[then(expr = "the metrics count {int} failover(s) for {string} from {string} after {word}")]
async fn failovers(
    w: &mut FailoverWorld,
    n: u32,
    model: String,
    provider: String,
    class: String,
) -> Result<(), String> {
    let labels = [("model", model.as_str()), ("provider", provider.as_str()), ("class", class.as_str())];
    checks::metrics::counted(&w.scene.scrape().await?, "failovers", &labels, f64::from(n))
}

#[then(expr = "the metrics show the breaker of {string} for {string} {word} and that of {string} {word}")]
async fn breakers(
    w: &mut FailoverWorld,
    a: String,
    model: String,
    a_state: String,
    b: String,
    b_state: String,
) -> Result<(), String> {
    let scrape = w.scene.scrape().await?;
    checks::metrics::breaker_state(&scrape, &model, &a, &a_state)?;
    checks::metrics::breaker_state(&scrape, &model, &b, &b_state)
}

#[then(expr = "the metrics count {int} request durations for {string}")]
async fn durations(w: &mut FailoverWorld, n: u32, model: String) -> Result<(), String> {
    checks::metrics::durations(&w.scene.scrape().await?, &model, f64::from(n))
}

#[then(
    expr = "the metrics show a health score of at least {float} for {string} of {string} and below {float} for {string}"
)]
async fn scores(
    w: &mut FailoverWorld,
    low: f64,
    worse: String,
    model: String,
    high: f64,
    healthy: String,
) -> Result<(), String> {
    checks::metrics::scores(&w.scene.scrape().await?, &model, (&worse, low), (&healthy, high))
}
