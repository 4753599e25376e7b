//! Gradual failback: how a recovered provider earns its traffic back.
//!
//! Passing its half-open probes shows a provider answers a handful of calls;
//! it does not show it can take all of its traffic again. So after the probes
//! the breaker may close into a ramp: the provider gets a share of the calls
//! it would get, rising in steps. Each step is held for at least `hold` and
//! must be validated before the next: at least `min_calls` counted outcomes at
//! that step, an error rate no higher than `max_error_ppm`, and (when set) a
//! p95 latency within `max_p95`. The p95 is judged without keeping latencies:
//! at most one call in twenty may be slower than the bound.
//!
//! A step fails as soon as its failures (or slow calls) are more than
//! `min_calls` calls could tolerate, or more than the calls it has seen could:
//! one failure too many is enough to stop the ramp, without waiting for the
//! step's hold to pass. The breaker then reopens (share back to 0) and the next
//! open period grows, since time spent ramping never forgives an open.
//!
//! The strategies of the contract are shapes of the same ramp: `gradual`
//! (several rising shares), `canary` (one small share, then all), `blue_green`
//! (a share of 0 for the validation window, so only the gateway's own probes
//! reach the provider, then all).
use std::time::{Duration, Instant};

/// Most steps a ramp may have.
pub const MAX_STEPS: usize = 8;

/// The whole of the traffic, in parts per million.
pub const ALL: u32 = 1_000_000;

/// What a step must show before the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validation {
    /// Counted outcomes the step must see (at least 1).
    pub min_calls: u32,
    /// Highest tolerated error rate, in parts per million.
    pub max_error_ppm: u32,
    /// Highest tolerated p95 latency, if latency is validated.
    pub max_p95: Option<Duration>,
}

/// A ramp's shape: the rising shares below all of the traffic, the least
/// time at each, and what each must show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RampConfig {
    shares: [u32; MAX_STEPS],
    steps: u8,
    /// Least time at each step.
    pub hold: Duration,
    /// What each step must show.
    pub validation: Validation,
}

impl RampConfig {
    /// No ramp: a recovered provider gets all its traffic at once.
    pub const NONE: RampConfig = RampConfig {
        shares: [0; MAX_STEPS],
        steps: 0,
        hold: Duration::ZERO,
        validation: Validation { min_calls: 1, max_error_ppm: 0, max_p95: None },
    };

    /// A ramp through `shares_ppm`, each a share below [`ALL`], rising (a
    /// share of 0 is allowed first only: probe traffic alone).
    pub fn new(shares_ppm: &[u32], hold: Duration, validation: Validation) -> Result<Self, String> {
        if shares_ppm.len() > MAX_STEPS {
            return Err(format!("at most {MAX_STEPS} steps below 100 %"));
        }
        if let Some(w) = shares_ppm.windows(2).find(|w| w[0] >= w[1]) {
            return Err(format!("shares must rise: {} then {}", w[0], w[1]));
        }
        if shares_ppm.iter().any(|&s| s >= ALL) {
            return Err("every step before the last is below 100 %".into());
        }
        if validation.min_calls == 0 {
            return Err("a step must see at least 1 call".into());
        }
        let mut shares = [0; MAX_STEPS];
        shares[..shares_ppm.len()].copy_from_slice(shares_ppm);
        Ok(Self { shares, steps: shares_ppm.len() as u8, hold, validation })
    }

    /// Whether there is no ramp.
    pub const fn is_none(&self) -> bool {
        self.steps == 0
    }

    /// The number of steps below all of the traffic.
    pub const fn steps(&self) -> usize {
        self.steps as usize
    }

    /// The share of step `step`, in parts per million ([`ALL`] past the last).
    pub fn share_ppm(&self, step: usize) -> u32 {
        if step < self.steps() { self.shares[step] } else { ALL }
    }

