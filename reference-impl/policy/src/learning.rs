//! Learning from the episode history (case TC_R752_FAILOVER_016), opt-in and
//! bounded: after each episode of a (model, provider), what
//! [`episode::suggest`] says of its history is applied to that provider's
//! breaker, each setting clamped to the bounds the operator configured. A
//! setting without bounds is never touched. Learning only ever moves a
//! setting where the history points, and stops there: once the settings are
//! what the history suggests (or at a bound), the same history changes
//! nothing (property 33).
use super::episode::{self, Current, Record};

/// The closed range a learned setting stays in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Lowest value.
    pub min: f64,
    /// Highest value.
    pub max: f64,
}

impl Range {
    fn clamp(self, value: f64) -> f64 {
        value.max(self.min).min(self.max)
    }
}

/// Which settings learning may change, and within what; `None`: never.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bounds {
    /// `min_calls`.
    pub min_calls: Option<Range>,
    /// `open_ms`.
    pub open_ms: Option<Range>,
    /// `half_open_probes`.
    pub half_open_probes: Option<Range>,
}

impl Bounds {
    /// The range of `setting`, if learning may change it.
    pub fn of(&self, setting: &str) -> Option<Range> {
        match setting {
            "min_calls" => self.min_calls,
            "open_ms" => self.open_ms,
            "half_open_probes" => self.half_open_probes,
            _ => None,
        }
    }
}

/// What the history showed when a setting was adjusted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evidence {
    /// Episodes in the history.
    pub episodes: u32,
    /// Their median duration, ms.
    pub median_outage_ms: f64,
    /// Episodes that started within one breaker window of the previous end.
    pub flaps: u32,
}

/// One setting changed by learning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adjustment {
    /// `min_calls`, `open_ms` or `half_open_probes`.
    pub setting: &'static str,
    /// Its value before.
    pub before: f64,
    /// Its value after: the suggestion, clamped to its bounds.
    pub after: f64,
    /// The suggestion's reason.
    pub because: &'static str,
    /// The history behind it.
    pub evidence: Evidence,
    /// The bounds it was clamped to.
    pub bounds: Range,
}

/// The adjustments `history` (oldest first) calls for from `current`:
/// each suggestion for a setting with bounds, clamped to them, when that
/// changes the setting.
pub fn learn(history: &[Record], current: Current, bounds: &Bounds) -> Vec<Adjustment> {
    let suggestions = episode::suggest(history, current);
    if suggestions.is_empty() {
        return Vec::new();
    }
    let outages: Vec<f64> = history.iter().map(|r| r.duration_ms).collect();
    let evidence = Evidence {
        episodes: u32::try_from(history.len()).unwrap_or(u32::MAX),
        median_outage_ms: episode::percentile(&outages, 50),
        flaps: episode::flaps(history, current.window_ms),
    };
    suggestions
        .into_iter()
        .filter_map(|s| {
            let range = bounds.of(s.setting)?;
            let after = range.clamp(s.suggested);
            (after != s.current).then_some(Adjustment {
                setting: s.setting,
                before: s.current,
                after,
                because: s.because,
                evidence,
                bounds: range,
            })
        })
        .collect()
}

/// `current` with `adjustments` applied.
pub fn apply(mut current: Current, adjustments: &[Adjustment]) -> Current {
    for a in adjustments {
        // Bounds are whole numbers of calls and probes, and at least 1.
        let whole = a.after.round().max(1.0);
        match a.setting {
            "min_calls" => current.min_calls = whole as u32,
            "open_ms" => current.open_ms = a.after,
            "half_open_probes" => current.half_open_probes = whole as u32,
            _ => {}
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Class;

    fn record(started_ms: f64, duration_ms: f64) -> Record {
        let class = Some(Class::ServerError);
        Record { started_ms, detect_ms: 10.0, first_success_ms: Some(12.0), duration_ms, reopens: 0, class }
    }

    const CURRENT: Current = Current { min_calls: 8, open_ms: 40.0, half_open_probes: 1, window_ms: 200.0 };

    fn range(min: f64, max: f64) -> Option<Range> {
        Some(Range { min, max })
    }

    #[test]
    fn suggestions_are_applied_within_their_bounds_and_only_those_with_bounds() {
        let long = [record(0.0, 440.0), record(1000.0, 450.0), record(2000.0, 460.0)];
        let bounds = Bounds { min_calls: range(3.0, 8.0), open_ms: range(40.0, 300.0), half_open_probes: None };
        let adjusted = learn(&long, CURRENT, &bounds);
        let got: Vec<_> = adjusted.iter().map(|a| (a.setting, a.before, a.after)).collect();
        assert_eq!(got, [("min_calls", 8.0, 4.0), ("open_ms", 40.0, 300.0)], "open_ms clamped at 300");
        let evidence = Evidence { episodes: 3, median_outage_ms: 450.0, flaps: 0 };
        assert!(adjusted.iter().all(|a| a.evidence == evidence), "{adjusted:?}");
        assert_eq!(adjusted[1].bounds, Range { min: 40.0, max: 300.0 });
        let now = apply(CURRENT, &adjusted);
        assert_eq!((now.min_calls, now.open_ms, now.half_open_probes), (4, 300.0, 1));
        assert!(learn(&long, now, &bounds).is_empty(), "at the bound, the same history changes nothing");
        let floor = Bounds { min_calls: range(6.0, 8.0), ..Bounds::default() };
        assert_eq!(learn(&long, CURRENT, &floor)[0].after, 6.0, "min_calls stops at its minimum");
        assert!(learn(&long, CURRENT, &Bounds::default()).is_empty(), "no bounds, no learning");
        assert!(learn(&long[..2], CURRENT, &bounds).is_empty(), "too few episodes");
    }

    #[test]
    fn a_flapping_provider_gets_a_stricter_failback_up_to_its_bound() {
        // Each starts 10 ms after the previous ended: every recovery flapped.
        let flapping = [record(0.0, 30.0), record(40.0, 30.0), record(80.0, 30.0)];
        let bounds = Bounds { half_open_probes: range(1.0, 3.0), ..Bounds::default() };
        let first = learn(&flapping, CURRENT, &bounds);
        assert_eq!(first.iter().map(|a| (a.setting, a.after)).collect::<Vec<_>>(), [("half_open_probes", 2.0)]);
        assert_eq!(first[0].evidence.flaps, 2);
        let second = learn(&flapping, apply(CURRENT, &first), &bounds);
        assert_eq!(second[0].after, 3.0, "doubled, then clamped");
        assert!(learn(&flapping, apply(apply(CURRENT, &first), &second), &bounds).is_empty());
    }

    #[test]
    fn applying_rounds_counts_and_keeps_them_at_least_one() {
        let a = |setting, after| Adjustment {
            setting,
            before: 0.0,
            after,
            because: "",
            evidence: Evidence { episodes: 3, median_outage_ms: 0.0, flaps: 0 },
            bounds: Range { min: 0.0, max: 10.0 },
        };
        let now = apply(CURRENT, &[a("min_calls", 2.6), a("half_open_probes", 0.2), a("open_ms", 55.5), a("x", 1.0)]);
        assert_eq!((now.min_calls, now.half_open_probes, now.open_ms, now.window_ms), (3, 1, 55.5, 200.0));
    }
}
