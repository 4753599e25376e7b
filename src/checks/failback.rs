//! Checks on gradual failback (capability `gradual-failback`, case
//! TC_R752_FAILOVER_015): the ramps the gateway's events describe, each
//! share's hold and validation, how ramps end, and the share of requests a
//! recovered provider actually served at each step.
//!
//! A ramp is read from the events of one (model, provider): a `failback`
//! event starts it at its `share`, each `failback_step` raises the share (to
//! 1 at the end), and a `breaker_transition` to `open` ends it at 0.
use serde_json::Value;
use statrs::distribution::{Binomial, DiscreteCDF};

use super::analytics::number;
use crate::client::Exchange;

/// One share of a ramp: from when, and what its validation counted.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    /// The share, in [0, 1].
    pub share: f64,
    /// When it began, in the gateway's `at_ms`.
    pub from_ms: f64,
}

/// How a ramp ended.
#[derive(Clone, Debug, PartialEq)]
pub enum End {
    /// Not yet.
    Running,
    /// The provider has all of its traffic back.
    Completed,
    /// The breaker reopened at `at_ms` for `open_for_ms`: the share is 0.
    Failed {
        /// When.
        at_ms: f64,
        /// Why (the transition's reason).
        reason: String,
        /// For how long.
        open_for_ms: f64,
    },
}

/// A validated step: its share's end, with what it counted.
#[derive(Clone, Debug, PartialEq)]
pub struct Validated {
    /// When the step passed.
    pub at_ms: f64,
    /// Calls the step counted.
    pub calls: f64,
    /// Failures among them.
    pub failures: f64,
}

/// One ramp of a provider.
#[derive(Clone, Debug, PartialEq)]
pub struct Ramp {
    /// The shares in order, the first from the `failback` event.
    pub shares: Vec<Share>,
    /// The validated steps, one per share left.
    pub validated: Vec<Validated>,
    /// How it ended.
    pub end: End,
}

/// The ramps of `provider` for `model`, oldest first.
pub fn ramps(events: &[Value], model: &str, provider: &str) -> Result<Vec<Ramp>, String> {
    let mut ramps: Vec<Ramp> = Vec::new();
    for e in events {
        if e.get("model").and_then(Value::as_str) != Some(model)
            || e.get("provider").and_then(Value::as_str) != Some(provider)
        {
            continue;
        }
        let running = ramps.last_mut().filter(|r| r.end == End::Running);
        match e.get("type").and_then(Value::as_str) {
            Some("failback") => {
                let share = number(e, "share")?;
                let end = if share >= 1.0 { End::Completed } else { End::Running };
                ramps.push(Ramp {
                    shares: vec![Share { share, from_ms: number(e, "at_ms")? }],
                    validated: vec![],
                    end,
                });
            }
            Some("failback_step") => {
                let Some(ramp) = running else {
                    return Err(format!("a failback_step outside any ramp of \"{provider}\": {e}"));
                };
                let (share, at_ms) = (number(e, "share")?, number(e, "at_ms")?);
                ramp.validated.push(Validated { at_ms, calls: number(e, "calls")?, failures: number(e, "failures")? });
                ramp.shares.push(Share { share, from_ms: at_ms });
                if share >= 1.0 {
                    ramp.end = End::Completed;
                }
            }
            Some("breaker_transition") if e.get("to").and_then(Value::as_str) == Some("open") => {
                if let Some(ramp) = running {
                    let reason = e.get("reason").and_then(Value::as_str).unwrap_or("").to_string();
                    ramp.end =
                        End::Failed { at_ms: number(e, "at_ms")?, reason, open_for_ms: number(e, "open_for_ms")? };
                }
            }
            _ => {}
        }
    }
    Ok(ramps)
}

