//! Steps that look at the gateway itself: health, start-up, decision events.
use cucumber::then;
use failover_conformance::events;
use serde_json::Value;

use super::FailoverWorld;

#[then(expr = "the gateway reports healthy")]
async fn healthy(w: &mut FailoverWorld) -> Result<(), String> {
    let url = format!("{}/healthz", w.scene.gateway_url()?);
    let response = w.scene.http().get(&url).send().await.map_err(|e| format!("GET /healthz failed: {e}"))?;
    match response.status().as_u16() {
        200 => Ok(()),
        other => Err(format!("expected GET /healthz to answer 200, got {other}")),
    }
}

#[then(expr = "the gateway refuses to start, naming {string}")]
async fn refuses_to_start(w: &mut FailoverWorld, field: String) -> Result<(), String> {
    match w.scene.start_error() {
        Some(error) if error.contains(&field) => Ok(()),
        Some(error) => Err(format!("expected the start error to name {field}, it says: {error}")),
        None => Err("expected the gateway to refuse its config, but it started".into()),
    }
}

async fn fetch(w: &FailoverWorld) -> Result<Vec<Value>, String> {
    events::fetch(w.scene.http(), w.scene.gateway_url()?).await
}

#[then(
    expr = "the gateway's events show the breaker of {string} for model {string} opening at a failure rate of at least {int}% over at least {int} calls"
)]
async fn breaker_opened(
    w: &mut FailoverWorld,
    provider: String,
    model: String,
    percent: u64,
    calls: u64,
) -> Result<(), String> {
    let all = fetch(w).await?;
    let opened =
        events::matching(&all, "breaker_transition", &[("provider", &provider), ("model", &model), ("to", "open")]);
    let number = |e: &Value, k: &str| e.get(k).and_then(Value::as_u64).unwrap_or(0);
    opened
        .iter()
        .find(|e| number(e, "calls") >= calls && number(e, "failures") * 100 >= percent * number(e, "calls"))
        .map(drop)
        .ok_or_else(|| format!("expected a breaker_transition to open for \"{provider}\" with at least {calls} calls at {percent}% failures; transitions seen: {opened:?}"))
}

#[then(expr = "the gateway's events show requests for model {string} skipping {string}")]
async fn requests_skipping(w: &mut FailoverWorld, model: String, provider: String) -> Result<(), String> {
    let all = fetch(w).await?;
    let requests = events::matching(&all, "request", &[("model", &model)]);
    let skipped = |e: &&Value| {
        e.get("skipped").and_then(Value::as_array).is_some_and(|s| s.iter().any(|p| p == provider.as_str()))
    };
    match requests.iter().any(skipped) {
        true => Ok(()),
        false => {
            Err(format!("expected request events that skipped \"{provider}\"; request events seen: {}", requests.len()))
        }
    }
}

#[then(expr = "the gateway's events show a failback to {string} for model {string}")]
async fn failback(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    let all = fetch(w).await?;
    match events::matching(&all, "failback", &[("provider", &provider), ("model", &model)]).is_empty() {
        false => Ok(()),
        true => Err(format!("expected a failback event for \"{provider}\"; {} events seen", all.len())),
    }
}

#[then(expr = "the gateway's events show the request served by {string} after a failed attempt on {string}")]
async fn served_after_failure(w: &mut FailoverWorld, served: String, failed: String) -> Result<(), String> {
    let all = fetch(w).await?;
    let requests = events::matching(&all, "request", &[("served_by", &served), ("outcome", "served")]);
    let with_failure = |e: &&&Value| {
        e.get("failures")
            .and_then(Value::as_array)
            .is_some_and(|f| f.iter().any(|a| a.get("provider") == Some(&Value::from(failed.as_str()))))
    };
    match requests.iter().find(with_failure) {
        Some(_) => Ok(()),
        None => Err(format!(
            "expected a request event served by \"{served}\" listing a failed attempt on \"{failed}\"; request events: {requests:?}"
        )),
    }
}

#[then(expr = "the gateway's events for {string} on model {string} agree with the switches the client saw")]
async fn events_agree(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    let all = fetch(w).await?;
    let transitions = |to: &str| {
        events::matching(&all, "breaker_transition", &[("provider", &provider), ("model", &model), ("to", to)]).len()
    };
    let journal = w.scene.existing_provider(&provider)?.journal();
    let reached = failover_conformance::trace::reached(w.scene.exchanges(), &journal);
    let seen = failover_conformance::trace::Switches::of(w.scene.exchanges(), &reached);
    // The last transition may come from the last request, with no later request
    // to show it to the client: one more in the log than seen is consistent.
    let agree = |logged: usize, seen: usize| logged == seen || logged == seen + 1;
    let (opened, probed) = (transitions("open"), transitions("half_open"));
    if agree(opened, seen.away.len()) && agree(probed, seen.back.len()) {
        Ok(())
    } else {
        Err(format!(
            "the client saw traffic leave \"{provider}\" {} times and come back {} times; the log shows {opened} transitions to open and {probed} to half-open",
            seen.away.len(),
            seen.back.len()
        ))
    }
}
