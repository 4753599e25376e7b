//! Steps that shape the gateway's config before it starts.
use cucumber::given;

use failover_conformance::draft;

use super::FailoverWorld;
use super::params::{Chain, Numbers};

#[given(expr = "model {string} is served by {chain}")]
async fn route(w: &mut FailoverWorld, model: String, chain: Chain) -> Result<(), String> {
    w.scene.route(&model, chain.0).await
}

#[given(expr = "requests for model {string} that a provider's content policy refuses go to {chain}")]
async fn content_policy_chain(w: &mut FailoverWorld, model: String, chain: Chain) -> Result<(), String> {
    w.scene.content_policy_chain(&model, chain.0).await
}

#[given(expr = "the chain of model {string} also names the unconfigured provider {string}")]
async fn route_to_ghost(w: &mut FailoverWorld, model: String, ghost: String) -> Result<(), String> {
    w.scene.add_unconfigured_provider(&model, &ghost)
}

#[given(expr = "each provider gets {int} attempt(s) per request")]
async fn attempts_per_request(w: &mut FailoverWorld, attempts: u32) -> Result<(), String> {
    w.scene.policy()?.retry.max_attempts = attempts;
    Ok(())
}

#[given(expr = "each provider gets {int} attempts per request with backoff between {int} ms and {int} ms")]
async fn attempts_with_backoff(w: &mut FailoverWorld, attempts: u32, base: u64, cap: u64) -> Result<(), String> {
    let retry = &mut w.scene.policy()?.retry;
    (retry.max_attempts, retry.backoff_base_ms, retry.backoff_cap_ms) = (attempts, base, cap);
    Ok(())
}

#[given(expr = "each attempt times out after {int} ms")]
async fn attempt_timeout(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    w.scene.policy()?.attempt_timeout_ms = ms;
    Ok(())
}

#[given(expr = "each request times out after {int} ms")]
async fn request_timeout(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    w.scene.policy()?.request_timeout_ms = ms;
    Ok(())
}

#[given(expr = "a Retry-After of at most {int} ms is waited for")]
async fn retry_after_cap(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    w.scene.policy()?.retry.retry_after_cap_ms = ms;
    Ok(())
}

#[given(expr = "the breaker opens when {int}% of at least {int} calls in {int} ms fail, for {int} ms")]
async fn breaker(w: &mut FailoverWorld, percent: u32, min_calls: u32, window: u64, open: u64) -> Result<(), String> {
    draft::breaker(&mut w.scene.policy()?.breaker, percent, min_calls, window, open);
    Ok(())
}

#[given(expr = "the breaker opens when {int}% of at least {int} calls in {int} ms fail, for {int} ms each time")]
async fn breaker_flat(
    w: &mut FailoverWorld,
    percent: u32,
    min_calls: u32,
    window: u64,
    open: u64,
) -> Result<(), String> {
    draft::breaker(&mut w.scene.policy()?.breaker, percent, min_calls, window, open);
    w.scene.policy()?.breaker.open_max_ms = open;
    Ok(())
}

#[given(expr = "{word} opens the breaker at {int}% of calls")]
async fn class_threshold(w: &mut FailoverWorld, class: String, percent: u32) -> Result<(), String> {
    draft::class_threshold(&mut w.scene.policy()?.breaker, &class, percent)
}

#[given(expr = "the breaker's open period grows to at most {int} ms")]
async fn open_period_cap(w: &mut FailoverWorld, cap: u64) -> Result<(), String> {
    w.scene.policy()?.breaker.open_max_ms = cap;
    Ok(())
}

#[given(expr = "requests are limited to {int} bytes")]
async fn body_limit(w: &mut FailoverWorld, bytes: u64) -> Result<(), String> {
    w.scene.limit_body(bytes)
}

#[given(expr = "model {string} is not idempotent")]
async fn not_idempotent(w: &mut FailoverWorld, model: String) -> Result<(), String> {
    w.scene.set_idempotent(&model, false)
}

#[given(expr = "a stream's first event must arrive within {int} ms")]
async fn first_byte_timeout(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    w.scene.policy()?.streaming.first_byte_timeout_ms = Some(ms);
    Ok(())
}

#[given(expr = "a stream times out after {int} ms of silence")]
async fn stream_idle_timeout(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    w.scene.policy()?.streaming.idle_timeout_ms = ms;
    Ok(())
}

#[given(expr = "retries are limited to a budget of {int} retries, refilled by {int}% of requests and {int} per second")]
async fn retry_budget(w: &mut FailoverWorld, capacity: u32, percent: u32, per_sec: u32) -> Result<(), String> {
    w.scene.policy()?.retry.budget = Some(draft::retry_budget(capacity, percent, per_sec));
    Ok(())
}

#[given(expr = "the context windows of model {string}'s chain are {numbers} tokens")]
async fn context_windows(w: &mut FailoverWorld, model: String, windows: Numbers) -> Result<(), String> {
    w.scene.set_context_windows(&model, &windows.0)
}

#[given(expr = "a half-open breaker admits {int} probe(s), each given at most {int} ms")]
async fn half_open_probes(w: &mut FailoverWorld, probes: u32, ms: u64) -> Result<(), String> {
    let breaker = &mut w.scene.policy()?.breaker;
    (breaker.half_open_probes, breaker.probe_timeout_ms) = (probes, Some(ms));
    Ok(())
}

#[given(expr = "traffic fails back at once, without a ramp")]
async fn no_ramp(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.policy()?.failback = failover_contract::FailbackConfig::Immediate;
    Ok(())
}

#[given(expr = "answers to an Idempotency-Key are replayed for {int} ms")]
async fn idempotency_window(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    w.scene.policy()?.idempotency.window_ms = ms;
    Ok(())
}

#[given(
    expr = "health scoring drains a provider at a score of {float}, from at least {int} samples in {int} ms, against the mean latency of its first {int} answers, looking {int} ms ahead"
)]
async fn health(
    w: &mut FailoverWorld,
    score: f64,
    samples: u32,
    window: u64,
    baseline: u32,
    horizon: u64,
) -> Result<(), String> {
    draft::health(w.scene.policy()?, score, samples, window, baseline, horizon);
    Ok(())
}

#[given(
    expr = "the health weights are {float} for the error rate, {float} for latency, {float} for p95, {float} for the latency trend, {float} for the error trend and {float} for headroom"
)]
async fn health_weights(w: &mut FailoverWorld, e: f64, l: f64, p: f64, lt: f64, et: f64, h: f64) -> Result<(), String> {
    draft::health_weights(w.scene.policy()?, [e, l, p, lt, et, h]);
    Ok(())
}

#[given(expr = "in the health error rate a rate limit counts {float} and a server error {float}")]
async fn class_weights(w: &mut FailoverWorld, rate_limited: f64, server_error: f64) -> Result<(), String> {
    let weights = &mut w.scene.policy()?.health.get_or_insert_with(Default::default).class_weights;
    (weights.rate_limited, weights.server_error) = (rate_limited, server_error);
    Ok(())
}

#[given(
    expr = "the health thresholds are an error rate of {int}%, latency at {float} times the baseline, p95 at {float} times the baseline and {int}% of the rate limit used"
)]
async fn health_thresholds(w: &mut FailoverWorld, e: u32, l: f64, p: f64, h: u32) -> Result<(), String> {
    draft::health_thresholds(w.scene.policy()?, [f64::from(e) / 100.0, l, p, f64::from(h) / 100.0]);
    Ok(())
}
