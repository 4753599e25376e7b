//! Per-class opening rates (see `failover_policy::thresholds`).
use std::time::{Duration, Instant};

use failover_policy::soft::SoftClass;
use failover_policy::{Admission, Breaker, BreakerConfig, Class, ClassThresholds, Kind, RampConfig, Reason, Verdict};
use proptest::prelude::*;

/// One call's outcome: a success, or a failure of this kind.
pub type Outcome = Option<Kind>;

const KINDS: [Kind; 3] =
    [Kind::Hard(Class::RateLimited), Kind::Hard(Class::ServerError), Kind::Soft(SoftClass::Hallucination)];

/// A breaker's general rate and `min_calls`, thresholds of their own for
/// some of the kinds (in ppm), and the calls it sees, all within its window.
#[derive(Clone, Debug)]
pub struct Case {
    pub min_calls: u32,
    pub general_ppm: u32,
    pub own: [Option<u32>; 3],
    pub outcomes: Vec<Outcome>,
}

pub fn cases() -> impl Strategy<Value = Case> {
    let rate = 10_000u32..=1_000_000;
    let outcome = prop_oneof![Just(None), (0..KINDS.len()).prop_map(|i| Some(KINDS[i]))];
    (
        1u32..6,
        rate.clone(),
        proptest::array::uniform3(proptest::option::of(rate)),
        proptest::collection::vec(outcome, 1..40),
    )
        .prop_map(|(min_calls, general_ppm, own, outcomes)| Case { min_calls, general_ppm, own, outcomes })
}

fn thresholds(case: &Case) -> ClassThresholds {
    KINDS.iter().zip(case.own).fold(ClassThresholds::NONE, |t, (&kind, own)| match own {
        Some(ppm) => t.with(kind, ppm),
        None => t,
    })
}

fn config(case: &Case, classes: ClassThresholds) -> BreakerConfig {
    BreakerConfig {
        window: Duration::from_secs(3_600),
        min_calls: case.min_calls,
        threshold_ppm: case.general_ppm,
        open: Duration::from_secs(1),
        open_max: Duration::from_secs(1),
        half_open_probes: 1,
        probe_timeout: Duration::from_secs(1),
        backoff_reset: Duration::from_secs(1),
        ramp: RampConfig::NONE,
        active_probes: false,
        classes,
    }
}

/// Where the breaker should open, worked out apart from it: the first call
/// after which the window holds `min_calls` and either the failures of the
/// kinds without a threshold of their own reach the general rate, or those
/// of a kind reach its own (the first such kind in the order of the class
/// lists); with the reason and the failures that did it.
fn expected(case: &Case) -> Option<(usize, Reason, u32, Option<Kind>)> {
    let (mut calls, mut general, mut by_kind) = (0u64, 0u32, [0u32; 3]);
    for (i, outcome) in case.outcomes.iter().enumerate() {
        calls += 1;
        if let Some(kind) = outcome {
            let k = KINDS.iter().position(|x| x == kind).expect("a kind of the case");
            by_kind[k] += 1;
            if case.own[k].is_none() {
                general += 1;
            }
        }
        if calls < u64::from(case.min_calls) {
            continue;
        }
        if u64::from(general) * 1_000_000 >= u64::from(case.general_ppm) * calls {
            return Some((i, Reason::FailureRate, general, None));
        }
        let reached = (0..KINDS.len()).find(|&k| {
            case.own[k].is_some_and(|ppm| by_kind[k] > 0 && u64::from(by_kind[k]) * 1_000_000 >= u64::from(ppm) * calls)
        });
        if let Some(k) = reached {
            return Some((i, Reason::ClassRate, by_kind[k], Some(KINDS[k])));
        }
    }
    None
}

/// Feeds the case's calls to a breaker made with `classes` (the case's own,
/// or a broken variant's) and compares its first opening with the worked one.
pub fn opens_where_worked_out(case: &Case, classes: fn(&Case) -> ClassThresholds) -> Result<(), String> {
    let mut breaker = Breaker::new(config(case, classes(case)));
    let now = Instant::now();
    let mut seen = None;
    for (i, outcome) in case.outcomes.iter().enumerate() {
        let Admission::Admitted(permit) = breaker.admit(now, 0.0).0 else { break };
        let verdict = if outcome.is_some() { Verdict::Failure } else { Verdict::Success };
        if let Some(t) = breaker.record_kind(permit, verdict, *outcome, now, Duration::ZERO) {
            seen = Some((i, t.reason, t.failures, t.class));
            break;
        }
    }
    let want = expected(case);
    if seen == want { Ok(()) } else { Err(format!("opened at {seen:?}, worked out {want:?}")) }
}

/// The case's own thresholds.
pub fn own(case: &Case) -> ClassThresholds {
    thresholds(case)
}

/// A broken variant: every class judged by the one failure rate.
pub fn none(_: &Case) -> ClassThresholds {
    ClassThresholds::NONE
}
