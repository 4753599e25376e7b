//! Steps that inject faults into mock providers, or take them away.
use std::time::Duration;

use cucumber::{given, when};
use failover_conformance::mock::Schedule;

use super::FailoverWorld;
use super::params::FaultWords;

async fn fail(w: &mut FailoverWorld, provider: &str, fault: FaultWords, schedule: Schedule) -> Result<(), String> {
    let p = w.scene.provider(provider).await?;
    p.fail(fault.0, schedule).await.map_err(|e| format!("cannot inject the fault: {e}"))
}

#[given(expr = "provider {string} fails every request with {fault}")]
#[when(expr = "provider {string} fails every request with {fault}")]
async fn fails_always(w: &mut FailoverWorld, provider: String, fault: FaultWords) -> Result<(), String> {
    fail(w, &provider, fault, Schedule::Always).await
}

#[given(expr = "provider {string} fails the next {int} request(s) with {fault}")]
async fn fails_next(w: &mut FailoverWorld, provider: String, n: u32, fault: FaultWords) -> Result<(), String> {
    fail(w, &provider, fault, Schedule::Next(n)).await
}

#[given(expr = "provider {string} fails 1 request in {int} with {fault}")]
#[when(expr = "provider {string} fails 1 request in {int} with {fault}")]
async fn fails_every_nth(w: &mut FailoverWorld, provider: String, n: u32, fault: FaultWords) -> Result<(), String> {
    fail(w, &provider, fault, Schedule::EveryNth { n, seen: 0 }).await
}

#[given(expr = "provider {string} fails {int}% of requests with {fault}, seeded {int}")]
async fn fails_randomly(
    w: &mut FailoverWorld,
    provider: String,
    percent: u32,
    fault: FaultWords,
    seed: u64,
) -> Result<(), String> {
    let schedule = Schedule::Probability { p: f64::from(percent) / 100.0, rng: fastrand::Rng::with_seed(seed) };
    fail(w, &provider, fault, schedule).await
}

#[given(expr = "provider {string} answers after {int} ms")]
#[when(expr = "provider {string} answers after {int} ms")]
async fn slow(w: &mut FailoverWorld, provider: String, ms: u64) -> Result<(), String> {
    w.scene.provider(&provider).await?.set_latency(Duration::from_millis(ms));
    Ok(())
}

#[when(expr = "provider {string} recovers")]
async fn recovers(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    let p = w.scene.existing_provider(&provider)?;
    p.recover().await.map_err(|e| format!("cannot recover provider \"{provider}\": {e}"))
}

#[given(expr = "provider {string} fails every request with {fault} after {int} requests")]
async fn fails_after(w: &mut FailoverWorld, provider: String, fault: FaultWords, ok: u32) -> Result<(), String> {
    fail(w, &provider, fault, Schedule::After { ok }).await
}

#[given(expr = "provider {string} fails in the pattern {string} with {fault}")]
async fn fails_in_pattern(
    w: &mut FailoverWorld,
    provider: String,
    pattern: String,
    fault: FaultWords,
) -> Result<(), String> {
    fail(w, &provider, fault, Schedule::pattern(&pattern, true)?).await
}

#[given(expr = "provider {string} fails in the pattern {string} with {fault} once, then recovers")]
async fn fails_in_pattern_once(
    w: &mut FailoverWorld,
    provider: String,
    pattern: String,
    fault: FaultWords,
) -> Result<(), String> {
    fail(w, &provider, fault, Schedule::pattern(&pattern, false)?).await
}

#[given(expr = "provider {string} fails every request with {fault} for {int} ms out of every {int} ms")]
async fn fails_by_time(
    w: &mut FailoverWorld,
    provider: String,
    fault: FaultWords,
    failing: u64,
    period: u64,
) -> Result<(), String> {
    fail(w, &provider, fault, Schedule::duty(Duration::from_millis(failing), Duration::from_millis(period))).await
}

#[given(expr = "provider {string} streams {int} chunks {int} ms apart")]
async fn stream_shape(w: &mut FailoverWorld, provider: String, chunks: usize, ms: u64) -> Result<(), String> {
    let shape = failover_conformance::mock::StreamShape { chunks, delay: Duration::from_millis(ms) };
    w.scene.provider(&provider).await?.set_stream_shape(shape);
    Ok(())
}

#[given(expr = "provider {string} fails the next {int} request(s) with {fault}, then every request with {fault}")]
async fn fails_then(
    w: &mut FailoverWorld,
    provider: String,
    n: u32,
    first: FaultWords,
    then: FaultWords,
) -> Result<(), String> {
    w.scene.provider(&provider).await?.fail_then(n, first.0, then.0)
}

#[given(expr = "provider {string} answers in {int} ms at first, slowing by {int} ms every second")]
async fn slowing(w: &mut FailoverWorld, provider: String, ms: u64, per_sec: u32) -> Result<(), String> {
    w.scene.provider(&provider).await?.set_slowing(Duration::from_millis(ms), f64::from(per_sec));
    Ok(())
}

#[given(expr = "provider {string} reports {int} of {int} requests used in its rate limit")]
async fn rate_limit(w: &mut FailoverWorld, provider: String, used: u64, limit: u64) -> Result<(), String> {
    w.scene.provider(&provider).await?.set_rate_limit(limit.saturating_sub(used), limit);
    Ok(())
}
