//! The config a scenario builds up step by step before its gateway starts.
//!
//! Defaults are scaled down from production (seconds become milliseconds) so the
//! suite runs in seconds; steps override the knobs a scenario is about.
use std::collections::BTreeMap;
use std::str::FromStr;

use failover_contract::{
    AdminConfig, Bounds, BreakerConfig, ChainEntry, ClassThresholds, DrillConfig, FailbackConfig, FallbackRateConfig,
    GatewayConfig, HealthConfig, HealthThresholds, HealthWeights, IdempotencyConfig, LearningConfig, LimitsConfig,
    ModelConfig, MonitoringConfig, PolicyConfig, PrewarmConfig, ProbesConfig, ProviderConfig, RetryBudgetConfig,
    RetryConfig, SCHEMA, StepValidation, StoreConfig, StreamingConfig,
};

use crate::mock::MockProvider;

/// A model's provider chain as a feature writes it:
/// `"primary" then "secondary" as "gpt-4o-mini"`, or `"primary" only`.
/// Entries joined by `or` share a priority level (`"a" or "b" then "c"`):
/// the gateway picks among them by latency.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain(pub Vec<ChainEntry>);

impl FromStr for Chain {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shape =
            "write a chain as \"a\" then \"b\" as \"model-b\" (or \"a\" only; \"a\" or \"b\" for one priority level)";
        let s = s.trim().strip_suffix(" only").unwrap_or(s.trim());
        let levels: Vec<&str> = s.split(" then ").collect();
        let leveled = levels.iter().any(|level| level.contains(" or "));
        let mut entries = Vec::new();
        for (priority, level) in levels.iter().enumerate() {
            for part in level.split(" or ") {
                let mut quoted = part.split('"').skip(1).step_by(2);
                let provider = quoted.next().ok_or_else(|| format!("\"{part}\" names no provider; {shape}"))?;
                let model = match part.contains(" as ") {
                    true => {
                        Some(quoted.next().ok_or_else(|| format!("\"{part}\" maps to no model; {shape}"))?.to_owned())
                    }
                    false => None,
                };
                let priority = leveled.then_some(priority as u32);
                entries.push(ChainEntry {
                    provider: provider.to_owned(),
                    model,
                    context_window: None,
                    priority,
                    price: None,
                    model_version: None,
                });
            }
        }
        Ok(Chain(entries))
    }
}

/// The seed every scenario's gateway draws its random numbers from, so that
/// a failing scenario can be run again decision for decision.
pub const SEED: u64 = 0x5EED_F00D;

/// How every scenario's admin token begins (`conformance-admin-<random>`).
pub const ADMIN_TOKEN_PREFIX: &str = "conformance-admin-";

/// Everything but the providers' addresses, which the mocks know.
#[derive(Clone, Debug)]
pub struct Draft {
    /// Models and their chains, in the order the scenario named them.
    pub models: Vec<ModelConfig>,
    /// The policy knobs.
    pub policy: PolicyConfig,
    /// Input limits.
    pub limits: LimitsConfig,
    /// The gateway's own probes, if the scenario turns them on.
    pub probes: Option<ProbesConfig>,
    /// Warm connections, if the scenario asks for them.
    pub prewarm: Option<PrewarmConfig>,
    /// The admin API's token: a fresh one per scenario, which the suite
    /// sends on every admin request and looks for where it must not be.
    pub admin: AdminConfig,
    /// What the gateway watches about itself.
    pub monitoring: MonitoringConfig,
    /// Drills run on a schedule.
    pub drills: Vec<DrillConfig>,
    /// The gateway's store, if the scenario gives it one.
    pub store: Option<StoreConfig>,
    /// The guardrails the scenario turns on.
    pub guardrails: failover_contract::GuardrailsConfig,
    /// Gateway-side sessions, when the scenario keeps them.
    pub sessions: Option<failover_contract::SessionsConfig>,
    /// The cache at the end of every chain, when the scenario keeps one.
    pub cache: Option<failover_contract::CacheConfig>,
    /// The spend budgets.
    pub budgets: Vec<failover_contract::SpendBudgetConfig>,
    /// The service level objectives.
    pub slos: Vec<failover_contract::SloConfig>,
    /// Continuous evaluation, if on.
    pub evaluation: Option<failover_contract::EvaluationConfig>,
    /// Each provider's region, where the scenario names one.
    pub regions: BTreeMap<String, String>,
    /// Each provider's bound on requests at once, where the scenario sets one.
    pub provider_limits: BTreeMap<String, u32>,
}

