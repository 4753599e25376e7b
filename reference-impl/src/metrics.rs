//! `GET /metrics` (capability `metrics`): Prometheus metrics in the text
//! exposition format, through the `prometheus-client` crate.
//!
//! Counters the request path touches are made once, at start, for every
//! (model, provider, outcome) and (model, provider, class) there can be, and
//! kept as handles: counting a request is an atomic add, with no label lookup
//! and no allocation. Gauges that describe state (breakers, health scores, the
//! fallback activation rate) are read from that state when scraped.
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use failover_policy::classify::ALL_CLASSES;
use failover_policy::guard::Guardrail;
use failover_policy::soft::{ALL_SOFT, SoftClass};
use failover_policy::stream::StreamFailure;
use failover_policy::{Class, Level, Status};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::events::Outcome;
use crate::settings::Settings;

type Labels = Vec<(&'static str, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// Every outcome a request can end with, as metrics name them.
const OUTCOMES: [Outcome; 14] = [
    Outcome::Served,
    Outcome::ClientError,
    Outcome::Withheld,
    Outcome::NotRetried,
    Outcome::Exhausted,
    Outcome::BudgetExceeded,
    Outcome::FromCache,
    Outcome::DefaultAnswer,
    Outcome::ClientDisconnected,
    Outcome::StreamFailed(StreamFailure::Interrupted),
    Outcome::StreamFailed(StreamFailure::Truncated),
    Outcome::StreamFailed(StreamFailure::Stalled),
    Outcome::StreamFailed(StreamFailure::Malformed),
    Outcome::StreamFailed(StreamFailure::ProviderError),
];

const STATES: [Status; 5] = [Status::Closed, Status::Open, Status::HalfOpen, Status::Ramping, Status::Drained];
const LEVELS: [Level; 3] = [Level::Healthy, Level::Warning, Level::Alert];

/// The gateway's metrics.
pub(crate) struct Metrics {
    registry: Registry,
    /// `[route][served_by: hop, or hops.len() for none][outcome]`.
    requests: Vec<Vec<Vec<Counter>>>,
    /// `[route][hop left][class]`.
    failovers: Vec<Vec<Vec<Counter>>>,
    /// `[route][hop][soft class]`.
    soft: Vec<Vec<Vec<Counter>>>,
    /// `[route]`: seconds from receiving a request to answering it.
    latency: Vec<Histogram>,
    breaker: Family<Labels, Gauge>,
    health: Family<Labels, FloatGauge>,
    fallback_ratio: Family<Labels, FloatGauge>,
    fallback_level: Family<Labels, Gauge>,
    /// Per guardrail on: its time per request, and `[blocked, redacted, bypassed]`.
    guardrails: Vec<(Guardrail, Histogram, [Counter; 3])>,
    /// Answers the judge provider did not score, when one is configured.
    judge_failures: Option<Counter>,
    /// Per budget, in config order: requests it refused.
    budget_refusals: Vec<Counter>,
    budget_spent: Family<Labels, FloatGauge>,
    budget_limit: Family<Labels, FloatGauge>,
    /// Per SLO objective: target, current value, burn rate, breached.
    slo: [Family<Labels, FloatGauge>; 4],
}

/// What a guardrail did, as counted.
const GUARDRAIL_ACTIONS: [&str; 3] = ["blocked", "redacted", "bypassed"];

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn guardrail_histogram() -> Histogram {
    // 1 µs to about a quarter of a second.
    Histogram::new(exponential_buckets(0.000_001, 4.0, 10))
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    /// Every metric of a gateway configured with `settings`, at zero.
    pub fn new(settings: &Settings, guardrails: Vec<Guardrail>, budgets: &[Arc<str>]) -> Self {
        let mut registry = Registry::with_prefix("failover");
        let requests = Family::<Labels, Counter>::default();
        let failovers = Family::<Labels, Counter>::default();
        let latency = Family::<Labels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let (breaker, health) = (Family::default(), Family::default());
        let (fallback_ratio, fallback_level) = (Family::default(), Family::default());
        registry.register("requests", "Client requests by model, provider that served and outcome", requests.clone());
        registry.register(
            "failovers",
            "Requests that left a provider, by model, provider and failure class",
            failovers.clone(),
        );
        let soft = Family::<Labels, Counter>::default();
        registry.register(
            "soft_failures",
            "Successful answers judged a soft failure, by model, provider and class",
            soft.clone(),
        );
        registry.register("request_duration_seconds", "Time from receiving a request to answering it", latency.clone());
        registry.register("breaker_state", "1 for the state each (model, provider) breaker is in", breaker.clone());
        registry.register("health_score", "Health score per (model, provider), 0 healthy to 1", health.clone());
        registry.register(
            "fallback_activation_ratio",
            "Share of a model's requests over the window not served by the first provider of its chain",
            fallback_ratio.clone(),
        );
        registry.register(
            "fallback_activation_level",
            "1 for the level the fallback activation rate is at",
            fallback_level.clone(),
        );
        let label = |route: usize, provider: &str, key: &'static str, value: &str| -> Labels {
            vec![
                ("model", settings.routes[route].model.to_string()),
                ("provider", provider.to_owned()),
                (key, value.to_owned()),
            ]
        };
        let mut by_request = Vec::new();
        let mut by_failover = Vec::new();
        let mut by_latency = Vec::new();
        let mut by_soft = Vec::new();
        for (r, route) in settings.routes.iter().enumerate() {
            let providers: Vec<String> =
                (0..route.hops.len()).map(|h| settings.provider_of(r, h).id.to_string()).collect();
            let served = providers.iter().map(String::as_str).chain(["none"]);
            by_request.push(
                served
                    .map(|p| {
                        OUTCOMES
                            .iter()
                            .map(|o| requests.get_or_create(&label(r, p, "outcome", (*o).into())).clone())
                            .collect()
                    })
                    .collect(),
            );
            by_failover.push(
                providers
                    .iter()
                    .map(|p| {
                        ALL_CLASSES
                            .iter()
                            .map(|c| failovers.get_or_create(&label(r, p, "class", c.as_str())).clone())
                            .collect()
                    })
                    .collect(),
            );
            if settings.soft.is_some() {
                by_soft.push(
                    providers
                        .iter()
                        .map(|p| {
                            ALL_SOFT
                                .iter()
                                .map(|c| soft.get_or_create(&label(r, p, "class", c.name())).clone())
                                .collect()
                        })
                        .collect(),
                );
            }
            by_latency.push(latency.get_or_create(&vec![("model", route.model.to_string())]).clone());
        }
        let judge_failures = settings.judge.as_ref().map(|judge| {
            let family = Family::<Labels, Counter>::default();
            registry.register(
                "soft_judge_failures",
                "Whole answers the judge provider did not score (an error, no number, or too late), relayed unjudged",
                family.clone(),
            );
            family.get_or_create(&vec![("provider", settings.upstreams[judge.upstream].id.to_string())]).clone()
        });
        let guard_time = Family::<Labels, Histogram>::new_with_constructor(guardrail_histogram as fn() -> Histogram);
        let guard_actions = Family::<Labels, Counter>::default();
        if !guardrails.is_empty() {
            registry.register(
                "guardrail_duration_seconds",
                "Time a guardrail took to check a request or an answer",
                guard_time.clone(),
            );
            registry.register(
                "guardrail_actions",
                "Requests and answers a guardrail blocked or redacted, or that bypassed it",
                guard_actions.clone(),
            );
        }
        let guardrails = guardrails
            .into_iter()
            .map(|g| {
                let name = || ("guardrail", g.name().to_owned());
                let action = |a: &str| guard_actions.get_or_create(&vec![name(), ("action", a.to_owned())]).clone();
                (g, guard_time.get_or_create(&vec![name()]).clone(), GUARDRAIL_ACTIONS.map(action))
            })
            .collect();
        let (refusals, budget_spent, budget_limit) =
            (Family::<Labels, Counter>::default(), Family::default(), Family::default());
        if !budgets.is_empty() {
            registry.register(
                "budget_refusals",
                "Requests refused because a spend budget was spent, by budget",
                refusals.clone(),
            );
            registry.register(
                "budget_spent",
                "What a spend budget has spent in its current window, in its unit",
                budget_spent.clone(),
            );
            registry.register("budget_limit", "A spend budget's limit per window, in its unit", budget_limit.clone());
        }
        let budget_refusals =
            budgets.iter().map(|b| refusals.get_or_create(&vec![("budget", b.to_string())]).clone()).collect();
        let slo: [Family<Labels, FloatGauge>; 4] = Default::default();
        if !settings.slos.is_empty() {
            let help = [
                ("slo_target", "An SLO objective's target (ms for ttft_p95, US dollars for cost)"),
                ("slo_current", "An SLO objective's value over its window, in its target's unit"),
                ("slo_burn_rate", "How fast an SLO objective's window spends its error budget (1: exactly)"),
                ("slo_breached", "1 while an SLO objective is breached"),
            ];
            for ((name, help), family) in help.into_iter().zip(&slo) {
                registry.register(name, help, family.clone());
            }
        }
        Self {
            slo,
            budget_refusals,
            budget_spent,
            budget_limit,
            guardrails,
            judge_failures,
            registry,
            requests: by_request,
            failovers: by_failover,
            soft: by_soft,
            latency: by_latency,
            breaker,
            health,
            fallback_ratio,
            fallback_level,
        }
    }

    /// Counts a request of `route` that ended with `outcome`, served by chain
    /// position `served_by`, `seconds` after it arrived.
    pub fn request(&self, route: usize, served_by: Option<usize>, outcome: Outcome, seconds: f64) {
        let slots = &self.requests[route];
        let slot = served_by.unwrap_or(slots.len() - 1).min(slots.len() - 1);
        if let Some(i) = OUTCOMES.iter().position(|o| *o == outcome) {
            slots[slot][i].inc();
        }
        self.latency[route].observe(seconds);
    }

    /// Counts a request of `route` leaving chain position `hop` after `class`.
    pub fn failover(&self, route: usize, hop: usize, class: Class) {
        if let Some(i) = ALL_CLASSES.iter().position(|c| *c == class) {
            self.failovers[route][hop][i].inc();
        }
    }

    /// Counts an answer of chain position `hop` of `route` judged `class`.
    pub fn soft(&self, route: usize, hop: usize, class: SoftClass) {
        if let Some(i) = ALL_SOFT.iter().position(|c| *c == class) {
            self.soft[route][hop][i].inc();
        }
    }

    /// Counts an answer the judge provider did not score.
    pub fn judge_failed(&self) {
        if let Some(failures) = &self.judge_failures {
            failures.inc();
        }
    }

    /// Counts a request refused by budget `budget` (its position in the config).
    pub fn budget_refused(&self, budget: usize) {
        if let Some(counter) = self.budget_refusals.get(budget) {
            counter.inc();
        }
    }

    /// Records that `guardrail` took `seconds` to check a request or answer.
    pub fn guardrail(&self, guardrail: Guardrail, seconds: f64) {
        if let Some((_, time, _)) = self.guardrails.iter().find(|(g, _, _)| *g == guardrail) {
            time.observe(seconds);
        }
    }

    /// Counts what `guardrail` did: `blocked`, `redacted` or `bypassed`.
    pub fn guardrail_action(&self, guardrail: Guardrail, action: &str) {
        let found = self.guardrails.iter().find(|(g, _, _)| *g == guardrail);
        if let (Some((_, _, counters)), Some(i)) = (found, GUARDRAIL_ACTIONS.iter().position(|a| *a == action)) {
            counters[i].inc();
        }
    }

    /// The exposition, with state gauges set from `state`.
    pub fn render(&self, state: &Scraped) -> String {
        for ProviderState { model, provider, status, score } in &state.providers {
            for s in STATES {
                let labels = vec![
                    ("model", model.to_string()),
                    ("provider", provider.to_string()),
                    ("state", s.as_str().into()),
                ];
                self.breaker.get_or_create(&labels).set(i64::from(*status == s));
            }
            if let Some(score) = score {
                self.health
                    .get_or_create(&vec![("model", model.to_string()), ("provider", provider.to_string())])
                    .set(*score);
            }
        }
        for (model, ratio, level) in &state.fallback_rates {
            self.fallback_ratio.get_or_create(&vec![("model", model.to_string())]).set(*ratio);
            for l in LEVELS {
                let labels = vec![("model", model.to_string()), ("level", l.as_str().into())];
                self.fallback_level.get_or_create(&labels).set(i64::from(*level == l));
            }
        }
        for (budget, unit, spent, limit) in &state.budgets {
            let labels = vec![("budget", budget.to_string()), ("unit", (*unit).to_owned())];
            self.budget_spent.get_or_create(&labels).set(*spent);
            self.budget_limit.get_or_create(&labels).set(*limit);
        }
        for (id, s) in &state.slos {
            let labels = vec![("slo", id.to_string()), ("objective", s.objective.as_str().to_owned())];
            let shown = |v: f64| crate::slo::shown(s.objective, v);
            let values = [
                Some(shown(s.target)),
                s.current.map(shown),
                s.burn_rate.map(|b| b.min(f64::MAX)),
                Some(f64::from(u8::from(s.breached))),
            ];
            for (family, value) in self.slo.iter().zip(values) {
                match value {
                    Some(v) => {
                        family.get_or_create(&labels).set(v);
                    }
                    // Nothing counted: no value, rather than a made-up one.
                    None => {
                        family.remove(&labels);
                    }
                }
            }
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

/// One (model, provider) as scraped: its breaker status and health score.
pub(crate) struct ProviderState {
    pub model: Arc<str>,
    pub provider: Arc<str>,
    pub status: Status,
    pub score: Option<f64>,
}

/// The state the scrape-time gauges are set from.
#[derive(Default)]
pub(crate) struct Scraped {
    /// Every (model, provider).
    pub providers: Vec<ProviderState>,
    /// (model, fallback activation ratio, level), for models whose rate is watched.
    pub fallback_rates: Vec<(Arc<str>, f64, Level)>,
    /// (budget, unit, spent in the current window, limit), for every budget.
    pub budgets: Vec<(Arc<str>, &'static str, f64, f64)>,
    /// (SLO id, one objective's status), for every SLO.
    pub slos: Vec<(Arc<str>, failover_policy::slo::Status)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_a_counter() {
        let names: Vec<&str> = OUTCOMES.iter().map(|o| <&str>::from(*o)).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), OUTCOMES.len(), "{names:?}");
    }
}
