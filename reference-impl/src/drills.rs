//! Fire drills (capability `drills`): started through `POST /admin/drills`
//! or on a cron schedule (`drills` in the config), each makes one provider
//! fail a share of its attempts with a chosen class for a while, and ends by
//! itself. The attempt loop asks [`Drills::hit`] before sending; a drilled
//! attempt is never sent (see [`failover_policy::drill`]). Each finished
//! request of a chain holding the provider is counted in the drill's tally.
//!
//! Costs nothing while no drill has been started: one relaxed atomic load
//! per attempt and per request.
use std::str::FromStr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use failover_policy::drill::{Ended, Plan, Tally};
use failover_policy::{Class, Decide};
use serde::Serialize;

use crate::events::{EventKind, Outcome};
use crate::{Gateway, lock};

/// Drills kept for `GET /admin/drills`, oldest dropped first.
const KEPT: usize = 100;

/// One drill.
#[derive(Clone, Debug)]
pub(crate) struct Drill {
    pub id: u64,
    pub upstream: usize,
    pub provider: Arc<str>,
    pub plan: Plan,
    pub tally: Tally,
    /// Started by the schedule rather than through the API.
    pub scheduled: bool,
}

/// Every drill started, and whether one may still run.
#[derive(Debug, Default)]
pub(crate) struct Drills {
    /// False until a drill is started, and again once none runs.
    armed: AtomicBool,
    next_id: AtomicU64,
    list: Mutex<Vec<Drill>>,
}

/// The failure classes a drill may use, by their names.
pub(crate) fn class_named(name: &str) -> Option<Class> {
    match name {
        "server_error" => Some(Class::ServerError),
        "rate_limited" => Some(Class::RateLimited),
        "connection_failed" => Some(Class::ConnectionFailed),
        "timeout" => Some(Class::Timeout),
        _ => None,
    }
}

impl Drills {
    /// Starts a drill of `upstream` now; its id.
    pub fn start(&self, upstream: usize, provider: Arc<str>, plan: Plan, scheduled: bool) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut list = lock(&self.list);
        if list.len() >= KEPT {
            let now = Instant::now();
            if let Some(i) = list.iter().position(|d| !d.plan.running(now)) {
                list.remove(i);
            }
        }
        list.push(Drill { id, upstream, provider, plan, tally: Tally::default(), scheduled });
        self.armed.store(true, Ordering::Release);
        id
    }

    /// Whether a drill may run: false until one is started, and again once none runs.
    pub fn armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// The plan of a drill that hits an attempt to `upstream` at `now`, if any
    /// (`draw` gives a uniform number in [0, 1), drawn only when a drill runs).
    pub fn hit<D: Decide>(
        &self,
        decide: &D,
        upstream: usize,
        now: Instant,
        draw: impl FnOnce() -> f64,
    ) -> Option<Plan> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        let list = lock(&self.list);
        let running = list.iter().find(|d| d.upstream == upstream && d.plan.running(now))?;
        decide.drilled(&running.plan, now, draw()).then_some(running.plan)
    }

    /// Counts a request whose chain holds `upstreams`, arrived at `arrived`
    /// and ended at `now`: `served_by` is the upstream that served it, if any.
    pub fn record(
        &self,
        upstreams: &[usize],
        served_by: Option<usize>,
        outcome: Outcome,
        arrived: Instant,
        now: Instant,
    ) {
        if !self.armed.load(Ordering::Acquire) {
            return;
        }
        let mut list = lock(&self.list);
        let mut any_running = false;
        for drill in list.iter_mut().filter(|d| d.plan.running(arrived)) {
            any_running = true;
            if !upstreams.contains(&drill.upstream) {
                continue;
            }
            let ended = match (served_by, outcome) {
                (_, Outcome::ClientError) => Ended::ClientError,
                (Some(u), Outcome::Served) if u == drill.upstream => Ended::ByDrilled,
                (Some(_), Outcome::Served) => Ended::ByFallback,
                _ => Ended::Failed,
            };
            drill.tally.record(&drill.plan, arrived, now, ended);
        }
        if !any_running && list.iter().all(|d| d.plan.end <= arrived) {
            self.armed.store(false, Ordering::Release);
        }
    }

    /// Every drill, oldest first.
    pub fn all(&self) -> Vec<Drill> {
        lock(&self.list).clone()
    }
}

