//! Assertions on fire drills (`/admin/drills`): the drilled provider got no
//! request while the drill surely ran, and the drill's report says its
//! fallbacks took over with no failure a client saw.
use std::ops::Range;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::mock::Received;

/// `provider` received no request in `running` (the time the drill surely
/// ran), and some before or after it: it was reachable, and left alone.
pub fn untouched_during(journal: &[Received], provider: &str, running: &Range<Instant>) -> Result<(), String> {
    super::observed(journal, &format!("provider \"{provider}\" received no request at all"))?;
    match journal.iter().find(|r| running.contains(&r.at)) {
        None => Ok(()),
        Some(r) => Err(format!(
            "provider \"{provider}\" received request #{} {} ms into the drill, which should have kept its traffic away",
            r.seq,
            r.at.duration_since(running.start).as_millis()
        )),
    }
}

fn n(report: &Value, key: &str) -> Option<f64> {
    report.get(key).and_then(Value::as_f64)
}

/// A finished drill's report: requests during it, every one served by a
/// fallback, none failed for a client, the take-over within `bound`.
pub fn report_clean(drill: &Value, bound: Duration) -> Result<(), String> {
    if drill.get("state").and_then(Value::as_str) != Some("finished") {
        return Err(format!("the drill has not finished: {drill}"));
    }
    let report = drill.get("report").ok_or_else(|| format!("the drill has no report: {drill}"))?;
    let (Some(requests), Some(fallback), Some(failures)) =
        (n(report, "requests"), n(report, "served_by_fallback"), n(report, "client_failures"))
    else {
        return Err(format!("the report lacks requests, served_by_fallback or client_failures: {report}"));
    };
    if requests < 1.0 {
        return Err(format!("nothing was observed: the report counts no request during the drill: {report}"));
    }
    if fallback != requests || failures != 0.0 {
        return Err(format!("expected every request served by a fallback and no client failure: {report}"));
    }
    match n(report, "take_over_ms") {
        Some(ms) if ms <= bound.as_secs_f64() * 1e3 => Ok(()),
        other => Err(format!("take_over_ms {other:?}, expected at most {} ms: {report}", bound.as_millis())),
    }
}
