//! Property 30: with active probes, the gateway's own probes are the only
//! half-open probes, and no probe that counts goes to a provider whose open
//! period still runs; the status's "since" never goes back in time.
use std::time::{Duration, Instant};

use failover_policy::{Admission, Breaker, BreakerConfig, Permit, Status, Verdict};
use proptest::prelude::*;

/// One step of a run with active probes.
#[derive(Clone, Debug)]
pub enum Op {
    /// A client's call asks to be admitted.
    Client { draw: f64 },
    /// The gateway's prober asks to send a probe.
    Probe,
    /// An outstanding call ends (chosen by index).
    Finish { slot: usize, failed: bool },
    /// Time passes.
    Advance { ms: u64 },
}

/// Random runs.
pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        3 => (0.0..1.0f64).prop_map(|draw| Op::Client { draw }),
        3 => Just(Op::Probe),
        4 => (any::<usize>(), any::<bool>()).prop_map(|(slot, failed)| Op::Finish { slot, failed }),
        2 => (0u64..300).prop_map(|ms| Op::Advance { ms }),
    ];
    proptest::collection::vec(op, 1..150)
}

/// How a breaker admits a client's call (the real one: [`Breaker::admit`]).
pub type ClientAdmit = fn(&mut Breaker, Instant, f64) -> Admission;

/// The real admission.
pub fn admit(b: &mut Breaker, now: Instant, draw: f64) -> Admission {
    b.admit(now, draw).0
}

/// Runs `ops` on a breaker with active probes and checks property 30.
pub fn probes_alone_probe(admit_client: ClientAdmit, cfg: &BreakerConfig, ops: &[Op]) -> Result<(), String> {
    let cfg = BreakerConfig { active_probes: true, ..*cfg };
    let t0 = Instant::now();
    let (mut now, mut b) = (t0, Breaker::new(cfg));
    let mut outstanding: Vec<Permit> = Vec::new();
    let mut since_seen: Option<Instant> = None;
    for op in ops {
        match *op {
            Op::Client { draw } => {
                let open = b.status().0;
                if let Admission::Admitted(permit) = admit_client(&mut b, now, draw) {
                    if permit.is_probe() {
                        return Err(format!(
                            "a client's call was admitted as a half-open probe (breaker was {open:?})"
                        ));
                    }
                    outstanding.push(permit);
                }
            }
            Op::Probe => {
                let (status, _) = b.status();
                if let (Admission::Admitted(permit), _) = b.admit_probe(now) {
                    if matches!(status, Status::Open | Status::Drained) && b.status().0 != Status::HalfOpen {
                        return Err("a probe that counts was admitted while the open period ran".into());
                    }
                    outstanding.push(permit);
                }
            }
            Op::Finish { slot, failed } if !outstanding.is_empty() => {
                let permit = outstanding.swap_remove(slot % outstanding.len());
                let verdict = if failed { Verdict::Failure } else { Verdict::Success };
                let _ = b.record(permit, verdict, now);
            }
            Op::Finish { .. } => {}
            Op::Advance { ms } => now += Duration::from_millis(ms),
        }
        let (_, since) = b.status();
        if since < since_seen {
            return Err(format!("the status went back in time: since {since:?} after {since_seen:?}"));
        }
        since_seen = since;
    }
    Ok(())
}
