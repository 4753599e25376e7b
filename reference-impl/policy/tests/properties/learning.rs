//! Property 33: learning is bounded and settles. Over any episode history,
//! any bounds and any settings within them, each adjustment starts from the
//! setting's value, changes it, stays within its bounds, and touches only
//! settings that have bounds; applied again and again to the same history,
//! the settings stop changing within a few rounds (no oscillation).
use failover_policy::Class;
use failover_policy::episode::{Current, Record};
use failover_policy::learning::{Adjustment, Bounds, Range, apply};
use proptest::prelude::*;

/// A learning function under test.
pub type Learner = fn(&[Record], Current, &Bounds) -> Vec<Adjustment>;

/// Rounds within which the settings must settle: probes double at most
/// log2(max) times; the others move once.
pub const ROUNDS: usize = 40;

/// Histories: episodes of 10 ms to 2 s, 0 to 1 s apart.
pub fn histories() -> impl Strategy<Value = Vec<Record>> {
    proptest::collection::vec((0.0..1000.0f64, 10.0..2000.0f64, 0u32..3), 0..8).prop_map(|episodes| {
        let mut start = 0.0;
        episodes
            .into_iter()
            .map(|(gap, duration_ms, reopens)| {
                let record = Record {
                    started_ms: start + gap,
                    detect_ms: duration_ms / 4.0,
                    first_success_ms: Some(1.0),
                    duration_ms,
                    reopens,
                    class: Some(Class::ServerError),
                };
                start += gap + duration_ms;
                record
            })
            .collect()
    })
}

fn range(lo: u64, width: u64) -> Range {
    Range { min: lo as f64, max: (lo + width) as f64 }
}

/// Bounds (each setting with or without) and settings within them.
pub fn subjects() -> impl Strategy<Value = (Bounds, Current)> {
    let bound = |lo: std::ops::Range<u64>, width: std::ops::Range<u64>| {
        proptest::option::of((lo, width)).prop_map(|b| b.map(|(lo, w)| range(lo, w)))
    };
    let bounds = (bound(1..10, 0..20), bound(1..500, 0..2000), bound(1..4, 0..8))
        .prop_map(|(min_calls, open_ms, half_open_probes)| Bounds { min_calls, open_ms, half_open_probes });
    (bounds, 0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64, 10.0..500.0f64).prop_map(|(bounds, a, b, c, window_ms)| {
        let within =
            |r: Option<Range>, default: f64, at: f64| r.map_or(default, |r| (r.min + (r.max - r.min) * at).round());
        let current = Current {
            min_calls: within(bounds.min_calls, 10.0, a) as u32,
            open_ms: within(bounds.open_ms, 100.0, b),
            half_open_probes: within(bounds.half_open_probes, 1.0, c) as u32,
            window_ms,
        };
        (bounds, current)
    })
}

fn value(current: &Current, setting: &str) -> f64 {
    match setting {
        "min_calls" => f64::from(current.min_calls),
        "open_ms" => current.open_ms,
        _ => f64::from(current.half_open_probes),
    }
}

/// Checks property 33 on `learn`.
pub fn bounded_and_settles(learn: Learner, history: &[Record], bounds: &Bounds, start: Current) -> Result<(), String> {
    let mut current = start;
    for round in 0..ROUNDS {
        let adjustments = learn(history, current, bounds);
        if adjustments.is_empty() {
            return Ok(());
        }
        for a in &adjustments {
            let Some(range) = bounds.of(a.setting) else {
                return Err(format!("round {round}: {} has no bounds but changed: {a:?}", a.setting));
            };
            if a.before != value(&current, a.setting) || a.after == a.before {
                return Err(format!("round {round}: {a:?} does not start from {current:?} or changes nothing"));
            }
            if !(range.min..=range.max).contains(&a.after) {
                return Err(format!("round {round}: {a:?} leaves its bounds {range:?}"));
            }
        }
        current = apply(current, &adjustments);
    }
    Err(format!("still adjusting after {ROUNDS} rounds, at {current:?}"))
}
