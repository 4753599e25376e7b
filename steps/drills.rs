//! Steps on fire drills (`/admin/drills`, capability `drills`).
use std::time::Duration;

use cucumber::{given, then, when};
use failover_conformance::{checks, context};
use serde_json::Value;

use super::FailoverWorld;

#[when(expr = "the operator starts a drill of {string} failing with {word} for {int} ms")]
async fn start(w: &mut FailoverWorld, provider: String, class: String, ms: u64) -> Result<(), String> {
    w.scene.start_drill(&provider, &class, Duration::from_millis(ms)).await
}

#[given(expr = "a drill of {string} failing with {word} for {int} ms is scheduled by the cron expression {string}")]
async fn scheduled(
    w: &mut FailoverWorld,
    provider: String,
    class: String,
    ms: u64,
    cron: String,
) -> Result<(), String> {
    w.scene.schedule_drill(failover_conformance::draft::drill(&provider, &class, ms, &cron))
}

#[then(expr = "provider {string} received no request while the drill ran")]
async fn untouched(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    let running = w.scene.drill()?.surely_running();
    checks::drills::untouched_during(&w.scene.existing_provider(&provider)?.journal(), &provider, &running)
}

#[then(
    expr = "within {int} ms the drill's report shows every request during it served by a fallback, none failed, the take-over within {int} ms"
)]
async fn report(w: &mut FailoverWorld, within: u64, bound: u64) -> Result<(), String> {
    let path = format!("/admin/drills/{}", w.scene.drill()?.id);
    let bound = context::tolerance(bound);
    let admin = w.scene.admin()?;
    let waited = failover_conformance::wait::until(context::tolerance(within), Duration::from_millis(20), || async {
        checks::drills::report_clean(&admin.get(&path).await?, bound)
    });
    waited.await
}

#[then(
    expr = "the gateway lists a finished scheduled drill of {string} whose report shows every request during it served by a fallback, none failed, the take-over within {int} ms"
)]
async fn scheduled_report(w: &mut FailoverWorld, provider: String, bound: u64) -> Result<(), String> {
    let listing = w.scene.admin()?.get("/admin/drills").await?;
    let drills = listing.get("drills").and_then(Value::as_array).cloned().unwrap_or_default();
    let ours: Vec<&Value> = drills
        .iter()
        .filter(|d| d["provider"] == provider.as_str() && d["scheduled"] == true && d["state"] == "finished")
        .collect();
    let first = ours
        .first()
        .ok_or_else(|| format!("nothing was observed: no finished scheduled drill of \"{provider}\": {listing}"))?;
    checks::drills::report_clean(first, context::tolerance(bound))
}