/// A drill as the admin API shows it.
#[derive(Serialize)]
pub(crate) struct View {
    id: String,
    provider: Arc<str>,
    class: Class,
    share: f64,
    scheduled: bool,
    state: &'static str,
    started_ms: f64,
    ends_ms: f64,
    report: Report,
}

#[derive(Serialize)]
struct Report {
    requests: u64,
    served_by_fallback: u64,
    client_failures: u64,
    take_over_ms: Option<f64>,
}

impl View {
    pub fn of<D>(gateway: &Gateway<D>, drill: &Drill, now: Instant) -> Self {
        let t = drill.tally;
        Self {
            id: drill.id.to_string(),
            provider: drill.provider.clone(),
            class: drill.plan.class,
            share: drill.plan.share,
            scheduled: drill.scheduled,
            state: if drill.plan.running(now) {
                "running"
            } else if now < drill.plan.start {
                "pending"
            } else {
                "finished"
            },
            started_ms: gateway.events.at_ms(drill.plan.start),
            ends_ms: gateway.events.at_ms(drill.plan.end),
            report: Report {
                requests: t.requests,
                served_by_fallback: t.served_by_fallback,
                client_failures: t.client_failures,
                take_over_ms: t.take_over.map(|d| d.as_secs_f64() * 1e3),
            },
        }
    }
}

/// Starts a drill of `upstream` for `duration` and logs it.
pub(crate) fn start<D>(
    gateway: &Gateway<D>,
    upstream: usize,
    class: Class,
    share: f64,
    duration: Duration,
    scheduled: bool,
) -> u64 {
    let now = Instant::now();
    let plan = Plan { class, share, start: now, end: now + duration };
    let provider = gateway.settings.upstreams[upstream].id.clone();
    let id = gateway.drills.start(upstream, provider.clone(), plan, scheduled);
    let kind =
        EventKind::Drill { id: id.to_string(), provider, class, share, duration_ms: duration.as_millis() as u64 };
    gateway.events.push(kind, now);
    id
}

/// Runs the drills the config schedules, each time its cron expression fires.
pub(crate) async fn schedule<D: Decide>(gateway: Arc<Gateway<D>>) {
    let scheduled = gateway.settings.drills.clone();
    let tasks = scheduled.into_iter().map(|drill| {
        let gateway = gateway.clone();
        async move {
            for next in drill.schedule.upcoming_owned(chrono::Utc) {
                let wait = (next - chrono::Utc::now()).to_std().unwrap_or_default();
                tokio::time::sleep(wait).await;
                start(&gateway, drill.upstream, drill.class, drill.share, drill.duration, true);
            }
        }
    });
    futures_util::future::join_all(tasks).await;
}

/// A drill the config schedules, resolved.
#[derive(Clone, Debug)]
pub struct Scheduled {
    /// The provider drilled.
    pub upstream: usize,
    /// The class drilled.
    pub class: Class,
    /// Share of attempts drilled.
    pub share: f64,
    /// How long each lasts.
    pub duration: Duration,
    /// When each starts.
    pub schedule: cron::Schedule,
}

/// Parses a cron expression, for the config.
pub(crate) fn parse_schedule(expression: &str) -> Result<cron::Schedule, String> {
    cron::Schedule::from_str(expression).map_err(|e| {
        format!(
            "\"{expression}\" is not a cron expression with seconds (sec min hour day-of-month month day-of-week): {e}"
        )
    })
}
