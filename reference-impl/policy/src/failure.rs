//! A failed attempt as the policy sees it: its class, and what the way it
//! failed says about the request.
//!
//! Two questions hang on how an attempt failed, not only on its class:
//! - **Did the provider say anything?** A failure at the transport level (the
//!   connection refused, reset or silent, no first event of a stream in time)
//!   says nothing about the request; another provider of the chain is the
//!   better bet than the same one again. An HTTP error status, or a garbled
//!   answer, is the provider speaking.
//! - **May the provider have acted on it?** Only a refused connection (the
//!   request never left) or an error status (the provider says it did not serve
//!   it) tells for sure that nothing happened upstream. Otherwise a request that
//!   must not run twice cannot be replayed.
use std::time::Duration;

use super::classify::{Class, TransportFailure, classify_transport};
use super::soft::SoftClass;

/// How an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// Nothing accepted the connection: the request never reached the provider.
    Refused,
    /// Sent, then the connection broke, or went silent past its time limit.
    Transport,
    /// The provider answered an error status, or a stream whose first event is
    /// an error: it says it did not serve the request.
    Answered,
    /// The provider answered success, but the answer cannot be read (not
    /// JSON, cut short): it may well have run the request.
    Unreadable,
    /// The provider answered success and the answer was judged wrong (a soft
    /// failure the gateway acts on): it did run the request.
    Judged,
}

/// One failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Its class (see the classification table).
    pub class: Class,
    /// How it failed.
    pub cause: Cause,
    /// How long the provider asked the gateway to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
    /// For an answer judged wrong: its soft class.
    pub soft: Option<SoftClass>,
}

impl Failure {
    /// A failure below HTTP.
    pub const fn transport(failure: TransportFailure) -> Self {
        let cause = match failure {
            TransportFailure::Refused => Cause::Refused,
            TransportFailure::Reset | TransportFailure::TimedOut => Cause::Transport,
        };
        Self { class: classify_transport(failure), cause, retry_after: None, soft: None }
    }

    /// An error status of class `class`, with the wait the provider asked for.
    pub const fn answered(class: Class, retry_after: Option<Duration>) -> Self {
        Self { class, cause: Cause::Answered, retry_after, soft: None }
    }

    /// A success judged a soft failure of `class`, a class the gateway acts on.
    pub const fn judged(class: SoftClass) -> Self {
        Self { class: Class::SoftFailure, cause: Cause::Judged, retry_after: None, soft: Some(class) }
    }

    /// What the provider's breaker counts it as.
    pub fn kind(&self) -> crate::thresholds::Kind {
        self.soft.map_or(crate::thresholds::Kind::Hard(self.class), crate::thresholds::Kind::Soft)
    }

    /// A provider's content policy refused the request: with an error status
    /// (`ran` false), or by ending a success with `finish_reason:
    /// content_filter` (`ran`: it did run the request).
    pub const fn content_filtered(ran: bool) -> Self {
        let cause = if ran { Cause::Judged } else { Cause::Answered };
        Self { class: Class::ContentFiltered, cause, retry_after: None, soft: None }
    }

    /// Whether the provider said nothing: the connection failed or went silent.
    pub const fn transport_level(&self) -> bool {
        matches!(self.cause, Cause::Refused | Cause::Transport)
    }

    /// Whether the provider may have acted on the request.
    pub const fn outcome_unknown(&self) -> bool {
        matches!(self.cause, Cause::Transport | Cause::Unreadable | Cause::Judged)
    }
}

/// What a whole HTTP answer of `class` is: `Ok` for one the client gets as
/// it is (a success, the client's own error, or a content-policy refusal,
/// which only a model's content-policy chain turns into a failed attempt),
/// else the failed attempt.
/// `readable` tells whether a success's body can be read (is JSON): a success
/// cut short or garbled is no success. `retry_after` is the wait the provider
/// asked for.
pub fn of_answer(class: Class, readable: bool, retry_after: Option<Duration>) -> Result<Class, Failure> {
    match class {
        Class::Success if !readable => {
            Err(Failure { class: Class::MalformedResponse, cause: Cause::Unreadable, retry_after: None, soft: None })
        }
        Class::Success | Class::ClientError | Class::ContentFiltered => Ok(class),
        other => Err(Failure::answered(other, retry_after)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refusal_or_an_error_status_proves_nothing_ran() {
        let refused = Failure::transport(TransportFailure::Refused);
        assert!(refused.transport_level() && !refused.outcome_unknown());
        for failure in [TransportFailure::Reset, TransportFailure::TimedOut] {
            let f = Failure::transport(failure);
            assert!(f.transport_level() && f.outcome_unknown(), "{failure:?}");
        }
        let answered = Failure::answered(Class::ServerError, None);
        assert!(!answered.transport_level() && !answered.outcome_unknown());
        let garbled =
            Failure { class: Class::MalformedResponse, cause: Cause::Unreadable, retry_after: None, soft: None };
        assert!(!garbled.transport_level() && garbled.outcome_unknown());
        assert!(!Failure::content_filtered(false).outcome_unknown(), "a 400 refusal ran nothing");
        assert!(Failure::content_filtered(true).outcome_unknown(), "an answer cut by its filter did run");
        assert_eq!(Failure::content_filtered(true).class, Class::ContentFiltered);
    }

    #[test]
    fn an_answer_is_relayed_only_when_it_is_a_readable_success_or_the_clients_error() {
        let wait = Some(Duration::from_millis(5));
        assert_eq!(of_answer(Class::Success, true, None), Ok(Class::Success));
        assert_eq!(of_answer(Class::ClientError, false, None), Ok(Class::ClientError));
        assert_eq!(of_answer(Class::ContentFiltered, true, None), Ok(Class::ContentFiltered));
        let garbled = of_answer(Class::Success, false, wait).unwrap_err();
        assert_eq!(
            (garbled.class, garbled.cause, garbled.retry_after),
            (Class::MalformedResponse, Cause::Unreadable, None)
        );
        assert_eq!(of_answer(Class::RateLimited, true, wait), Err(Failure::answered(Class::RateLimited, wait)));
    }
}
