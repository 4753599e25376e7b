//! Assertions on service level objectives: the gateway's reading of each
//! objective at `GET /admin/slo`, its `slo_breach` and `slo_recovered`
//! events, and its `failover_slo_*` gauges. Numbers are compared within 1 %
//! of the value the feature states (and 1e-9 absolutely, for zero).
use serde_json::Value;

use crate::metrics::Scrape;

/// Relative tolerance of a stated value.
const WITHIN: f64 = 0.01;

fn near(found: f64, stated: f64) -> bool {
    (found - stated).abs() <= WITHIN * stated.abs() + 1e-9
}

/// SLO `slo`'s entry in `listing`.
fn entry<'a>(listing: &'a Value, slo: &str) -> Result<&'a Value, String> {
    let slos = listing["slos"].as_array().ok_or_else(|| format!("GET /admin/slo has no \"slos\" list: {listing}"))?;
    slos.iter().find(|s| s["id"] == slo).ok_or_else(|| format!("GET /admin/slo does not list SLO \"{slo}\": {listing}"))
}

/// Objective `objective` of SLO `slo` in `listing`.
fn objective<'a>(listing: &'a Value, slo: &str, objective: &str) -> Result<&'a Value, String> {
    let entry = entry(listing, slo)?;
    let objectives = entry["objectives"].as_array().map(Vec::as_slice).unwrap_or_default();
    objectives
        .iter()
        .find(|o| o["objective"] == objective)
        .ok_or_else(|| format!("SLO \"{slo}\" shows no objective \"{objective}\": {entry}"))
}

/// What one objective should read.
#[derive(Clone, Copy, Debug)]
pub struct Expected {
    /// Breached, or not.
    pub breached: bool,
    /// Its value, when the feature states one.
    pub current: Option<f64>,
    /// Its burn rate.
    pub burn_rate: f64,
    /// What its window counts.
    pub samples: u64,
}

/// Objective `name` of SLO `slo` reads as `expected`.
pub fn reads(listing: &Value, slo: &str, name: &str, expected: Expected) -> Result<(), String> {
    let o = objective(listing, slo, name)?;
    let breached = o["breached"].as_bool();
    let current = o["current"].as_f64();
    let burn = o["burn_rate"].as_f64();
    let fine = breached == Some(expected.breached)
        && expected.current.is_none_or(|c| current.is_some_and(|found| near(found, c)))
        && burn.is_some_and(|b| near(b, expected.burn_rate))
        && o["samples"].as_u64() == Some(expected.samples);
    if fine {
        Ok(())
    } else {
        Err(format!("SLO \"{slo}\" should read {name} as {expected:?}, within 1 %; it reads {o}"))
    }
}

/// Objective `name` of SLO `slo` reads at least `at_least` (ms, for time to
/// first token).
pub fn reads_at_least(listing: &Value, slo: &str, name: &str, at_least: f64) -> Result<(), String> {
    let o = objective(listing, slo, name)?;
    match o["current"].as_f64() {
        Some(current) if current >= at_least => Ok(()),
        _ => Err(format!("SLO \"{slo}\" should read {name} at {at_least} or more; it reads {o}")),
    }
}

/// SLO `slo` watches `model` over `window_ms` and shows exactly the
/// objectives `targets` names, each with its target.
pub fn lists(listing: &Value, slo: &str, model: &str, window_ms: u64, targets: &[(&str, f64)]) -> Result<(), String> {
    let entry = entry(listing, slo)?;
    if entry["model"] != model || entry["window_ms"].as_u64() != Some(window_ms) {
        return Err(format!("SLO \"{slo}\" should watch \"{model}\" over {window_ms} ms: {entry}"));
    }
    let shown: Vec<(String, Option<f64>)> = entry["objectives"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|o| (o["objective"].as_str().unwrap_or_default().to_owned(), o["target"].as_f64()))
        .collect();
    let fine = shown.len() == targets.len()
        && targets
            .iter()
            .all(|(name, target)| shown.iter().any(|(n, t)| n == name && t.is_some_and(|t| near(t, *target))));
    if fine { Ok(()) } else { Err(format!("SLO \"{slo}\" should show exactly {targets:?}; it shows {shown:?}")) }
}

