//! Feeds each attempt to its provider's health record and drains the provider
//! when the policy says so (case TC_R752_FAILOVER_009): its breaker opens with
//! reason `health_score`, and the decision is logged with every number that
//! explains it. Off (no cost) unless `policy.health` is configured.
use std::time::{Duration, Instant};

use failover_policy::{Decide, Sample, Verdict};

use super::trail::log_transition;
use crate::Gateway;
use crate::events::{EventKind, MetricEvent};

/// Records how an attempt to chain position `hop` of `route` went: started at
/// `started`, judged `verdict` at `now` (an ignored verdict, the client's own
/// error, says nothing about the provider).
pub fn observe<D: Decide>(
    gateway: &Gateway<D>,
    route: usize,
    hop: usize,
    started: Instant,
    now: Instant,
    verdict: Verdict,
    utilisation: Option<f64>,
) {
    let Some(records) = gateway.health.get(route) else { return };
    if verdict == Verdict::Ignored {
        return;
    }
    let sample = Sample { at: now, latency: now - started, failed: verdict == Verdict::Failure, utilisation };
    let assessment = {
        let mut records = crate::lock(records);
        let record = &mut records[hop];
        record.record(sample);
        let assessment = record.assess(now);
        if !gateway.decide.drains(&assessment) {
            return;
        }
        record.forget_window();
        assessment
    };
    let Some(transition) = gateway.breakers(route)[hop].drain(now) else { return };
    let drain_score = gateway.settings.policy.health.map_or(0.0, |h| h.drain_score);
    let metrics = assessment
        .readings
        .iter()
        .map(|r| MetricEvent {
            metric: r.metric,
            value: r.value,
            badness: r.badness,
            weight: r.weight,
            threshold: r.threshold,
        })
        .collect();
    let kind = EventKind::HealthDecision {
        model: gateway.settings.routes[route].model.clone(),
        provider: gateway.settings.provider_of(route, hop).id.clone(),
        decision: "drain",
        metrics,
        score: assessment.score,
        drain_score,
        samples: assessment.samples,
        baseline_ms: assessment.baseline_ms,
        breach_in_ms: assessment.breach_in.map(|d: Duration| d.as_secs_f64() * 1000.0),
    };
    gateway.events.push(kind, now);
    log_transition(gateway, route, hop, transition);
}
