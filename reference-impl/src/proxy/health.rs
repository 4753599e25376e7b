//! Feeds each attempt (a client's or a probe's) to its provider's health
//! record; warns when the score reaches the warning level and drains the
//! provider when the policy says so (cases TC_R752_FAILOVER_009 and 010): its
//! breaker opens with reason `health_score`, and each decision is logged with
//! every number that explains it. Off (no cost) unless `policy.health` is
//! configured.
use std::time::Instant;

use failover_policy::{Class, Decide, Health, Reason, Sample, Verdict};

use super::trail::log_transition;
use crate::Gateway;
use crate::events::{EventKind, HealthNumbers};

/// One (model, provider)'s health: the policy's record, and the latest
/// failure, which the admin API shows.
#[derive(Debug)]
pub(crate) struct ProviderHealth {
    pub record: Health,
    pub last_failure: Option<(Class, Instant)>,
}

impl ProviderHealth {
    pub fn new(config: failover_policy::HealthConfig) -> Self {
        Self { record: Health::new(config), last_failure: None }
    }
}

/// How one attempt went, for its provider's health record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt {
    /// When it was sent.
    pub started: Instant,
    /// When it was judged.
    pub ended: Instant,
    /// Its class (`Success` for a stream whose first event arrived).
    pub class: Class,
    /// How the policy counts it.
    pub verdict: Verdict,
    /// Share of its rate limit the provider said it used.
    pub utilisation: Option<f64>,
}

/// Records `attempt` to chain position `hop` of `route` (an ignored verdict,
/// the client's own error, says nothing about the provider).
pub(crate) fn observe<D: Decide>(gateway: &Gateway<D>, route: usize, hop: usize, attempt: Attempt) {
    let Some(records) = gateway.health.get(route) else { return };
    if attempt.verdict == Verdict::Ignored {
        return;
    }
    let now = attempt.ended;
    let failed = attempt.verdict == Verdict::Failure;
    let latency = now - attempt.started;
    let sample = Sample { at: now, latency, failed, class: attempt.class, utilisation: attempt.utilisation };
    let drain_score = gateway.settings.policy.health.map_or(0.0, |h| h.drain_score);
    let (assessment, warned, drains) = {
        let mut records = crate::lock(records);
        let health = &mut records[hop];
        if failed {
            health.last_failure = Some((attempt.class, now));
        }
        health.record.record(sample);
        let assessment = health.record.assess(now);
        let warns = gateway.decide.warns(&assessment);
        let warned = health.record.crosses_warning(&assessment, warns);
        let drains = gateway.decide.drains(&assessment);
        if drains {
            health.record.forget_window();
        }
        if !warned && !drains {
            return;
        }
        (assessment, warned, drains)
    };
    let model = gateway.settings.routes[route].model.clone();
    let provider = gateway.settings.provider_of(route, hop).id.clone();
    if warned {
        let warn_score = gateway.settings.policy.health.map_or(0.0, |h| h.warn_score);
        let health = HealthNumbers::of(&assessment, drain_score);
        let kind = EventKind::HealthWarning { model: model.clone(), provider: provider.clone(), warn_score, health };
        gateway.events.push(kind, now);
    }
    if !drains {
        return;
    }
    let Some(transition) = gateway.breakers(route)[hop].drain(now, Reason::HealthScore) else { return };
    let health = HealthNumbers::of(&assessment, drain_score);
    gateway.events.push(EventKind::HealthDecision { model, provider, decision: "drain", health }, now);
    log_transition(gateway, route, hop, transition);
}
