//! Strategies and invariants for the health score (properties 27 and 28).
use std::time::{Duration, Instant};

use failover_policy::health::{readings, score};
use failover_policy::{Health, HealthConfig, Sample, Thresholds, Values, Weights};
use proptest::prelude::*;

/// Valid health configs, as the contract's validation admits them.
pub fn configs() -> impl Strategy<Value = HealthConfig> {
    let weights = proptest::array::uniform6(0.0..1.0f64).prop_map(|[a, b, c, d, e, f]| Weights {
        error_rate: a,
        latency: b,
        p95: c,
        latency_trend: d,
        error_trend: e,
        headroom: f + 0.01,
    });
    let thresholds = (0.01..1.0f64, 1.01..5.0f64, 1.01..8.0f64, 0.51..1.0f64).prop_map(|(e, l, p, h)| Thresholds {
        error_rate: e,
        latency_ratio: l,
        p95_ratio: p,
        headroom: h,
    });
    let scores = (0.01..1.0f64, 0.01..=1.0f64).prop_map(|(drain, share)| (drain, drain * share));
    (100..10_000u64, 2..20u32, 1..10u32, scores, 100..10_000u64, 50..5_000u64, weights, thresholds).prop_map(
        |(window, min_samples, baseline_samples, (drain_score, warn_score), horizon, breach, weights, thresholds)| {
            HealthConfig {
                window: Duration::from_millis(window),
                min_samples,
                baseline_samples,
                drain_score,
                warn_score,
                horizon: Duration::from_millis(horizon),
                breach: Duration::from_millis(breach),
                weights,
                thresholds,
                class_weights: failover_policy::ClassWeights::EVEN,
            }
        },
    )
}

/// Metric values a provider can show.
pub fn values() -> impl Strategy<Value = Values> {
    (
        0.0..1.0f64,
        0.5..20.0f64,
        0.5..30.0f64,
        -500.0..500.0f64,
        proptest::option::of(0..20_000u64),
        -5.0..5.0f64,
        0.0..1.0f64,
    )
        .prop_map(|(error_rate, latency_ratio, p95_ratio, latency_slope, breach, error_slope, utilisation)| {
            Values {
                error_rate,
                latency_ratio,
                p95_ratio,
                latency_slope,
                breach_in: breach.map(Duration::from_millis),
                error_slope,
                utilisation,
            }
        })
}

/// One metric made worse by `by` (for the trend: the breach comes sooner).
pub fn worse(v: &Values, metric: usize, by: f64) -> Values {
    let mut w = *v;
    match metric {
        0 => w.error_rate += by,
        1 => w.latency_ratio += by,
        2 => w.p95_ratio += by,
        3 => {
            let sooner =
                Duration::from_secs_f64(by.min(1.0) * v.breach_in.unwrap_or(Duration::from_secs(20)).as_secs_f64());
            w.breach_in = Some(v.breach_in.unwrap_or(Duration::from_secs(20)).saturating_sub(sooner));
        }
        4 => w.error_slope += by,
        _ => w.utilisation += by,
    }
    w
}

/// A scoring function: the config and the values give the score.
pub type Scorer = fn(&HealthConfig, &Values) -> f64;

/// The real scoring.
pub fn real(c: &HealthConfig, v: &Values) -> f64 {
    score(&readings(c, v))
}

/// Property 27: the score never falls when one metric gets worse, and stays in [0, 1].
pub fn monotone(scorer: Scorer, c: &HealthConfig, v: &Values, metric: usize, by: f64) -> Result<(), String> {
    let (before, after) = (scorer(c, v), scorer(c, &worse(v, metric, by)));
    if !(0.0..=1.0).contains(&before) || !(0.0..=1.0).contains(&after) {
        return Err(format!("score out of [0, 1]: {before} then {after}"));
    }
    if after + 1e-12 < before {
        return Err(format!("metric {metric} worse by {by} lowered the score from {before} to {after}"));
    }
    Ok(())
}

/// Samples: latency, failed, utilisation, ms after the previous.
pub fn samples() -> impl Strategy<Value = Vec<(u64, bool, Option<f64>, u64)>> {
    proptest::collection::vec((0..5_000u64, any::<bool>(), proptest::option::of(0.0..1.0f64), 0..200u64), 1..20)
}

/// A drain decision after samples were recorded.
pub type Decider = fn(&mut Health, &HealthConfig, Instant) -> bool;

/// The real decision.
pub fn decides(h: &mut Health, _c: &HealthConfig, now: Instant) -> bool {
    h.assess(now).drain
}

/// Property 28: fewer samples than `min_samples` in the window never drain a
/// provider; a single sample never does.
pub fn few_samples_never_drain(
    decide: Decider,
    c: &HealthConfig,
    samples: &[(u64, bool, Option<f64>, u64)],
) -> Result<(), String> {
    let t0 = Instant::now();
    let mut h = Health::new(*c);
    let mut at = t0;
    for (i, &(latency, failed, utilisation, gap)) in samples.iter().enumerate() {
        at += Duration::from_millis(gap);
        h.record(Sample { at, latency: Duration::from_millis(latency), failed, class: class_of(failed), utilisation });
        let recorded = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if (recorded < c.min_samples || recorded == 1) && decide(&mut h, c, at) {
            return Err(format!("drained after {recorded} samples (min_samples {})", c.min_samples));
        }
    }
    Ok(())
}

/// How a record answers "does this assessment raise a warning?".
pub type Warner = fn(&mut Health, &failover_policy::Assessment) -> bool;

/// The real warning: once per upward crossing of `warn_score`.
pub fn warns(h: &mut Health, a: &failover_policy::Assessment) -> bool {
    h.crosses_warning(a, a.warn)
}

/// Property 29: a drain is never unannounced and a warning never repeats:
/// an assessment that drains is at the warning level; a warning is raised
/// when the level is reached and none is pending; two warnings are separated
/// by a score below three quarters of `warn_score`.
pub fn warnings_once_per_crossing(
    warner: Warner,
    c: &HealthConfig,
    samples: &[(u64, bool, Option<f64>, u64)],
) -> Result<(), String> {
    let t0 = Instant::now();
    let mut h = Health::new(*c);
    let (mut at, mut rearmed) = (t0, true);
    for &(latency, failed, utilisation, gap) in samples {
        at += Duration::from_millis(gap);
        h.record(Sample { at, latency: Duration::from_millis(latency), failed, class: class_of(failed), utilisation });
        let a = h.assess(at);
        if a.drain && !a.warn {
            return Err(format!("drains at score {} without being at the warning level {}", a.score, c.warn_score));
        }
        rearmed |= a.score < c.warn_score * 0.75;
        let warned = warner(&mut h, &a);
        if warned && !rearmed {
            return Err(format!("warned again at score {} without falling below 0.75 × {}", a.score, c.warn_score));
        }
        if a.warn && rearmed && !warned {
            return Err(format!(
                "score {} reached the warning level {} and no warning was raised",
                a.score, c.warn_score
            ));
        }
        rearmed &= !warned;
    }
    Ok(())
}

/// A failure's class in these samples: a server error, counting in full.
fn class_of(failed: bool) -> failover_policy::Class {
    if failed { failover_policy::Class::ServerError } else { failover_policy::Class::Success }
}