impl Default for Draft {
    fn default() -> Self {
        Self {
            models: Vec::new(),
            policy: PolicyConfig {
                request_timeout_ms: 3_000,
                attempt_timeout_ms: 1_000,
                retry: RetryConfig {
                    max_attempts: 1,
                    backoff_base_ms: 1,
                    backoff_cap_ms: 5,
                    retry_after_cap_ms: 100,
                    budget: None,
                },
                breaker: BreakerConfig {
                    window_ms: 10_000,
                    min_calls: 4,
                    failure_rate: 0.5,
                    open_ms: 5_000,
                    open_max_ms: 20_000,
                    half_open_probes: 1,
                    probe_timeout_ms: None,
                    open_backoff_reset_ms: None,
                    class_thresholds: ClassThresholds::default(),
                },
                failback: FailbackConfig::Immediate,
                streaming: StreamingConfig { first_byte_timeout_ms: None, idle_timeout_ms: 1_000 },
                idempotency: IdempotencyConfig { window_ms: 60_000, capacity: 1_000 },
                random_seed: Some(SEED),
                health: None,
                learning: None,
                latency_routing: None,
                region_outage: None,
                stall: None,
                soft_failures: None,
            },
            limits: LimitsConfig::default(),
            probes: None,
            prewarm: None,
            monitoring: MonitoringConfig::default(),
            drills: Vec::new(),
            store: None,
            guardrails: Default::default(),
            sessions: None,
            cache: None,
            budgets: Vec::new(),
            slos: Vec::new(),
            evaluation: None,
            regions: BTreeMap::new(),
            provider_limits: BTreeMap::new(),
            admin: AdminConfig {
                token: Some(format!("{ADMIN_TOKEN_PREFIX}{:016x}", fastrand::u64(..))),
                token_env: None,
            },
        }
    }
}

impl Draft {
    /// Sets (or replaces) a model's chain.
    pub fn route(&mut self, model: &str, chain: Chain) {
        self.models.retain(|m| m.name != model);
        self.models.push(ModelConfig {
            name: model.to_owned(),
            backend_map: chain.0,
            idempotent: true,
            content_policy_chain: Vec::new(),
            default_answer: None,
        });
    }

    /// The full config, with every provider of the scenario.
    pub fn build(&self, providers: &BTreeMap<String, MockProvider>) -> GatewayConfig {
        GatewayConfig {
            schema: SCHEMA.to_owned(),
            providers: providers
                .values()
                .map(|p| ProviderConfig {
                    id: p.id().to_owned(),
                    base_url: p.base_url(),
                    api_key: p.api_key().to_owned(),
                    region: self.regions.get(p.id()).cloned(),
                    max_in_flight: self.provider_limits.get(p.id()).copied(),
                })
                .collect(),
            models: self.models.clone(),
            policy: self.policy.clone(),
            limits: self.limits,
            probes: self.probes.clone(),
            prewarm: self.prewarm,
            admin: self.admin.clone(),
            monitoring: self.monitoring,
            drills: self.drills.clone(),
            store: self.store.clone(),
            guardrails: self.guardrails.clone(),
            sessions: self.sessions.clone(),
            cache: self.cache,
            budgets: self.budgets.clone(),
            slos: self.slos.clone(),
            evaluation: self.evaluation.clone(),
        }
    }
}

/// A breaker that opens when `percent` % of at least `min_calls` calls in
/// `window_ms` fail, for `open_ms` (its cap raised to at least that).
pub fn breaker(breaker: &mut BreakerConfig, percent: u32, min_calls: u32, window_ms: u64, open_ms: u64) {
    breaker.failure_rate = f64::from(percent) / 100.0;
    (breaker.min_calls, breaker.window_ms, breaker.open_ms) = (min_calls, window_ms, open_ms);
    breaker.open_max_ms = breaker.open_max_ms.max(open_ms);
}

/// Gives failure class `class` an opening rate of its own, `percent` % of
/// the calls in the breaker's window.
pub fn class_threshold(breaker: &mut BreakerConfig, class: &str, percent: u32) -> Result<(), String> {
    let mut thresholds = serde_json::to_value(breaker.class_thresholds).map_err(|e| e.to_string())?;
    thresholds[class] = serde_json::Value::from(f64::from(percent) / 100.0);
    breaker.class_thresholds = serde_json::from_value::<ClassThresholds>(thresholds)
        .map_err(|e| format!("\"{class}\" cannot have a threshold of its own: {e}"))?;
    Ok(())
}

