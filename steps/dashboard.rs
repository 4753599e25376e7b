//! Steps on the dashboard's stream (capability `dashboard`).
use std::time::Duration;

use cucumber::{then, when};
use failover_conformance::context::tolerance;
use failover_conformance::dashboard::{self, Watch};

use super::FailoverWorld;

#[when(expr = "the dashboard stream is being watched")]
async fn watched(w: &mut FailoverWorld) -> Result<(), String> {
    w.dashboard = Some(Watch::open(&mut w.scene, tolerance(2_000)).await?);
    Ok(())
}

#[then(
    expr = "the dashboard stream showed {string} of {string} {word} within {int} ms of the last request, with the breaker's decision"
)]
async fn showed(w: &mut FailoverWorld, provider: String, model: String, state: String, ms: u64) -> Result<(), String> {
    let (watch, from) = (w.dashboard.as_ref().ok_or("the dashboard stream is not watched")?, w.scene.last()?.started);
    let bound = tolerance(ms);
    let after = watch
        .until(bound + Duration::from_millis(100), |got| {
            dashboard::shown(got, from, bound, (&model, &provider, &state))
        })
        .await?;
    w.scene.measure("dashboard_shown_after", after.as_secs_f64() * 1e3, "ms");
    Ok(())
}
