//! The attempt loop: carries one client request down its model's chain.
//!
//! 1. Ask routing for the first untried provider whose breaker admits the call.
//! 2. Attempt it, bounded by the attempt timeout (for a stream: the first-byte
//!    timeout) and the request deadline, and classify the result; the breaker
//!    hears every counted outcome (a stream's, when it ends).
//! 3. Success and client errors go back to the client as the provider sent them;
//!    a stream goes back event by event once its first event is in.
//! 4. Otherwise: if the provider may have acted on a request that must not run
//!    twice (not idempotent, and it timed out or broke after it was sent), stop
//!    and say so. Else the retry schedule decides between the same provider again
//!    (after a backoff, and only if its breaker still admits) and the next one.
//! 5. When no provider is left, or the deadline has passed, answer 503 naming the
//!    model and the last failure, with a `Retry-After`.
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use super::error::{ApiError, FailoverDetail};
use super::relay::{self, Ending, OnEnd, Opened};
use super::request::Inbound;
use super::trail::Trail;
use super::upstream::{Answer, AnswerBody};
use crate::Gateway;
use crate::policy::{
    Admission, Class, Next, Permit, TransportFailure, Tried, classify_status, classify_transport, retry, select,
};

/// Which OpenAI endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/chat/completions`.
    Chat,
    /// `/embeddings`.
    Embeddings,
}

/// Response header naming the provider that served the answer.
pub const SERVED_BY: &str = "x-failover-served-by";
/// Response header counting the upstream attempts made.
pub const ATTEMPTS: &str = "x-failover-attempts";

enum HopEnd {
    Answered(Response),
    Streaming(Opened, Permit),
    MovedOn,
}

/// Serves one parsed request for the model at `route`.
pub async fn forward(gateway: &Arc<Gateway>, route: usize, inbound: Inbound, endpoint: Endpoint) -> Response {
    let started = Instant::now();
    let deadline = started + gateway.settings.policy.request_timeout;
    gateway.deposit(started);
    let mut trail = Trail::new(gateway.clone(), route, started);
    let mut tried = Tried::default();
    let mut earliest_retry: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let routing_now = gateway.sabotage.routing_clock(now, &gateway.sabotage_decisions);
        let selection = select(&mut gateway.breakers(route), tried, routing_now, fastrand::f64());
        for &(hop, t) in &selection.transitions {
            trail.transition(hop, t);
        }
        for skip in &selection.skipped {
            trail.skipped(skip.index);
        }
        earliest_retry = earliest_retry.into_iter().chain(selection.earliest_retry()).min();
        let Some((hop, permit)) = selection.chosen else { break };
        tried.insert(hop);
        trail.arrive(hop);
        match attempt_hop(gateway, &mut trail, route, hop, permit, &inbound, endpoint, deadline).await {
            HopEnd::Answered(response) => return response,
            HopEnd::Streaming(opened, permit) => return stream(gateway, trail, route, hop, permit, opened, &inbound),
            HopEnd::MovedOn => {}
        }
    }
    exhausted(trail, earliest_retry)
}

#[allow(clippy::too_many_arguments)]
async fn attempt_hop(
    gateway: &Gateway,
    trail: &mut Trail,
    route: usize,
    hop: usize,
    mut permit: Permit,
    inbound: &Inbound,
    endpoint: Endpoint,
    deadline: Instant,
) -> HopEnd {
    let settings = &gateway.settings;
    let step = &settings.routes[route].hops[hop];
    let upstream = &settings.upstreams[step.upstream];
    let uri = match endpoint {
        Endpoint::Chat => &upstream.chat_uri,
        Endpoint::Embeddings => &upstream.embeddings_uri,
    };
    let body = gateway.sabotage.body_after_failover(inbound.body_for(step.model.as_deref()), trail.failed_over());
    let limit = if inbound.stream { settings.policy.first_byte_timeout } else { settings.policy.attempt_timeout };
    let mut attempt = 0;
    loop {
        attempt += 1;
        trail.attempts += 1;
        let attempt_deadline = deadline.min(Instant::now() + limit);
        let result =
            gateway.client.send(uri, &upstream.authorization, body.clone(), attempt_deadline, inbound.stream).await;
        // Whether the provider may have acted on the request: it was sent, and
        // no answer says what became of it.
        let (class, mut answer, outcome_unknown) = match result {
            Ok(answer) => {
                let class =
                    gateway.sabotage.reclassify(classify_status(answer.status.as_u16(), answer.complete_body()));
                match answer.body {
                    AnswerBody::Streaming(incoming) => match relay::open(incoming, attempt_deadline).await {
                        Ok(opened) => return HopEnd::Streaming(opened, permit),
                        Err((class, _why)) => (class, None, true),
                    },
                    AnswerBody::Complete(_) => (class, Some(answer), false),
                }
            }
            Err(failure) => (classify_transport(failure), None, failure != TransportFailure::Refused),
        };
        let finished = Instant::now();
        let transition = gateway.breakers(route)[hop].record(permit, gateway.sabotage.verdict(class), finished);
        if let Some(t) = transition {
            trail.transition(hop, t);
        }
        if let Some(answer) = answer.take_if(|_| matches!(class, Class::Success | Class::ClientError)) {
            let outcome = if class == Class::Success { "served" } else { "client_error" };
            trail.finish(outcome, answer.status.as_u16(), Some(hop));
            return HopEnd::Answered(relay_whole(answer, &upstream.id_header, trail.attempts));
        }
        trail.failed(hop, class, answer.as_ref().map(|a| a.status.as_u16()));
        if outcome_unknown && !inbound.idempotent && !gateway.sabotage.replays_non_idempotent() {
            let error = ApiError::not_retried(&upstream.id, class, inbound.why_not_idempotent());
            trail.finish("not_retried", error.status().as_u16(), None);
            return HopEnd::Answered(error.into_response());
        }
        let retry_after = gateway.sabotage.retry_after(answer.as_ref().and_then(|a| a.retry_after));
        let mut next = retry::after_failure(
            &settings.policy.retry,
            class,
            attempt,
            retry_after,
            finished,
            deadline,
            fastrand::f64(),
        );
        if gateway.sabotage.retries_everything() && attempt < settings.policy.retry.max_attempts {
            next = Next::RetryAt(finished);
        }
        let reason = match next {
            Next::RetryAt(_) if !gateway.retry_paid(finished) => "retry_budget_exhausted",
            Next::RetryAt(at) => {
                trail.retry(hop, attempt + 1, class, (at - finished).as_secs_f64() * 1e3);
                tokio::time::sleep_until(at.into()).await;
                let (admission, t) = gateway.breakers(route)[hop].admit(Instant::now(), fastrand::f64());
                if let Some(t) = t {
                    trail.transition(hop, t);
                }
                match admission {
                    Admission::Admitted(next_permit) => {
                        permit = next_permit;
                        continue;
                    }
                    Admission::Rejected { .. } => "breaker_rejected_retry",
                }
            }
            Next::MoveOn(why) => why.as_str(),
        };
        if gateway.sabotage.never_fails_over() {
            trail.finish("exhausted", 502, None);
            return HopEnd::Answered(match answer {
                Some(answer) => relay_whole(answer, &upstream.id_header, trail.attempts),
                None => (StatusCode::BAD_GATEWAY, "upstream failed").into_response(),
            });
        }
        trail.leave(hop, class, reason);
        return HopEnd::MovedOn;
    }
}