/// Lets learning set the breaker's `setting` between `min` and `max`.
pub fn learning(policy: &mut PolicyConfig, setting: &str, min: u64, max: u64) -> Result<(), String> {
    let learning = policy.learning.get_or_insert_with(LearningConfig::default);
    let bounds = Some(Bounds { min, max });
    match setting {
        "min_calls" => learning.min_calls = bounds,
        "open_ms" => learning.open_ms = bounds,
        "half_open_probes" => learning.half_open_probes = bounds,
        other => {
            return Err(format!("learning has no setting \"{other}\": write min_calls, open_ms or half_open_probes"));
        }
    }
    Ok(())
}

/// A failback ramp's validation: `min_calls` calls, at most `max_errors_percent` failing.
pub fn step_validation(min_calls: u32, max_errors_percent: u32) -> StepValidation {
    StepValidation { min_calls, max_error_rate: f64::from(max_errors_percent) / 100.0, max_p95_ms: None }
}

/// A gradual failback through `percent`, each share held `step_ms`.
pub fn gradual(percent: &[u64], step_ms: u64, validation: StepValidation) -> FailbackConfig {
    FailbackConfig::Gradual { percent: percent.iter().map(|p| *p as f64).collect(), step_ms, validation }
}

/// A retry budget of `capacity` retries, refilled by `percent` % of requests
/// and `per_sec` a second.
pub fn retry_budget(capacity: u32, percent: u32, per_sec: u32) -> RetryBudgetConfig {
    RetryBudgetConfig { ratio: f64::from(percent) / 100.0, min_per_sec: per_sec, capacity }
}

/// Turns health scoring on: drain at `score`, from at least `samples` samples
/// in `window_ms`, against the mean latency of the first `baseline` answers,
/// with trends looking `horizon_ms` ahead. Weights and thresholds keep their
/// values until set.
pub fn health(policy: &mut PolicyConfig, score: f64, samples: u32, window_ms: u64, baseline: u32, horizon_ms: u64) {
    let health = policy.health.get_or_insert_with(HealthConfig::default);
    (health.drain_score, health.min_samples, health.window_ms) = (score, samples, window_ms);
    (health.baseline_samples, health.trend_horizon_ms) = (baseline, horizon_ms);
}

/// A drill of `provider` failing with `class` for `duration_ms`, each time
/// the cron expression `schedule` fires.
pub fn drill(provider: &str, class: &str, duration_ms: u64, schedule: &str) -> DrillConfig {
    DrillConfig {
        provider: provider.to_owned(),
        class: class.to_owned(),
        share: 1.0,
        duration_ms,
        schedule: schedule.to_owned(),
    }
}

/// Watches the fallback activation rate over `window_ms`: warning from
/// `warning_pct` %, alert above `alert_pct` %, once `min_requests` are in the window.
pub fn fallback_rate(window_ms: u64, warning_pct: f64, alert_pct: f64, min_requests: u32) -> FallbackRateConfig {
    FallbackRateConfig { window_ms, warning: warning_pct / 100.0, alert: alert_pct / 100.0, min_requests }
}

/// Turns the gateway's own probes on, every `interval_ms`, with the suite's
/// probe text.
pub fn probes(interval_ms: u64) -> ProbesConfig {
    ProbesConfig { interval_ms, prompt: crate::attribution::PROBE_PROMPT.to_owned() }
}

/// The health metrics' weights, in the order the docs list them.
pub fn health_weights(policy: &mut PolicyConfig, weights: [f64; 6]) {
    let [error_rate, latency, p95, latency_trend, error_trend, headroom] = weights;
    policy.health.get_or_insert_with(HealthConfig::default).weights =
        HealthWeights { error_rate, latency, p95, latency_trend, error_trend, headroom };
}

/// The health metrics' thresholds: failed share, latency and p95 over the
/// baseline, and share of the rate limit used.
pub fn health_thresholds(policy: &mut PolicyConfig, thresholds: [f64; 4]) {
    let [error_rate, latency_ratio, p95_ratio, headroom] = thresholds;
    policy.health.get_or_insert_with(HealthConfig::default).thresholds =
        HealthThresholds { error_rate, latency_ratio, p95_ratio, headroom };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_parse_with_model_mappings() {
        let chain: Chain = r#""primary" then "secondary" as "mini" then "third""#.parse().unwrap();
        let names: Vec<(&str, Option<&str>)> =
            chain.0.iter().map(|e| (e.provider.as_str(), e.model.as_deref())).collect();
        assert_eq!(names, [("primary", None), ("secondary", Some("mini")), ("third", None)]);
        assert_eq!(r#""solo" only"#.parse::<Chain>().unwrap().0.len(), 1);
        assert!("primary".parse::<Chain>().unwrap_err().contains("names no provider"));
    }
}
