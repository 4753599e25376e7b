//! The `conformance/v1` gateway config: what the suite writes for every scenario
//! and what any gateway under test (the bundled reference gateway or a vendor's,
//! through its adapter) must read.
//!
//! Every duration is an integer number of milliseconds in a field ending in `_ms`,
//! so a negative or fractional duration is a parse error that names its field.
//! Unknown fields are rejected rather than ignored: a typo in a knob must not
//! silently fall back to a default.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod evaluation;
mod validate;
mod warnings;

pub use config::{
    AdminConfig, Bounds, BreakerConfig, CacheConfig, ChainEntry, ClassThresholds, ConcurrentConfig,
    ContextPolicyConfig, DRILL_CLASSES, DrillConfig, ENCODINGS, EvaluationConfig, Expectation, FailbackConfig,
    FallbackRateConfig, GatewayConfig, GoldenCase, GoldenSet, GuardrailsConfig, HealthClassWeights, HealthConfig,
    HealthThresholds, HealthWeights, IdempotencyConfig, JudgeConfig, LatencyRoutingConfig, LearningConfig,
    LimitsConfig, ModelConfig, MonitoringConfig, PiiAction, PiiGuardConfig, PiiKind, PolicyConfig, PrewarmConfig,
    PriceConfig, ProbesConfig, PromptInjectionConfig, PromptLengthConfig, ProviderConfig, RegionOutageConfig,
    RetryBudgetConfig, RetryConfig, SCHEMA, SessionsConfig, SloConfig, SoftFailureClass, SoftFailuresConfig,
    SpendBudgetConfig, StallConfig, StepValidation, StoreConfig, StreamingConfig, TokenRateConfig,
};
pub use validate::ConfigError;
pub use warnings::{ConfigWarning, is_dated};

impl GatewayConfig {
    /// Parses and validates a config from its JSON text.
    ///
    /// The error names the offending field as a path (`policy.breaker.open_ms`,
    /// `models[0].backend_map[1].provider`) and says what to fix.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let config: GatewayConfig = serde_path_to_error::deserialize(&mut de).map_err(ConfigError::from_serde)?;
        de.end().map_err(|e| ConfigError::new("(document)", e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a config file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new("(file)", format!("cannot read {}: {e}", path.display())))?;
        Self::from_json(&text)
    }

    /// The JSON Schema of `conformance/v1`, generated from these types; the
    /// repository keeps a copy in `docs/conformance-v1.schema.json`.
    pub fn json_schema() -> serde_json::Value {
        let mut schema = serde_json::to_value(schemars::schema_for!(GatewayConfig)).expect("a schema serialises");
        schema["$id"] = "https://failover-conformance.invalid/schemas/conformance-v1.json".into();
        schema["title"] = "conformance/v1 gateway config".into();
        schema
    }

    /// The config as pretty JSON, as the suite writes it for a gateway.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("config serialises")
    }
}
