//! Optional gateway capabilities. A scenario that needs one is tagged
//! `@requires-<name>`; a gateway declares what it has. A scenario needing an
//! undeclared capability is not run and is reported as *not supported*,
//! neither passed nor failed.
use std::collections::BTreeSet;

/// Every capability the features may require, with what it means.
pub const KNOWN: &[(&str, &str)] = &[
    ("streaming", "relays `stream: true` chat completions as server-sent events"),
    ("events", "serves its decision log at GET /admin/events (see docs/contract.md)"),
    ("idempotency-key", "replays answers to requests repeated with the same Idempotency-Key header"),
    ("attempt-headers", "answers with x-failover-served-by and x-failover-attempts headers"),
    ("retry-budget", "bounds retries across requests with a retry budget (policy.retry.budget)"),
    (
        "context-windows",
        "after a context overflow, skips chain entries whose context_window is no larger than the one that overflowed",
    ),
    (
        "health-scoring",
        "drains a provider on a health score from several metrics before its failures reach clients (policy.health)",
    ),
    (
        "health-api",
        "serves every provider's state and health at GET /admin/providers, behind the admin token (admin.token)",
    ),
    ("active-probes", "probes every chain entry itself (probes), and never makes a client's request a half-open probe"),
    ("health-warnings", "logs a health_warning event when a provider's score reaches policy.health.warn_score"),
    ("metrics", "serves Prometheus metrics at GET /metrics (see docs/contract.md)"),
    (
        "fallback-rate",
        "watches the fallback activation rate per model (monitoring.fallback_rate) and logs each change of level",
    ),
    (
        "analytics",
        "records failover episodes in the store (store) and summarises them, with suggested settings, at GET /admin/analytics",
    ),
    (
        "learning",
        "adjusts its breaker settings within policy.learning's bounds from its recorded episodes, each a threshold_adjusted event",
    ),
    (
        "dashboard",
        "serves a live dashboard at GET /admin/dashboard and its snapshot stream at GET /admin/dashboard/stream",
    ),
    (
        "gradual-failback",
        "ramps a recovered provider's traffic back in validated steps (policy.failback: gradual, canary, blue_green), logging each step",
    ),
    (
        "regions",
        "orders entries of equal priority by observed latency with hysteresis (policy.latency_routing) and takes a region out when several of its providers fail together (policy.region_outage)",
    ),
    (
        "load",
        "serves 2,000 requests in flight at once, sheds what it cannot take with 503 and Retry-After, and is a process the suite starts, whose descriptors and memory /proc shows",
    ),
    (
        "provider-limits",
        "sends a provider at most providers[].max_in_flight requests at once, passing it over for the next provider beyond that, and sheds with 503 and Retry-After when every provider is at its bound",
    ),
    (
        "stall-detection",
        "opens a provider's breaker when it stops answering while requests wait on it (policy.stall, reason stalled), and fails the waiting requests over at once instead of after the attempt timeout",
    ),
    (
        "prewarm",
        "keeps warm connections to every provider (prewarm), so that a fallback's first request after a failover opens none",
    ),
    (
        "soft-failures",
        "judges successful chat answers for refusals, format violations, instruction drift, degraded answers and ungrounded citations (policy.soft_failures), flagging each in x-failover-soft-failure, a soft_failure event and /metrics",
    ),
    (
        "soft-failover",
        "treats a non-streamed answer of a soft class in policy.soft_failures.fail_over_on as a failed attempt (class soft_failure): counted by the provider's breaker, the request moved on to the next provider, the last wrong answer relayed flagged when none does better",
    ),
    (
        "content-policy-fallback",
        "sends a request a provider's content policy refused (400 content_policy_violation, or finish_reason content_filter) to the model's content_policy_chain and nowhere else, relays the last refusal unchanged when none serves, and counts no refusal against a breaker",
    ),
    (
        "soft-failures-schema",
        "judges an answer to a request with response_format json_schema against the schema it gave, flagging JSON that does not match it as a format_violation",
    ),
    (
        "soft-failures-streaming",
        "judges a streamed chat answer for soft failures when it is complete, ending it with a chunk that flags the class (failover.soft_failure) before [DONE], and counts a class in fail_over_on against the provider's breaker",
    ),
    (
        "guardrails",
        "honours guardrails: blocks prompts over guardrails.prompt_length.max_tokens (counted with the named encoding), known prompt injections and personal data (blocked or redacted) before any provider is called, redacts or withholds personal data in whole chat answers, times and counts each guardrail in /metrics, logs guardrail events, and lets only the admin token bypass them (x-failover-guardrail-bypass)",
    ),
    (
        "class-thresholds",
        "judges each failure class given policy.breaker.class_thresholds against that opening rate alone, in the breaker's window, counts a soft class given one even when it is only flagged, and names the class in the breaker_transition event (reason class_failure_rate_reached)",
    ),
    (
        "token-rate",
        "with policy.soft_failures.token_rate, measures each complete stream's generation rate (content chunks after the first, over the time from the first to the last) against the mean of its (model, provider)'s first baseline_streams measured streams, and flags a stream below min_share of it as quality_degradation",
    ),
    (
        "soft-judge",
        "with policy.soft_failures.judge, sends each whole chat answer with nothing else wrong, with the request's message texts, to the judge provider, flags it as a hallucination when the judge's score is below min_score, and relays it unjudged, counted in failover_soft_judge_failures_total, when the judge fails, is late or gives no score",
    ),
    ("drills", "runs fire drills through POST /admin/drills and on a cron schedule (drills), and reports each"),
    (
        "fallback-tail",
        "ends every chain with an exact-match cache of recent answers (cache) and a default answer per model (models[].default_answer), each marked in x-failover-fallback, for non-streamed chat completions no provider served",
    ),
    (
        "sessions",
        "keeps gateway-side sessions named by x-session-id in its store (sessions): replays the whole context to whichever provider serves, fitted to its context_window, across failovers and restarts; 409 session_busy, 410 session_expired",
    ),
    (
        "budgets",
        "holds spend budgets per client API key and model (budgets), in tokens or US dollars by each chain entry's price, counting every attempt; a spent budget answers 429 budget_exceeded naming it and its reset (Retry-After, x-failover-budget, x-failover-budget-reset-ms) and sends nothing more, within one answer of the limit however many requests arrive at once",
    ),
    (
        "budget-listing",
        "lists every spend budget's limit, spend by the providers' usage and reset at GET /admin/budgets",
    ),
    (
        "slos",
        "tracks service level objectives per model over sliding windows (slos): availability, goodput, time-to-first-token p95, soft-failure rate and cost per useful answer, each with its target, current value and error-budget burn rate at GET /admin/slo, an slo_breach event when one is breached and slo_recovered when it no longer is",
    ),
    (
        "secret-hygiene",
        "never shows a provider's API key or the admin token: not in answers (a provider's error that gives its key back is not relayed), headers, streams, admin API pages, metrics or its own output",
    ),
    (
        "model-substitution",
        "honours backend_map[].model_version: an answer whose model field names another model than the version its chain entry pins is a soft failure of class model_substitution (flagged, logged, counted; a failed attempt when acted on), whole or streamed",
    ),
    (
        "continuous-eval",
        "sends each model's golden set (evaluation) to every entry of its chain each interval_ms, grades the answers (exact, pattern, JSON Schema) and marks an entry degraded while its pass rate over its latest window rounds is below min_pass_rate: in GET /admin/providers with the failing cases as evidence, on the dashboard and as evaluation events",
    ),
];

