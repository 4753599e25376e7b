//! Steps that check what the client got back.
use std::time::Duration;

use cucumber::then;
use failover_conformance::checks;

use super::FailoverWorld;

#[then(expr = "all {int} responses have status {int}")]
async fn batch_status(w: &mut FailoverWorld, n: usize, status: u16) -> Result<(), String> {
    checks::batch_size(w.scene.batch(), n)?;
    checks::all_status(w.scene.batch(), status)
}

#[then(expr = "all {int} responses were served by {string}")]
async fn batch_served(w: &mut FailoverWorld, n: usize, provider: String) -> Result<(), String> {
    checks::batch_size(w.scene.batch(), n)?;
    checks::all_served_by(w.scene.batch(), &provider)
}

#[then(expr = "every response has status {int}")]
async fn every_status(w: &mut FailoverWorld, status: u16) -> Result<(), String> {
    checks::all_status(w.scene.exchanges(), status)
}

#[then(expr = "every response was served by {string}")]
async fn every_served(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::all_served_by(w.scene.exchanges(), &provider)
}

#[then(expr = "at least {int}% of the responses were served by {string}")]
async fn share_served(w: &mut FailoverWorld, percent: u32, provider: String) -> Result<(), String> {
    checks::share_served_by(w.scene.batch(), &provider, percent)
}

#[then(expr = "the response has status {int}")]
async fn last_status(w: &mut FailoverWorld, status: u16) -> Result<(), String> {
    checks::all_status(std::slice::from_ref(w.scene.last()?), status)
}

#[then(expr = "the response was served by {string}")]
async fn last_served(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::all_served_by(std::slice::from_ref(w.scene.last()?), &provider)
}

#[then(expr = "the response came from {string}")]
async fn came_from(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    let last = w.scene.last()?;
    if (200..300).contains(&last.status) {
        checks::all_served_by(std::slice::from_ref(last), &provider)
    } else {
        checks::relayed_unchanged(last, w.scene.existing_provider(&provider)?)
    }
}

#[then(expr = "the response is an OpenAI error with code {string}")]
async fn openai_error(w: &mut FailoverWorld, code: String) -> Result<(), String> {
    checks::openai_error(w.scene.last()?, &code).map(drop)
}

#[then(expr = "the error message mentions {string}")]
async fn mentions(w: &mut FailoverWorld, word: String) -> Result<(), String> {
    checks::error_mentions(w.scene.last()?, &[&word])
}

#[then(expr = "the error message mentions {string} and {string}")]
async fn mentions_both(w: &mut FailoverWorld, first: String, second: String) -> Result<(), String> {
    checks::error_mentions(w.scene.last()?, &[&first, &second])
}

#[then(expr = "the response has a Retry-After header between {int} and {int} seconds")]
async fn retry_after(w: &mut FailoverWorld, min: u64, max: u64) -> Result<(), String> {
    checks::retry_after_between(w.scene.last()?, min, max)
}

#[then(expr = "the response arrived within {int} ms, with {int} ms of tolerance")]
async fn last_latency(w: &mut FailoverWorld, bound: u64, tolerance: u64) -> Result<(), String> {
    let (bound, tolerance) = (Duration::from_millis(bound), Duration::from_millis(tolerance));
    checks::latency_within(std::slice::from_ref(w.scene.last()?), bound, tolerance)
}

#[then(expr = "every response in the latest step arrived within {int} ms, with {int} ms of tolerance")]
async fn batch_latency(w: &mut FailoverWorld, bound: u64, tolerance: u64) -> Result<(), String> {
    let (bound, tolerance) = (Duration::from_millis(bound), Duration::from_millis(tolerance));
    checks::latency_within(w.scene.batch(), bound, tolerance)
}