/// The `slo_breach` (when `breached`) or `slo_recovered` events of objective
/// `objective` of SLO `slo`.
fn changes<'a>(events: &'a [Value], slo: &str, objective: &str, breached: bool) -> Vec<&'a Value> {
    let kind = if breached { "slo_breach" } else { "slo_recovered" };
    events.iter().filter(|e| e["type"] == kind && e["slo"] == slo && e["objective"] == objective).collect()
}

/// Objective `objective` of SLO `slo` of `model` was logged breached once,
/// with its target, a current value and a burn rate above 1.
pub fn breached_once(events: &[Value], slo: &str, model: &str, objective: &str) -> Result<(), String> {
    let found = changes(events, slo, objective, true);
    let [event] = found.as_slice() else {
        return Err(format!("expected one slo_breach event of \"{slo}\" {objective}, found {}", found.len()));
    };
    let fine = event["model"] == model
        && event["target"].as_f64().is_some()
        && event["burn_rate"].as_f64().is_some_and(|b| b > 1.0)
        && event["samples"].as_u64().is_some_and(|n| n > 0);
    if fine {
        Ok(())
    } else {
        Err(format!(
            "the slo_breach event of \"{slo}\" should name {model}, its target and a burn rate above 1: {event}"
        ))
    }
}

/// Objective `objective` of SLO `slo` was breached, then recovered
/// `after_ms` after the first request of `model` ended (when it was
/// counted), within `tolerance_ms` either way, by the gateway's own event
/// times.
pub fn recovered_after(
    events: &[Value],
    (slo, model): (&str, &str),
    objective: &str,
    after_ms: f64,
    tolerance_ms: f64,
) -> Result<(), String> {
    let at = |e: &&Value| e["at_ms"].as_f64();
    let first = events.iter().find(|e| e["type"] == "request" && e["model"] == model);
    let breach = changes(events, slo, objective, true).first().and_then(at);
    let recovery = changes(events, slo, objective, false).first().and_then(at);
    let (Some(first), Some(breach), Some(recovery)) = (first.as_ref().and_then(at), breach, recovery) else {
        return Err(format!(
            "expected a request of \"{model}\", an slo_breach then an slo_recovered event of \"{slo}\" {objective}; found the request at {:?} ms, the breach at {breach:?} ms, the recovery at {recovery:?} ms",
            first.as_ref().and_then(at)
        ));
    };
    let took = recovery - first;
    if breach <= recovery && (took - after_ms).abs() <= tolerance_ms {
        Ok(())
    } else {
        Err(format!(
            "SLO \"{slo}\" {objective} was breached at {breach:.0} ms and recovered at {recovery:.0} ms, {took:.0} ms after the first request of \"{model}\" was counted; expected {after_ms:.0} ms ± {tolerance_ms:.0}"
        ))
    }
}

/// The gauges of objective `objective` of SLO `slo`: breached (1) or not
/// (0), and the burn rate.
pub fn gauges(scrape: &Scrape, slo: &str, objective: &str, breached: bool, burn_rate: f64) -> Result<(), String> {
    let labels = [("slo", slo), ("objective", objective)];
    let flag = scrape.value("failover_slo_breached", &labels)?;
    let burn = scrape.value("failover_slo_burn_rate", &labels)?;
    if flag == f64::from(u8::from(breached)) && near(burn, burn_rate) {
        Ok(())
    } else {
        Err(format!(
            "failover_slo_breached{labels:?} is {flag} and failover_slo_burn_rate {burn}; expected {} and {burn_rate} (1 %)",
            u8::from(breached)
        ))
    }
}
