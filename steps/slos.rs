//! Steps on service level objectives (capability `slos`).
use cucumber::{given, then};
use failover_conformance::checks::slo::{self as check, Expected};
use failover_conformance::context;

use super::FailoverWorld;
use super::params::{Breach, SloTargets};

#[given(expr = "SLO {string} of {string} over {int} ms sets {slo_targets}, judged from {int} requests")]
async fn slo(
    w: &mut FailoverWorld,
    id: String,
    model: String,
    window: u64,
    t: SloTargets,
    min: u32,
) -> Result<(), String> {
    w.scene.slo(&id, &model, window, min, t.0)
}

#[then(expr = "SLO {string} reads {word} {breach} at {float} with burn rate {float} over {int} samples")]
async fn reads(
    w: &mut FailoverWorld,
    id: String,
    o: String,
    b: Breach,
    at: f64,
    burn: f64,
    n: u64,
) -> Result<(), String> {
    let expected = Expected { breached: b.0, current: Some(at), burn_rate: burn, samples: n };
    check::reads(&w.scene.slos().await?, &id, &o, expected)
}

#[then(expr = "SLO {string} reads {word} {breach} with burn rate {float} over {int} samples")]
async fn reads_burn(w: &mut FailoverWorld, id: String, o: String, b: Breach, burn: f64, n: u64) -> Result<(), String> {
    let expected = Expected { breached: b.0, current: None, burn_rate: burn, samples: n };
    check::reads(&w.scene.slos().await?, &id, &o, expected)
}

#[then(expr = "SLO {string} reads {word} at {int} ms or more")]
async fn reads_at_least(w: &mut FailoverWorld, id: String, objective: String, ms: u64) -> Result<(), String> {
    check::reads_at_least(&w.scene.slos().await?, &id, &objective, ms as f64)
}

#[then(expr = "SLO {string} of {string} lists only {slo_targets} over a {int} ms window")]
async fn lists(w: &mut FailoverWorld, id: String, model: String, t: SloTargets, window: u64) -> Result<(), String> {
    check::lists(&w.scene.slos().await?, &id, &model, window, &t.0.named())
}

#[then(expr = "the gateway's events show SLO {string} of {string} breached on {word}, once")]
async fn breach_event(w: &mut FailoverWorld, id: String, model: String, objective: String) -> Result<(), String> {
    check::breached_once(&w.scene.events().await?, &id, &model, &objective)
}

#[then(
    expr = "within {int} ms the gateway's events show SLO {string} of {string} recovering on {word} {int} ms after the first request was counted, with {int} ms of tolerance"
)]
async fn recovery_event(
    w: &mut FailoverWorld,
    within: u64,
    id: String,
    model: String,
    objective: String,
    after: u64,
    tolerance: u64,
) -> Result<(), String> {
    let (within, tolerance) = (context::tolerance(within), context::tolerance(tolerance).as_secs_f64() * 1e3);
    let recovered = |events: &[serde_json::Value]| {
        check::recovered_after(events, (&id, &model), &objective, after as f64, tolerance)
    };
    w.scene.until_events(within, recovered).await
}

#[then(expr = "the metrics show SLO {string} {breach} on {word} with burn rate {float}")]
async fn gauges(w: &mut FailoverWorld, id: String, b: Breach, objective: String, burn: f64) -> Result<(), String> {
    check::gauges(&w.scene.scrape().await?, &id, &objective, b.0, burn)
}
