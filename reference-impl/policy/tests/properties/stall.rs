//! Stall invariants (see `failover_policy::stall`).
use std::time::{Duration, Instant};

use failover_policy::{Overdue, Stall, StallConfig};
use proptest::prelude::*;

/// What an attempt that has just become overdue does, asked of `stall`.
pub type Asker = fn(&mut Stall, Instant, bool) -> Overdue;

/// One thing a provider's attempts do, `gap` ms after the last.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// The provider answers an attempt.
    Answer,
    /// An attempt becomes overdue, with somewhere else to go or not.
    Overdue(bool),
    /// The oldest overdue attempt still waiting ends.
    Settle,
}

pub fn configs() -> impl Strategy<Value = StallConfig> {
    (1u64..300, 1u32..6).prop_map(|(ms, attempts)| StallConfig { after: Duration::from_millis(ms), attempts })
}

pub fn ops() -> impl Strategy<Value = Vec<(u64, Op)>> {
    let op = prop_oneof![1 => Just(Op::Answer), 3 => Just(Op::Overdue(true)), 1 => Just(Op::Overdue(false)), 1 => Just(Op::Settle)];
    proptest::collection::vec((0u64..300, op), 0..120)
}

/// Which of the two properties a run checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Property 38: only a silent provider with `attempts` overdue at once
    /// is stalled, an attempt with nowhere else to go is never abandoned,
    /// and the count of overdue attempts is kept exactly.
    Safety,
    /// Property 39: a silent provider with `attempts` overdue is stalled,
    /// and until it answers every attempt overdue on it is abandoned.
    Liveness,
}

/// Runs `ops` against `ask`, holding it to the rule of `failover_policy::stall`
/// stated here on its own.
pub fn follows_the_rule(ask: Asker, check: Check, cfg: &StallConfig, ops: &[(u64, Op)]) -> Result<(), String> {
    let mut stall = Stall::new(*cfg);
    let mut now = Instant::now();
    let (mut answered_at, mut stalled) = (None::<Instant>, false);
    let mut waiting: Vec<u64> = Vec::new();
    for (i, &(gap, op)) in ops.iter().enumerate() {
        now += Duration::from_millis(gap);
        match op {
            Op::Answer => {
                stall.answered(now);
                (answered_at, stalled) = (Some(now), false);
            }
            Op::Settle => {
                if !waiting.is_empty() {
                    stall.settled(waiting.remove(0));
                }
            }
            Op::Overdue(elsewhere) => {
                let silent = answered_at.is_none_or(|at| now.duration_since(at) >= cfg.after);
                let enough = waiting.len() as u64 + 1 >= u64::from(cfg.attempts.max(1));
                let got = ask(&mut stall, now, elsewhere);
                let expected = match () {
                    () if !elsewhere => "stay",
                    () if stalled => "abandon",
                    () if silent && enough => "stalled",
                    () => "wait",
                };
                let bad = match (check, got) {
                    (Check::Safety, Overdue::Stalled) => stalled || !silent || !enough || !elsewhere,
                    (Check::Safety, Overdue::Abandon) => !elsewhere,
                    (Check::Safety, Overdue::Wait { .. } | Overdue::Stay) => false,
                    (Check::Liveness, Overdue::Stalled) => expected != "stalled",
                    (Check::Liveness, Overdue::Abandon) => expected != "abandon",
                    (Check::Liveness, Overdue::Wait { .. }) => expected != "wait",
                    (Check::Liveness, Overdue::Stay) => expected != "stay",
                };
                if bad {
                    return Err(format!(
                        "op {i}: an overdue attempt was told {got:?} where the rule says {expected} ({} waiting, silent: {silent}, stalled: {stalled})",
                        waiting.len()
                    ));
                }
                match got {
                    Overdue::Wait { epoch } => waiting.push(epoch),
                    Overdue::Stalled => {
                        waiting.clear();
                        stalled = true;
                    }
                    Overdue::Abandon | Overdue::Stay => {}
                }
            }
        }
        if check == Check::Safety && stall.waiting() as usize != waiting.len() {
            return Err(format!("op {i}: {} attempts counted overdue, {} are", stall.waiting(), waiting.len()));
        }
    }
    Ok(())
}

/// The gateway's rule.
pub fn asks(stall: &mut Stall, now: Instant, elsewhere: bool) -> Overdue {
    stall.overdue(now, elsewhere)
}

/// Gives up on any overdue attempt: a slow provider is taken for a silent one.
pub fn hasty(stall: &mut Stall, now: Instant, elsewhere: bool) -> Overdue {
    match stall.overdue(now, elsewhere) {
        Overdue::Wait { .. } => Overdue::Stalled,
        other => other,
    }
}

/// Abandons attempts with nowhere else to go too.
pub fn strands(stall: &mut Stall, now: Instant, _elsewhere: bool) -> Overdue {
    stall.overdue(now, true)
}

/// Forgets a stall at once: every attempt after the first ones waits out
/// its timeout again.
pub fn forgetful(stall: &mut Stall, now: Instant, elsewhere: bool) -> Overdue {
    match stall.overdue(now, elsewhere) {
        Overdue::Abandon => Overdue::Wait { epoch: u64::MAX },
        other => other,
    }
}