    /// The shares of the steps, in parts per million.
    pub fn shares(&self) -> &[u32] {
        &self.shares[..self.steps()]
    }
}

/// Why a step failed its validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortfall {
    /// More failures than the step tolerates.
    ErrorRate,
    /// More calls slower than `max_p95` than the p95 allows.
    Latency,
}

/// Where a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Not yet decided: too few calls, or its hold has not passed.
    Pending,
    /// Validated: the next step may begin.
    Passed,
    /// Failed: the ramp stops and the provider's share returns to 0.
    Failed(Shortfall),
}

/// One ramp under way: the current step and what it has seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ramp {
    /// The current step, from 0.
    pub step: u8,
    /// When it began.
    pub since: Instant,
    /// Counted outcomes at this step.
    pub calls: u32,
    /// Failures among them.
    pub failures: u32,
    /// Calls slower than `max_p95` among them.
    pub slow: u32,
}

impl Ramp {
    /// The first step, begun at `now`.
    pub const fn start(now: Instant) -> Self {
        Self::at_step(0, now)
    }

    const fn at_step(step: u8, now: Instant) -> Self {
        Self { step, since: now, calls: 0, failures: 0, slow: 0 }
    }

    /// The provider's share of its traffic now, in [0, 1).
    pub fn share(&self, config: &RampConfig) -> f64 {
        f64::from(config.share_ppm(self.step as usize)) / f64::from(ALL)
    }

    /// Counts one outcome, `latency` long.
    pub fn count(&mut self, failed: bool, latency: Duration, config: &RampConfig) {
        self.calls = self.calls.saturating_add(1);
        self.failures = self.failures.saturating_add(u32::from(failed));
        let slow = config.validation.max_p95.is_some_and(|bound| latency > bound);
        self.slow = self.slow.saturating_add(u32::from(slow));
    }

    /// The step's judgement at `now`.
    pub fn judge(&self, config: &RampConfig, now: Instant) -> Judgement {
        let v = &config.validation;
        // Judged against at least `min_calls`: a failure the step could not
        // tolerate even at its full count fails it at once.
        let basis = u64::from(self.calls.max(v.min_calls));
        if u64::from(self.failures) * u64::from(ALL) > u64::from(v.max_error_ppm) * basis {
            return Judgement::Failed(Shortfall::ErrorRate);
        }
        if u64::from(self.slow) * 20 > basis {
            return Judgement::Failed(Shortfall::Latency);
        }
        if self.calls >= v.min_calls.max(1) && now >= self.since + config.hold {
            Judgement::Passed
        } else {
            Judgement::Pending
        }
    }

    /// When time alone may pass the step: the end of its hold, once it has
    /// its calls (before that, only a call can pass it).
    pub fn ready_at(&self, config: &RampConfig) -> Option<Instant> {
        (self.calls >= config.validation.min_calls.max(1)).then_some(self.since + config.hold)
    }