/// The last ramp completed, rising through exactly `percents` (the last
/// 100), each share below 100 held at least `hold_ms` and validated on at
/// least `min_calls` calls.
pub fn rose_through(ramps: &[Ramp], percents: &[u64], hold_ms: f64, min_calls: f64) -> Result<(), String> {
    let ramp = ramps
        .iter()
        .rev()
        .find(|r| r.end == End::Completed)
        .ok_or_else(|| format!("no failback ramp completed; the ramps: {ramps:?}"))?;
    let seen: Vec<f64> = ramp.shares.iter().map(|s| (s.share * 1e4).round() / 100.0).collect();
    let want: Vec<f64> = percents.iter().map(|p| *p as f64).collect();
    if seen != want {
        return Err(format!("the last completed ramp rose through {seen:?} percent, expected {want:?}"));
    }
    for (i, step) in ramp.validated.iter().enumerate() {
        let held = step.at_ms - ramp.shares[i].from_ms;
        if held < hold_ms || step.calls < min_calls {
            return Err(format!(
                "the {}% share was left after {held:.1} ms and {} calls; each must be held {hold_ms} ms and validated on {min_calls}",
                seen[i], step.calls
            ));
        }
    }
    Ok(())
}

/// No ramp completed, at least `failed` ramps ended at 0, each reopening
/// the breaker for no shorter than the one before (longer until `cap_ms`).
pub fn never_completed(ramps: &[Ramp], failed: usize, cap_ms: f64) -> Result<(), String> {
    if let Some(done) = ramps.iter().find(|r| r.end == End::Completed) {
        return Err(format!("a failback ramp completed: {done:?}"));
    }
    let opens = reopenings(ramps);
    if opens.len() < failed {
        return Err(format!(
            "{} ramps ended with the breaker reopened, expected at least {failed}: {ramps:?}",
            opens.len()
        ));
    }
    for pair in opens.windows(2) {
        if pair[1] <= pair[0] && pair[0] < cap_ms {
            return Err(format!(
                "a ramp failure reopened for {} ms after one of {} ms: no longer cooldown",
                pair[1], pair[0]
            ));
        }
    }
    Ok(())
}

/// How long each failed ramp reopened the breaker for.
fn reopenings(ramps: &[Ramp]) -> Vec<f64> {
    ramps
        .iter()
        .filter_map(|r| match &r.end {
            End::Failed { open_for_ms, .. } => Some(*open_for_ms),
            _ => None,
        })
        .collect()
}

/// A ramp failed (its share back to 0, the breaker reopened for longer than
/// `first_open_ms`), and the next began only after that open period, from
/// the first share again, and completed.
pub fn restarted_after_failure(ramps: &[Ramp], first_open_ms: f64) -> Result<(), String> {
    let i = ramps
        .iter()
        .position(|r| matches!(r.end, End::Failed { .. }))
        .ok_or_else(|| format!("no failback ramp failed; the ramps: {ramps:?}"))?;
    let End::Failed { at_ms, open_for_ms, reason } = &ramps[i].end else { unreachable!() };
    if reason != "failure_during_failback_ramp" || *open_for_ms <= first_open_ms {
        return Err(format!(
            "the ramp ended by {reason}, reopening for {open_for_ms} ms; expected failure_during_failback_ramp for longer than the first {first_open_ms} ms"
        ));
    }
    let next = ramps.get(i + 1).ok_or("no ramp began after the failed one")?;
    let began = next.shares[0].from_ms - at_ms;
    if began < *open_for_ms {
        return Err(format!(
            "the next ramp began {began:.1} ms after the failure, within its {open_for_ms} ms open period"
        ));
    }
    if next.shares[0].share != ramps[i].shares[0].share || next.end != End::Completed {
        return Err(format!("the ramp after the failure did not restart from its first share and complete: {next:?}"));
    }
    Ok(())
}

/// What the client's requests showed at one share.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// The share.
    pub share: f64,
    /// Requests wholly within it.
    pub requests: u64,
    /// Those served by the recovered provider.
    pub served: u64,
    /// The bound on `served` at the stated confidence.
    pub bound: (u64, u64),
}

