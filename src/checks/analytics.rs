//! Checks on `/admin/analytics` (capability `analytics`): each episode's
//! numbers within the bounds the scenario's outages imply, the summary
//! recomputed from the episodes it summarises, and the suggestions.
use serde_json::Value;

use crate::analytics::{entry, episodes};

pub(crate) fn number(v: &Value, field: &str) -> Result<f64, String> {
    v.get(field).and_then(Value::as_f64).ok_or_else(|| format!("no number \"{field}\" in {v}"))
}

/// What each episode of a scenario must show.
#[derive(Clone, Debug)]
pub struct Expected<'a> {
    /// Its failure class.
    pub class: &'a str,
    /// Longest time to detect, ms.
    pub detect_max_ms: f64,
    /// Longest time to the first success on a fallback, ms.
    pub first_success_max_ms: f64,
    /// Chain position of that fallback.
    pub depth: u64,
    /// Shortest and longest duration, ms.
    pub duration_ms: (f64, f64),
}

/// Exactly `n` finished episodes of `provider` for `model`, each as `expected` says.
pub fn episodes_as(report: &Value, model: &str, provider: &str, n: usize, expected: &Expected) -> Result<(), String> {
    let list = episodes(report, model, provider)?;
    if list.len() != n {
        return Err(format!("expected {n} episodes of \"{provider}\", the analytics list {}: {report}", list.len()));
    }
    for (i, e) in list.iter().enumerate() {
        let why = |what: String| format!("episode {} of \"{provider}\": {what}: {e}", i + 1);
        let class = e.get("class").and_then(Value::as_str);
        if class != Some(expected.class) {
            return Err(why(format!("class {class:?}, expected \"{}\"", expected.class)));
        }
        let (detect, first, duration) =
            (number(e, "detect_ms")?, number(e, "first_success_ms")?, number(e, "duration_ms")?);
        if !(0.0..=expected.detect_max_ms).contains(&detect) || detect > duration {
            return Err(why(format!("detected after {detect} ms, expected within {} ms", expected.detect_max_ms)));
        }
        if !(0.0..=expected.first_success_max_ms).contains(&first) {
            let bound = expected.first_success_max_ms;
            return Err(why(format!("first success on a fallback after {first} ms, expected within {bound} ms")));
        }
        if e.get("depth").and_then(Value::as_u64) != Some(expected.depth) {
            return Err(why(format!("expected a fallback at depth {}", expected.depth)));
        }
        let (lo, hi) = expected.duration_ms;
        if !(lo..=hi).contains(&duration) {
            return Err(why(format!("lasted {duration} ms, expected between {lo} and {hi} ms")));
        }
        if e.get("ended").and_then(Value::as_str) != Some("recovered") {
            return Err(why("expected it to have ended \"recovered\"".into()));
        }
    }
    Ok(())
}

/// The nearest-rank percentile of `values` (not empty).
pub(crate) fn percentile(values: &[f64], pct: usize) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[(sorted.len() * pct).div_ceil(100).max(1) - 1]
}

/// The summary of `provider` for `model` is what its listed episodes add up
/// to: their count, all of `class`, mean and p95 times to detect and to
/// recover, and its flaps: episodes that started within `gap_ms` of the
/// previous one's end.
pub fn summary_adds_up(report: &Value, model: &str, provider: &str, class: &str, gap_ms: f64) -> Result<(), String> {
    let list = episodes(report, model, provider)?;
    if list.is_empty() {
        return Err(format!("no episode of \"{provider}\" to summarise: {report}"));
    }
    let e = entry(report, model, provider)?;
    let of = |field: &str| list.iter().map(|x| number(x, field)).collect::<Result<Vec<f64>, String>>();
    let (detect, recover, started) = (of("detect_ms")?, of("duration_ms")?, of("started_at_ms")?);
    let ends = started.iter().zip(&recover).map(|(s, d)| s + d);
    let flaps = started.iter().skip(1).zip(ends).filter(|(next, end)| *next - end <= gap_ms).count() as u64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let expected = [
        ("detect_mean_ms", mean(&detect)),
        ("detect_p95_ms", percentile(&detect, 95)),
        ("recover_mean_ms", mean(&recover)),
        ("recover_p95_ms", percentile(&recover, 95)),
    ];
    for (field, want) in expected {
        let got = number(e, field)?;
        if (got - want).abs() > 1e-6 * want.abs().max(1.0) {
            return Err(format!("\"{provider}\": {field} is {got}, its episodes make it {want}: {e}"));
        }
    }
    let n = list.len() as u64;
    let counted = e.get("episodes").and_then(Value::as_u64);
    let of_class = e.pointer(&format!("/by_class/{class}")).and_then(Value::as_u64);
    if counted != Some(n) || of_class != Some(n) {
        return Err(format!("\"{provider}\": expected {n} episodes, all {class}, in the summary: {e}"));
    }
    match e.get("flaps").and_then(Value::as_u64) {
        Some(f) if f == flaps => Ok(()),
        got => Err(format!("\"{provider}\": expected {flaps} flaps, the summary says {got:?}: {e}")),
    }
}

/// The analytics suggest `setting` for `provider` of `model`, changed from
/// its current value to one in `lo..=hi`; returns the suggested value.
pub fn suggests(report: &Value, model: &str, provider: &str, setting: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let e = entry(report, model, provider)?;
    let list = e.get("suggestions").and_then(Value::as_array).ok_or_else(|| format!("no \"suggestions\": {e}"))?;
    let s = list
        .iter()
        .find(|s| s.get("setting").and_then(Value::as_str) == Some(setting))
        .ok_or_else(|| format!("no suggestion for {setting} of \"{provider}\": {e}"))?;
    let (current, suggested) = (number(s, "current")?, number(s, "suggested")?);
    if (lo..=hi).contains(&suggested) && suggested != current {
        Ok(suggested)
    } else {
        Err(format!(
            "suggested {setting} {suggested} (from {current}), expected a change to between {lo} and {hi}: {s}"
        ))
    }
}

/// `after` lists the same episodes of `provider` for `model` as `before`,
/// and at least one.
pub fn same_episodes(before: &Value, after: &Value, model: &str, provider: &str) -> Result<(), String> {
    let (was, is) = (episodes(before, model, provider)?, episodes(after, model, provider)?);
    if was.is_empty() {
        return Err(format!("no episode of \"{provider}\" was listed before: {before}"));
    }
    if was == is { Ok(()) } else { Err(format!("before: {was:?}; after: {is:?}")) }
}

/// The store file holds what it held before the gateway saw it.
pub fn file_unchanged(now: Option<Vec<u8>>, before: Option<&[u8]>) -> Result<(), String> {
    match (now.as_deref(), before) {
        (a, b) if a == b => Ok(()),
        (None, _) => Err("the store file is gone".into()),
        (Some(a), None) => Err(format!("a store file of {} bytes was created where none was allowed", a.len())),
        (Some(a), Some(_)) => Err(format!("the store file was changed: it now holds {} bytes", a.len())),
    }
}
