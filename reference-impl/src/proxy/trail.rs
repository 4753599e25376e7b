//! The trail of one client request through the chain: attempts, failures and
//! skipped providers, turned into decision events as they happen and into the
//! request's final event and headers when it ends.
use std::sync::Arc;
use std::time::Instant;

use crate::Gateway;
use crate::events::{EventKind, FailedAttempt};
use crate::policy::{Class, Transition};

/// One request's history.
pub struct Trail {
    gateway: Arc<Gateway>,
    route: usize,
    /// Request id in events.
    pub request_id: u64,
    started: Instant,
    /// Upstream attempts made.
    pub attempts: u32,
    failures: Vec<FailedAttempt>,
    skipped: Vec<Arc<str>>,
    pending_failover: Option<(Arc<str>, Class, &'static str)>,
    providers_reached: u32,
}

impl Trail {
    /// Starts the trail of a request for `route`.
    pub fn new(gateway: Arc<Gateway>, route: usize, started: Instant) -> Self {
        let request_id = gateway.next_request_id();
        Self {
            gateway,
            route,
            request_id,
            started,
            attempts: 0,
            failures: Vec::new(),
            skipped: Vec::new(),
            pending_failover: None,
            providers_reached: 0,
        }
    }

    /// The gateway serving the request.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// Whether the request has already left a provider for another.
    pub fn failed_over(&self) -> bool {
        self.providers_reached > 1
    }

    /// The client-facing model name.
    pub fn model(&self) -> Arc<str> {
        self.gateway.settings.routes[self.route].model.clone()
    }

    fn provider(&self, hop: usize) -> Arc<str> {
        let upstream = self.gateway.settings.routes[self.route].hops[hop].upstream;
        self.gateway.settings.upstreams[upstream].id.clone()
    }

    /// Records a breaker transition of chain position `hop` as an event; a
    /// half-open breaker closing is the failback decision and says so too.
    pub fn transition(&self, hop: usize, t: Transition) {
        if !self.gateway.sabotage.logs_transitions() {
            return;
        }
        let (model, provider) = (self.model(), self.provider(hop));
        self.gateway.events.push(EventKind::BreakerTransition {
            model: model.clone(),
            provider: provider.clone(),
            from: t.from.as_str(),
            to: t.to.as_str(),
            reason: t.reason.as_str(),
            failures: t.failures,
            calls: t.calls,
            open_for_ms: t.open_for.map(|d| d.as_millis() as u64),
        });
        if t.reason == crate::policy::Reason::ProbesSucceeded {
            self.gateway.events.push(EventKind::Failback { model, provider, probes: t.calls });
        }
    }

    /// Notes a provider skipped because its breaker rejected the call.
    pub fn skipped(&mut self, hop: usize) {
        let provider = self.provider(hop);
        if !self.skipped.contains(&provider) {
            self.skipped.push(provider);
        }
    }

    /// Notes a failed attempt on chain position `hop`.
    pub fn failed(&mut self, hop: usize, class: Class, status: Option<u16>) {
        self.failures.push(FailedAttempt { provider: self.provider(hop), class: class.as_str(), status });
    }

    /// Records a retry about to happen on `hop` after `delay_ms`.
    pub fn retry(&self, hop: usize, attempt: u32, class: Class, delay_ms: f64) {
        self.gateway.events.push(EventKind::Retry {
            request_id: self.request_id,
            model: self.model(),
            provider: self.provider(hop),
            attempt,
            class: class.as_str(),
            delay_ms,
        });
    }

    /// Notes that the request leaves `hop`; the event is written once the next
    /// provider is known (or none is).
    pub fn leave(&mut self, hop: usize, class: Class, reason: &'static str) {
        self.pending_failover = Some((self.provider(hop), class, reason));
    }

    /// The request arrives at `hop` (after leaving another, if it did).
    pub fn arrive(&mut self, hop: usize) {
        self.providers_reached += 1;
        let to = Some(self.provider(hop));
        self.flush_failover(to);
    }

    fn flush_failover(&mut self, to: Option<Arc<str>>) {
        if let Some((from, class, reason)) = self.pending_failover.take() {
            self.gateway.events.push(EventKind::Failover {
                request_id: self.request_id,
                model: self.model(),
                from,
                to,
                class: class.as_str(),
                reason,
            });
        }
    }

    /// The last failure, for the client's error.
    pub fn last_failure(&self) -> Option<&FailedAttempt> {
        self.failures.last()
    }

    /// Writes the request's final event.
    pub fn finish(&mut self, outcome: &'static str, status: u16, served_by: Option<usize>) {
        self.flush_failover(None);
        let served_by = served_by.map(|hop| self.provider(hop));
        self.gateway.events.push(EventKind::Request {
            request_id: self.request_id,
            model: self.model(),
            outcome,
            status,
            served_by,
            attempts: self.attempts,
            failures: std::mem::take(&mut self.failures),
            skipped: std::mem::take(&mut self.skipped),
            latency_ms: self.started.elapsed().as_secs_f64() * 1e3,
        });
    }
}
