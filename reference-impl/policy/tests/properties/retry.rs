//! The retry schedule's invariants, against the real schedule and broken ones.
use std::time::{Duration, Instant};

use failover_policy::classify::ALL_CLASSES;
use failover_policy::retry::{self, RetryConfig};
use failover_policy::{Class, MoveOn, Next};
use proptest::prelude::*;

/// A retry schedule under test: the real one, with what a broken variant breaks overridden.
pub trait Schedule {
    fn after_failure(
        cfg: &RetryConfig,
        class: Class,
        attempts: u32,
        retry_after: Option<Duration>,
        now: Instant,
        deadline: Instant,
        unit: f64,
    ) -> Next {
        retry::after_failure(cfg, class, attempts, retry_after, now, deadline, unit)
    }
    fn backoff(cfg: &RetryConfig, retry: u32, unit: f64) -> Duration {
        retry::backoff(cfg, retry, unit)
    }
}

pub struct Real;
impl Schedule for Real {}

/// One attempt more than configured.
pub struct OneAttemptTooMany;
impl Schedule for OneAttemptTooMany {
    fn after_failure(
        cfg: &RetryConfig,
        class: Class,
        attempts: u32,
        ra: Option<Duration>,
        now: Instant,
        deadline: Instant,
        unit: f64,
    ) -> Next {
        let more = RetryConfig { max_attempts: cfg.max_attempts + 1, ..*cfg };
        retry::after_failure(&more, class, attempts, ra, now, deadline, unit)
    }
}

/// Retries every class, worth it or not.
pub struct RetriesEverything;
impl Schedule for RetriesEverything {
    fn after_failure(
        cfg: &RetryConfig,
        class: Class,
        attempts: u32,
        ra: Option<Duration>,
        now: Instant,
        deadline: Instant,
        unit: f64,
    ) -> Next {
        let class = if class.retry_same_provider() { class } else { Class::ServerError };
        retry::after_failure(cfg, class, attempts, ra, now, deadline, unit)
    }
}

/// Jitter above the cap.
pub struct JitterAboveCap;
impl Schedule for JitterAboveCap {
    fn backoff(cfg: &RetryConfig, retry: u32, unit: f64) -> Duration {
        retry::backoff(cfg, retry, unit).mul_f64(1.5) + Duration::from_millis(1)
    }
}

/// Ignores `Retry-After`.
pub struct IgnoresRetryAfter;
impl Schedule for IgnoresRetryAfter {
    fn after_failure(
        cfg: &RetryConfig,
        class: Class,
        attempts: u32,
        _ra: Option<Duration>,
        now: Instant,
        deadline: Instant,
        unit: f64,
    ) -> Next {
        retry::after_failure(cfg, class, attempts, None, now, deadline, unit)
    }
}

/// Plans retries past the request's deadline.
pub struct IgnoresDeadline;
impl Schedule for IgnoresDeadline {
    fn after_failure(
        cfg: &RetryConfig,
        class: Class,
        attempts: u32,
        ra: Option<Duration>,
        now: Instant,
        _deadline: Instant,
        unit: f64,
    ) -> Next {
        retry::after_failure(cfg, class, attempts, ra, now, now + Duration::from_secs(86_400), unit)
    }
}

pub fn configs() -> impl Strategy<Value = RetryConfig> {
    (1u32..6, 0u64..200, 0u64..2_000, 0u64..2_000).prop_map(|(max_attempts, base, extra, ra_cap)| RetryConfig {
        max_attempts,
        base: Duration::from_millis(base),
        cap: Duration::from_millis(base + extra),
        retry_after_cap: Duration::from_millis(ra_cap),
    })
}

/// One attempt's failure: its class, how long it took, and a `Retry-After`.
pub fn failures() -> impl Strategy<Value = Vec<(Class, u64, Option<u64>, f64)>> {
    let class = (0..ALL_CLASSES.len()).prop_map(|i| ALL_CLASSES[i]).prop_filter("a failure", |c| *c != Class::Success);
    proptest::collection::vec((class, 0u64..500, proptest::option::of(0u64..3_000), 0.0..1.0f64), 1..12)
}

/// Plays one request against one provider: attempts fail as given, each taking
/// its time (cut at the deadline), until the schedule moves on. Returns the
/// number of attempts, when the request left the provider, and every decision.
type Played = (u32, Instant, Instant, Vec<(Class, Option<Duration>, Instant, Next)>);

