//! The retry budget: why budgets and not only a maximum number of attempts?
//!
//! `max_attempts` bounds the retries of one request, but not of all requests
//! together: when a provider falls over, every request retries it at once and
//! the retries multiply the load on it just when it can take the least. A budget
//! bounds retries to a share of the traffic, as a token bucket:
//!
//! 1. The bucket starts full, with `capacity` tokens, and never holds more.
//! 2. Each client request adds `ratio` of a token; time adds `min_per_sec`
//!    tokens a second, so a quiet gateway can still retry.
//! 3. A retry on the same provider takes one whole token; without one, the
//!    retry is not made and the request moves on to the next provider.
//!
//! So over any stretch of time `T`, retries never exceed
//! `capacity + ratio × requests + min_per_sec × T`. Tokens are counted in
//! millionths, so the arithmetic is exact.
use std::time::{Duration, Instant};

const UNIT: i64 = 1_000_000;

/// The budget's knobs, validated at the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetConfig {
    /// Tokens each request adds, in millionths (200_000 = a retry per five requests).
    pub ratio_ppm: u32,
    /// Tokens time adds, per second.
    pub min_per_sec: u32,
    /// Most tokens the bucket holds.
    pub capacity: u32,
}

/// The bucket.
#[derive(Clone, Debug)]
pub struct RetryBudget {
    config: BudgetConfig,
    tokens: i64,
    last: Option<Instant>,
}

impl RetryBudget {
    /// A full bucket.
    pub fn new(config: BudgetConfig) -> Self {
        Self { config, tokens: i64::from(config.capacity) * UNIT, last: None }
    }

    fn capacity(&self) -> i64 {
        i64::from(self.config.capacity) * UNIT
    }

    /// Adds what time has earned since the last call (time never runs back).
    fn refill(&mut self, now: Instant) {
        let elapsed = self.last.map_or(Duration::ZERO, |last| now.saturating_duration_since(last));
        self.last = Some(self.last.map_or(now, |last| last.max(now)));
        let earned = i128::from(self.config.min_per_sec) * elapsed.as_nanos() as i128 / 1_000;
        self.tokens = (i128::from(self.tokens) + earned).min(i128::from(self.capacity())) as i64;
    }

    /// A client request came in.
    pub fn deposit(&mut self, now: Instant) {
        self.refill(now);
        self.tokens = (self.tokens + i64::from(self.config.ratio_ppm)).min(self.capacity());
    }

    /// Asks to pay for one retry at `now`; `true` if it was paid for.
    #[must_use]
    pub fn try_withdraw(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= UNIT {
            self.tokens -= UNIT;
            true
        } else {
            false
        }
    }

    /// Tokens in the bucket at `now`, in millionths.
    pub fn tokens_ppm(&mut self, now: Instant) -> i64 {
        self.refill(now);
        self.tokens
    }

    /// The most tokens the bucket holds, in millionths.
    pub fn capacity_ppm(&self) -> i64 {
        self.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_are_paid_for_by_requests_and_time() {
        let t0 = Instant::now();
        let mut budget = RetryBudget::new(BudgetConfig { ratio_ppm: 500_000, min_per_sec: 1, capacity: 2 });
        assert!(budget.try_withdraw(t0) && budget.try_withdraw(t0), "starts full");
        assert!(!budget.try_withdraw(t0), "then empty");
        budget.deposit(t0);
        assert!(!budget.try_withdraw(t0), "half a token is not a retry");
        budget.deposit(t0);
        assert!(budget.try_withdraw(t0), "two requests pay for one retry");
        assert!(budget.try_withdraw(t0 + Duration::from_secs(1)), "a second of time pays for one");
    }
}
