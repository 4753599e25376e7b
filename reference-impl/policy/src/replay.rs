//! Replay safety: may a failed attempt be sent again, to the same provider or
//! another one?
//!
//! Failover is a replay. It is safe only when the client has received nothing
//! yet and the request either may run twice or surely did not run. Once bytes
//! of an answer have reached the client, another provider's answer would be
//! spliced onto them: never. A request that must not run twice (its model is
//! marked not idempotent, or it asks the provider to store what it creates) is
//! replayed only when the failure proves nothing ran upstream (a refused
//! connection, an error status); after a timeout, a reset or an unreadable
//! answer the provider may have acted on it, and the client is told so instead.
use super::failure::Failure;

/// The answer to "may this request be sent again?".
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replay {
    /// Yes: retry or fail over.
    Allowed,
    /// No: part of an answer has reached the client.
    AlreadyAnswering,
    /// No: the request must not run twice and the provider may have run it.
    MayHaveRun,
}

/// Decides whether a request may be replayed after `failure`.
pub fn replay(sent_to_client: bool, idempotent: bool, failure: &Failure) -> Replay {
    if sent_to_client {
        Replay::AlreadyAnswering
    } else if idempotent || !failure.outcome_unknown() {
        Replay::Allowed
    } else {
        Replay::MayHaveRun
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Class, TransportFailure};
    use crate::failure::Cause;

    #[test]
    fn nothing_is_replayed_once_the_client_has_bytes() {
        let refused = Failure::transport(TransportFailure::Refused);
        assert_eq!(replay(true, true, &refused), Replay::AlreadyAnswering);
        assert_eq!(replay(false, true, &refused), Replay::Allowed);
    }

    #[test]
    fn a_request_that_must_not_run_twice_is_replayed_only_when_nothing_ran() {
        let timeout = Failure::transport(TransportFailure::TimedOut);
        let garbled =
            Failure { class: Class::MalformedResponse, cause: Cause::Unreadable, retry_after: None, soft: None };
        assert_eq!(replay(false, false, &timeout), Replay::MayHaveRun);
        assert_eq!(replay(false, false, &garbled), Replay::MayHaveRun);
        // A wrong answer is an answer: the provider ran the request.
        assert_eq!(replay(false, false, &Failure::judged(crate::soft::SoftClass::Refusal)), Replay::MayHaveRun);
        assert_eq!(replay(false, true, &Failure::judged(crate::soft::SoftClass::Refusal)), Replay::Allowed);
        assert_eq!(replay(false, true, &timeout), Replay::Allowed);
        assert_eq!(replay(false, false, &Failure::transport(TransportFailure::Refused)), Replay::Allowed);
        assert_eq!(replay(false, false, &Failure::answered(Class::ServerError, None)), Replay::Allowed);
    }
}
