//! Assertions on health-based draining (case TC_R752_FAILOVER_009): the
//! drained provider was left before its climbing latency reached the attempt
//! timeout, and the logged decision's numbers explain it, recomputed here
//! from the formulas the contract states.
use std::time::Duration;

use serde_json::Value;

use crate::events::matching;
use crate::mock::MockProvider;

/// `provider` received no request once its climbing latency had reached
/// `limit`, and received some before.
pub fn left_before_latency(provider: &MockProvider, limit: Duration) -> Result<(), String> {
    let id = provider.id();
    let reached = provider
        .latency_reaches(limit)
        .ok_or_else(|| format!("nothing was observed: provider \"{id}\" has no climbing latency that started"))?;
    let journal = provider.journal();
    super::observed(&journal, &format!("provider \"{id}\" received no request at all"))?;
    match journal.iter().find(|r| r.at >= reached) {
        None => Ok(()),
        Some(late) => Err(format!(
            "provider \"{id}\" received request #{} {} ms after its latency reached {} ms; traffic should have moved before",
            late.seq,
            late.at.duration_since(reached).as_millis(),
            limit.as_millis()
        )),
    }
}

fn f(event: &Value, key: &str) -> Option<f64> {
    event.get(key).and_then(Value::as_f64)
}

/// What a metric's badness must be, from its value and threshold (the trend:
/// from the projected breach and the horizon).
fn expected_badness(metric: &str, value: f64, threshold: f64, breach_in_ms: Option<f64>) -> f64 {
    let raw = match metric {
        "error_rate" => value / threshold,
        "latency" | "p95" => (value - 1.0) / (threshold - 1.0),
        "latency_trend" => breach_in_ms.map_or(0.0, |b| 1.0 - b / threshold),
        "error_trend" => value * threshold,
        "headroom" => (value - 0.5) / (threshold - 0.5),
        _ => f64::NAN,
    };
    if raw.is_nan() { raw } else { raw.clamp(0.0, 1.0) }
}

/// The log holds a `health_decision` draining `provider` for `model` whose
/// numbers explain it: six metrics, each badness what its value and threshold
/// give, the score their weighted mean and at least the drain score, and the
/// breaker opening with reason `health_score` at the same time.
pub fn drain_explained(events: &[Value], provider: &str, model: &str, horizon_ms: f64) -> Result<(), String> {
    let decisions = matching(events, "health_decision", &[("provider", provider), ("model", model)]);
    let decision = decisions.first().ok_or_else(|| {
        format!("nothing was observed: no health_decision for \"{provider}\" on model \"{model}\" in the log")
    })?;
    let metrics = decision.get("metrics").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let names: Vec<&str> = metrics.iter().filter_map(|m| m.get("metric")?.as_str()).collect();
    let wanted = ["error_rate", "latency", "p95", "latency_trend", "error_trend", "headroom"];
    if wanted.iter().any(|w| !names.contains(w)) {
        return Err(format!("the decision names metrics {names:?}, expected all of {wanted:?}: {decision}"));
    }
    let breach_in = f(decision, "breach_in_ms");
    let (mut weighted, mut weights) = (0.0, 0.0);
    for m in metrics {
        let name = m.get("metric").and_then(Value::as_str).unwrap_or("");
        let (value, badness, weight, threshold) = (f(m, "value"), f(m, "badness"), f(m, "weight"), f(m, "threshold"));
        let (Some(value), Some(badness), Some(weight), Some(threshold)) = (value, badness, weight, threshold) else {
            return Err(format!("metric {name} lacks value, badness, weight or threshold: {m}"));
        };
        let threshold = if name == "error_trend" { horizon_ms / 1000.0 / threshold } else { threshold };
        let expected = expected_badness(name, value, threshold, breach_in);
        if (expected - badness).abs() > 1e-6 {
            return Err(format!(
                "metric {name}: value {value} and threshold give badness {expected}, the log says {badness}"
            ));
        }
        (weighted, weights) = (weighted + weight * badness, weights + weight);
    }
    let (Some(score), Some(drain_score)) = (f(decision, "score"), f(decision, "drain_score")) else {
        return Err(format!("the decision lacks score or drain_score: {decision}"));
    };
    if weights <= 0.0 || (weighted / weights - score).abs() > 1e-6 || score < drain_score {
        return Err(format!(
            "the score {score} is not the weighted mean {} of the badnesses, or is below the drain score {drain_score}",
            weighted / weights.max(f64::MIN_POSITIVE)
        ));
    }
    let at = decision.get("at_ms").and_then(Value::as_u64);
    let opened =
        matching(events, "breaker_transition", &[("provider", provider), ("model", model), ("reason", "health_score")]);
    if !opened.iter().any(|e| e.get("at_ms").and_then(Value::as_u64) == at) {
        return Err(format!(
            "no breaker_transition with reason health_score at the decision's time {at:?}: {opened:?}"
        ));
    }
    Ok(())
}

/// The log warned about `provider` of `model` (a `health_warning` at or
/// above its `warn_score`) before its first drain and before any request of
/// `model` ended in a failure the client saw.
pub fn warned_before_drain(events: &[Value], provider: &str, model: &str) -> Result<(), String> {
    let seq = |e: &Value| e.get("seq").and_then(Value::as_u64).unwrap_or(u64::MAX);
    let warnings = matching(events, "health_warning", &[("provider", provider), ("model", model)]);
    let warning = warnings.first().ok_or_else(|| {
        format!("nothing was observed: no health_warning for \"{provider}\" on model \"{model}\" in the log")
    })?;
    let (score, level) = (f(warning, "score"), f(warning, "warn_score"));
    if !matches!((score, level), (Some(s), Some(l)) if s >= l) {
        return Err(format!("the warning's score is missing or below its warn_score: {warning}"));
    }
    let drains = matching(events, "health_decision", &[("provider", provider), ("model", model)]);
    let drain = drains.first().ok_or_else(|| format!("no health_decision for \"{provider}\": nothing drained it"))?;
    if seq(warning) >= seq(drain) {
        return Err(format!("the warning (seq {}) did not come before the drain (seq {})", seq(warning), seq(drain)));
    }
    let failed = matching(events, "request", &[("model", model)])
        .into_iter()
        .find(|r| r.get("outcome").and_then(Value::as_str) != Some("served"));
    match failed {
        Some(r) if seq(r) < seq(warning) => Err(format!("a client saw a failure before the warning: {r}")),
        _ => Ok(()),
    }
}
