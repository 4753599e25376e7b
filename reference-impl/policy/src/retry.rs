//! The retry schedule on one provider: exponential backoff with full jitter.
//!
//! Why full jitter: when a provider hiccups, every client sees it at once; retries
//! on a fixed schedule arrive together and knock it over again. Drawing each delay
//! uniformly from [0, bound] spreads them out, and the bound doubles per retry up
//! to a cap. A provider that says how long to wait (`Retry-After`) is never
//! retried earlier; if it asks for more than the configured cap, or for more than
//! the request has left, the request moves to the next provider instead of
//! waiting. Attempts on one provider are bounded, and no retry is planned past the
//! request's deadline.
use std::time::{Duration, Instant};

use super::classify::Class;

/// The retry knobs, validated at the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts per provider per request, the first included.
    pub max_attempts: u32,
    /// Bound of the first retry's backoff.
    pub base: Duration,
    /// Bound of any backoff.
    pub cap: Duration,
    /// The longest `Retry-After` worth waiting for within a request.
    pub retry_after_cap: Duration,
}

/// What to do after a failed attempt.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Try the same provider again at this time.
    RetryAt(Instant),
    /// Leave this provider for this request.
    MoveOn(MoveOn),
}

/// Why the request leaves a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum MoveOn {
    /// The connection failed or went silent, and another provider of the
    /// chain admits the request: no retry on the same provider.
    TransportFailure,
    /// The class is not worth retrying on the same provider.
    NotRetryable,
    /// `max_attempts` reached.
    AttemptsExhausted,
    /// The provider asked to wait longer than `retry_after_cap`.
    RetryAfterTooLong(Duration),
    /// The retry would start at or after the request's deadline.
    DeadlineTooClose,
    /// The retry budget had no token for the retry.
    RetryBudgetExhausted,
    /// After the backoff, the provider's breaker no longer admitted the retry.
    BreakerRejectedRetry,
}

impl From<MoveOn> for &'static str {
    fn from(why: MoveOn) -> Self {
        why.as_str()
    }
}

impl MoveOn {
    /// The snake_case name used in events.
    pub const fn as_str(self) -> &'static str {
        match self {
            MoveOn::TransportFailure => "transport_failure",
            MoveOn::NotRetryable => "not_retryable",
            MoveOn::AttemptsExhausted => "attempts_exhausted",
            MoveOn::RetryAfterTooLong(_) => "retry_after_too_long",
            MoveOn::DeadlineTooClose => "deadline_too_close",
            MoveOn::RetryBudgetExhausted => "retry_budget_exhausted",
            MoveOn::BreakerRejectedRetry => "breaker_rejected_retry",
        }
    }
}

/// The upper bound of the backoff before retry number `retry` (1 = first retry):
/// `min(cap, base × 2^(retry-1))`. Never decreases as `retry` grows.
pub fn backoff_bound(config: &RetryConfig, retry: u32) -> Duration {
    let doublings = retry.saturating_sub(1).min(63);
    config.base.saturating_mul(1u32.checked_shl(doublings).unwrap_or(u32::MAX)).min(config.cap)
}

/// The backoff before retry number `retry`, for a uniform draw `unit` in [0, 1).
pub fn backoff(config: &RetryConfig, retry: u32, unit: f64) -> Duration {
    backoff_bound(config, retry).mul_f64(unit.clamp(0.0, 1.0))
}

/// Decides what follows a failed attempt of class `class`, the `attempts_made`-th
/// on this provider, at `now`, for a request due at `deadline`.
pub fn after_failure(
    config: &RetryConfig,
    class: Class,
    attempts_made: u32,
    retry_after: Option<Duration>,
    now: Instant,
    deadline: Instant,
    unit: f64,
) -> Next {
    if !class.retry_same_provider() {
        return Next::MoveOn(MoveOn::NotRetryable);
    }
    if attempts_made >= config.max_attempts {
        return Next::MoveOn(MoveOn::AttemptsExhausted);
    }
    let mut delay = backoff(config, attempts_made, unit);
    if let Some(asked) = retry_after {
        if asked > config.retry_after_cap {
            return Next::MoveOn(MoveOn::RetryAfterTooLong(asked));
        }
        delay = delay.max(asked);
    }
    let at = now + delay;
    if at >= deadline { Next::MoveOn(MoveOn::DeadlineTooClose) } else { Next::RetryAt(at) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: RetryConfig = RetryConfig {
        max_attempts: 3,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(35),
        retry_after_cap: Duration::from_millis(100),
    };

    #[test]
    fn bounds_double_up_to_the_cap() {
        let bounds: Vec<u64> = (1..=4).map(|n| backoff_bound(&CONFIG, n).as_millis() as u64).collect();
        assert_eq!(bounds, [10, 20, 35, 35]);
    }

    #[test]
    fn retry_after_is_honoured_or_the_request_moves_on() {
        let now = Instant::now();
        let deadline = now + Duration::from_secs(1);
        let asked = Some(Duration::from_millis(50));
        assert_eq!(
            after_failure(&CONFIG, Class::RateLimited, 1, asked, now, deadline, 0.0),
            Next::RetryAt(now + Duration::from_millis(50))
        );
        let too_long = Some(Duration::from_millis(101));
        assert!(matches!(
            after_failure(&CONFIG, Class::RateLimited, 1, too_long, now, deadline, 0.0),
            Next::MoveOn(MoveOn::RetryAfterTooLong(_))
        ));
        assert_eq!(
            after_failure(&CONFIG, Class::RateLimited, 1, asked, now, now + Duration::from_millis(50), 0.0),
            Next::MoveOn(MoveOn::DeadlineTooClose)
        );
    }

    #[test]
    fn non_retryable_classes_and_spent_attempts_move_on() {
        let now = Instant::now();
        let later = now + Duration::from_secs(1);
        assert_eq!(
            after_failure(&CONFIG, Class::AuthError, 1, None, now, later, 0.5),
            Next::MoveOn(MoveOn::NotRetryable)
        );
        assert_eq!(
            after_failure(&CONFIG, Class::ServerError, 3, None, now, later, 0.5),
            Next::MoveOn(MoveOn::AttemptsExhausted)
        );
    }
}
