//! The trail of one client request through the chain: the policy's decisions
//! turned into decision events as they are taken, and the request's final
//! event when it ends.
use std::sync::Arc;
use std::time::{Duration, Instant};

use failover_policy::{Class, Decide, Decision, Reason, Transition};

use crate::Gateway;
use crate::events::{EventKind, FailedAttempt, Outcome};

/// One request's history.
pub struct Trail<D> {
    gateway: Arc<Gateway<D>>,
    route: usize,
    request_id: u64,
    started: Instant,
    failures: Vec<FailedAttempt>,
    skipped: Vec<Arc<str>>,
    saturated: Vec<Arc<str>>,
    /// What the SLOs learn of it beside its outcome.
    slo: SloFacts,
}

/// What the SLOs count of a request beside how it ended.
#[derive(Default)]
struct SloFacts {
    /// A stream's time from the request to its first event.
    ttft: Option<Duration>,
    /// What providers billed for its answers, in picodollars.
    cost: u64,
    /// The answer relayed had a soft failure found.
    wrong: bool,
}

/// How a request that ended with `outcome` counts in the SLOs.
fn slo_ended(outcome: Outcome, wrong: bool) -> failover_policy::slo::Ended {
    use failover_policy::slo::Ended;
    match outcome {
        Outcome::Served => Ended::Answered { soft: wrong },
        Outcome::FromCache => Ended::Cached,
        Outcome::DefaultAnswer => Ended::Defaulted,
        Outcome::Withheld | Outcome::NotRetried | Outcome::Exhausted | Outcome::StreamFailed(_) => Ended::Failed,
        Outcome::ClientError | Outcome::BudgetExceeded | Outcome::ClientDisconnected => Ended::Excluded,
    }
}

/// Logs a breaker transition of chain position `hop` of `route`; a half-open
/// breaker closing is the failback decision and says so too, and a validated
/// ramp step is a `failback_step`. A transition may bring a new deadline: the
/// deadline task is woken.
pub(crate) fn log_transition<D: Decide>(gateway: &Gateway<D>, route: usize, hop: usize, t: Transition) {
    let model = gateway.settings.routes[route].model.clone();
    let provider = gateway.settings.provider_of(route, hop).id.clone();
    let share = f64::from(t.share_ppm.unwrap_or(failover_policy::failback::ALL)) / 1e6;
    if t.reason == Reason::StepValidated {
        // A ramp step: no change of state, so no episode either.
        let kind = EventKind::FailbackStep { model, provider, share, calls: t.calls, failures: t.failures };
        gateway.events.push(kind, t.at);
        gateway.deadlines.notify_one();
        return;
    }
    let kind = EventKind::BreakerTransition {
        model: model.clone(),
        provider: provider.clone(),
        from: t.from,
        to: t.to,
        reason: t.reason,
        failures: t.failures,
        calls: t.calls,
        open_for_ms: t.open_for.map(|d| d.as_millis() as u64),
        class: t.class.map(failover_policy::Kind::name),
    };
    gateway.events.push(kind, t.at);
    let history = gateway.analytics.as_ref().and_then(|a| a.transition(&gateway.settings, route, hop, &t));
    if let Some(history) = history {
        crate::learning::after_episode(gateway, route, hop, &history, t.at);
    }
    if t.reason == Reason::ProbesSucceeded {
        gateway.events.push(EventKind::Failback { model, provider, probes: t.calls, share }, t.at);
    }
    gateway.deadlines.notify_one();
}

impl<D: Decide> Trail<D> {
    /// Starts the trail of request `request_id` for `route`, received at `started`.
    pub fn new(gateway: Arc<Gateway<D>>, route: usize, request_id: u64, started: Instant) -> Self {
        Self {
            gateway,
            route,
            request_id,
            started,
            failures: Vec::new(),
            skipped: Vec::new(),
            saturated: Vec::new(),
            slo: SloFacts::default(),
        }
    }

    /// The gateway serving the request.
    pub fn gateway(&self) -> &Arc<Gateway<D>> {
        &self.gateway
    }

    fn provider(&self, hop: usize) -> Arc<str> {
        self.gateway.settings.provider_of(self.route, hop).id.clone()
    }

    /// The index of the request's model.
    pub fn route(&self) -> usize {
        self.route
    }

    /// The client-facing model name.
    pub fn model(&self) -> Arc<str> {
        self.gateway.settings.routes[self.route].model.clone()
    }

