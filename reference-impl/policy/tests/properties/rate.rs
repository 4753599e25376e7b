//! A stream's token rate against its provider's usual rate (see
//! `failover_policy::soft::stream_rate` and `failover_policy::baseline`).
use std::time::Duration;

use failover_policy::baseline::Baseline;
use failover_policy::soft::{self, Asked, Quality, Reading, SoftConfig, Why};
use proptest::prelude::*;

/// One provider's streams in the order they end, each its content chunks and
/// the milliseconds from the first to the last; the usual rate is learned
/// from the first `baseline` measured ones.
#[derive(Clone, Debug)]
pub struct Case {
    pub baseline: u32,
    pub min_tokens: u32,
    pub share_pct: u32,
    pub streams: Vec<(u32, u64)>,
}

pub fn cases() -> impl Strategy<Value = Case> {
    let stream = (0u32..40, 0u64..2_000);
    (1u32..5, 0u32..10, 1u32..100, proptest::collection::vec(stream, 1..30))
        .prop_map(|(baseline, min_tokens, share_pct, streams)| Case { baseline, min_tokens, share_pct, streams })
}

/// How the usual rate takes in a measured stream.
pub type Learn = fn(&mut Baseline, f64);

/// As the gateway does: the mean of the first streams, then kept.
pub fn learns(usual: &mut Baseline, rate: f64) {
    usual.learn(rate);
}

/// Broken: the usual follows the latest stream, once known.
pub fn follows(usual: &mut Baseline, rate: f64) {
    if usual.known().is_some() {
        *usual = Baseline::new(1);
    }
    usual.learn(rate);
}

/// Each stream's rate is its chunks after the first over its span, measured
/// once it has enough chunks over at least a millisecond; it is judged slow
/// exactly when the usual rate was known before it (the mean of the first
/// `baseline` measured streams, then never moved) and it is below
/// `share_pct` of that usual.
pub fn slow_exactly_below_the_share_of_the_usual(case: &Case, learn: Learn) -> Result<(), String> {
    let share = f64::from(case.share_pct) / 100.0;
    let config =
        SoftConfig { quality: Quality { min_rate_share: share, ..Quality::default() }, ..SoftConfig::default() };
    let mut usual = Baseline::new(case.baseline);
    let mut first = Vec::new();
    for (i, &(tokens, ms)) in case.streams.iter().enumerate() {
        let rate = soft::stream_rate(tokens, Duration::from_millis(ms), case.min_tokens);
        let measured = tokens >= case.min_tokens.max(2) && ms >= 1;
        match rate {
            Some(r) if measured => {
                let worked_out = f64::from(tokens - 1) * 1000.0 / ms as f64;
                if (r - worked_out).abs() > worked_out * 1e-9 {
                    return Err(format!("stream {i}: rate {r}, worked out {worked_out}"));
                }
            }
            None if !measured => continue,
            other => return Err(format!("stream {i} ({tokens} chunks over {ms} ms): rate {other:?}")),
        }
        let rate = rate.expect("measured");
        let expected_usual = (first.len() >= case.baseline as usize)
            .then(|| first.iter().take(case.baseline as usize).sum::<f64>() / f64::from(case.baseline));
        if usual.known() != expected_usual {
            return Err(format!(
                "before stream {i}: usual {:?}, the mean of the first {:?}",
                usual.known(),
                expected_usual
            ));
        }
        let reading =
            Reading { content: "a fine answer", rate: expected_usual.map(|u| (rate, u)), ..Reading::default() };
        let slow =
            matches!(soft::judge(&config, &Asked::default(), &reading), Some(f) if matches!(f.why, Why::Slow { .. }));
        let expected = expected_usual.is_some_and(|u| rate < share * u);
        if slow != expected {
            return Err(format!(
                "stream {i} at {rate}/s against {expected_usual:?}: judged slow {slow}, expected {expected}"
            ));
        }
        first.push(rate);
        learn(&mut usual, rate);
    }
    Ok(())
}
