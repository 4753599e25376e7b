//! Assertions on the gateway's Prometheus metrics (`GET /metrics`) and on
//! the fallback activation rate it reports.
use serde_json::Value;

use crate::events::matching;
use crate::metrics::Scrape;

/// The counter `failover_<name>_total` with `labels` is `expected`.
pub fn counted(scrape: &Scrape, name: &str, labels: &[(&str, &str)], expected: f64) -> Result<(), String> {
    let metric = format!("failover_{name}_total");
    let value = scrape.value(&metric, labels)?;
    if (value - expected).abs() < 1e-9 {
        Ok(())
    } else {
        Err(format!("{metric}{labels:?} is {value}, expected {expected}"))
    }
}

/// The breaker of `provider` for `model` is in `state`, by its gauge: 1 for
/// that state, 0 for every other.
pub fn breaker_state(scrape: &Scrape, model: &str, provider: &str, state: &str) -> Result<(), String> {
    let states = ["closed", "open", "half_open", "ramping", "drained"];
    if !states.contains(&state) {
        return Err(format!("\"{state}\" is not a breaker state; one of {states:?}"));
    }
    for s in states {
        let value =
            scrape.value("failover_breaker_state", &[("model", model), ("provider", provider), ("state", s)])?;
        let expected = if s == state { 1.0 } else { 0.0 };
        if value != expected {
            return Err(format!(
                "failover_breaker_state{{provider=\"{provider}\",state=\"{s}\"}} is {value}, expected {expected}"
            ));
        }
    }
    Ok(())
}

/// The request duration histogram of `model` counted `expected` requests.
pub fn durations(scrape: &Scrape, model: &str, expected: f64) -> Result<(), String> {
    let count = scrape
        .value("failover_request_duration_seconds_count", &[("model", model)])
        .or_else(|_| scrape.value("failover_request_duration_seconds", &[("model", model)]))?;
    if count == expected {
        Ok(())
    } else {
        Err(format!("the duration histogram of {model} counted {count}, expected {expected}"))
    }
}

/// The fallback activation ratio of `model` is `percent` % (within a
/// hundredth of a point: the counts are exact) and its level gauge says `level`.
pub fn fallback_rate(scrape: &Scrape, model: &str, percent: f64, level: &str) -> Result<(), String> {
    let ratio = scrape.value("failover_fallback_activation_ratio", &[("model", model)])?;
    if (ratio * 100.0 - percent).abs() > 0.01 {
        return Err(format!("the fallback activation rate of {model} is {:.3} %, expected {percent} %", ratio * 100.0));
    }
    for l in ["healthy", "warning", "alert"] {
        let value = scrape.value("failover_fallback_activation_level", &[("model", model), ("level", l)])?;
        let expected = if l == level { 1.0 } else { 0.0 };
        if value != expected {
            return Err(format!("failover_fallback_activation_level{{level=\"{l}\"}} is {value}, expected {expected}"));
        }
    }
    Ok(())
}

/// The log has a `fallback_rate` event for `model` from `from` to `to`,
/// whose rate is its fallbacks over its requests.
pub fn level_change_logged(events: &[Value], model: &str, from: &str, to: &str) -> Result<(), String> {
    let changes = matching(events, "fallback_rate", &[("model", model)]);
    let change = changes
        .first()
        .ok_or_else(|| format!("nothing was observed: no fallback_rate event for model \"{model}\" in the log"))?;
    let text = |k: &str| change.get(k).and_then(Value::as_str);
    if (text("from"), text("to")) != (Some(from), Some(to)) {
        return Err(format!(
            "the first change of level went {:?} to {:?}, expected {from} to {to}: {change}",
            text("from"),
            text("to")
        ));
    }
    let n = |k: &str| change.get(k).and_then(Value::as_f64);
    match (n("rate"), n("requests"), n("fallbacks")) {
        (Some(rate), Some(requests), Some(fallbacks))
            if requests > 0.0 && (rate - fallbacks / requests).abs() < 1e-9 =>
        {
            Ok(())
        }
        _ => Err(format!("the event's rate is not its fallbacks over its requests: {change}")),
    }
}

/// The health score gauge of `worse.0` is at least `worse.1`, and that of
/// `healthy.0` below `healthy.1`.
pub fn scores(scrape: &Scrape, model: &str, worse: (&str, f64), healthy: (&str, f64)) -> Result<(), String> {
    let score = |p: &str| scrape.value("failover_health_score", &[("model", model), ("provider", p)]);
    let (w, h) = (score(worse.0)?, score(healthy.0)?);
    if w >= worse.1 && h < healthy.1 {
        Ok(())
    } else {
        Err(format!(
            "health scores: \"{}\" {w} (expected at least {}), \"{}\" {h} (expected below {})",
            worse.0, worse.1, healthy.0, healthy.1
        ))
    }
}
