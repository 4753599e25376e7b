//! How a streamed answer ends, judged event by event.
//!
//! The I/O shell reads a provider's server-sent events and tells the policy
//! what came ([`Read`]); the policy says what the client gets ([`Step`]).
//! The point of the judgement is that a cut stream never looks complete:
//!
//! 1. Before the first event, nothing has reached the client, so a failure is
//!    an ordinary failed attempt ([`open`]): the request can still fail over.
//!    Silence, a broken or empty body is a transport-level failure; an error
//!    event is the provider speaking; garbage is an unreadable answer.
//! 2. After it, each content event is relayed as it comes ([`step`]).
//! 3. `[DONE]` is a clean end. A body that ends after a chunk with a
//!    `finish_reason` (and no half event left over) is complete: the `[DONE]`
//!    the provider forgot is added at once. A body that ends otherwise is
//!    truncated; a break, garbage, an error event or silence past the idle
//!    timeout fails the stream. A failed stream ends with an error event and no
//!    `[DONE]`, and the provider's breaker counts the failure.
use super::classify::Class;
use super::failure::{Cause, Failure};

/// What the shell read next from a provider's stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Read {
    /// A JSON chunk; `finished` if it carries a `finish_reason`.
    Chunk {
        /// Whether a choice in it has a non-null `finish_reason`.
        finished: bool,
    },
    /// `data: [DONE]`.
    Done,
    /// A JSON event with an `error` member.
    ProviderError,
    /// An event that is not JSON.
    Malformed,
    /// The connection broke.
    Broken,
    /// The body ended; `partial` if bytes of an unfinished event were left.
    Ended {
        /// Whether half an event was left over.
        partial: bool,
    },
    /// Nothing arrived within the time limit.
    Silent,
}

/// Why a stream failed, as the client's error event names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum StreamFailure {
    /// The connection broke.
    Interrupted,
    /// The body ended without a `finish_reason`.
    Truncated,
    /// Silence past the idle timeout.
    Stalled,
    /// An event that is not JSON.
    Malformed,
    /// The provider sent an error event.
    ProviderError,
}

impl StreamFailure {
    /// The error code of the client's error event.
    pub const fn as_str(self) -> &'static str {
        match self {
            StreamFailure::Interrupted => "stream_interrupted",
            StreamFailure::Truncated => "stream_truncated",
            StreamFailure::Stalled => "stream_stalled",
            StreamFailure::Malformed => "stream_malformed",
            StreamFailure::ProviderError => "provider_error",
        }
    }

    /// The failure class the provider's breaker counts.
    pub const fn class(self) -> Class {
        match self {
            StreamFailure::Interrupted | StreamFailure::Truncated => Class::ConnectionFailed,
            StreamFailure::Stalled => Class::Timeout,
            StreamFailure::Malformed => Class::MalformedResponse,
            StreamFailure::ProviderError => Class::ServerError,
        }
    }
}

impl From<StreamFailure> for &'static str {
    fn from(failure: StreamFailure) -> Self {
        failure.as_str()
    }
}

/// What the client gets for what was read.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// Relay the event.
    Relay,
    /// The answer is complete: send `[DONE]` and end.
    Complete,
    /// The answer failed: send an error event, no `[DONE]`, and end.
    Fail(StreamFailure),
}

/// Judges the first thing read from a successful streaming answer: `Ok` if the
/// stream opens (its first event is content or `[DONE]`), else the failed
/// attempt it makes.
pub fn open(first: Read) -> Result<(), Failure> {
    let (class, cause) = match first {
        Read::Chunk { .. } | Read::Done => return Ok(()),
        Read::ProviderError => (Class::ServerError, Cause::Answered),
        Read::Malformed => (Class::MalformedResponse, Cause::Unreadable),
        Read::Broken | Read::Ended { .. } => (Class::ConnectionFailed, Cause::Transport),
        Read::Silent => (Class::Timeout, Cause::Transport),
    };
    Err(Failure { class, cause, retry_after: None, soft: None })
}

/// Judges what was read from an opened stream; `finished_seen` tells whether a
/// chunk with a `finish_reason` came before.
pub fn step(read: Read, finished_seen: bool) -> Step {
    match read {
        Read::Chunk { .. } => Step::Relay,
        Read::Done => Step::Complete,
        Read::Ended { partial: false } if finished_seen => Step::Complete,
        Read::Ended { .. } => Step::Fail(StreamFailure::Truncated),
        Read::Broken => Step::Fail(StreamFailure::Interrupted),
        Read::Silent => Step::Fail(StreamFailure::Stalled),
        Read::Malformed => Step::Fail(StreamFailure::Malformed),
        Read::ProviderError => Step::Fail(StreamFailure::ProviderError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_done_or_a_finished_body_completes_a_stream() {
        assert_eq!(step(Read::Done, false), Step::Complete);
        assert_eq!(step(Read::Ended { partial: false }, true), Step::Complete);
        assert_eq!(step(Read::Ended { partial: true }, true), Step::Fail(StreamFailure::Truncated));
        assert_eq!(step(Read::Ended { partial: false }, false), Step::Fail(StreamFailure::Truncated));
        assert_eq!(step(Read::Broken, true), Step::Fail(StreamFailure::Interrupted));
        assert_eq!(step(Read::Silent, true), Step::Fail(StreamFailure::Stalled));
        assert_eq!(step(Read::Malformed, false), Step::Fail(StreamFailure::Malformed));
        assert_eq!(step(Read::ProviderError, false), Step::Fail(StreamFailure::ProviderError));
        assert_eq!(step(Read::Chunk { finished: true }, false), Step::Relay);
    }

    #[test]
    fn a_stream_that_fails_before_its_first_event_is_a_failed_attempt() {
        assert_eq!(open(Read::Chunk { finished: false }), Ok(()));
        assert_eq!(open(Read::Done), Ok(()));
        let failed = |read| open(read).map(|()| unreachable!()).unwrap_err();
        assert!(failed(Read::Silent).transport_level() && failed(Read::Silent).class == Class::Timeout);
        assert!(failed(Read::Broken).transport_level());
        assert!(failed(Read::Ended { partial: false }).transport_level());
        assert_eq!(failed(Read::ProviderError).cause, Cause::Answered);
        assert_eq!(failed(Read::Malformed).cause, Cause::Unreadable);
    }

    #[test]
    fn each_failure_names_its_class() {
        let all = [
            StreamFailure::Interrupted,
            StreamFailure::Truncated,
            StreamFailure::Stalled,
            StreamFailure::Malformed,
            StreamFailure::ProviderError,
        ];
        let classes: Vec<Class> = all.iter().map(|f| f.class()).collect();
        assert_eq!(
            classes,
            [
                Class::ConnectionFailed,
                Class::ConnectionFailed,
                Class::Timeout,
                Class::MalformedResponse,
                Class::ServerError
            ]
        );
    }
}
