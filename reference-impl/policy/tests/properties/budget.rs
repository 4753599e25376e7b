//! The retry budget's invariants, against the real token bucket and broken ones.
use std::time::{Duration, Instant};

use failover_policy::{BudgetConfig, RetryBudget};
use proptest::prelude::*;

/// A budget under test, built from the config the property judges by.
pub trait Budget {
    fn new(cfg: BudgetConfig) -> Self;
    fn deposit(&mut self, now: Instant);
    fn try_withdraw(&mut self, now: Instant) -> bool;
    fn tokens_ppm(&mut self, now: Instant) -> i64;
}

impl Budget for RetryBudget {
    fn new(cfg: BudgetConfig) -> Self {
        RetryBudget::new(cfg)
    }
    fn deposit(&mut self, now: Instant) {
        RetryBudget::deposit(self, now)
    }
    fn try_withdraw(&mut self, now: Instant) -> bool {
        RetryBudget::try_withdraw(self, now)
    }
    fn tokens_ppm(&mut self, now: Instant) -> i64 {
        RetryBudget::tokens_ppm(self, now)
    }
}

/// Credits each request twice what it should.
pub struct DoubleRatio(RetryBudget);
impl Budget for DoubleRatio {
    fn new(cfg: BudgetConfig) -> Self {
        Self(RetryBudget::new(BudgetConfig { ratio_ppm: cfg.ratio_ppm * 2 + 100_000, ..cfg }))
    }
    fn deposit(&mut self, now: Instant) {
        self.0.deposit(now)
    }
    fn try_withdraw(&mut self, now: Instant) -> bool {
        self.0.try_withdraw(now)
    }
    fn tokens_ppm(&mut self, now: Instant) -> i64 {
        self.0.tokens_ppm(now)
    }
}

/// Has no cap: tokens pile up in quiet times and pay for a burst later.
pub struct Uncapped(RetryBudget);
impl Budget for Uncapped {
    fn new(cfg: BudgetConfig) -> Self {
        Self(RetryBudget::new(BudgetConfig { capacity: cfg.capacity.saturating_mul(1_000).max(1_000), ..cfg }))
    }
    fn deposit(&mut self, now: Instant) {
        self.0.deposit(now)
    }
    fn try_withdraw(&mut self, now: Instant) -> bool {
        self.0.try_withdraw(now)
    }
    fn tokens_ppm(&mut self, now: Instant) -> i64 {
        self.0.tokens_ppm(now) / 1_000
    }
}

pub fn configs() -> impl Strategy<Value = BudgetConfig> {
    (0u32..=1_000_000, 0u32..5, 0u32..6).prop_map(|(ratio_ppm, min_per_sec, capacity)| BudgetConfig {
        ratio_ppm,
        min_per_sec,
        capacity,
    })
}

/// Operations: (advance ms, true = a request comes in, false = a retry is asked for).
pub fn ops() -> impl Strategy<Value = Vec<(u64, bool)>> {
    proptest::collection::vec((0u64..400, any::<bool>()), 1..120)
}

/// Property 10: over any stretch of time, retries granted never exceed
/// `capacity + ratio × requests + min_per_sec × length`; and the token bucket's
/// own invariants: tokens stay within [0, capacity], a granted retry had a whole
/// token, an empty bucket grants no retry.
pub fn bounded<B: Budget>(cfg: &BudgetConfig, ops: &[(u64, bool)]) -> Result<(), String> {
    let t0 = Instant::now();
    let mut now = t0;
    let mut budget = B::new(*cfg);
    let capacity = i64::from(cfg.capacity) * 1_000_000;
    let (mut deposits, mut grants) = (Vec::new(), Vec::new());
    for (i, &(advance, request)) in ops.iter().enumerate() {
        now += Duration::from_millis(advance);
        if request {
            budget.deposit(now);
            deposits.push(now);
        } else {
            let before = budget.tokens_ppm(now);
            let granted = budget.try_withdraw(now);
            if granted {
                grants.push(now);
            }
            if granted != (before >= 1_000_000) {
                return Err(format!("op {i}: {before} millionths of a token, granted {granted}"));
            }
        }
        let tokens = budget.tokens_ppm(now);
        if !(0..=capacity).contains(&tokens) {
            return Err(format!("op {i}: {tokens} millionths of a token, outside [0, {capacity}]"));
        }
    }
    for (a, &from) in grants.iter().enumerate() {
        for (b, &to) in grants.iter().enumerate().skip(a) {
            let granted = (b - a + 1) as i128 * 1_000_000;
            let requests = deposits.iter().filter(|d| **d >= from && **d <= to).count() as i128;
            let allowed = i128::from(cfg.capacity) * 1_000_000
                + i128::from(cfg.ratio_ppm) * requests
                + i128::from(cfg.min_per_sec) * (to - from).as_nanos() as i128 / 1_000;
            if granted > allowed {
                return Err(format!(
                    "{} retries granted within {:?}, with {requests} requests: more than the budget allows",
                    b - a + 1,
                    to - from
                ));
            }
        }
    }
    Ok(())
}
