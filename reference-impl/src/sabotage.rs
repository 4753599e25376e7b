//! Deliberate defects for the suite's self-tests. Each variant removes exactly one
//! behaviour the conformance features demand, so the self-tests can prove that
//! the scenarios for that behaviour fail (and no others do). They can only be
//! switched on through the Rust API with the `sabotage` feature, never by config.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use http::StatusCode;

use crate::Gateway;
use crate::policy::{Class, Verdict};
use crate::proxy::error::ApiError;
use crate::proxy::relay;
use crate::proxy::upstream::AnswerBody;
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
    /// Lets every other request probe an open breaker: traffic returns to the
    /// primary on its first successful probe, with no stable period, and flaps.
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
    /// On a stream that fails midway, carries on with the next provider's stream
    /// instead of ending it with an error.
    SplicesStreams,
    /// Ends a stream that broke or was cut short with `[DONE]`, as if complete.
    CutStreamAsCleanEnd,
    /// Holds a stream's events back and sends them all when it has ended.
    BuffersStreams,
    /// Keeps a stream that ended without `[DONE]` open until the idle timeout.
    WaitsForMissingDone,
    /// Sends only the latest message of a conversation after a failover.
    DropsHistoryOnFailover,
    /// Retries and fails over requests that must not run twice.
    ReplaysNonIdempotent,
    /// Ignores the `Idempotency-Key` header.
    IgnoresIdempotencyKey,
    /// Retries whatever the retry budget says.
    IgnoresRetryBudget,
    /// Leaves breaker transitions (and so failbacks) out of the decision log.
    ForgetsTransitions,
    /// Forwards bodies it cannot read, of any size, instead of rejecting them.
    AcceptsAnyBody,
}

/// Every defect, for the self-tests to iterate.
pub const ALL: [Sabotage; 20] = [
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
    Sabotage::SplicesStreams,
    Sabotage::CutStreamAsCleanEnd,
    Sabotage::BuffersStreams,
    Sabotage::WaitsForMissingDone,
    Sabotage::DropsHistoryOnFailover,
    Sabotage::ReplaysNonIdempotent,
    Sabotage::IgnoresIdempotencyKey,
    Sabotage::IgnoresRetryBudget,
    Sabotage::ForgetsTransitions,
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
            Sabotage::SplicesStreams => "splices-streams",
            Sabotage::CutStreamAsCleanEnd => "cut-stream-as-clean-end",
            Sabotage::BuffersStreams => "buffers-streams",
            Sabotage::WaitsForMissingDone => "waits-for-missing-done",
            Sabotage::DropsHistoryOnFailover => "drops-history-on-failover",
            Sabotage::ReplaysNonIdempotent => "replays-non-idempotent",
            Sabotage::IgnoresIdempotencyKey => "ignores-idempotency-key",
            Sabotage::IgnoresRetryBudget => "ignores-retry-budget",
            Sabotage::ForgetsTransitions => "forgets-transitions",
            Sabotage::AcceptsAnyBody => "accepts-any-body",
        }
    }

    pub(crate) fn adjust_policy(self, policy: &mut Policy) {
        match self {
            Sabotage::NoBreaker => policy.breaker.min_calls = u32::MAX,
            Sabotage::HairTrigger => {
                policy.breaker.min_calls = 1;
                policy.breaker.threshold_ppm = 1;
            }
            Sabotage::NoRetry => policy.retry.max_attempts = 1,
            _ => {}
        }
    }

    /// The time routing is told. The no-cooldown defect tells every other
    /// routing decision that the open period is long over, so the breaker probes
    /// at once: flapping that depends on request order, not on the machine's speed.
    pub(crate) fn routing_clock(self, now: Instant, decisions: &AtomicU64) -> Instant {
        if self == Sabotage::NoCooldown && decisions.fetch_add(1, Ordering::Relaxed) % 2 == 1 {
            now + std::time::Duration::from_secs(3_600)
        } else {
            now
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

    pub(crate) fn replays_non_idempotent(self) -> bool {
        self == Sabotage::ReplaysNonIdempotent
    }

    /// The body sent upstream; after a failover the history-dropping defect
    /// keeps only the system prompt and the latest message.
    pub(crate) fn body_after_failover(self, body: Bytes, failed_over: bool) -> Bytes {
        if self != Sabotage::DropsHistoryOnFailover || !failed_over {
            return body;
        }
        let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&body) else { return body };
        if let Some(messages) = json.get_mut("messages").and_then(|m| m.as_array_mut()) {
            let last = messages.pop();
            messages.retain(|m| m.get("role").and_then(|r| r.as_str()) == Some("system"));
            messages.extend(last);
        }
        Bytes::from(json.to_string())
    }

    /// The relay's defects for a stream served by `hop` of `route`.
    pub(crate) fn relay_options(self, gateway: &Arc<Gateway>, route: usize, hop: usize, body: Bytes) -> relay::Options {
        match self {
            Sabotage::CutStreamAsCleanEnd => relay::Options { clean_end_on_failure: true, ..Default::default() },
            Sabotage::BuffersStreams => relay::Options { buffer_until_end: true, ..Default::default() },
            Sabotage::WaitsForMissingDone => relay::Options { wait_for_missing_done: true, ..Default::default() },
            Sabotage::SplicesStreams => {
                let gateway = gateway.clone();
                let splice: relay::Splice = Box::new(move || {
                    Box::pin(async move {
                        let next = gateway.settings.routes[route].hops.get(hop + 1)?;
                        let upstream = &gateway.settings.upstreams[next.upstream];
                        let deadline = Instant::now() + gateway.settings.policy.first_byte_timeout;
                        let answer = gateway
                            .client
                            .send(&upstream.chat_uri, &upstream.authorization, body, deadline, true)
                            .await
                            .ok()?;
                        match answer.body {
                            AnswerBody::Streaming(incoming) => relay::open(incoming, deadline).await.ok(),
                            AnswerBody::Complete(_) => None,
                        }
                    })
                });
                relay::Options { splice: Some(splice), ..Default::default() }
            }
            _ => relay::Options::default(),
        }
    }

    pub(crate) fn ignores_idempotency_key(self) -> bool {
        self == Sabotage::IgnoresIdempotencyKey
    }

    pub(crate) fn ignores_retry_budget(self) -> bool {
        self == Sabotage::IgnoresRetryBudget
    }

    pub(crate) fn logs_transitions(self) -> bool {
        self != Sabotage::ForgetsTransitions
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
