//! The shell of the latency-aware order and of region outages: feeds the
//! policy's [`Nearest`] and [`Regions`] what attempts showed, and logs what
//! they decided. Both are off (and cost nothing) unless configured.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use failover_policy::{Breaker, Decide, Nearest, Order, Reason, Regions, Transition};

use super::trail::log_transition;
use crate::events::EventKind;
use crate::settings::Settings;
use crate::{Gateway, lock};

/// Each model's latency order and region watch, when configured.
pub struct Placement {
    nearest: Vec<Mutex<Nearest>>,
    regions: Vec<Mutex<Regions>>,
}

impl Placement {
    /// Built from the settings, with `decide`'s policy.
    pub fn new<D: Decide>(settings: &Settings, decide: &D) -> Self {
        let nearest = match settings.policy.nearest {
            Some(config) => {
                settings.routes.iter().map(|r| Mutex::new(decide.nearest(config, r.priority.clone()))).collect()
            }
            None => Vec::new(),
        };
        let regions = match settings.policy.region_outage {
            Some(config) => {
                settings.routes.iter().map(|r| Mutex::new(Regions::new(config, r.regions.clone()))).collect()
            }
            None => Vec::new(),
        };
        Self { nearest, regions }
    }

    /// The order a new request of `route` tries its chain in.
    pub fn order(&self, route: usize) -> Order {
        self.nearest.get(route).map_or(Order::CHAIN, |n| lock(n).order())
    }

    /// Chain position `hop`'s average latency, once measured.
    pub fn average(&self, route: usize, hop: usize) -> Option<Duration> {
        self.nearest.get(route).and_then(|n| lock(n).average(hop))
    }

    /// Whether chain position `hop` leads its priority level.
    pub fn leads(&self, route: usize, hop: usize) -> bool {
        self.nearest.get(route).is_some_and(|n| lock(n).leader(hop) == Some(hop))
    }
}

/// Chain position `hop` of `route` answered at `now`, after `latency`.
pub fn answered<D: Decide>(gateway: &Gateway<D>, route: usize, hop: usize, latency: Duration, now: Instant) {
    if let Some(regions) = gateway.placement.regions.get(route) {
        lock(regions).succeeded(hop);
    }
    let Some(nearest) = gateway.placement.nearest.get(route) else { return };
    let Some(switch) = lock(nearest).observe(hop, latency) else { return };
    let provider = |hop: usize| gateway.settings.provider_of(route, hop).id.clone();
    let kind = EventKind::LatencyLeader {
        model: gateway.settings.routes[route].model.clone(),
        provider: provider(switch.to.0),
        latency_ms: switch.to.1.as_secs_f64() * 1e3,
        previous: switch.from.map(|(hop, _)| provider(hop)),
        previous_latency_ms: switch.from.map(|(_, d)| d.as_secs_f64() * 1e3),
    };
    gateway.events.push(kind, now);
}

/// What a failed attempt did to its region: the breakers it drained.
#[must_use]
pub struct Drained {
    failing: Vec<usize>,
    transitions: Vec<(usize, Transition)>,
}

/// Chain position `hop` of `route` failed at `now`: when its region is now
/// suspect, every closed breaker of the region in `chain` is drained.
pub fn failed<D: Decide>(
    gateway: &Gateway<D>,
    route: usize,
    hop: usize,
    chain: &mut [Breaker],
    now: Instant,
) -> Drained {
    let mut drained = Drained { failing: Vec::new(), transitions: Vec::new() };
    let Some(regions) = gateway.placement.regions.get(route) else { return drained };
    let Some(suspect) = gateway.decide.region_failed(&mut lock(regions), hop, now) else { return drained };
    for (m, breaker) in chain.iter_mut().enumerate() {
        if suspect.failing.contains(m) {
            drained.failing.push(m);
        }
        if suspect.members.contains(m)
            && let Some(t) = breaker.drain(now, Reason::RegionSuspect)
        {
            drained.transitions.push((m, t));
        }
    }
    drained
}

/// Logs what [`failed`] drained, once the breakers are unlocked.
pub fn log<D: Decide>(gateway: &Gateway<D>, route: usize, drained: Drained, now: Instant) {
    let Some(&(first, _)) = drained.transitions.first() else { return };
    let ids = |hops: &mut dyn Iterator<Item = usize>| -> Vec<Arc<str>> {
        hops.map(|hop| gateway.settings.provider_of(route, hop).id.clone()).collect()
    };
    let region = gateway.settings.routes[route].regions[first].map(|r| gateway.settings.regions[r as usize].clone());
    let kind = EventKind::RegionSuspect {
        model: gateway.settings.routes[route].model.clone(),
        region: region.unwrap_or_else(|| Arc::from("")),
        failing: ids(&mut drained.failing.iter().copied()),
        drained: ids(&mut drained.transitions.iter().map(|(hop, _)| *hop)),
    };
    gateway.events.push(kind, now);
    for (hop, t) in drained.transitions {
        log_transition(gateway, route, hop, t);
    }
}
