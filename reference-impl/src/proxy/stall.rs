//! The shell of stall detection: times each attempt against its provider's
//! stall time, asks the policy's [`Stall`] what an overdue attempt does, and
//! carries out a stall (breakers drained, overdue attempts abandoned). Off,
//! and free, unless `policy.stall` is configured.
use std::future::Future;
use std::time::Instant;

use failover_policy::{Decide, Overdue, Reason, Stall, Tried};
use tokio::sync::Notify;

use super::trail::log_transition;
use crate::settings::Settings;
use crate::{Gateway, lock};

/// One provider's silence and the attempts waiting on it.
struct Watched {
    /// The stall time, read without the lock by every attempt.
    after: std::time::Duration,
    stall: std::sync::Mutex<Stall>,
    /// Woken when the provider is found stalled: its overdue attempts give up.
    abandon: Notify,
}

/// Each provider's stall watch, when configured (indexed like `upstreams`).
pub struct Stalls(Vec<Watched>);

impl Stalls {
    /// Built from the settings: empty unless `policy.stall` is set.
    pub fn new(settings: &Settings) -> Self {
        let Some(config) = settings.policy.stall else { return Self(Vec::new()) };
        let watched = |_| Watched {
            after: config.after,
            stall: std::sync::Mutex::new(Stall::new(config)),
            abandon: Notify::new(),
        };
        Self(settings.upstreams.iter().map(watched).collect())
    }
}

/// Awaits `sent`, an attempt of chain position `hop` of `route` that
/// started at `started` for a request that may no longer go to the
/// positions `closed_to`, watching its provider for a stall. What it came to
/// is `silent` when the provider never answered (it timed out); an attempt
/// abandoned because its provider stalled comes to `abandoned()`.
pub async fn watched<D: Decide, T>(
    gateway: &Gateway<D>,
    (route, hop): (usize, usize),
    closed_to: Tried,
    started: Instant,
    sent: impl Future<Output = T>,
    silent: impl Fn(&T) -> bool,
    abandoned: impl FnOnce() -> T,
) -> T {
    let upstream = gateway.settings.routes[route].hops[hop].upstream;
    let Some(watched) = gateway.stalls.0.get(upstream) else { return sent.await };
    let overdue_at = started + watched.after;
    tokio::pin!(sent);
    tokio::select! {
        biased;
        result = &mut sent => return answered(watched, result, silent),
        () = tokio::time::sleep_until(overdue_at.into()) => {}
    }
    // Listen before asking, so that a stall found in between is not missed.
    let abandon = watched.abandon.notified();
    tokio::pin!(abandon);
    abandon.as_mut().enable();
    let now = Instant::now();
    let elsewhere = failover_policy::stall::elsewhere(&gateway.breakers(route), closed_to);
    let overdue = gateway.decide.overdue(&mut lock(&watched.stall), now, elsewhere);
    let epoch = match overdue {
        Overdue::Wait { epoch } => epoch,
        Overdue::Stay => return answered(watched, sent.await, silent),
        Overdue::Abandon => return abandoned(),
        Overdue::Stalled => {
            watched.abandon.notify_waiters();
            drain(gateway, upstream, now);
            return abandoned();
        }
    };
    let result = tokio::select! {
        biased;
        result = &mut sent => Some(result),
        () = abandon => None,
    };
    lock(&watched.stall).settled(epoch);
    match result {
        Some(result) => answered(watched, result, silent),
        None => abandoned(),
    }
}

/// Anything but silence is an answer: the provider is not stalled.
fn answered<T>(watched: &Watched, result: T, silent: impl Fn(&T) -> bool) -> T {
    if !silent(&result) {
        lock(&watched.stall).answered(Instant::now());
    }
    result
}

/// Opens every closed breaker of provider `upstream`, in every model's
/// chain, for reason `stalled`.
fn drain<D: Decide>(gateway: &Gateway<D>, upstream: usize, now: Instant) {
    for (route, r) in gateway.settings.routes.iter().enumerate() {
        for (hop, _) in r.hops.iter().enumerate().filter(|(_, h)| h.upstream == upstream) {
            let transition = gateway.breakers(route)[hop].drain(now, Reason::Stalled);
            if let Some(t) = transition {
                log_transition(gateway, route, hop, t);
            }
        }
    }
}