fn with_gateway_headers(mut response: Response, served_by: &HeaderValue, attempts: u32) -> Response {
    let headers = response.headers_mut();
    headers.insert(SERVED_BY, served_by.clone());
    headers.insert(ATTEMPTS, HeaderValue::from(attempts));
    response
}

/// A provider's whole answer as the client gets it, with the gateway's headers.
fn relay_whole(answer: Answer, served_by: &HeaderValue, attempts: u32) -> Response {
    let body = match answer.body {
        AnswerBody::Complete(bytes) => Body::from(bytes),
        AnswerBody::Streaming(incoming) => Body::new(incoming),
    };
    let mut response = Response::new(body);
    *response.status_mut() = answer.status;
    if let Some(ct) = answer.content_type {
        response.headers_mut().insert(CONTENT_TYPE, ct);
    }
    with_gateway_headers(response, served_by, attempts)
}

/// Hears how a relayed stream ended and tells the breaker and the decision log.
struct StreamEnd {
    gateway: Arc<Gateway>,
    route: usize,
    hop: usize,
    permit: Permit,
    trail: Trail,
}

impl OnEnd for StreamEnd {
    fn ended(&mut self, ending: Ending) {
        let verdict = match ending.class {
            Some(class) => self.gateway.sabotage.verdict(class),
            None => ending.verdict,
        };
        let transition = self.gateway.breakers(self.route)[self.hop].record(self.permit, verdict, Instant::now());
        if let Some(t) = transition {
            self.trail.transition(self.hop, t);
        }
        if let Some(class) = ending.class {
            self.trail.failed(self.hop, class, None);
        }
        self.trail.finish(ending.outcome, 200, Some(self.hop));
    }
}

/// The client's response for a stream whose first event has arrived.
fn stream(
    gateway: &Arc<Gateway>,
    trail: Trail,
    route: usize,
    hop: usize,
    permit: Permit,
    opened: Opened,
    inbound: &Inbound,
) -> Response {
    let upstream = &gateway.settings.upstreams[gateway.settings.routes[route].hops[hop].upstream];
    let attempts = trail.attempts;
    let idle = gateway.settings.policy.stream_idle_timeout;
    let on_end = StreamEnd { gateway: gateway.clone(), route, hop, permit, trail };
    let options = gateway.sabotage.relay_options(gateway, route, hop, inbound.body.clone());
    let body = relay::relay(opened, idle, &upstream.id, options, on_end);
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    with_gateway_headers(response, &upstream.id_header, attempts)
}

/// The 503 for a request no provider could serve.
fn exhausted(mut trail: Trail, earliest_retry: Option<Instant>) -> Response {
    let retry_after_secs = earliest_retry
        .map(|at| at.saturating_duration_since(Instant::now()))
        .map_or(1, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
        .max(1);
    let last = trail.last_failure().cloned();
    let detail = FailoverDetail {
        model: trail.model().to_string(),
        last_failure_class: last.as_ref().map_or("circuit_open", |f| f.class),
        last_provider: last.map(|f| f.provider.to_string()),
        attempts: trail.attempts,
    };
    let error = trail.gateway().sabotage.exhausted_status(ApiError::exhausted(detail, retry_after_secs));
    trail.finish("exhausted", error.status().as_u16(), None);
    error.into_response()
}
