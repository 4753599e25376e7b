//! Spend budgets hold before they send (see `failover_policy::spend`).
use failover_policy::spend::{Allowance, Hold, Ledger, Spent};
use proptest::prelude::*;

/// One step of attempts against one budget, within one window.
#[derive(Clone, Debug)]
pub enum Op {
    /// An attempt asks to hold this much.
    Reserve(u64),
    /// The attempt in flight at this position (modulo those in flight) ends,
    /// having cost this share of what it held, in per cent.
    Settle(usize, u64),
}

/// A budget and what its attempts do.
#[derive(Clone, Debug)]
pub struct Case {
    pub limit: u64,
    pub ops: Vec<Op>,
}

pub fn cases() -> impl Strategy<Value = Case> {
    let op =
        prop_oneof![(1u64..60).prop_map(Op::Reserve), (any::<usize>(), 0u64..=100).prop_map(|(i, p)| Op::Settle(i, p))];
    (1u64..500, proptest::collection::vec(op, 1..120)).prop_map(|(limit, ops)| Case { limit, ops })
}

/// How an attempt asks to hold part of a budget.
pub type Reserving = fn(&mut Ledger, &Allowance, u64, u64) -> Result<Hold, Spent>;

/// As the gateway does.
pub fn standard(ledger: &mut Ledger, allowance: &Allowance, estimate: u64, now_ms: u64) -> Result<Hold, Spent> {
    ledger.reserve(allowance, estimate, now_ms)
}

/// Broken: looks only at what has been spent, as a budget that counts
/// after the fact does; attempts in flight hold nothing.
pub fn looks_only_at_spend(ledger: &mut Ledger, allowance: &Allowance, _: u64, now_ms: u64) -> Result<Hold, Spent> {
    ledger.reserve(allowance, 0, now_ms)
}

/// Within a window, whatever attempts run at once, and each costing no more
/// than it held: what is spent never exceeds the limit by more than the
/// largest single hold less one unit, and an attempt is refused only when
/// spent and held together have reached the limit (saying so).
pub fn never_overshoots_by_more_than_one_attempt(case: &Case, reserving: Reserving) -> Result<(), String> {
    const NOW: u64 = 5_000;
    let allowance = Allowance { limit: case.limit, window_ms: 60_000 };
    let mut ledger = Ledger::default();
    let mut in_flight: Vec<(Hold, u64)> = Vec::new();
    let mut largest = 0;
    let mut spent = 0;
    for op in &case.ops {
        match *op {
            Op::Reserve(estimate) => {
                let (before, held) = ledger.read(&allowance, NOW);
                match reserving(&mut ledger, &allowance, estimate, NOW) {
                    Ok(hold) => {
                        largest = largest.max(estimate);
                        in_flight.push((hold, estimate));
                    }
                    Err(refusal) => {
                        if before + held < case.limit {
                            return Err(format!("refused with {before} spent and {held} held of {}", case.limit));
                        }
                        if refusal.resets_at_ms != 60_000 || refusal.spent != before {
                            return Err(format!("the refusal {refusal:?} misstates the budget"));
                        }
                    }
                }
            }
            Op::Settle(at, share) if !in_flight.is_empty() => {
                let (hold, estimate) = in_flight.swap_remove(at % in_flight.len());
                let cost = estimate * share / 100;
                spent += cost;
                ledger.settle(&allowance, hold, cost, NOW);
            }
            Op::Settle(..) => {}
        }
    }
    for (hold, estimate) in in_flight.drain(..) {
        spent += estimate;
        ledger.settle(&allowance, hold, estimate, NOW);
    }
    if ledger.read(&allowance, NOW) != (spent, 0) {
        return Err(format!(
            "the ledger reads {:?}; {spent} were spent and nothing is held",
            ledger.read(&allowance, NOW)
        ));
    }
    if spent > (case.limit + largest).saturating_sub(1) {
        return Err(format!("spent {spent} of a limit of {}, the largest attempt holding {largest}", case.limit));
    }
    Ok(())
}
