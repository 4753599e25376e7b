//! `GET /admin/providers` (capability `health-api`, case TC_R752_FAILOVER_010):
//! every (model, provider) of every chain with its breaker's status and since
//! when, its share of the traffic (below 1 while a failback ramp runs,
//! capability `gradual-failback`), its region and average latency with its
//! lead of its priority level (capability `regions`), and its health as of
//! now: the score with each metric, error rate,
//! p50 and p95 latency, and the latest failure; with continuous evaluation,
//! its degraded mark, pass rate and failing cases (capability `continuous-eval`). Health fields are `null` when
//! the gateway keeps no health window (`policy.health` absent).
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use failover_policy::{Class, Decide, Status};
use serde::Serialize;

use crate::Gateway;
use crate::events::MetricEvent;

#[derive(Serialize)]
pub(crate) struct Listing {
    at_ms: f64,
    providers: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    model: Arc<str>,
    provider: Arc<str>,
    position: usize,
    state: Status,
    since_ms: f64,
    share: f64,
    region: Option<Arc<str>>,
    priority: u32,
    latency_ms: Option<f64>,
    leads: bool,
    score: Option<f64>,
    components: Vec<MetricEvent>,
    error_rate: Option<f64>,
    p50_ms: Option<f64>,
    p95_ms: Option<f64>,
    samples: u32,
    baseline_ms: Option<f64>,
    last_failure: Option<LastFailure>,
    /// Continuous evaluation's mark and evidence, when the model has a
    /// golden set (capability `continuous-eval`).
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluation: Option<crate::evaluation::Status>,
}

#[derive(Serialize)]
struct LastFailure {
    class: Class,
    at_ms: f64,
}

pub(crate) async fn providers<D: Decide>(State(gateway): State<Arc<Gateway<D>>>) -> Response {
    Json(listing(&gateway, Instant::now())).into_response()
}

/// Every chain entry's state and health at `now`.
pub(crate) fn listing<D: Decide>(gateway: &Gateway<D>, now: Instant) -> Listing {
    let events = &gateway.events;
    let mut providers = Vec::new();
    for (r, route) in gateway.settings.routes.iter().enumerate() {
        let statuses: Vec<_> = gateway.breakers(r).iter().map(|b| (b.status(), b.share())).collect();
        let mut health = gateway.health.get(r).map(crate::lock);
        for (hop, ((state, since), share)) in statuses.into_iter().enumerate() {
            let mut entry = Entry {
                model: route.model.clone(),
                provider: gateway.settings.provider_of(r, hop).id.clone(),
                position: hop,
                state,
                since_ms: since.map_or(0.0, |at| events.at_ms(at)),
                share,
                region: route.regions[hop].map(|i| gateway.settings.regions[i as usize].clone()),
                priority: route.priority[hop],
                latency_ms: gateway.placement.average(r, hop).map(|d| d.as_secs_f64() * 1e3),
                leads: gateway.placement.leads(r, hop),
                score: None,
                components: Vec::new(),
                error_rate: None,
                p50_ms: None,
                p95_ms: None,
                samples: 0,
                baseline_ms: None,
                last_failure: None,
                evaluation: gateway.evaluator.as_ref().and_then(|e| e.status(r, hop, |at| events.at_ms(at))),
            };
            if let Some(health) = health.as_mut().map(|h| &mut h[hop]) {
                let a = health.record.assess(now);
                entry.score = Some(a.score);
                entry.components = a.readings.iter().map(MetricEvent::of).collect();
                entry.error_rate = Some(a.readings[0].value);
                (entry.p50_ms, entry.p95_ms, entry.samples, entry.baseline_ms) =
                    (a.p50_ms, a.p95_ms, a.samples, a.baseline_ms);
                entry.last_failure =
                    health.last_failure.map(|(class, at)| LastFailure { class, at_ms: events.at_ms(at) });
            }
            providers.push(entry);
        }
    }
    Listing { at_ms: events.at_ms(now), providers }
}