fn play<S: Schedule>(cfg: &RetryConfig, deadline_ms: u64, failures: &[(Class, u64, Option<u64>, f64)]) -> Played {
    let start = Instant::now();
    let deadline = start + Duration::from_millis(deadline_ms);
    let mut now = start;
    let mut attempts = 0;
    let mut decisions = Vec::new();
    for &(class, took, retry_after, unit) in failures.iter().cycle().take(64) {
        attempts += 1;
        now = (now + Duration::from_millis(took)).min(deadline.max(now));
        let ra = retry_after.map(Duration::from_millis);
        let next = S::after_failure(cfg, class, attempts, ra, now, deadline, unit);
        decisions.push((class, ra, now, next));
        match next {
            Next::RetryAt(at) => now = at,
            Next::MoveOn(_) => break,
        }
    }
    (attempts, start, deadline, decisions)
}

/// Property 6: Attempts on one provider never exceed the maximum, and a class not worth
/// retrying is never retried on the same provider.
pub fn attempts_are_bounded<S: Schedule>(
    cfg: &RetryConfig,
    deadline_ms: u64,
    failures: &[(Class, u64, Option<u64>, f64)],
) -> Result<(), String> {
    let (attempts, _, _, decisions) = play::<S>(cfg, deadline_ms, failures);
    if attempts > cfg.max_attempts {
        return Err(format!("{attempts} attempts, at most {} allowed", cfg.max_attempts));
    }
    for (class, _, _, next) in decisions {
        if !class.retry_same_provider() && next != Next::MoveOn(MoveOn::NotRetryable) {
            return Err(format!("{class:?} is not worth retrying, the schedule said {next:?}"));
        }
    }
    Ok(())
}

/// Property 7: The n-th retry's delay lies in [0, min(cap, base·2^(n-1))], and that
/// bound never decreases with n.
pub fn backoff_within_bound<S: Schedule>(cfg: &RetryConfig, unit: f64) -> Result<(), String> {
    let mut previous = Duration::ZERO;
    for n in 1..=40 {
        let bound = retry::backoff_bound(cfg, n);
        let expected = cfg.base.saturating_mul(2u32.saturating_pow(n - 1)).min(cfg.cap);
        if bound != expected || bound < previous {
            return Err(format!("bound of retry {n} is {bound:?}, expected {expected:?} (previous {previous:?})"));
        }
        let delay = S::backoff(cfg, n, unit);
        if delay > bound {
            return Err(format!("retry {n} waits {delay:?}, above its bound {bound:?}"));
        }
        previous = bound;
    }
    Ok(())
}

/// Property 8: A `Retry-After` is honoured: no retry on that provider before it has
/// passed; one longer than the cap, or than what is left of the deadline,
/// moves the request on instead of waiting.
pub fn retry_after_is_honoured<S: Schedule>(
    cfg: &RetryConfig,
    deadline_ms: u64,
    failures: &[(Class, u64, Option<u64>, f64)],
) -> Result<(), String> {
    let (_, _, deadline, decisions) = play::<S>(cfg, deadline_ms, failures);
    for (class, ra, at, next) in decisions {
        let Some(asked) = ra else { continue };
        if !class.retry_same_provider() {
            continue;
        }
        match next {
            Next::RetryAt(when) if when < at + asked => {
                return Err(format!("retried {:?} after a failure that asked for {asked:?}", when - at));
            }
            Next::RetryAt(_) if asked > cfg.retry_after_cap => {
                return Err(format!("waited for a Retry-After of {asked:?}, above the cap {:?}", cfg.retry_after_cap));
            }
            Next::RetryAt(_) if at + asked >= deadline => {
                return Err("waited past the deadline for a Retry-After".into());
            }
            _ => {}
        }
    }
    Ok(())
}

/// Property 9: The total time spent on one request never exceeds its deadline: no
/// retry is planned at or after it.
pub fn deadline_is_respected<S: Schedule>(
    cfg: &RetryConfig,
    deadline_ms: u64,
    failures: &[(Class, u64, Option<u64>, f64)],
) -> Result<(), String> {
    let (_, start, deadline, decisions) = play::<S>(cfg, deadline_ms, failures);
    for (_, _, _, next) in decisions {
        if let Next::RetryAt(at) = next {
            if at >= deadline {
                return Err(format!(
                    "a retry planned {:?} after the start, the deadline is {deadline_ms} ms",
                    at - start
                ));
            }
        }
    }
    Ok(())
}
