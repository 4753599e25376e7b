//! Steps that send load and watch what the gateway holds (cases
//! TC_R752_FAILOVER_011 and 012).
use std::time::Duration;

use cucumber::{given, then, when};
use failover_conformance::load::Load;
use failover_conformance::{checks, context};

use super::FailoverWorld;
use super::params::FaultWords;

#[when(expr = "the client sends {int} chat completions for {string}, {int} at a time")]
async fn load(w: &mut FailoverWorld, total: usize, model: String, concurrency: usize) -> Result<(), String> {
    w.scene.send_load(&model, Load { concurrency, total, stream_every: 0, duration: None }).await
}

#[when(expr = "the gateway's open descriptors and memory are sampled as {string}")]
async fn sample(w: &mut FailoverWorld, name: String) -> Result<(), String> {
    w.scene.sample_usage(&name).await.map(drop)
}

#[then(expr = "every request sent under load was served")]
async fn all_served(w: &mut FailoverWorld) -> Result<(), String> {
    checks::load::all_served(&w.scene.shots)
}

#[then(
    expr = "at {string} the gateway held at most {int} more open descriptors and {int} MiB more memory than at {string}"
)]
async fn flat(w: &mut FailoverWorld, now: String, fds: usize, mib: u64, base: String) -> Result<(), String> {
    let sampled = |name: &str| w.scene.usage.get(name).copied().ok_or(format!("nothing was sampled as \"{name}\""));
    checks::load::usage_within((&base, &now), sampled(&base)?, sampled(&now)?, fds, mib)
}

#[when(
    expr = "the client keeps {int} requests in flight for {string} for {int} ms, every {int}th streamed, while provider {string} fails with {fault} from {int} ms to {int} ms"
)]
#[allow(clippy::too_many_arguments)]
async fn load_through(
    w: &mut FailoverWorld,
    concurrency: usize,
    model: String,
    ms: u64,
    stream_every: usize,
    provider: String,
    fault: FaultWords,
    from: u64,
    to: u64,
) -> Result<(), String> {
    failover_conformance::limits::open_files_at_least(concurrency as u64 * 5)?;
    let load = Load { concurrency, total: usize::MAX, stream_every, duration: Some(Duration::from_millis(ms)) };
    let window = (Duration::from_millis(from), Duration::from_millis(to));
    w.scene.send_load_through(&model, load, &provider, fault.0, window).await
}

#[then(
    expr = "the p99 latency while the provider failed, and after, was at most {int} times that before, plus {int} ms"
)]
async fn tail(w: &mut FailoverWorld, factor: u32, slack: u64) -> Result<(), String> {
    let phases = checks::load::phases(&w.scene.shots, w.scene.fault_window()?)?;
    for phase in &phases {
        w.scene.measure(&format!("{}_requests", phase.name), phase.requests as f64, "count");
        w.scene.measure(&format!("{}_served", phase.name), phase.served, "ratio");
        w.scene.measure(&format!("{}_p50", phase.name), phase.p50.as_secs_f64() * 1e3, "ms");
        w.scene.measure(&format!("{}_p99", phase.name), phase.p99.as_secs_f64() * 1e3, "ms");
    }
    checks::load::tail_within(&phases, factor, context::tolerance(slack))
}

#[then(expr = "every request sent under load was either served or shed with 503 and a Retry-After, some of each")]
async fn shed(w: &mut FailoverWorld) -> Result<(), String> {
    let (served, shed) = checks::load::shed_cleanly(&w.scene.shots)?;
    w.scene.measure("served", served as f64, "count");
    w.scene.measure("shed", shed as f64, "count");
    Ok(())
}

#[given(expr = "a provider is stalled once {int} of its attempts have each waited {int} ms while it answered nothing")]
async fn stall(w: &mut FailoverWorld, attempts: u32, after_ms: u64) -> Result<(), String> {
    w.scene.policy()?.stall = Some(failover_contract::StallConfig { after_ms, attempts });
    Ok(())
}

#[given(expr = "the gateway serves at most {int} requests at once, with {int} more waiting at most {int} ms")]
async fn bounded(w: &mut FailoverWorld, in_flight: u32, queued: u32, wait_ms: u64) -> Result<(), String> {
    w.scene.bound_load(in_flight, queued, wait_ms)
}

#[given(expr = "the gateway sends provider {string} at most {int} requests at once")]
async fn provider_bounded(w: &mut FailoverWorld, provider: String, in_flight: u32) -> Result<(), String> {
    w.scene.bound_provider(&provider, in_flight).await
}

#[then(expr = "provider {string} never had more than {int} requests in flight, each taking {int} ms")]
async fn in_flight_at_most(w: &mut FailoverWorld, provider: String, max: usize, ms: u64) -> Result<(), String> {
    let journal = w.scene.existing_provider(&provider)?.journal();
    checks::load::in_flight_at_most(&provider, &journal, max, Duration::from_millis(ms))
}
