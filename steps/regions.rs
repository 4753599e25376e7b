//! Steps of regions and latency-aware routing (case TC_R752_FAILOVER_013).
use std::time::Duration;

use cucumber::{given, then};
use failover_conformance::checks;
use failover_contract::{LatencyRoutingConfig, RegionOutageConfig};

use super::FailoverWorld;

#[given(expr = "provider {string} is in region {string}, {int} ms away")]
async fn placed(w: &mut FailoverWorld, provider: String, region: String, ms: u64) -> Result<(), String> {
    w.scene.place(&provider, &region, Duration::from_millis(ms)).await
}

#[given(
    expr = "among providers of equal priority the fastest leads, measured on {int} answers each and overtaken only by one {int}% faster"
)]
async fn nearest(w: &mut FailoverWorld, min_samples: u32, margin: u32) -> Result<(), String> {
    let margin = f64::from(margin) / 100.0;
    w.scene.policy()?.latency_routing = Some(LatencyRoutingConfig { weight: 0.3, margin, min_samples });
    Ok(())
}

#[given(expr = "a region is taken out when {int} of its providers fail within {int} ms")]
async fn region_outage(w: &mut FailoverWorld, suspect_after: u32, within_ms: u64) -> Result<(), String> {
    w.scene.policy()?.region_outage = Some(RegionOutageConfig { suspect_after, within_ms });
    Ok(())
}

#[then(expr = "the serving provider changed at most {int} times")]
async fn changes(w: &mut FailoverWorld, max: usize) -> Result<(), String> {
    checks::regions::changes_at_most(w.scene.exchanges(), max)
}

#[then(expr = "at most {int} providers of region {string} failed a client request, and the rest were skipped")]
async fn region_skipped(w: &mut FailoverWorld, at_most: usize, region: String) -> Result<(), String> {
    let journals = w.scene.region_journals(&region)?;
    checks::regions::region_skipped_after(&region, &journals, at_most)
}

#[then(expr = "serving from region {string} instead of {string} cost clients at least {int} ms at the median")]
async fn region_cost(w: &mut FailoverWorld, far: String, near: String, min: u64) -> Result<(), String> {
    let (far, near, min) = (far.as_str(), near.as_str(), Duration::from_millis(min));
    let cost = checks::regions::region_cost(w.scene.exchanges(), w.scene.regions(), (far, near), min)?;
    w.scene.measure("far_region_cost_median", cost.as_secs_f64() * 1e3, "ms");
    Ok(())
}
