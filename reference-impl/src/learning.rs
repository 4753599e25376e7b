//! Learning from failover episodes (capability `learning`, case
//! TC_R752_FAILOVER_016), when `policy.learning` is on: after each episode
//! of a (model, provider), the policy reads that provider's history and its
//! breaker takes the adjusted settings, each logged as a
//! `threshold_adjusted` event with before, after and the evidence. At start
//! the stored history is replayed episode by episode, so a restarted
//! gateway resumes with what it had learned.
use std::time::Instant;

use failover_policy::Decide;
use failover_policy::episode::Record;
use failover_policy::learning::{self, Adjustment};

use crate::Gateway;
use crate::events::EventKind;

/// An episode of chain position `hop` of `route` ended at `at`; `history`
/// is that provider's, the new episode last.
pub(crate) fn after_episode<D: Decide>(
    gateway: &Gateway<D>,
    route: usize,
    hop: usize,
    history: &[Record],
    at: Instant,
) {
    let Some(bounds) = gateway.settings.policy.learning else { return };
    // The history is read without the chain's breakers locked: requests
    // keep flowing while it is. Only learning changes these settings, and
    // one (model, provider) ends one episode at a time.
    let current = gateway.breakers(route)[hop].current();
    let adjustments = gateway.decide.learn(history, current, &bounds);
    if adjustments.is_empty() {
        return;
    }
    gateway.breakers(route)[hop].retune(learning::apply(current, &adjustments));
    log(gateway, route, hop, &adjustments, at);
}

/// Replays what the stored history taught every chain entry.
pub(crate) fn at_start<D: Decide>(gateway: &Gateway<D>) {
    let (Some(analytics), Some(_)) = (&gateway.analytics, gateway.settings.policy.learning) else { return };
    let now = Instant::now();
    for (route, r) in gateway.settings.routes.iter().enumerate() {
        for hop in 0..r.hops.len() {
            let history = analytics.records(&gateway.settings, route, hop);
            for end in 1..=history.len() {
                after_episode(gateway, route, hop, &history[..end], now);
            }
        }
    }
}

fn log<D>(gateway: &Gateway<D>, route: usize, hop: usize, adjustments: &[Adjustment], at: Instant) {
    for a in adjustments {
        let kind = EventKind::ThresholdAdjusted {
            model: gateway.settings.routes[route].model.clone(),
            provider: gateway.settings.provider_of(route, hop).id.clone(),
            setting: a.setting,
            before: a.before,
            after: a.after,
            because: a.because,
            min: a.bounds.min,
            max: a.bounds.max,
            episodes: a.evidence.episodes,
            median_outage_ms: a.evidence.median_outage_ms,
            flaps: a.evidence.flaps,
        };
        gateway.events.push(kind, at);
    }
}