    /// The step after this one, begun at `now`; `None` once past the last:
    /// the provider has all of its traffic back.
    pub fn next(&self, config: &RampConfig, now: Instant) -> Option<Ramp> {
        let next = self.step as usize + 1;
        (next < config.steps()).then(|| Ramp::at_step(next as u8, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn config(min_calls: u32, max_error_ppm: u32) -> RampConfig {
        let v = Validation { min_calls, max_error_ppm, max_p95: Some(100 * MS) };
        RampConfig::new(&[100_000, 250_000, 500_000], 200 * MS, v).unwrap()
    }

    #[test]
    fn shapes_are_checked() {
        let v = Validation { min_calls: 1, max_error_ppm: 0, max_p95: None };
        assert!(RampConfig::new(&[500_000, 250_000], MS, v).unwrap_err().contains("rise"));
        assert!(RampConfig::new(&[250_000, 250_000], MS, v).is_err());
        assert!(RampConfig::new(&[ALL], MS, v).unwrap_err().contains("below 100"));
        assert!(RampConfig::new(&[0; 9], MS, v).unwrap_err().contains("at most 8"));
        assert!(RampConfig::new(&[0], MS, Validation { min_calls: 0, ..v }).is_err());
        let blue_green = RampConfig::new(&[0], MS, v).unwrap();
        assert_eq!((blue_green.steps(), blue_green.share_ppm(0), blue_green.share_ppm(1)), (1, 0, ALL));
        assert!(RampConfig::NONE.is_none() && !blue_green.is_none());
        assert_eq!(config(1, 0).shares(), [100_000, 250_000, 500_000]);
    }

    #[test]
    fn a_step_passes_only_with_its_calls_and_after_its_hold() {
        let (t0, c) = (Instant::now(), config(3, 0));
        let mut r = Ramp::start(t0);
        assert_eq!(r.share(&c), 0.1);
        assert_eq!(r.ready_at(&c), None);
        for _ in 0..2 {
            r.count(false, 10 * MS, &c);
        }
        assert_eq!(r.judge(&c, t0 + 500 * MS), Judgement::Pending, "2 calls of 3");
        r.count(false, 10 * MS, &c);
        assert_eq!(r.ready_at(&c), Some(t0 + 200 * MS));
        assert_eq!(r.judge(&c, t0 + 199 * MS), Judgement::Pending, "hold not over");
        assert_eq!(r.judge(&c, t0 + 200 * MS), Judgement::Passed, "the hold's end counts");
        let r2 = r.next(&c, t0 + 250 * MS).unwrap();
        assert_eq!((r2.step, r2.since, r2.calls, r2.share(&c)), (1, t0 + 250 * MS, 0, 0.25));
        let last = Ramp { step: 2, ..r2 };
        assert_eq!(last.next(&c, t0), None, "past the last step: all traffic");
    }

    #[test]
    fn a_failure_beyond_what_the_step_tolerates_fails_it_at_once() {
        let (t0, c) = (Instant::now(), config(10, 100_000)); // 10 % of at least 10 calls
        let mut r = Ramp::start(t0);
        r.count(true, MS, &c);
        assert_eq!(r.judge(&c, t0), Judgement::Pending, "1 of 10 is tolerated");
        r.count(true, MS, &c);
        assert_eq!(r.judge(&c, t0), Judgement::Failed(Shortfall::ErrorRate), "2 of at least 10 is not");
        let strict = config(10, 0);
        let mut r = Ramp::start(t0);
        r.count(true, MS, &strict);
        assert_eq!(r.judge(&strict, t0), Judgement::Failed(Shortfall::ErrorRate));
        // Past min_calls the basis is the calls seen: 2 failures in 20 is 10 %.
        let mut r = Ramp::start(t0);
        for i in 0..20 {
            r.count(i < 2, MS, &c);
        }
        assert_eq!(r.judge(&c, t0 + 200 * MS), Judgement::Passed);
        r.count(true, MS, &c);
        assert_eq!(r.judge(&c, t0 + 200 * MS), Judgement::Failed(Shortfall::ErrorRate), "3 in 21");
    }

    #[test]
    fn the_p95_allows_one_slow_call_in_twenty() {
        let (t0, c) = (Instant::now(), config(20, 0));
        let mut r = Ramp::start(t0);
        r.count(false, 100 * MS, &c);
        assert_eq!(r.slow, 0, "the bound itself is not slow");
        r.count(false, 101 * MS, &c);
        assert_eq!(r.judge(&c, t0), Judgement::Pending, "1 slow of at least 20");
        r.count(false, 101 * MS, &c);
        assert_eq!(r.judge(&c, t0), Judgement::Failed(Shortfall::Latency));
        let no_bound = RampConfig { validation: Validation { max_p95: None, ..c.validation }, ..c };
        let mut r = Ramp::start(t0);
        r.count(false, Duration::from_secs(60), &no_bound);
        assert_eq!(r.slow, 0);
    }
}
