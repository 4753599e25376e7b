//! Failure classification: what one upstream attempt's result means.
//!
//! Every result maps to exactly one [`Class`], and the class alone decides the
//! handling: retry on the same provider, move down the chain, count against the
//! provider's breaker, or hand the answer back to the client unchanged. Keeping
//! that table in one place is what makes the gateway's behaviour explainable
//! (the decision log names the class) and property-testable (the mapping is
//! total and pure).
//!
//! | class              | from                                   | retry same | fail over | breaker   |
//! |--------------------|----------------------------------------|------------|-----------|-----------|
//! | `success`          | 2xx                                    | -          | -         | success   |
//! | `rate_limited`     | 429                                    | yes        | yes       | failure   |
//! | `timeout`          | 408, 504, no answer within the timeout | yes        | yes       | failure   |
//! | `server_error`     | other 5xx                              | yes        | yes       | failure   |
//! | `connection_failed`| refused, reset, closed early           | yes        | yes       | failure   |
//! | `auth_error`       | 401, 403                               | no         | yes       | failure   |
//! | `context_overflow` | 400 with `context_length_exceeded`     | no         | yes       | ignored   |
//! | `content_filtered` | 400 with `content_policy_violation` or `content_filter` | no | content-policy chain | ignored |
//! | `client_error`     | any other 4xx                          | no         | no        | ignored   |
//! | `unexpected_status`| 1xx, 3xx                               | no         | yes       | failure   |
//! | `malformed_response`| 2xx whose body breaks the API's format | yes        | yes       | failure   |
//!
//! Context overflow fails over (the next provider may have a larger window) but is
//! not the provider's fault, so its breaker does not count it. A content-policy
//! refusal is the provider's policy, not its health: it goes to the model's
//! content-policy chain when one is configured (see
//! [`crate::Journey::content_policy`]), else back to the client unchanged. A client error is
//! the client's fault everywhere: it goes back unchanged.

/// What went wrong below HTTP, as the I/O shell observed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportFailure {
    /// Nothing accepted the connection.
    Refused,
    /// The connection broke before the whole response arrived.
    Reset,
    /// No complete response within the attempt's time limit.
    TimedOut,
}

/// The class of one attempt's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum Class {
    /// 2xx.
    Success,
    /// 429.
    RateLimited,
    /// 408, 504 or no complete answer in time.
    Timeout,
    /// 5xx other than 504.
    ServerError,
    /// Refused, reset or closed before the response was complete.
    ConnectionFailed,
    /// 401 or 403.
    AuthError,
    /// 400 whose body carries `context_length_exceeded`.
    ContextOverflow,
    /// 400 whose body carries `content_policy_violation` or `content_filter`:
    /// the provider's content policy refused the request.
    ContentFiltered,
    /// Any other 4xx.
    ClientError,
    /// 1xx or 3xx, which an inference API never answers.
    UnexpectedStatus,
    /// A 2xx whose body breaks the API's format (e.g. a stream event that is not JSON).
    MalformedResponse,
    /// A 2xx answer judged wrong (see [`crate::soft`]) of a class the gateway
    /// is configured to act on: it counts against the provider and the request
    /// moves on, never to the same provider, which just gave this answer.
    SoftFailure,
}

/// How an outcome counts in a provider's circuit breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum Verdict {
    /// The provider did its job.
    Success,
    /// The provider failed.
    Failure,
    /// Says nothing about the provider (the client's fault, or cancelled).
    Ignored,
}

/// Every class, for tables and exhaustive tests.
pub const ALL_CLASSES: [Class; 12] = [
    Class::Success,
    Class::RateLimited,
    Class::Timeout,
    Class::ServerError,
    Class::ConnectionFailed,
    Class::AuthError,
    Class::ContextOverflow,
    Class::ContentFiltered,
    Class::ClientError,
    Class::UnexpectedStatus,
    Class::MalformedResponse,
    Class::SoftFailure,
];

impl From<Class> for &'static str {
    fn from(class: Class) -> Self {
        class.as_str()
    }
}

impl From<Verdict> for &'static str {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Success => "success",
            Verdict::Failure => "failure",
            Verdict::Ignored => "ignored",
        }
    }
}

