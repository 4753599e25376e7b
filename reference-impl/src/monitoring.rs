//! The fallback activation rate per model (`monitoring.fallback_rate`): each
//! finished request counts, the policy says whether it fell back, and each
//! change of level is logged as a `fallback_rate` event. Time alone also
//! changes the level as requests leave the window: a task polls every
//! twentieth of the window. Off (no cost) unless configured.
use std::sync::Arc;
use std::time::Instant;

use failover_policy::Decide;
use failover_policy::activation::Change;

use crate::events::EventKind;
use crate::{Gateway, lock};

/// Counts a request of `route` that ended at `now`, served by chain position
/// `served_by`.
pub(crate) fn count<D: Decide>(gateway: &Gateway<D>, route: usize, served_by: Option<usize>, now: Instant) {
    let Some(rate) = gateway.activation.get(route) else { return };
    let fell_back = gateway.decide.fell_back(served_by);
    let change = lock(rate).record(now, fell_back);
    if let Some(change) = change {
        log(gateway, route, change, now);
    }
}

fn log<D>(gateway: &Gateway<D>, route: usize, change: Change, at: Instant) {
    let r = change.reading;
    let kind = EventKind::FallbackRate {
        model: gateway.settings.routes[route].model.clone(),
        from: change.from,
        to: change.to,
        rate: r.rate,
        requests: r.requests,
        fallbacks: r.fallbacks,
    };
    gateway.events.push(kind, at);
}

/// Every watched model's reading at `now` (logging what time alone changed):
/// (route, rate, level).
pub(crate) fn readings<D: Decide>(
    gateway: &Gateway<D>,
    now: Instant,
) -> Vec<(usize, failover_policy::activation::Reading)> {
    let mut readings = Vec::with_capacity(gateway.activation.len());
    for (route, rate) in gateway.activation.iter().enumerate() {
        let (reading, change) = lock(rate).poll(now);
        if let Some(change) = change {
            log(gateway, route, change, now);
        }
        readings.push((route, reading));
    }
    readings
}

pub(crate) async fn drive<D: Decide>(gateway: Arc<Gateway<D>>) {
    let Some(config) = gateway.settings.fallback_rate else { return };
    let mut ticks = tokio::time::interval((config.window / 20).max(std::time::Duration::from_millis(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        readings(&gateway, Instant::now());
    }
}
