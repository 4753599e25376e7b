//! Steps that check what the client got back.
use std::time::Duration;

use cucumber::then;
use failover_conformance::{checks, context};

use super::FailoverWorld;
use super::params::Bound;

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
    checks::came_from(w.scene.last()?, w.scene.existing_provider(&provider)?)
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

#[then(expr = "the response arrived within {bound}, with {int} ms of tolerance")]
async fn last_latency(w: &mut FailoverWorld, bound: Bound, tolerance: u64) -> Result<(), String> {
    let bound = bound.of(&w.scene)?;
    checks::latency_within(std::slice::from_ref(w.scene.last()?), bound, context::tolerance(tolerance))
}

#[then(expr = "every response in the latest step arrived within {bound}, with {int} ms of tolerance")]
async fn batch_latency(w: &mut FailoverWorld, bound: Bound, tolerance: u64) -> Result<(), String> {
    let bound = bound.of(&w.scene)?;
    checks::latency_within(w.scene.batch(), bound, context::tolerance(tolerance))
}

#[then(expr = "the response's latency is kept as {string}")]
async fn keep_latency(w: &mut FailoverWorld, name: String) -> Result<(), String> {
    w.scene.keep_latency(&name)
}

#[then(expr = "the stream was complete, ending with [DONE]")]
async fn stream_complete(w: &mut FailoverWorld) -> Result<(), String> {
    checks::stream::complete(w.scene.last()?)
}

#[then(expr = "the stream ended with an error event and no [DONE]")]
async fn stream_error(w: &mut FailoverWorld) -> Result<(), String> {
    checks::stream::ended_with_error(w.scene.last()?)
}

#[then(expr = "every chunk of the stream came from {string}")]
async fn stream_from(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::stream::all_chunks_from(w.scene.last()?, &provider)
}

#[then(expr = "the stream carried {int} content chunk(s)")]
async fn stream_chunks(w: &mut FailoverWorld, n: usize) -> Result<(), String> {
    checks::stream::content_chunks(w.scene.last()?, n)
}

#[then(expr = "the stream's chunks arrived as they were sent, over at least {int} ms")]
async fn stream_incremental(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    checks::stream::arrived_incrementally(w.scene.last()?, Duration::from_millis(ms))
}

#[then(expr = "the stream ended within {int} ms of its last chunk, with {int} ms of tolerance")]
async fn stream_end_bound(w: &mut FailoverWorld, bound: u64, tolerance: u64) -> Result<(), String> {
    let bound = Duration::from_millis(bound) + context::tolerance(tolerance);
    checks::stream::ended_within_of_last_chunk(w.scene.last()?, bound)
}

#[then(expr = "the stream's first event arrived within {bound}, with {int} ms of tolerance")]
async fn stream_first_event(w: &mut FailoverWorld, bound: Bound, tolerance: u64) -> Result<(), String> {
    let bound = bound.of(&w.scene)? + context::tolerance(tolerance);
    checks::stream::first_event_within(w.scene.last()?, bound)
}

#[then(expr = "the responses that skipped {string} arrived within {bound} at the median, with {int} ms of tolerance")]
async fn skipped_median(w: &mut FailoverWorld, provider: String, bound: Bound, tolerance: u64) -> Result<(), String> {
    let (bound, tolerance) = (bound.of(&w.scene)?, context::tolerance(tolerance));
    w.scene.median_skipping_within(&provider, bound, tolerance)
}

#[then(expr = "the last {int} responses are identical")]
async fn identical(w: &mut FailoverWorld, n: usize) -> Result<(), String> {
    checks::identical_answers(w.scene.exchanges(), n)
}

#[then(expr = "the response's model and usage are those provider {string} answered")]
async fn accounted(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::accounted_to(w.scene.last()?, w.scene.existing_provider(&provider)?)
}

#[then(expr = "the response headers say it was served by {string} after {int} attempts")]
async fn attempt_headers(w: &mut FailoverWorld, provider: String, attempts: u32) -> Result<(), String> {
    checks::attempt_headers(w.scene.last()?, &provider, attempts)
}

#[then(expr = "the last {int} responses were served by {string}")]
async fn last_n_served(w: &mut FailoverWorld, n: usize, provider: String) -> Result<(), String> {
    checks::last_served_by(w.scene.exchanges(), n, &provider)
}