/// At every share below 1 of `ramp`, the number of requests `provider`
/// served lies within the two-sided binomial bound of the share at
/// `confidence`. Which provider served each request is read from the
/// answers (black box); when each began and ended, from the gateway's
/// `request` events of `model`, matched to the client's requests in order:
/// the client must have sent them one at a time.
pub fn shares_within_bound(
    ramp: &Ramp,
    exchanges: &[Exchange],
    events: &[Value],
    model: &str,
    provider: &str,
    confidence: f64,
) -> Result<Vec<Observed>, String> {
    let requests = crate::events::matching(events, "request", &[("model", model)]);
    if requests.len() != exchanges.len() {
        return Err(format!(
            "{} request events for \"{model}\" but the client sent {} requests: cannot match them in order",
            requests.len(),
            exchanges.len()
        ));
    }
    let spans = requests
        .iter()
        .map(|e| Ok((number(e, "at_ms")? - number(e, "latency_ms")?, number(e, "at_ms")?)))
        .collect::<Result<Vec<(f64, f64)>, String>>()?;
    let mut observed = Vec::new();
    for (i, share) in ramp.shares.iter().enumerate().filter(|(_, s)| s.share < 1.0) {
        let until = ramp.shares.get(i + 1).map_or_else(|| end_ms(ramp), |next| next.from_ms);
        let inside: Vec<usize> =
            (0..spans.len()).filter(|&k| spans[k].0 >= share.from_ms && spans[k].1 < until).collect();
        let served = inside.iter().filter(|&&k| exchanges[k].served_by().as_deref() == Some(provider)).count() as u64;
        for &k in &inside {
            let (claimed, answered) = (requests[k].get("served_by").and_then(Value::as_str), exchanges[k].served_by());
            if claimed != answered.as_deref() {
                return Err(format!(
                    "request {k}: the event says served by {claimed:?}, the answer came from {answered:?}"
                ));
            }
        }
        let n = inside.len() as u64;
        if n == 0 {
            return Err(format!("no request began and ended at the {}% share: nothing to judge", share.share * 100.0));
        }
        let bound = binomial_bound(n, share.share, confidence)?;
        let seen = Observed { share: share.share, requests: n, served, bound };
        if served < bound.0 || served > bound.1 {
            return Err(format!(
                "at the {}% share \"{provider}\" served {served} of {n} requests, outside the {}% binomial bound {bound:?}",
                share.share * 100.0,
                confidence * 100.0
            ));
        }
        observed.push(seen);
    }
    if observed.is_empty() {
        return Err("the ramp had no share below 100 %".into());
    }
    Ok(observed)
}

/// [`shares_within_bound`] for the last ramp of `provider` that had a
/// share below 1.
pub fn last_ramp_within_bound(
    events: &[Value],
    exchanges: &[Exchange],
    model: &str,
    provider: &str,
    confidence: f64,
) -> Result<Vec<Observed>, String> {
    let all = ramps(events, model, provider)?;
    let ramp = all.iter().rev().find(|r| r.shares.iter().any(|s| s.share < 1.0)).ok_or_else(|| {
        format!("no failback ramp of \"{provider}\" for \"{model}\" had a share below 100 %: {all:?}")
    })?;
    shares_within_bound(ramp, exchanges, events, model, provider, confidence)
}

/// When a ramp's last share ended: its failure, or never.
fn end_ms(ramp: &Ramp) -> f64 {
    match ramp.end {
        End::Failed { at_ms, .. } => at_ms,
        End::Running | End::Completed => f64::INFINITY,
    }
}