    /// Logs the decisions the policy took at `now`.
    pub fn decided(&mut self, decisions: impl Iterator<Item = Decision>, now: Instant) {
        for decision in decisions {
            match decision {
                Decision::Transition { hop, transition } => log_transition(&self.gateway, self.route, hop, transition),
                Decision::Skipped { hop } => {
                    let provider = self.provider(hop);
                    if !self.skipped.contains(&provider) {
                        self.skipped.push(provider);
                    }
                }
                Decision::Saturated { hop } => {
                    let provider = self.provider(hop);
                    if !self.saturated.contains(&provider) {
                        self.saturated.push(provider);
                    }
                }
                Decision::Retry { hop, attempt, class, delay } => {
                    let kind = EventKind::Retry {
                        request_id: self.request_id,
                        model: self.model(),
                        provider: self.provider(hop),
                        attempt,
                        class,
                        delay_ms: delay.as_secs_f64() * 1e3,
                    };
                    self.gateway.events.push(kind, now);
                }
                Decision::Left { from, to, class, why } => {
                    self.gateway.metrics.failover(self.route, from, class);
                    let kind = EventKind::Failover {
                        request_id: self.request_id,
                        model: self.model(),
                        from: self.provider(from),
                        to: to.map(|hop| self.provider(hop)),
                        class,
                        reason: why,
                    };
                    self.gateway.events.push(kind, now);
                }
            }
        }
    }

    /// Logs and counts the soft failure found in chain position `hop`'s
    /// answer, at `now`.
    pub fn soft(&mut self, hop: usize, finding: &failover_policy::soft::Finding, now: Instant) {
        self.gateway.metrics.soft(self.route, hop, finding.class);
        let Some(config) = &self.gateway.settings.soft else { return };
        let kind = EventKind::SoftFailure {
            request_id: self.request_id,
            model: self.model(),
            provider: self.provider(hop),
            class: finding.class,
            detail: super::soft::describe(config, &finding.why),
        };
        self.gateway.events.push(kind, now);
    }

    /// Notes that the stream relayed had its first event at `now`.
    pub fn first_event(&mut self, now: Instant) {
        self.slo.ttft = Some(now.saturating_duration_since(self.started));
    }

    /// Notes that the answer relayed had a soft failure found.
    pub fn relayed_wrong(&mut self) {
        self.slo.wrong = true;
    }

    /// Whether an SLO of the request's model counts what its answers cost.
    pub fn counts_cost(&self) -> bool {
        self.gateway.slos.costs(self.route)
    }

    /// Notes the `usage` a whole answer of chain position `hop` was billed,
    /// for the SLOs that count cost.
    pub fn billed(&mut self, hop: usize, usage: failover_policy::spend::Usage) {
        if !self.counts_cost() {
            return;
        }
        let price = self.gateway.settings.routes[self.route].hops[hop].price;
        let cost = failover_policy::spend::cost(failover_policy::spend::Unit::Picodollars, usage, price);
        self.slo.cost = self.slo.cost.saturating_add(cost);
    }

    /// Notes a failed attempt on chain position `hop`.
    pub fn failed(&mut self, hop: usize, class: Class, status: Option<u16>) {
        self.failures.push(FailedAttempt { provider: self.provider(hop), class, status });
    }

    /// The last failed attempt, for the client's error.
    pub fn last_failure(&self) -> Option<&FailedAttempt> {
        self.failures.last()
    }

    /// Writes the request's final event, at `now`.
    pub fn finish(&mut self, outcome: Outcome, status: u16, served_by: Option<usize>, attempts: u32, now: Instant) {
        let latency = now.saturating_duration_since(self.started);
        self.gateway.metrics.request(self.route, served_by, outcome, latency.as_secs_f64());
        crate::monitoring::count(&self.gateway, self.route, served_by, now);
        if self.gateway.slos.watches(self.route) {
            let SloFacts { ttft, cost, wrong } = self.slo;
            let request = failover_policy::slo::Request { ended: slo_ended(outcome, wrong), ttft, cost };
            crate::slo::count(&self.gateway, self.route, request, now);
        }
        if let (Some(analytics), Some(hop)) = (&self.gateway.analytics, served_by) {
            analytics.served(self.route, hop, now);
        }
        let route = &self.gateway.settings.routes[self.route];
        if self.gateway.drills.armed() {
            let upstreams: Vec<usize> = route.hops.iter().map(|h| h.upstream).collect();
            let served = served_by.map(|hop| route.hops[hop].upstream);
            self.gateway.drills.record(&upstreams, served, outcome, self.started, now);
        }
        let served_by = served_by.map(|hop| self.provider(hop));
        let kind = EventKind::Request {
            request_id: self.request_id,
            model: self.model(),
            outcome,
            status,
            served_by,
            attempts,
            failures: std::mem::take(&mut self.failures),
            skipped: std::mem::take(&mut self.skipped),
            saturated: std::mem::take(&mut self.saturated),
            latency_ms: latency.as_secs_f64() * 1e3,
        };
        self.gateway.events.push(kind, now);
    }
}