impl Class {
    /// The snake_case name used in events, error bodies and reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Class::Success => "success",
            Class::RateLimited => "rate_limited",
            Class::Timeout => "timeout",
            Class::ServerError => "server_error",
            Class::ConnectionFailed => "connection_failed",
            Class::AuthError => "auth_error",
            Class::ContextOverflow => "context_overflow",
            Class::ContentFiltered => "content_filtered",
            Class::ClientError => "client_error",
            Class::UnexpectedStatus => "unexpected_status",
            Class::MalformedResponse => "malformed_response",
            Class::SoftFailure => "soft_failure",
        }
    }

    /// Whether another attempt on the same provider may succeed.
    pub const fn retry_same_provider(self) -> bool {
        matches!(
            self,
            Class::RateLimited
                | Class::Timeout
                | Class::ServerError
                | Class::ConnectionFailed
                | Class::MalformedResponse
        )
    }

    /// Whether the request should move down the chain when retries are spent.
    pub const fn fail_over(self) -> bool {
        !matches!(self, Class::Success | Class::ClientError)
    }

    /// How the provider's breaker counts it.
    pub const fn verdict(self) -> Verdict {
        match self {
            Class::Success => Verdict::Success,
            Class::ContextOverflow | Class::ContentFiltered | Class::ClientError => Verdict::Ignored,
            Class::RateLimited
            | Class::Timeout
            | Class::ServerError
            | Class::ConnectionFailed
            | Class::AuthError
            | Class::UnexpectedStatus
            | Class::MalformedResponse
            | Class::SoftFailure => Verdict::Failure,
        }
    }
}

/// Classifies an HTTP answer. `body` is only looked at for a 400, where OpenAI
/// reports a context overflow with the code `context_length_exceeded`.
pub fn classify_status(status: u16, body: &[u8]) -> Class {
    match status {
        200..=299 => Class::Success,
        429 => Class::RateLimited,
        408 | 504 => Class::Timeout,
        401 | 403 => Class::AuthError,
        400 if contains(body, b"context_length_exceeded") => Class::ContextOverflow,
        400 if contains(body, b"content_policy_violation") || contains(body, b"\"content_filter\"") => {
            Class::ContentFiltered
        }
        400..=499 => Class::ClientError,
        500..=599 => Class::ServerError,
        _ => Class::UnexpectedStatus,
    }
}

/// Classifies a failure below HTTP.
pub const fn classify_transport(failure: TransportFailure) -> Class {
    match failure {
        TransportFailure::Refused | TransportFailure::Reset => Class::ConnectionFailed,
        TransportFailure::TimedOut => Class::Timeout,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_one_class_and_no_2xx_is_a_failure() {
        for status in 0..=999u16 {
            let class = classify_status(status, b"");
            if (200..300).contains(&status) {
                assert_eq!(class, Class::Success);
            } else {
                assert_ne!(class.verdict(), Verdict::Success, "{status}");
            }
        }
    }

    #[test]
    fn context_overflow_is_read_from_the_error_code() {
        let body = br#"{"error":{"code":"context_length_exceeded","message":"too long"}}"#;
        assert_eq!(classify_status(400, body), Class::ContextOverflow);
        assert_eq!(classify_status(400, b"{}"), Class::ClientError);
        assert_eq!(classify_status(422, body), Class::ClientError);
    }

    #[test]
    fn a_content_policy_refusal_is_read_from_the_error_code_and_never_counted() {
        for code in
            [&br#"{"error":{"code":"content_policy_violation"}}"#[..], br#"{"error":{"code":"content_filter"}}"#]
        {
            assert_eq!(classify_status(400, code), Class::ContentFiltered);
            assert_eq!(classify_status(403, code), Class::AuthError, "only a 400 is a refusal of the request");
        }
        assert_eq!(
            classify_status(400, br#"{"error":{"message":"content_filter_results missing"}}"#),
            Class::ClientError
        );
        let class = Class::ContentFiltered;
        assert_eq!(
            (class.verdict(), class.retry_same_provider(), class.as_str()),
            (Verdict::Ignored, false, "content_filtered")
        );
    }

    #[test]
    fn a_judged_answer_counts_against_its_provider_and_moves_on() {
        let class = Class::SoftFailure;
        assert_eq!(class.verdict(), Verdict::Failure);
        assert!(!class.retry_same_provider(), "the same provider just gave this answer");
        assert!(class.fail_over());
        assert_eq!(class.as_str(), "soft_failure");
        assert!(ALL_CLASSES.contains(&class));
    }
}
