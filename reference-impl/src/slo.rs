//! Service level objectives (`slos`, capability `slos`): each finished
//! request of a watched model counts in its SLOs' windows; the policy says
//! what each objective reads and whether it is breached. Each objective
//! entering or leaving breach is logged (`slo_breach`, `slo_recovered`) when
//! the SLOs are read: by a task every twentieth of the shortest window (at
//! least every second), by `GET /admin/slo` and by `/metrics`. Off (one
//! `Vec` length check per request) unless configured.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use failover_policy::Decide;
use failover_policy::slo::{Change, Request, Slo, Status, Totals};

use crate::events::{EventKind, SloChange};
use crate::settings::Settings;
use crate::{Gateway, lock};

/// Every SLO's window, and which SLOs watch each model.
pub(crate) struct Slos {
    /// One per `settings.slos`, in config order.
    windows: Vec<Mutex<Slo>>,
    /// Per route: indexes into `windows`.
    by_route: Vec<Vec<usize>>,
    /// Per route: whether an SLO of it counts cost (answers' usage is read).
    costed: Vec<bool>,
}

impl Slos {
    /// The windows of `settings.slos`, made by `decide`.
    pub fn new<D: Decide>(settings: &Settings, decide: &D) -> Self {
        let windows = settings.slos.iter().map(|o| Mutex::new(decide.slo(o.config))).collect();
        let mut by_route = vec![Vec::new(); settings.routes.len()];
        let mut costed = vec![false; settings.routes.len()];
        for (i, o) in settings.slos.iter().enumerate() {
            by_route[o.route].push(i);
            costed[o.route] |= o.config.targets.cost_per_useful_answer.is_some();
        }
        Self { windows, by_route, costed }
    }

    /// Whether an SLO watches `route`.
    pub fn watches(&self, route: usize) -> bool {
        self.by_route.get(route).is_some_and(|slos| !slos.is_empty())
    }

    /// Whether an SLO of `route` counts what its answers cost.
    pub fn costs(&self, route: usize) -> bool {
        self.costed.get(route).copied().unwrap_or(false)
    }
}

/// Counts a finished request of `route`, at `now`.
pub(crate) fn count<D: Decide>(gateway: &Gateway<D>, route: usize, request: Request, now: Instant) {
    let request = gateway.decide.slo_request(request);
    for &i in &gateway.slos.by_route[route] {
        lock(&gateway.slos.windows[i]).record(&request, now);
    }
}

/// One SLO as read.
pub(crate) struct Read {
    /// Its index in `settings.slos`.
    pub index: usize,
    pub totals: Totals,
    pub statuses: Vec<Status>,
}

/// Every SLO as of `now`, logging each objective that entered or left breach.
pub(crate) fn read<D: Decide>(gateway: &Gateway<D>, now: Instant) -> Vec<Read> {
    let mut reads = Vec::with_capacity(gateway.slos.windows.len());
    for (index, window) in gateway.slos.windows.iter().enumerate() {
        let (totals, statuses, changes) = {
            let mut slo = lock(window);
            let totals = slo.totals(now);
            let statuses = gateway.decide.slo_status(slo.config(), &totals);
            let changes = slo.update(&statuses);
            (totals, statuses, changes)
        };
        for change in changes {
            log(gateway, index, change, now);
        }
        reads.push(Read { index, totals, statuses });
    }
    reads
}

/// A target or current value as shown: US dollars for cost, else as is.
pub(crate) fn shown(objective: failover_policy::slo::Objective, value: f64) -> f64 {
    match objective {
        failover_policy::slo::Objective::CostPerUsefulAnswer => value / 1e12,
        _ => value,
    }
}

fn log<D>(gateway: &Gateway<D>, index: usize, change: Change, at: Instant) {
    let o = &gateway.settings.slos[index];
    let s = change.status;
    let change_of = SloChange {
        slo: o.id.clone(),
        model: gateway.settings.routes[o.route].model.clone(),
        objective: s.objective.as_str(),
        target: shown(s.objective, s.target),
        current: s.current.map(|c| shown(s.objective, c)),
        burn_rate: s.burn_rate.filter(|b| b.is_finite()),
        samples: s.samples,
    };
    let kind = if change.breached { EventKind::SloBreach(change_of) } else { EventKind::SloRecovered(change_of) };
    gateway.events.push(kind, at);
}

/// Reads the SLOs every twentieth of the shortest window (at least every
/// second), so that a breach, or a recovery time alone brings, is logged
/// without a request or a scrape.
pub(crate) async fn drive<D: Decide>(gateway: Arc<Gateway<D>>) {
    let Some(shortest) = gateway.settings.slos.iter().map(|o| o.config.window).min() else { return };
    let period = (shortest / 20).clamp(Duration::from_millis(1), Duration::from_secs(1));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        read(&gateway, Instant::now());
    }
}
