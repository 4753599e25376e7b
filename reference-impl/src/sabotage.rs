//! Deliberate defects for the suite's self-tests. Each variant removes exactly one
//! behaviour the conformance features demand, so the self-tests can prove that
//! the scenarios for that behaviour fail (and no others do). They can only be
//! switched on through the Rust API with the `sabotage` feature, never by config.
use http::StatusCode;

use crate::policy::{Class, Verdict};
use crate::proxy::error::ApiError;
use crate::settings::Policy;

/// Which behaviour to break; `None` is the real gateway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Sabotage {
    /// The real gateway.
    #[default]
    None,
    /// Answers the first provider's failure to the client instead of moving on.
    NeverFailOver,
    /// Answers 500 instead of 503 when no provider can serve.
    ExhaustedAs500,
    /// Fails over per request but never opens a breaker: the primary is always tried.
    NoBreaker,
    /// Opens breakers for a millisecond only: traffic returns to the primary on
    /// its first success, with no stable period.
    NoCooldown,
    /// Treats a client's 4xx like a server error: retried and failed over.
    ClientErrorsFailOver,
    /// Counts every failed answer against the provider's breaker, the client's
    /// own mistakes and context overflows included.
    CountsEverything,
    /// Opens the breaker on the first failure: a too-sensitive threshold.
    HairTrigger,
    /// Never retries on the same provider.
    NoRetry,
    /// Retries every failure on the same provider, even those not worth it.
    RetriesEverything,
    /// Ignores `Retry-After`: retries a rate-limited provider on its own schedule.
    IgnoresRetryAfter,
    /// Forwards bodies it cannot read, of any size, instead of rejecting them.
    AcceptsAnyBody,
}

/// Every defect, for the self-tests to iterate.
pub const ALL: [Sabotage; 11] = [
    Sabotage::NeverFailOver,
    Sabotage::ExhaustedAs500,
    Sabotage::NoBreaker,
    Sabotage::NoCooldown,
    Sabotage::ClientErrorsFailOver,
    Sabotage::CountsEverything,
    Sabotage::HairTrigger,
    Sabotage::NoRetry,
    Sabotage::RetriesEverything,
    Sabotage::IgnoresRetryAfter,
    Sabotage::AcceptsAnyBody,
];

impl Sabotage {
    /// A short name for logs and test output.
    pub const fn name(self) -> &'static str {
        match self {
            Sabotage::None => "none",
            Sabotage::NeverFailOver => "never-fails-over",
            Sabotage::ExhaustedAs500 => "exhausted-as-500",
            Sabotage::NoBreaker => "no-breaker",
            Sabotage::NoCooldown => "no-cooldown",
            Sabotage::ClientErrorsFailOver => "client-errors-fail-over",
            Sabotage::CountsEverything => "counts-everything",
            Sabotage::HairTrigger => "hair-trigger",
            Sabotage::NoRetry => "no-retry",
            Sabotage::RetriesEverything => "retries-everything",
            Sabotage::IgnoresRetryAfter => "ignores-retry-after",
            Sabotage::AcceptsAnyBody => "accepts-any-body",
        }
    }

    pub(crate) fn adjust_policy(self, policy: &mut Policy) {
        match self {
            Sabotage::NoBreaker => policy.breaker.min_calls = u32::MAX,
            Sabotage::NoCooldown => {
                policy.breaker.open = std::time::Duration::from_millis(1);
                policy.breaker.open_max = std::time::Duration::from_millis(1);
            }
            Sabotage::HairTrigger => {
                policy.breaker.min_calls = 1;
                policy.breaker.threshold_ppm = 1;
            }
            Sabotage::NoRetry => policy.retry.max_attempts = 1,
            _ => {}
        }
    }

    pub(crate) fn reclassify(self, class: Class) -> Class {
        match (self, class) {
            (Sabotage::ClientErrorsFailOver, Class::ClientError) => Class::ServerError,
            _ => class,
        }
    }

    pub(crate) fn retries_everything(self) -> bool {
        self == Sabotage::RetriesEverything
    }

    pub(crate) fn retry_after(self, asked: Option<std::time::Duration>) -> Option<std::time::Duration> {
        if self == Sabotage::IgnoresRetryAfter { None } else { asked }
    }

    pub(crate) fn accepts_any_body(self) -> bool {
        self == Sabotage::AcceptsAnyBody
    }

    pub(crate) fn verdict(self, class: Class) -> Verdict {
        match (self, class) {
            (Sabotage::CountsEverything, Class::ClientError | Class::ContextOverflow) => Verdict::Failure,
            _ => class.verdict(),
        }
    }

    pub(crate) fn never_fails_over(self) -> bool {
        self == Sabotage::NeverFailOver
    }

    pub(crate) fn exhausted_status(self, error: ApiError) -> ApiError {
        match self {
            Sabotage::ExhaustedAs500 => error.with_status(StatusCode::INTERNAL_SERVER_ERROR),
            _ => error,
        }
    }
}
