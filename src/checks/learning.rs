//! Checks on learning (capability `learning`, case TC_R752_FAILOVER_016):
//! the `threshold_adjusted` events explained by the episodes the analytics
//! list, the settings in force, and what an outage costs clients before and
//! after the gateway learned.
use serde_json::Value;

use super::analytics::{number, percentile};
use crate::analytics::{entry, episodes};
use crate::mock::Received;

/// What a scenario expects learning to have done to one setting.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// `min_calls`, `open_ms` or `half_open_probes`.
    pub setting: &'a str,
    /// Its configured value.
    pub from: f64,
    /// The range its last value must be in.
    pub to: (f64, f64),
}

/// Learning changed `expected.setting` of `provider` for `model`: its
/// `threshold_adjusted` events form a chain from the configured value (each
/// starting where the previous ended), each stays within the bounds it
/// names, each names as evidence a number of episodes the analytics list and
/// the median duration of exactly those episodes; the last ends in
/// `expected.to`, and the analytics show that value in force.
pub fn adjusted(
    events: &[Value],
    report: &Value,
    model: &str,
    provider: &str,
    expected: Expected,
) -> Result<(), String> {
    let setting = expected.setting;
    let mine = crate::events::matching(events, "threshold_adjusted", &[("model", model), ("provider", provider)]);
    let mine: Vec<&Value> =
        mine.into_iter().filter(|e| e.get("setting").and_then(Value::as_str) == Some(setting)).collect();
    if mine.is_empty() {
        return Err(format!("no threshold_adjusted event for {setting} of \"{provider}\" of \"{model}\""));
    }
    let durations = episodes(report, model, provider)?
        .iter()
        .map(|e| number(e, "duration_ms"))
        .collect::<Result<Vec<f64>, String>>()?;
    let mut value = expected.from;
    for e in &mine {
        let why = |what: String| format!("threshold_adjusted of {setting} of \"{provider}\": {what}: {e}");
        let (before, after, min, max) =
            (number(e, "before")?, number(e, "after")?, number(e, "min")?, number(e, "max")?);
        if before != value {
            return Err(why(format!("starts from {before}, but the setting was {value}")));
        }
        if !(min..=max).contains(&after) || after == before {
            return Err(why(format!("{after} is no change within its bounds [{min}, {max}]")));
        }
        let n = number(e, "episodes")? as usize;
        if n == 0 || n > durations.len() {
            return Err(why(format!("cites {n} episodes; the analytics list {}", durations.len())));
        }
        let (median, cited) = (percentile(&durations[..n], 50), number(e, "median_outage_ms")?);
        if (median - cited).abs() > 0.01 {
            return Err(why(format!(
                "cites a median outage of {cited} ms; its first {n} episodes make it {median} ms"
            )));
        }
        value = after;
    }
    let (lo, hi) = expected.to;
    if !(lo..=hi).contains(&value) {
        return Err(format!("{setting} of \"{provider}\" was adjusted to {value}, expected between {lo} and {hi}"));
    }
    in_force(report, model, provider, setting, value)
}

/// The settings in force for `provider` of `model`, as the analytics show them.
pub fn in_force(report: &Value, model: &str, provider: &str, setting: &str, want: f64) -> Result<(), String> {
    let e = entry(report, model, provider)?;
    match e.pointer(&format!("/settings/{setting}")).and_then(Value::as_f64) {
        Some(v) if v == want => Ok(()),
        other => Err(format!("the analytics show {setting} of \"{provider}\" as {other:?}, expected {want}: {e}")),
    }
}

/// The requests each complete outage of a provider cost: the runs of
/// faulted answers in its journal (each a client request that reached it
/// while it failed), the last left out unless a good answer followed it.
pub fn outage_costs(journal: &[Received]) -> Vec<usize> {
    let mut costs = Vec::new();
    let mut run = 0;
    for r in journal {
        match (r.faulted, run) {
            (true, _) => run += 1,
            (false, 0) => {}
            (false, n) => {
                costs.push(n);
                run = 0;
            }
        }
    }
    costs
}

/// The last `last` complete outages cost on average at most `percent` % of
/// what the costliest of the first `first` cost (the very first alone can
/// be cheap: it may start on an empty breaker window); returns (that
/// costliest, mean of the last).
pub fn later_outages_cheaper(costs: &[usize], first: usize, last: usize, percent: f64) -> Result<(f64, f64), String> {
    if first == 0 || last == 0 || costs.len() < first + last {
        return Err(format!(
            "{} complete outages ({costs:?}): too few to compare the first {first} with the last {last}",
            costs.len()
        ));
    }
    let before = costs[..first].iter().copied().max().unwrap_or(0) as f64;
    let later = costs[costs.len() - last..].iter().sum::<usize>() as f64 / last as f64;
    if later <= before * percent / 100.0 {
        Ok((before, later))
    } else {
        Err(format!(
            "the last {last} outages cost {later} requests on average, the costliest of the first {first} {before}: \
             more than {percent}% of it (requests that reached the failing provider, per outage: {costs:?})"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(faulted: bool) -> Received {
        Received {
            seq: 0,
            at: std::time::Instant::now(),
            path: String::new(),
            headers: Vec::new(),
            body: bytes::Bytes::new(),
            status: if faulted { 503 } else { 200 },
            faulted,
            answer: bytes::Bytes::new(),
        }
    }

    #[test]
    fn outages_are_runs_of_faults_followed_by_a_good_answer() {
        let journal: Vec<Received> = "..xxx.x..xxxx".chars().map(|c| received(c == 'x')).collect();
        assert_eq!(outage_costs(&journal), [3, 1], "the last run has not ended");
        assert!(outage_costs(&[]).is_empty());
        assert_eq!(
            later_outages_cheaper(&[6, 10, 4, 3], 2, 2, 70.0),
            Ok((10.0, 3.5)),
            "the costliest of the first two"
        );
        assert!(later_outages_cheaper(&[10, 9, 8, 7], 1, 2, 70.0).unwrap_err().contains("more than 70%"));
        assert_eq!(later_outages_cheaper(&[10, 9, 8, 7], 1, 2, 75.0), Ok((10.0, 7.5)), "the bound is inclusive");
        assert!(later_outages_cheaper(&[10, 4], 1, 2, 70.0).unwrap_err().contains("too few"));
        assert!(
            later_outages_cheaper(&[10, 4, 4], 0, 2, 70.0).is_err()
                && later_outages_cheaper(&[10, 4], 1, 0, 70.0).is_err()
        );
    }
}
