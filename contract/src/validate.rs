//! Checks a parsed config for what serde cannot: references between sections,
//! uniqueness, and knob ranges. Each error names the field by its path.
use std::collections::HashSet;
use std::fmt;

use crate::{ChainEntry, GatewayConfig, ModelConfig, SCHEMA};

/// A config that cannot be used, with the path of the field to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// Path of the offending field, e.g. `models[1].backend_map[0].provider`.
    pub path: String,
    /// What is wrong and what is expected instead.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid config at `{}`: {}", self.path, self.message)
    }
}

impl ConfigError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }

    pub(crate) fn from_serde(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e.path().to_string();
        let path = if path == "." { "(document)".to_owned() } else { path };
        Self::new(path, e.into_inner().to_string())
    }
}

/// Checks that every chain entry of the `models` (index, model) has a price.
fn priced(models: Vec<(usize, &ModelConfig)>, why: &str) -> Result<(), ConfigError> {
    for (m, model) in models {
        let chains = [("backend_map", &model.backend_map), ("content_policy_chain", &model.content_policy_chain)];
        for (name, chain) in chains {
            for (j, entry) in chain.iter().enumerate() {
                check(entry.price.is_some(), &format!("models[{m}].{name}[{j}].price"), why)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn check(ok: bool, path: &str, message: impl Into<String>) -> Result<(), ConfigError> {
    if ok { Ok(()) } else { Err(ConfigError::new(path, message)) }
}

/// The patterns compile and the thresholds are in range.
fn validate_soft(soft: &crate::SoftFailuresConfig) -> Result<(), ConfigError> {
    let path = "policy.soft_failures";
    let patterns = soft.required.iter().enumerate().map(|(i, p)| (format!("{path}.required[{i}]"), p));
    let patterns =
        patterns.chain(soft.forbidden.iter().enumerate().map(|(i, p)| (format!("{path}.forbidden[{i}]"), p)));
    let patterns = patterns.chain(soft.citation_ids.iter().map(|p| (format!("{path}.citation_ids"), p)));
    for (at, pattern) in patterns {
        if let Err(e) = regex::Regex::new(pattern) {
            return Err(ConfigError::new(at, format!("is not a valid regular expression: {e}")));
        }
    }
    for (i, phrase) in soft.refusal_phrases.iter().enumerate() {
        check(!phrase.trim().is_empty(), &format!("{path}.refusal_phrases[{i}]"), "must not be empty")?;
    }
    check(soft.ngram >= 1, &format!("{path}.ngram"), "must be at least 1")?;
    check(
        soft.max_repeated > 0.0 && soft.max_repeated <= 1.0,
        &format!("{path}.max_repeated"),
        format!("must be a fraction in (0, 1], found {}", soft.max_repeated),
    )?;
    check(soft.quote_words != Some(0), &format!("{path}.quote_words"), "must be at least 1 word")?;
    check(soft.max_chars != Some(0), &format!("{path}.max_chars"), "must be greater than 0")?;
    if let Some(rate) = &soft.token_rate {
        check(rate.baseline_streams >= 1, &format!("{path}.token_rate.baseline_streams"), "must be at least 1")?;
        check(
            rate.min_share > 0.0 && rate.min_share < 1.0,
            &format!("{path}.token_rate.min_share"),
            format!("must be a fraction in (0, 1), found {}", rate.min_share),
        )?;
        check(
            rate.min_tokens >= 2,
            &format!("{path}.token_rate.min_tokens"),
            "must be at least 2: a rate needs two chunks and the time between them",
        )?;
    }
    Ok(())
}

/// Each guardrail's patterns compile and its settings can be met.
fn validate_guardrails(g: &crate::GuardrailsConfig) -> Result<(), ConfigError> {
    if let Some(length) = &g.prompt_length {
        check(length.max_tokens > 0, "guardrails.prompt_length.max_tokens", "must be at least 1")?;
        check(
            crate::ENCODINGS.contains(&length.encoding.as_str()),
            "guardrails.prompt_length.encoding",
            format!("\"{}\" is not an encoding the gateway knows; use one of {:?}", length.encoding, crate::ENCODINGS),
        )?;
    }
    if let Some(injection) = &g.prompt_injection {
        for (i, pattern) in injection.patterns.iter().enumerate() {
            if let Err(e) = regex::Regex::new(pattern) {
                let at = format!("guardrails.prompt_injection.patterns[{i}]");
                return Err(ConfigError::new(at, format!("is not a valid regular expression: {e}")));
            }
        }
    }
    for (name, pii) in [("pii", &g.pii), ("output_pii", &g.output_pii)] {
        if let Some(pii) = pii {
            check(
                !pii.kinds.is_empty(),
                &format!("guardrails.{name}.kinds"),
                "must name at least one of email, phone, card, or be left out for all three",
            )?;
        }
    }
    Ok(())
}

impl GatewayConfig {
    /// Checks everything serde does not: references, uniqueness and ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check(self.schema == SCHEMA, "schema", format!("expected \"{SCHEMA}\", found \"{}\"", self.schema))?;
        self.validate_providers()?;
        self.validate_models()?;
        self.validate_policy()?;
        self.validate_operations()?;
        validate_guardrails(&self.guardrails)?;
        check(self.limits.max_body_bytes > 0, "limits.max_body_bytes", "must be greater than 0")
    }

    fn validate_operations(&self) -> Result<(), ConfigError> {
        if let Some(store) = &self.store {
            check(!store.path.trim().is_empty(), "store.path", "must name the store's file")?;
        }
        if let Some(sessions) = &self.sessions {
            check(
                self.store.is_some(),
                "sessions",
                "sessions are kept in the gateway's store: configure \"store\" with the file to keep them in",
            )?;
            check(sessions.idle_timeout_ms > 0, "sessions.idle_timeout_ms", "must be greater than 0")?;
            check(
                crate::ENCODINGS.contains(&sessions.encoding.as_str()),
                "sessions.encoding",
                format!(
                    "\"{}\" is not an encoding the gateway knows; use one of {:?}",
                    sessions.encoding,
                    crate::ENCODINGS
                ),
            )?;
        }
        self.validate_budgets()?;
        self.validate_slos()?;
        self.validate_evaluation()?;
        if let Some(cache) = &self.cache {
            check(cache.max_entries > 0, "cache.max_entries", "must be at least 1")?;
            check(cache.max_age_ms > 0, "cache.max_age_ms", "must be greater than 0")?;
            check(
                (0.0..=2.0).contains(&cache.max_temperature),
                "cache.max_temperature",
                format!("must be a temperature from 0 to 2, found {}", cache.max_temperature),
            )?;
        }
        if let Some(probes) = &self.probes {
            check(probes.interval_ms > 0, "probes.interval_ms", "must be greater than 0")?;
            check(!probes.prompt.trim().is_empty(), "probes.prompt", "must not be empty")?;
        }
        if let Some(rate) = &self.monitoring.fallback_rate {
            let path = "monitoring.fallback_rate";
            check(rate.window_ms > 0, &format!("{path}.window_ms"), "must be greater than 0")?;
            check(
                rate.warning.is_finite() && rate.warning > 0.0 && rate.warning <= 1.0,
                &format!("{path}.warning"),
                format!("must be a share in (0, 1], found {}", rate.warning),
            )?;
            check(
                rate.alert.is_finite() && rate.alert >= rate.warning && rate.alert <= 1.0,
                &format!("{path}.alert"),
                format!("must be a share in [warning, 1] (warning is {}), found {}", rate.warning, rate.alert),
            )?;
        }
        for (i, d) in self.drills.iter().enumerate() {
            let at = |field: &str| format!("drills[{i}].{field}");
            check(
                self.providers.iter().any(|p| p.id == d.provider),
                &at("provider"),
                format!("unknown provider \"{}\"", d.provider),
            )?;
            check(
                crate::config::DRILL_CLASSES.contains(&d.class.as_str()),
                &at("class"),
                format!("\"{}\" is not a drill class; one of {:?}", d.class, crate::config::DRILL_CLASSES),
            )?;
            check(
                d.share.is_finite() && d.share > 0.0 && d.share <= 1.0,
                &at("share"),
                format!("must be a share in (0, 1], found {}", d.share),
            )?;
            check(d.duration_ms > 0, &at("duration_ms"), "must be greater than 0")?;
            check(!d.schedule.trim().is_empty(), &at("schedule"), "must be a cron expression")?;
        }
        let admin = &self.admin;
        check(
            admin.token.is_none() || admin.token_env.is_none(),
            "admin.token_env",
            "give the token or the variable that holds it, not both",
        )?;
        if let Some(token) = &admin.token {
            check(
                !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic()),
                "admin.token",
                "must be non-empty printable ASCII without spaces, as it is sent in an Authorization header",
            )?;
        }
        if let Some(name) = &admin.token_env {
            check(!name.is_empty(), "admin.token_env", "must name an environment variable")?;
        }
        Ok(())
    }

    fn validate_providers(&self) -> Result<(), ConfigError> {
        check(!self.providers.is_empty(), "providers", "at least one provider is required")?;
        let mut seen = HashSet::new();
        for (i, p) in self.providers.iter().enumerate() {
            let at = |field: &str| format!("providers[{i}].{field}");
            check(!p.id.is_empty(), &at("id"), "must not be empty")?;
            check(seen.insert(p.id.as_str()), &at("id"), format!("duplicate provider id \"{}\"", p.id))?;
            check(
                p.base_url.starts_with("http://") || p.base_url.starts_with("https://"),
                &at("base_url"),
                format!("must be an absolute http:// or https:// URL, found \"{}\"", p.base_url),
            )?;
            check(!p.api_key.is_empty(), &at("api_key"), "must not be empty")?;
            if let Some(n) = p.max_in_flight {
                check(n >= 1, &at("max_in_flight"), "must be at least 1 when given: 0 would never send it a request")?;
            }
        }
        Ok(())
    }

    fn validate_budgets(&self) -> Result<(), ConfigError> {
        let mut ids = HashSet::new();
        for (i, b) in self.budgets.iter().enumerate() {
            let at = |field: &str| format!("budgets[{i}].{field}");
            check(!b.id.trim().is_empty(), &at("id"), "must name the budget")?;
            check(ids.insert(b.id.as_str()), &at("id"), format!("duplicate budget id \"{}\"", b.id))?;
            check(b.window_ms > 0, &at("window_ms"), "must be greater than 0")?;
            check(
                b.api_key.is_none() || b.api_key_env.is_none(),
                &at("api_key_env"),
                "give the key or the environment variable holding it, not both",
            )?;
            check(b.api_key.as_ref().is_none_or(|k| !k.is_empty()), &at("api_key"), "must not be empty when given")?;
            check(
                b.api_key_env.as_ref().is_none_or(|n| !n.is_empty()),
                &at("api_key_env"),
                "must name an environment variable",
            )?;
            let covered: Vec<(usize, &ModelConfig)> = match &b.model {
                None => self.models.iter().enumerate().collect(),
                Some(name) => {
                    let known = self.models.iter().enumerate().filter(|(_, m)| m.name == *name).collect::<Vec<_>>();
                    let names = self.models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ");
                    check(!known.is_empty(), &at("model"), format!("unknown model \"{name}\"; known models: {names}"))?;
                    known
                }
            };
            match (b.tokens, b.usd) {
                (Some(tokens), None) => check(tokens > 0, &at("tokens"), "must be a number of tokens greater than 0")?,
                (None, Some(usd)) => {
                    check(
                        usd.is_finite() && usd > 0.0 && usd < 1e7,
                        &at("usd"),
                        format!("must be an amount of US dollars above 0 and below 10,000,000, found {usd}"),
                    )?;
                    let why = format!("budget \"{}\" counts US dollars: give this entry the price of its model", b.id);
                    priced(covered, &why)?;
                }
                (Some(_), Some(_)) => check(false, &at("usd"), "give the limit in tokens or in usd, not both")?,
                (None, None) => check(false, &at("tokens"), "give the limit in tokens or in usd")?,
            }
        }
        Ok(())
    }

    fn validate_slos(&self) -> Result<(), ConfigError> {
        let mut ids = HashSet::new();
        for (i, slo) in self.slos.iter().enumerate() {
            let at = |field: &str| format!("slos[{i}].{field}");
            check(!slo.id.trim().is_empty(), &at("id"), "must name the SLO")?;
            check(ids.insert(slo.id.as_str()), &at("id"), format!("duplicate SLO id \"{}\"", slo.id))?;
            let model = self.models.iter().enumerate().filter(|(_, m)| m.name == slo.model).collect::<Vec<_>>();
            let names = self.models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ");
            check(!model.is_empty(), &at("model"), format!("unknown model \"{}\"; known models: {names}", slo.model))?;
            check(
                (1..=31 * 24 * 3_600_000).contains(&slo.window_ms),
                &at("window_ms"),
                format!("must be from 1 ms to 31 days, found {}", slo.window_ms),
            )?;
            let shares = [
                ("availability", slo.availability),
                ("goodput", slo.goodput),
                ("soft_failure_rate", slo.soft_failure_rate),
            ];
            for (field, share) in shares {
                check(
                    share.is_none_or(|s| s > 0.0 && s < 1.0),
                    &at(field),
                    format!(
                        "must be a share above 0 and below 1 (1 would leave no error budget), found {}",
                        share.unwrap_or_default()
                    ),
                )?;
            }
            check(slo.ttft_p95_ms.is_none_or(|ms| ms > 0), &at("ttft_p95_ms"), "must be greater than 0")?;
            if let Some(usd) = slo.cost_per_useful_answer_usd {
                check(
                    usd.is_finite() && usd > 0.0 && usd < 1e6,
                    &at("cost_per_useful_answer_usd"),
                    format!("must be an amount of US dollars above 0 and below 1,000,000, found {usd}"),
                )?;
                priced(model, &format!("SLO \"{}\" sets a cost per useful answer: give this entry its price", slo.id))?;
            }
            check(
                slo.soft_failure_rate.is_none() || self.policy.soft_failures.is_some(),
                &at("soft_failure_rate"),
                "no answer is judged for soft failures: configure policy.soft_failures",
            )?;
            let set = [
                slo.availability.is_some(),
                slo.goodput.is_some(),
                slo.ttft_p95_ms.is_some(),
                slo.soft_failure_rate.is_some(),
                slo.cost_per_useful_answer_usd.is_some(),
            ];
            check(
                set.contains(&true),
                &format!("slos[{i}]"),
                "set at least one objective: availability, goodput, ttft_p95_ms, soft_failure_rate or cost_per_useful_answer_usd",
            )?;
        }
        Ok(())
    }

    fn validate_models(&self) -> Result<(), ConfigError> {
        check(!self.models.is_empty(), "models", "at least one model is required")?;
        let mut names = HashSet::new();
        for (i, m) in self.models.iter().enumerate() {
            check(!m.name.is_empty(), &format!("models[{i}].name"), "must not be empty")?;
            check(
                names.insert(m.name.as_str()),
                &format!("models[{i}].name"),
                format!("duplicate model name \"{}\"", m.name),
            )?;
            let chain = format!("models[{i}].backend_map");
            check(!m.backend_map.is_empty(), &chain, "the provider chain must name at least one provider")?;
            let mut in_chain = HashSet::new();
            for (j, entry) in m.backend_map.iter().enumerate() {
                self.check_entry(&chain, j, entry, &mut in_chain)?;
                check(
                    entry.priority.is_some() == m.backend_map[0].priority.is_some(),
                    &format!("{chain}[{j}].priority"),
                    "give every entry of the chain a priority, or none",
                )?;
            }
            self.check_content_policy_chain(i, m)?;
        }
        Ok(())
    }

    /// A model's content-policy chain: its entries, tried in their order.
    fn check_content_policy_chain(&self, i: usize, m: &ModelConfig) -> Result<(), ConfigError> {
        let chain = format!("models[{i}].content_policy_chain");
        let mut in_chain = HashSet::new();
        for (j, entry) in m.content_policy_chain.iter().enumerate() {
            self.check_entry(&chain, j, entry, &mut in_chain)?;
            check(
                entry.priority.is_none(),
                &format!("{chain}[{j}].priority"),
                "the content-policy chain is tried in its own order: leave priority out",
            )?;
        }
        Ok(())
    }

    /// Entry `j` of `chain`: a known provider, once in its chain, a model
    /// name if given, a window above 0.
    fn check_entry<'c>(
        &self,
        chain: &str,
        j: usize,
        entry: &'c ChainEntry,
        in_chain: &mut HashSet<&'c str>,
    ) -> Result<(), ConfigError> {
        let at = format!("{chain}[{j}].provider");
        check(
            self.providers.iter().any(|p| p.id == entry.provider),
            &at,
            format!(
                "unknown provider \"{}\"; known providers: {}",
                entry.provider,
                self.providers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )?;
        check(
            in_chain.insert(entry.provider.as_str()),
            &at,
            format!("provider \"{}\" appears twice in this chain", entry.provider),
        )?;
        if let Some(name) = &entry.model {
            check(!name.is_empty(), &format!("{chain}[{j}].model"), "must not be empty when given")?;
        }
        if let Some(window) = entry.context_window {
            check(window > 0, &format!("{chain}[{j}].context_window"), "must be a number of tokens greater than 0")?;
        }
        if let Some(version) = &entry.model_version {
            let at = format!("{chain}[{j}].model_version");
            check(!version.trim().is_empty(), &at, "must name the model version its answers must name")?;
            check(
                self.policy.soft_failures.is_some(),
                &at,
                "a pinned model version is checked with the soft-failure judgement: configure policy.soft_failures",
            )?;
        }
        if let Some(price) = entry.price {
            for (field, usd) in
                [("input_usd_per_mtok", price.input_usd_per_mtok), ("output_usd_per_mtok", price.output_usd_per_mtok)]
            {
                check(
                    usd.is_finite() && (0.0..1e6).contains(&usd),
                    &format!("{chain}[{j}].price.{field}"),
                    format!("must be US dollars per million tokens, from 0 to 1,000,000, found {usd}"),
                )?;
            }
        }
        Ok(())
    }

    fn validate_policy(&self) -> Result<(), ConfigError> {
        let p = &self.policy;
        let positive = |v: u64, path: &str| check(v > 0, path, "must be greater than 0");
        positive(p.request_timeout_ms, "policy.request_timeout_ms")?;
        positive(p.attempt_timeout_ms, "policy.attempt_timeout_ms")?;
        check(p.retry.max_attempts >= 1, "policy.retry.max_attempts", "must be at least 1 (1 means no retry)")?;
        check(
            p.retry.backoff_base_ms <= p.retry.backoff_cap_ms,
            "policy.retry.backoff_base_ms",
            format!("must not exceed policy.retry.backoff_cap_ms ({})", p.retry.backoff_cap_ms),
        )?;
        if let Some(budget) = &p.retry.budget {
            check(
                budget.ratio.is_finite() && (0.0..=10.0).contains(&budget.ratio),
                "policy.retry.budget.ratio",
                format!("must be a number in [0, 10], found {}", budget.ratio),
            )?;
        }
        let b = &p.breaker;
        positive(b.window_ms, "policy.breaker.window_ms")?;
        check(b.min_calls >= 1, "policy.breaker.min_calls", "must be at least 1")?;
        check(
            b.failure_rate > 0.0 && b.failure_rate <= 1.0,
            "policy.breaker.failure_rate",
            format!("must be a fraction in (0, 1], found {}", b.failure_rate),
        )?;
        positive(b.open_ms, "policy.breaker.open_ms")?;
        check(
            b.open_max_ms >= b.open_ms,
            "policy.breaker.open_max_ms",
            format!("must be at least policy.breaker.open_ms ({})", b.open_ms),
        )?;
        check(b.half_open_probes >= 1, "policy.breaker.half_open_probes", "must be at least 1")?;
        if let Some(ms) = b.probe_timeout_ms {
            positive(ms, "policy.breaker.probe_timeout_ms")?;
        }
        if let Some(ms) = b.open_backoff_reset_ms {
            positive(ms, "policy.breaker.open_backoff_reset_ms")?;
        }
        for (class, threshold) in b.class_thresholds.entries() {
            let Some(rate) = threshold else { continue };
            let path = format!("policy.breaker.class_thresholds.{class}");
            check(rate > 0.0 && rate <= 1.0, &path, format!("must be a fraction in (0, 1], found {rate}"))?;
        }
        check(
            p.soft_failures.is_some() || !b.class_thresholds.has_soft(),
            "policy.breaker.class_thresholds",
            "a soft class's threshold needs policy.soft_failures, which judges answers",
        )?;
        self.validate_failback()?;
        if let Some(ms) = p.streaming.first_byte_timeout_ms {
            positive(ms, "policy.streaming.first_byte_timeout_ms")?;
        }
        positive(p.streaming.idle_timeout_ms, "policy.streaming.idle_timeout_ms")?;
        positive(p.idempotency.window_ms, "policy.idempotency.window_ms")?;
        check(p.idempotency.capacity >= 1, "policy.idempotency.capacity", "must be at least 1")?;
        p.health.as_ref().map_or(Ok(()), validate_health)?;
        if let Some(n) = self.limits.max_in_flight {
            check(n >= 1, "limits.max_in_flight", "must be at least 1 when given")?;
        }
        positive(self.limits.queue_timeout_ms, "limits.queue_timeout_ms")?;
        if let Some(w) = &self.prewarm {
            positive(w.interval_ms, "prewarm.interval_ms")?;
            check((1..=64).contains(&w.connections), "prewarm.connections", "must be between 1 and 64")?;
        }
        if let Some(l) = &p.latency_routing {
            check(
                l.weight > 0.0 && l.weight <= 1.0,
                "policy.latency_routing.weight",
                format!("must be a fraction in (0, 1], found {}", l.weight),
            )?;
            check(
                (0.0..1.0).contains(&l.margin),
                "policy.latency_routing.margin",
                format!("must be a fraction in [0, 1), found {}", l.margin),
            )?;
            check(l.min_samples >= 1, "policy.latency_routing.min_samples", "must be at least 1")?;
        }
        if let Some(r) = &p.region_outage {
            check(
                r.suspect_after >= 2,
                "policy.region_outage.suspect_after",
                "must be at least 2: one failing provider is its own trouble, not its region's",
            )?;
            positive(r.within_ms, "policy.region_outage.within_ms")?;
        }
        if let Some(stall) = &p.stall {
            positive(stall.after_ms, "policy.stall.after_ms")?;
            check(
                stall.after_ms < p.attempt_timeout_ms,
                "policy.stall.after_ms",
                format!(
                    "must be below policy.attempt_timeout_ms ({} ms), or no attempt is ever overdue",
                    p.attempt_timeout_ms
                ),
            )?;
            check(stall.attempts >= 1, "policy.stall.attempts", "must be at least 1")?;
        }
        if let Some(soft) = &p.soft_failures {
            validate_soft(soft)?;
            if let Some(judge) = &soft.judge {
                let at = |field: &str| format!("policy.soft_failures.judge.{field}");
                check(
                    self.providers.iter().any(|p| p.id == judge.provider),
                    &at("provider"),
                    format!("unknown provider \"{}\": the judge must be one of providers[]", judge.provider),
                )?;
                check(!judge.model.trim().is_empty(), &at("model"), "must name the model the judge is asked for")?;
                check(
                    judge.min_score > 0.0 && judge.min_score <= 1.0,
                    &at("min_score"),
                    format!("must be a score in (0, 1], found {}", judge.min_score),
                )?;
                check(judge.timeout_ms > 0, &at("timeout_ms"), "must be greater than 0")?;
            }
        }
        match &p.learning {
            Some(learning) => self.validate_learning(learning),
            None => Ok(()),
        }
    }

    fn validate_failback(&self) -> Result<(), ConfigError> {
        use crate::config::FailbackConfig;
        let failback = &self.policy.failback;
        let v = match failback {
            FailbackConfig::Immediate => return Ok(()),
            FailbackConfig::Gradual { percent, validation, .. } => {
                let path = "policy.failback.percent";
                check(!percent.is_empty() && percent.len() <= 9, path, "must list 1 to 9 shares")?;
                for (i, share) in percent.iter().enumerate() {
                    check(
                        share.is_finite() && *share > 0.0 && *share <= 100.0,
                        path,
                        format!("share {i} must be a percentage in (0, 100], found {share}"),
                    )?;
                }
                check(percent.windows(2).all(|w| w[0] < w[1]), path, "must rise from one share to the next")?;
                check(percent.last() == Some(&100.0), path, "must end at 100: the ramp gives all traffic back")?;
                validation
            }
            FailbackConfig::Canary { percent, validation, .. } => {
                check(
                    percent.is_finite() && *percent > 0.0 && *percent < 100.0,
                    "policy.failback.percent",
                    format!("must be a percentage in (0, 100), found {percent}"),
                )?;
                validation
            }
            FailbackConfig::BlueGreen { validation, .. } => {
                check(
                    self.probes.is_some(),
                    "policy.failback",
                    "blue_green validates on the gateway's own probe traffic: configure \"probes\" too",
                )?;
                validation
            }
        };
        check(v.min_calls >= 1, "policy.failback.validation.min_calls", "must be at least 1")?;
        check(
            v.max_error_rate.is_finite() && (0.0..1.0).contains(&v.max_error_rate),
            "policy.failback.validation.max_error_rate",
            format!("must be a fraction in [0, 1), found {}", v.max_error_rate),
        )?;
        if let Some(ms) = v.max_p95_ms {
            check(ms > 0, "policy.failback.validation.max_p95_ms", "must be greater than 0")?;
        }
        Ok(())
    }

    fn validate_learning(&self, learning: &crate::config::LearningConfig) -> Result<(), ConfigError> {
        check(
            self.store.is_some(),
            "policy.learning",
            "learns from the recorded failover episodes: configure \"store\" too",
        )?;
        let b = &self.policy.breaker;
        let settings = [
            ("min_calls", learning.min_calls, u64::from(b.min_calls)),
            ("open_ms", learning.open_ms, b.open_ms),
            ("half_open_probes", learning.half_open_probes, u64::from(b.half_open_probes)),
        ];
        for (name, bounds, configured) in settings {
            let Some(bounds) = bounds else { continue };
            let path = format!("policy.learning.{name}");
            check(bounds.min >= 1, &format!("{path}.min"), "must be at least 1")?;
            check(
                bounds.min <= bounds.max,
                &format!("{path}.max"),
                format!("must be at least {path}.min ({})", bounds.min),
            )?;
            check(
                (bounds.min..=bounds.max).contains(&configured),
                &path,
                format!(
                    "must hold policy.breaker.{name} ({configured}): learning starts from it, within [{}, {}]",
                    bounds.min, bounds.max
                ),
            )?;
        }
        Ok(())
    }
}

fn validate_health(h: &crate::config::HealthConfig) -> Result<(), ConfigError> {
    let positive = |v: u64, path: &str| check(v > 0, path, "must be greater than 0");
    positive(h.window_ms, "policy.health.window_ms")?;
    positive(h.trend_horizon_ms, "policy.health.trend_horizon_ms")?;
    check(h.min_samples >= 2, "policy.health.min_samples", "must be at least 2: a single sample never moves traffic")?;
    check(h.baseline_samples >= 1, "policy.health.baseline_samples", "must be at least 1")?;
    let fraction = |v: f64, path: &str| {
        check(v.is_finite() && v > 0.0 && v <= 1.0, path, format!("must be a fraction in (0, 1], found {v}"))
    };
    fraction(h.drain_score, "policy.health.drain_score")?;
    check(
        h.warn_score.is_finite() && h.warn_score > 0.0 && h.warn_score <= h.drain_score,
        "policy.health.warn_score",
        format!("must be in (0, drain_score] (drain_score is {}), found {}", h.drain_score, h.warn_score),
    )?;
    fraction(h.thresholds.error_rate, "policy.health.thresholds.error_rate")?;
    let t = &h.thresholds;
    check(
        t.latency_ratio.is_finite() && t.latency_ratio > 1.0,
        "policy.health.thresholds.latency_ratio",
        format!("must be a ratio above 1, found {}", t.latency_ratio),
    )?;
    check(
        t.p95_ratio.is_finite() && t.p95_ratio > 1.0,
        "policy.health.thresholds.p95_ratio",
        format!("must be a ratio above 1, found {}", t.p95_ratio),
    )?;
    check(
        t.headroom.is_finite() && t.headroom > 0.5 && t.headroom <= 1.0,
        "policy.health.thresholds.headroom",
        format!("must be a share of the rate limit in (0.5, 1], found {}", t.headroom),
    )?;
    let w = &h.weights;
    let weights = [
        (w.error_rate, "error_rate"),
        (w.latency, "latency"),
        (w.p95, "p95"),
        (w.latency_trend, "latency_trend"),
        (w.error_trend, "error_trend"),
        (w.headroom, "headroom"),
    ];
    for (v, name) in weights {
        check(
            v.is_finite() && v >= 0.0,
            &format!("policy.health.weights.{name}"),
            format!("must be 0 or more, found {v}"),
        )?;
    }
    check(weights.iter().map(|(v, _)| v).sum::<f64>() > 0.0, "policy.health.weights", "must not all be 0")?;
    let c = &h.class_weights;
    let classes = [
        (c.rate_limited, "rate_limited"),
        (c.timeout, "timeout"),
        (c.server_error, "server_error"),
        (c.connection_failed, "connection_failed"),
        (c.other, "other"),
    ];
    for (v, name) in classes {
        check(
            v.is_finite() && (0.0..=1.0).contains(&v),
            &format!("policy.health.class_weights.{name}"),
            format!("must be in [0, 1], found {v}"),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::GatewayConfig;

    const GOOD: &str = r#"{
        "schema": "conformance/v1",
        "providers": [
            {"id": "a", "base_url": "http://127.0.0.1:1", "api_key": "ka"},
            {"id": "b", "base_url": "http://127.0.0.1:2", "api_key": "kb", "region": "eu"}
        ],
        "models": [{"name": "m", "backend_map": [{"provider": "a"}, {"provider": "b", "model": "m2"}]}]
    }"#;

    fn error_of(text: &str) -> String {
        GatewayConfig::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn a_minimal_config_takes_defaults() {
        let c = GatewayConfig::from_json(GOOD).unwrap();
        assert_eq!(c.policy.retry.max_attempts, 2);
        assert_eq!(c.models[0].backend_map[1].model.as_deref(), Some("m2"));
    }

    #[test]
    fn errors_name_the_field_to_fix() {
        let cases = [
            (
                GOOD.replace(r#""model": "m2""#, r#""model": "m2", "model_version": "m2-2024-08-06""#),
                "models[0].backend_map[1].model_version",
                "configure policy.soft_failures",
            ),
            (
                GOOD.replace(r#""model": "m2""#, r#""model": "m2", "model_version": " ""#)
                    .replace(r#""models""#, r#""policy": {"soft_failures": {}}, "models""#),
                "models[0].backend_map[1].model_version",
                "must name the model version",
            ),
            (
                GOOD.replace(r#""provider": "b""#, r#""provider": "c""#),
                "models[0].backend_map[1].provider",
                "unknown provider \"c\"",
            ),
            (
                GOOD.replace(r#"[{"provider": "a"}, {"provider": "b", "model": "m2"}]"#, "[]"),
                "models[0].backend_map",
                "at least one",
            ),
            (
                GOOD.replace(r#"{"provider": "a"}"#, r#"{"provider": "a", "priority": 0}"#),
                "models[0].backend_map[1].priority",
                "every entry of the chain a priority, or none",
            ),
            (
                GOOD.replace(r#"{"provider": "b", "model": "m2"}]"#, r#"{"provider": "b"}], "content_policy_chain": [{"provider": "b"}, {"provider": "x"}]"#),
                "models[0].content_policy_chain[1].provider",
                "unknown provider \"x\"",
            ),
            (
                GOOD.replace(r#"{"provider": "b", "model": "m2"}]"#, r#"{"provider": "b"}], "content_policy_chain": [{"provider": "b"}, {"provider": "b"}]"#),
                "models[0].content_policy_chain[1].provider",
                "appears twice",
            ),
            (
                GOOD.replace(r#"{"provider": "b", "model": "m2"}]"#, r#"{"provider": "b"}], "content_policy_chain": [{"provider": "a", "priority": 1}]"#),
                "models[0].content_policy_chain[0].priority",
                "leave priority out",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"latency_routing": {"margin": 1}}, "models""#),
                "policy.latency_routing.margin",
                "[0, 1)",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"latency_routing": {"weight": 0}}, "models""#),
                "policy.latency_routing.weight",
                "(0, 1]",
            ),
            (
                GOOD.replace(r#""models""#, r#""prewarm": {"connections": 0}, "models""#),
                "prewarm.connections",
                "between 1 and 64",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"region_outage": {"suspect_after": 1}}, "models""#),
                "policy.region_outage.suspect_after",
                "at least 2",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"soft_failures": {"forbidden": ["ok", "(unclosed"]}}, "models""#),
                "policy.soft_failures.forbidden[1]",
                "not a valid regular expression",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"soft_failures": {"max_repeated": 0}}, "models""#),
                "policy.soft_failures.max_repeated",
                "(0, 1]",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"soft_failures": {"token_rate": {"min_share": 1}}}, "models""#),
                "policy.soft_failures.token_rate.min_share",
                "(0, 1)",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"soft_failures": {"token_rate": {"min_tokens": 1}}}, "models""#),
                "policy.soft_failures.token_rate.min_tokens",
                "at least 2",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""policy": {"soft_failures": {"token_rate": {"baseline_streams": 0}}}, "models""#,
                ),
                "policy.soft_failures.token_rate.baseline_streams",
                "at least 1",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""policy": {"soft_failures": {"judge": {"provider": "nobody", "model": "j"}}}, "models""#,
                ),
                "policy.soft_failures.judge.provider",
                "unknown provider \"nobody\"",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""policy": {"soft_failures": {"judge": {"provider": "a", "model": "j", "min_score": 0}}}, "models""#,
                ),
                "policy.soft_failures.judge.min_score",
                "(0, 1]",
            ),
            (
                GOOD.replace(r#""models""#, r#""guardrails": {"prompt_length": {"max_tokens": 0}}, "models""#),
                "guardrails.prompt_length.max_tokens",
                "at least 1",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""guardrails": {"prompt_length": {"max_tokens": 9, "encoding": "gpt2"}}, "models""#,
                ),
                "guardrails.prompt_length.encoding",
                "o200k_base",
            ),
            (
                GOOD.replace(r#""models""#, r#""guardrails": {"prompt_injection": {"patterns": ["a", "(b"]}}, "models""#),
                "guardrails.prompt_injection.patterns[1]",
                "regular expression",
            ),
            (
                GOOD.replace(r#""models""#, r#""guardrails": {"pii": {"action": "block", "kinds": []}}, "models""#),
                "guardrails.pii.kinds",
                "at least one",
            ),
            (
                GOOD.replace(r#""models""#, r#""guardrails": {"output_pii": {"action": "hide"}}, "models""#),
                "guardrails.output_pii.action",
                "block",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"stall": {"after_ms": 0}}, "models""#),
                "policy.stall.after_ms",
                "must be",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"attempt_timeout_ms": 1000, "stall": {"after_ms": 1000}}, "models""#),
                "policy.stall.after_ms",
                "below policy.attempt_timeout_ms (1000 ms)",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"stall": {"attempts": 0}}, "models""#),
                "policy.stall.attempts",
                "at least 1",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"health": {"min_samples": 1}}, "models""#),
                "policy.health.min_samples",
                "a single sample never moves traffic",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"health": {"thresholds": {"headroom": 0.4}}}, "models""#),
                "policy.health.thresholds.headroom",
                "(0.5, 1]",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""policy": {"health": {"weights": {"error_rate": 0, "latency": 0, "p95": 0, "latency_trend": 0, "error_trend": 0, "headroom": 0}}}, "models""#,
                ),
                "policy.health.weights",
                "must not all be 0",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"health": {"warn_score": 0.5}}, "models""#),
                "policy.health.warn_score",
                "(0, drain_score]",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"learning": {"open_ms": {"min": 1, "max": 10}}}, "models""#),
                "policy.learning",
                "configure \"store\" too",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""store": {"path": "s"}, "policy": {"learning": {"open_ms": {"min": 1, "max": 100}}}, "models""#,
                ),
                "policy.learning.open_ms",
                "must hold policy.breaker.open_ms (10000)",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"failback": {"strategy": "gradual", "percent": [10, 50], "step_ms": 100}}, "models""#),
                "policy.failback.percent",
                "must end at 100",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"failback": {"strategy": "gradual", "percent": [50, 25, 100], "step_ms": 100}}, "models""#),
                "policy.failback.percent",
                "must rise",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"failback": {"strategy": "canary", "percent": 100, "step_ms": 100}}, "models""#),
                "policy.failback.percent",
                "(0, 100)",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"failback": {"strategy": "blue_green", "step_ms": 100}}, "models""#),
                "policy.failback",
                "configure \"probes\"",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""policy": {"failback": {"strategy": "canary", "percent": 5, "step_ms": 1, "validation": {"max_error_rate": 1}}}, "models""#,
                ),
                "policy.failback.validation.max_error_rate",
                "[0, 1)",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"failback": {"strategy": "slowly"}}, "models""#),
                "policy.failback.strategy",
                "unknown variant `slowly`",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"failback": {"strategy": "canary", "percent": 5, "step_ms": 1, "ramp_ms": 9}}, "models""#),
                "policy.failback",
                "unknown field `ramp_ms`",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""store": {"path": "s"}, "policy": {"learning": {"min_calls": {"min": 0, "max": 10}}}, "models""#,
                ),
                "policy.learning.min_calls.min",
                "at least 1",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""store": {"path": "s"}, "policy": {"learning": {"half_open_probes": {"min": 3, "max": 2}}}, "models""#,
                ),
                "policy.learning.half_open_probes.max",
                "at least policy.learning.half_open_probes.min (3)",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""store": {"path": "s"}, "policy": {"learning": {"half_open_probes": {"min": 1}}}, "models""#,
                ),
                "policy.learning.half_open_probes",
                "missing field `max`",
            ),
            (
                GOOD.replace(r#""models""#, r#""probes": {"interval_ms": 0, "prompt": "ping"}, "models""#),
                "probes.interval_ms",
                "greater than 0",
            ),
            (
                GOOD.replace(r#""models""#, r#""probes": {"interval_ms": 100, "prompt": " "}, "models""#),
                "probes.prompt",
                "must not be empty",
            ),
            (
                GOOD.replace(r#""models""#, r#""monitoring": {"fallback_rate": {"warning": 0.1, "alert": 0.05}}, "models""#),
                "monitoring.fallback_rate.alert",
                "[warning, 1]",
            ),
            (
                GOOD.replace(
                    r#""models""#,
                    r#""drills": [{"provider": "a", "class": "meltdown", "duration_ms": 10, "schedule": "* * * * * *"}], "models""#,
                ),
                "drills[0].class",
                "not a drill class",
            ),
            (
                GOOD.replace(r#""models""#, r#""budgets": [{"id": "x", "tokens": 10, "window_ms": 0}], "models""#),
                "budgets[0].window_ms",
                "greater than 0",
            ),
            (
                GOOD.replace(r#""models""#, r#""budgets": [{"id": "x", "window_ms": 10}], "models""#),
                "budgets[0].tokens",
                "in tokens or in usd",
            ),
            (
                GOOD.replace(r#""models""#, r#""budgets": [{"id": "x", "tokens": 1, "usd": 1, "window_ms": 10}], "models""#),
                "budgets[0].usd",
                "not both",
            ),
            (
                GOOD.replace(r#""models""#, r#""budgets": [{"id": "x", "tokens": 1, "window_ms": 10}, {"id": "x", "tokens": 1, "window_ms": 10}], "models""#),
                "budgets[1].id",
                "duplicate budget id",
            ),
            (
                GOOD.replace(r#""models""#, r#""slos": [{"id": "s", "model": "n", "window_ms": 10, "availability": 0.9}], "models""#),
                "slos[0].model",
                "unknown model \"n\"; known models: m",
            ),
            (
                GOOD.replace(r#""models""#, r#""slos": [{"id": "s", "model": "m", "window_ms": 0, "availability": 0.9}], "models""#),
                "slos[0].window_ms",
                "from 1 ms to 31 days",
            ),
            (
                GOOD.replace(r#""models""#, r#""slos": [{"id": "s", "model": "m", "window_ms": 10, "availability": 1.0}], "models""#),
                "slos[0].availability",
                "no error budget",
            ),
            (
                GOOD.replace(r#""models""#, r#""slos": [{"id": "s", "model": "m", "window_ms": 10}], "models""#),
                "slos[0]",
                "at least one objective",
            ),
            (
                GOOD.replace(r#""models""#, r#""slos": [{"id": "s", "model": "m", "window_ms": 10, "goodput": 0.5}, {"id": "s", "model": "m", "window_ms": 10, "goodput": 0.5}], "models""#),
                "slos[1].id",
                "duplicate SLO id",
            ),
            (
                GOOD.replace(r#""models""#, r#""slos": [{"id": "s", "model": "m", "window_ms": 10, "cost_per_useful_answer_usd": 0.01}], "models""#),
                "models[0].backend_map[0].price",
                "cost per useful answer",
            ),
            (
                GOOD.replace(r#""models""#, r#""slos": [{"id": "s", "model": "m", "window_ms": 10, "soft_failure_rate": 0.1}], "models""#),
                "slos[0].soft_failure_rate",
                "policy.soft_failures",
            ),
            (
                GOOD.replace(r#""models""#, r#""slos": [{"id": "s", "model": "m", "window_ms": 10, "ttft_p95_ms": 0}], "models""#),
                "slos[0].ttft_p95_ms",
                "greater than 0",
            ),
            (
                GOOD.replace(r#""models""#, r#""budgets": [{"id": "x", "tokens": 1, "window_ms": 10, "model": "n"}], "models""#),
                "budgets[0].model",
                "unknown model \"n\"; known models: m",
            ),
            (
                GOOD.replace(r#""models""#, r#""budgets": [{"id": "x", "usd": 1, "window_ms": 10}], "models""#),
                "models[0].backend_map[0].price",
                "counts US dollars",
            ),
            (
                GOOD.replace(r#""models""#, r#""budgets": [{"id": "x", "tokens": 1, "window_ms": 10, "api_key": "k", "api_key_env": "K"}], "models""#),
                "budgets[0].api_key_env",
                "not both",
            ),
            (
                GOOD.replace(r#"{"provider": "a"}"#, r#"{"provider": "a", "price": {"input_usd_per_mtok": -1, "output_usd_per_mtok": 1}}"#),
                "models[0].backend_map[0].price.input_usd_per_mtok",
                "found -1",
            ),
            (
                GOOD.replace(r#""models""#, r#""admin": {"token": "a b"}, "models""#),
                "admin.token",
                "printable ASCII without spaces",
            ),
            (
                GOOD.replace(r#""models""#, r#""admin": {"token": "t", "token_env": "T"}, "models""#),
                "admin.token_env",
                "not both",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"breaker": {"open_ms": -5}}, "models""#),
                "policy.breaker.open_ms",
                "expected u64",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"breaker": {"failure_rate": 1.5}}, "models""#),
                "policy.breaker.failure_rate",
                "(0, 1]",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"breaker": {"class_thresholds": {"timeout": 0}}}, "models""#),
                "policy.breaker.class_thresholds.timeout",
                "(0, 1]",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"breaker": {"class_thresholds": {"client_error": 0.1}}}, "models""#),
                "policy.breaker.class_thresholds.client_error",
                "unknown field `client_error`",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"breaker": {"class_thresholds": {"refusal": 0.1}}}, "models""#),
                "policy.breaker.class_thresholds",
                "policy.soft_failures",
            ),
            (
                GOOD.replace(r#""models""#, r#""policy": {"retrys": {}}, "models""#),
                "policy.retrys",
                "unknown field `retrys`",
            ),
            (GOOD.replace("conformance/v1", "conformance/v0"), "schema", "expected \"conformance/v1\""),
            (GOOD.replace(r#""id": "b""#, r#""id": "a""#), "providers[1].id", "duplicate"),
            (GOOD.replace("http://127.0.0.1:2", "127.0.0.1:2"), "providers[1].base_url", "absolute"),
            (
                GOOD.replace(r#""region": "eu""#, r#""region": "eu", "max_in_flight": 0"#),
                "providers[1].max_in_flight",
                "at least 1",
            ),
            (
                GOOD.replace(r#"{"provider": "a"}, {"provider": "b""#, r#"{"provider": "a"}, {"provider": "a""#),
                "models[0].backend_map[1].provider",
                "twice",
            ),
        ];
        for (text, path, hint) in cases {
            let err = error_of(&text);
            assert!(err.contains(&format!("`{path}`")), "{err} should name {path}");
            assert!(err.contains(hint), "{err} should say {hint}");
        }
    }

    #[test]
    fn learning_within_bounds_that_hold_the_configured_values_is_accepted() {
        let text = GOOD.replace(
            r#""models""#,
            r#""store": {"path": "s"}, "policy": {"breaker": {"open_ms": 40, "min_calls": 6}, "learning": {"open_ms": {"min": 40, "max": 40}, "min_calls": {"min": 3, "max": 6}}}, "models""#,
        );
        let c = GatewayConfig::from_json(&text).unwrap();
        assert_eq!(c.policy.learning.and_then(|l| l.open_ms).map(|b| (b.min, b.max)), Some((40, 40)));
        assert_eq!(c.policy.learning.and_then(|l| l.half_open_probes), None);
    }

    #[test]
    fn trailing_garbage_and_syntax_errors_are_reported() {
        assert!(error_of(&format!("{GOOD} x")).contains("trailing"));
        assert!(error_of("{").contains("EOF"));
    }
}
