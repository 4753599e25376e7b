//! Latency-aware order invariants (see `failover_policy::nearest`).
use std::time::Duration;

use failover_policy::{Nearest, NearestConfig};
use proptest::prelude::*;

/// Builds the order under test.
pub type Maker = fn(NearestConfig, Vec<u32>) -> Nearest;

/// Reads an order of a chain of `len` entries.
pub type Orderer = fn(&Nearest, usize) -> Vec<usize>;

pub fn configs() -> impl Strategy<Value = NearestConfig> {
    (0.05..=1.0f64, 0.05..0.5f64, 1u32..5).prop_map(|(weight, margin, min_samples)| NearestConfig {
        weight,
        margin,
        min_samples,
    })
}

/// A lower bound in ms and answers of two entries, each somewhere in the band.
pub fn bands() -> impl Strategy<Value = (f64, Vec<(usize, f64)>)> {
    (1.0..500.0f64, proptest::collection::vec((0..2usize, 0.0..=1.0f64), 1..200))
}

/// Priorities of a chain and answers (entry, ms).
pub fn samples() -> impl Strategy<Value = (Vec<u32>, Vec<(usize, u64)>)> {
    (proptest::collection::vec(0u32..3, 1..6), proptest::collection::vec((0..6usize, 1u64..1_000), 0..100))
}

/// Property 35: two entries of one level whose every answer lies within the
/// hysteresis margin of each other never alternate: the lead is given once
/// and never passes.
pub fn never_alternate(make: Maker, cfg: &NearestConfig, band: &(f64, Vec<(usize, f64)>)) -> Result<(), String> {
    let (lo, answers) = band;
    // Slightly inside the band, so that rounding to nanoseconds stays in it.
    let hi = lo / (1.0 - cfg.margin) * (1.0 - 1e-6);
    let mut nearest = make(*cfg, vec![0, 0]);
    for (i, &(hop, x)) in answers.iter().enumerate() {
        let latency = Duration::from_secs_f64((lo + x * (hi - lo)) / 1e3);
        if let Some(switch) = nearest.observe(hop, latency) {
            if let Some(from) = switch.from {
                return Err(format!("answer {i}: the lead passed from {from:?} to {:?} within the margin", switch.to));
            }
        }
    }
    Ok(())
}

/// The gateway's order.
pub fn ordered(n: &Nearest, len: usize) -> Vec<usize> {
    n.order().iter(len).collect()
}

/// Fastest first, whatever the priority.
pub fn by_latency_alone(n: &Nearest, len: usize) -> Vec<usize> {
    let mut hops: Vec<usize> = (0..len).collect();
    hops.sort_by_key(|&h| n.average(h).unwrap_or_default());
    hops
}

/// Property 36: after every answer, the order is a permutation of the chain
/// that never puts an entry before one of a lower priority level; within a
/// level, unmeasured entries come first, then the leader, whose average is
/// within the margin of the level's fastest.
pub fn levels_and_leaders(
    order_of: Orderer,
    cfg: &NearestConfig,
    (priority, answers): &(Vec<u32>, Vec<(usize, u64)>),
) -> Result<(), String> {
    let len = priority.len();
    let mut nearest = Nearest::new(*cfg, priority.clone());
    for (i, &(hop, ms)) in answers.iter().enumerate() {
        nearest.observe(hop % len, Duration::from_millis(ms));
        let order = order_of(&nearest, len);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        if sorted != (0..len).collect::<Vec<_>>() {
            return Err(format!("answer {i}: {order:?} is not a permutation of the chain"));
        }
        if order.windows(2).any(|w| priority[w[0]] > priority[w[1]]) {
            return Err(format!("answer {i}: {order:?} breaks the priority levels {priority:?}"));
        }
        for level in order.chunk_by(|a, b| priority[*a] == priority[*b]) {
            let measured: Vec<usize> = level.iter().copied().filter(|&h| nearest.average(h).is_some()).collect();
            let unmeasured = level.len() - measured.len();
            if level[..unmeasured].iter().any(|&h| nearest.average(h).is_some()) {
                return Err(format!("answer {i}: in {level:?} a measured entry precedes an unmeasured one"));
            }
            let Some(&first) = measured.first() else { continue };
            if nearest.leader(first) != Some(first) {
                return Err(format!(
                    "answer {i}: {first} comes first among the measured of {level:?} but does not lead"
                ));
            }
            let fastest = measured.iter().filter_map(|&h| nearest.average(h)).min().unwrap_or_default();
            let lead = nearest.average(first).unwrap_or_default();
            if lead.as_secs_f64() * (1.0 - cfg.margin) > fastest.as_secs_f64() + 2e-9 {
                return Err(format!(
                    "answer {i}: the leader's {lead:?} is beyond the margin of the fastest {fastest:?}"
                ));
            }
        }
    }
    Ok(())
}
