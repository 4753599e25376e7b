//! Assertions on the gateway's decision log (`GET /admin/events`, capability
//! `events`). Each looks for the decision a scenario is about and says what it
//! saw instead.
use std::time::Duration;

use serde_json::Value;

use crate::client::Exchange;
use crate::events::matching;
use crate::mock::Received;
use crate::trace::{self, Switches};

fn number(event: &Value, key: &str) -> u64 {
    event.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// The breaker of `provider` for `model` opened at a failure rate of at least
/// `percent` % over at least `calls` calls.
pub fn breaker_opened(events: &[Value], provider: &str, model: &str, percent: u64, calls: u64) -> Result<(), String> {
    let opened = matching(events, "breaker_transition", &[("provider", provider), ("model", model), ("to", "open")]);
    let explains =
        |e: &&&Value| number(e, "calls") >= calls && number(e, "failures") * 100 >= percent * number(e, "calls");
    match opened.iter().find(explains) {
        Some(_) => Ok(()),
        None => Err(format!(
            "expected a breaker_transition to open for \"{provider}\" with at least {calls} calls at {percent}% failures; transitions seen: {opened:?}"
        )),
    }
}

/// The breaker of `provider` for `model` opened on the failures of `class`
/// alone, at that class's own threshold.
pub fn breaker_opened_for_class(events: &[Value], provider: &str, model: &str, class: &str) -> Result<(), String> {
    let opened = matching(events, "breaker_transition", &[("provider", provider), ("model", model), ("to", "open")]);
    let wanted = [("reason", "class_failure_rate_reached"), ("class", class)];
    match opened.iter().find(|e| wanted.iter().all(|(k, v)| e.get(*k).and_then(Value::as_str) == Some(*v))) {
        Some(_) => Ok(()),
        None => Err(format!(
            "expected a breaker_transition to open for \"{provider}\" with reason class_failure_rate_reached and class {class}; transitions seen: {opened:?}"
        )),
    }
}

/// Some request for `model` skipped `provider` because its breaker rejected it.
pub fn requests_skipped(events: &[Value], model: &str, provider: &str) -> Result<(), String> {
    let requests = matching(events, "request", &[("model", model)]);
    super::observed(&requests, &format!("the log holds no request event for model \"{model}\""))?;
    let skipped =
        |e: &&Value| e.get("skipped").and_then(Value::as_array).is_some_and(|s| s.iter().any(|p| p == provider));
    match requests.iter().any(skipped) {
        true => Ok(()),
        false => {
            Err(format!("expected request events that skipped \"{provider}\"; request events seen: {}", requests.len()))
        }
    }
}

/// A failback to `provider` for `model` was logged.
pub fn failed_back(events: &[Value], provider: &str, model: &str) -> Result<(), String> {
    match matching(events, "failback", &[("provider", provider), ("model", model)]).is_empty() {
        false => Ok(()),
        true => Err(format!("expected a failback event for \"{provider}\"; {} events seen", events.len())),
    }
}

/// A request served by `served` lists a failed attempt on `failed`, of
/// `class` when one is given.
pub fn served_after_failure(events: &[Value], served: &str, failed: &str, class: Option<&str>) -> Result<(), String> {
    let requests = matching(events, "request", &[("served_by", served), ("outcome", "served")]);
    let failed_there = |a: &Value| {
        a.get("provider") == Some(&Value::from(failed)) && class.is_none_or(|c| a.get("class") == Some(&Value::from(c)))
    };
    let with_failure =
        |e: &&&Value| e.get("failures").and_then(Value::as_array).is_some_and(|f| f.iter().any(failed_there));
    let what = class.map_or_else(|| "a failed attempt".to_owned(), |c| format!("a failed attempt of class {c}"));
    match requests.iter().find(with_failure) {
        Some(_) => Ok(()),
        None => Err(format!(
            "expected a request event served by \"{served}\" listing {what} on \"{failed}\"; request events: {requests:?}"
        )),
    }
}

/// The log's breaker transitions for `provider` on `model` agree with the
/// switches the client saw in `exchanges` (read from the provider's journal).
pub fn agree_with_switches(
    events: &[Value],
    exchanges: &[Exchange],
    journal: &[Received],
    provider: &str,
    model: &str,
) -> Result<(), String> {
    let transitions = |to: &str| {
        matching(events, "breaker_transition", &[("provider", provider), ("model", model), ("to", to)]).len()
    };
    let reached = trace::reached(exchanges, journal, provider)?;
    let seen = Switches::of(exchanges, &reached);
    if seen.count() == 0 {
        let hits = reached.iter().filter(|r| **r).count();
        return Err(format!(
            "nothing was observed: the client saw no switch of traffic to or from \"{provider}\" ({hits} of its {} requests reached it); {} transitions to open are logged",
            reached.len(),
            transitions("open")
        ));
    }
    // The last transition may come from the last request, with no later request
    // to show it to the client: one more in the log than seen is consistent.
    let agree = |logged: usize, seen: usize| logged == seen || logged == seen + 1;
    let (opened, probed) = (transitions("open"), transitions("half_open"));
    if agree(opened, seen.away.len()) && agree(probed, seen.back.len()) {
        Ok(())
    } else {
        Err(format!(
            "the client saw traffic leave \"{provider}\" {} times and come back {} times; the log shows {opened} transitions to open and {probed} to half-open",
            seen.away.len(),
            seen.back.len()
        ))
    }
}

/// A half-open breaker of `provider` on `model` whose probe did not answer
/// reopened (`probe_timed_out`) within `bound` of entering half-open: driven
/// by its deadline, not by the probe's late end or the next request.
pub fn probe_timed_out_within(
    events: &[Value],
    provider: &str,
    model: &str,
    bound: Duration,
    tolerance: Duration,
) -> Result<(), String> {
    let at = |e: &Value| e.get("at_ms").and_then(Value::as_f64).unwrap_or(f64::NAN);
    let transitions = matching(events, "breaker_transition", &[("provider", provider), ("model", model)]);
    let timed_out = transitions
        .iter()
        .position(|e| e.get("reason").and_then(Value::as_str) == Some("probe_timed_out"))
        .ok_or_else(|| {
            format!(
                "expected a transition with reason probe_timed_out for \"{provider}\"; transitions: {transitions:?}"
            )
        })?;
    let entered = transitions[..timed_out]
        .iter()
        .rev()
        .find(|e| e.get("to").and_then(Value::as_str) == Some("half_open"))
        .ok_or_else(|| {
            format!("expected a transition to half_open before the probe timed out; transitions: {transitions:?}")
        })?;
    let took = at(transitions[timed_out]) - at(entered);
    let limit = (bound + tolerance).as_secs_f64() * 1e3;
    if took <= limit {
        Ok(())
    } else {
        Err(format!(
            "the probe of \"{provider}\" was timed out {took:.1} ms after half-open began; expected within {} ms (+{} ms tolerance)",
            bound.as_millis(),
            tolerance.as_millis()
        ))
    }
}