/// The capabilities of the bundled reference gateway.
pub const BUNDLED: &[&str] = &[
    "streaming",
    "events",
    "idempotency-key",
    "attempt-headers",
    "retry-budget",
    "context-windows",
    "health-scoring",
    "health-api",
    "active-probes",
    "health-warnings",
    "metrics",
    "fallback-rate",
    "drills",
    "analytics",
    "learning",
    "dashboard",
    "gradual-failback",
    "regions",
    "prewarm",
    "load",
    "provider-limits",
    "stall-detection",
    "soft-failures",
    "soft-failover",
    "soft-failures-streaming",
    "soft-failures-schema",
    "content-policy-fallback",
    "guardrails",
    "class-thresholds",
    "token-rate",
    "soft-judge",
    "sessions",
    "budgets",
    "budget-listing",
    "fallback-tail",
    "slos",
    "secret-hygiene",
    "model-substitution",
    "continuous-eval",
];

/// The tag prefix that names a required capability.
pub const TAG_PREFIX: &str = "requires-";

/// What a gateway declared, and where the declaration came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// Capability names.
    pub names: BTreeSet<String>,
    /// `bundled`, `FAILOVER_GATEWAY_CAPABILITIES`, a manifest path, ...
    pub source: String,
}

impl Declared {
    /// What the bundled reference gateway has: every capability a feature
    /// requires so far.
    pub fn bundled() -> Self {
        let names = BUNDLED.iter().map(|n| (*n).to_owned()).collect();
        Self { names, source: "bundled reference gateway".into() }
    }

    /// Parses `streaming,events` (spaces and empty items allowed).
    pub fn parse(list: &str, source: &str) -> Result<Self, String> {
        let mut names = BTreeSet::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            check(name)?;
            names.insert(name.to_owned());
        }
        Ok(Self { names, source: source.to_owned() })
    }

    /// The capabilities `tags` require that were not declared.
    pub fn missing(&self, tags: &[String]) -> Vec<String> {
        tags.iter()
            .filter_map(|t| t.strip_prefix(TAG_PREFIX))
            .filter(|name| !self.names.contains(*name))
            .map(str::to_owned)
            .collect()
    }
}

/// Checks a capability name against the known ones.
pub fn check(name: &str) -> Result<(), String> {
    if KNOWN.iter().any(|(n, _)| *n == name) {
        Ok(())
    } else {
        let known: Vec<&str> = KNOWN.iter().map(|(n, _)| *n).collect();
        Err(format!("unknown capability \"{name}\"; known capabilities: {}", known.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_requirements_are_missing() {
        let declared = Declared::parse("streaming, events", "test").unwrap();
        let tags = ["core", "requires-streaming", "requires-metrics"].map(String::from);
        assert_eq!(declared.missing(&tags), ["metrics"]);
        assert!(Declared::parse("teleport", "test").unwrap_err().contains("known capabilities"));
    }
}