/// The two-sided bound on successes of `n` draws at `p` holding with
/// probability at least `confidence`.
pub fn binomial_bound(n: u64, p: f64, confidence: f64) -> Result<(u64, u64), String> {
    let dist = Binomial::new(p, n).map_err(|e| format!("no binomial of {n} draws at {p}: {e}"))?;
    let tail = (1.0 - confidence) / 2.0;
    // The largest lo with P(X < lo) <= tail and the least hi with
    // P(X > hi) <= tail, by walking the CDF (n is at most some thousands).
    let lo = (0..=n).find(|&k| dist.cdf(k) > tail).unwrap_or(n);
    let hi = (0..=n).find(|&k| dist.cdf(k) >= 1.0 - tail).unwrap_or(n);
    Ok((lo, hi))
}

/// `GET /admin/providers` lists `provider` of `model` as `ramping` at `share`.
pub fn listed_ramping(listing: &Value, model: &str, provider: &str, share: f64) -> Result<(), String> {
    let e = super::admin::entry(listing, model, provider)?;
    let state = e.get("state").and_then(Value::as_str);
    let listed = e.get("share").and_then(Value::as_f64);
    if state == Some("ramping") && listed.is_some_and(|s| (s - share).abs() < 1e-9) {
        Ok(())
    } else {
        Err(format!(
            "expected \"{provider}\" of \"{model}\" listed as ramping at share {share}, got state {state:?}, share {listed:?}: {e}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binomial_bounds_hold_their_confidence_and_no_more() {
        assert_eq!(binomial_bound(50, 0.0, 0.9999).unwrap(), (0, 0), "a share of 0 allows none");
        let (lo, hi) = binomial_bound(100, 0.25, 0.9999).unwrap();
        let d = Binomial::new(0.25, 100).unwrap();
        assert!(d.cdf(lo - 1) <= 0.00005 && d.cdf(lo) > 0.00005, "lo {lo}");
        assert!(1.0 - d.cdf(hi) <= 0.00005 && 1.0 - d.cdf(hi - 1) > 0.00005, "hi {hi}");
        assert!(lo > 5 && hi < 45, "{lo}..{hi}");
    }

    fn ev(v: Value) -> Value {
        let mut v = v;
        v["model"] = json!("m");
        v["provider"] = json!("p");
        v
    }

    #[test]
    fn ramps_are_read_from_the_events() {
        let events = [
            ev(json!({"type": "failback", "share": 0.1, "at_ms": 0.0})),
            ev(json!({"type": "failback_step", "share": 0.5, "at_ms": 300.0, "calls": 8, "failures": 0})),
            ev(
                json!({"type": "breaker_transition", "to": "open", "reason": "failure_during_failback_ramp", "at_ms": 350.0, "open_for_ms": 600}),
            ),
            ev(json!({"type": "failback", "share": 0.1, "at_ms": 960.0})),
            ev(json!({"type": "failback_step", "share": 0.5, "at_ms": 1300.0, "calls": 9, "failures": 0})),
            ev(json!({"type": "failback_step", "share": 1.0, "at_ms": 1600.0, "calls": 8, "failures": 0})),
        ];
        let r = ramps(&events, "m", "p").unwrap();
        assert_eq!(r.len(), 2);
        assert!(rose_through(&r, &[10, 50, 100], 300.0, 8.0).is_ok());
        assert!(rose_through(&r, &[10, 50, 100], 301.0, 8.0).unwrap_err().contains("held"));
        assert!(rose_through(&r, &[10, 25, 50, 100], 300.0, 8.0).is_err());
        assert!(restarted_after_failure(&r, 300.0).is_ok());
        assert!(restarted_after_failure(&r, 600.0).is_err(), "not longer than the first open");
        assert!(never_completed(&r, 1, 1e9).unwrap_err().contains("completed"));
        assert!(never_completed(&r[..1], 1, 1e9).is_ok());
        assert!(never_completed(&r[..1], 2, 1e9).is_err());
        assert!(rose_through(&[], &[100], 0.0, 0.0).is_err(), "no ramp proves nothing");
    }
}
