//! The attempt loop: carries one client request down its model's chain.
//!
//! 1. Ask routing for the first untried provider whose breaker admits the call.
//! 2. Attempt it, bounded by the attempt timeout and the request deadline, and
//!    classify the result; the breaker hears every counted outcome.
//! 3. Success and client errors go back to the client as the provider sent them.
//!    Otherwise the retry schedule says whether to try the same provider again
//!    (after a backoff, and only if its breaker still admits) or to move on.
//! 4. When no provider is left, or the deadline has passed, answer 503 naming the
//!    model and the last failure, with a `Retry-After`.
use std::time::Instant;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::CONTENT_TYPE;

use super::error::{ApiError, FailoverDetail};
use super::request::Inbound;
use super::trail::Trail;
use super::upstream::{Answer, AnswerBody};
use crate::Gateway;
use crate::policy::{Admission, Class, Next, Permit, Tried, classify_status, classify_transport, retry, select};

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
    MovedOn,
}

/// Serves one parsed request for the model at `route`.
pub async fn forward(gateway: &Gateway, route: usize, inbound: Inbound, endpoint: Endpoint) -> Response {
    let started = Instant::now();
    let deadline = started + gateway.settings.policy.request_timeout;
    let mut trail = Trail::new(gateway, route, started);
    let mut tried = Tried::default();
    let mut earliest_retry: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let selection = {
            let mut breakers = gateway.breakers[route].lock().unwrap_or_else(|e| e.into_inner());
            select(&mut breakers, tried, now, fastrand::f64())
        };
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
            HopEnd::MovedOn => {}
        }
    }
    exhausted(gateway, trail, earliest_retry)
}

#[allow(clippy::too_many_arguments)]
async fn attempt_hop(
    gateway: &Gateway,
    trail: &mut Trail<'_>,
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
    let body = inbound.body_for(step.model.as_deref());
    let mut attempt = 0;
    loop {
        attempt += 1;
        trail.attempts += 1;
        let attempt_deadline = deadline.min(Instant::now() + settings.policy.attempt_timeout);
        let result = gateway.client.send(uri, &upstream.authorization, body.clone(), attempt_deadline, inbound.stream).await;
        let finished = Instant::now();
        let class = match &result {
            Ok(answer) => gateway.sabotage.reclassify(classify_status(answer.status.as_u16(), answer.complete_body())),
            Err(failure) => classify_transport(*failure),
        };
        let transition = gateway.breakers[route].lock().unwrap_or_else(|e| e.into_inner())[hop].record(
            permit,
            gateway.sabotage.verdict(class),
            finished,
        );
        if let Some(t) = transition {
            trail.transition(hop, t);
        }
        match (class, result) {
            (Class::Success, Ok(answer)) => {
                let status = answer.status.as_u16();
                trail.finish("served", status, Some(hop));
                return HopEnd::Answered(relay(answer, &upstream.id_header, attempt_count(trail)));
            }
            (Class::ClientError, Ok(answer)) => {
                let status = answer.status.as_u16();
                trail.finish("client_error", status, Some(hop));
                return HopEnd::Answered(relay(answer, &upstream.id_header, attempt_count(trail)));
            }
            (class, result) => {
                let answer = result.ok();
                trail.failed(hop, class, answer.as_ref().map(|a| a.status.as_u16()));
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
                    Next::RetryAt(at) => {
                        trail.retry(hop, attempt + 1, class, (at - finished).as_secs_f64() * 1e3);
                        tokio::time::sleep_until(at.into()).await;
                        let (admission, t) = gateway.breakers[route].lock().unwrap_or_else(|e| e.into_inner())[hop]
                            .admit(Instant::now(), fastrand::f64());
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
                        Some(answer) => relay(answer, &upstream.id_header, attempt_count(trail)),
                        None => (StatusCode::BAD_GATEWAY, "upstream failed").into_response(),
                    });
                }
                trail.leave(hop, class, reason);
                return HopEnd::MovedOn;
            }
        }
    }
}

fn attempt_count(trail: &Trail<'_>) -> http::HeaderValue {
    http::HeaderValue::from(trail.attempts)
}

/// The provider's answer as the client gets it, with the gateway's headers.
fn relay(answer: Answer, served_by: &http::HeaderValue, attempts: http::HeaderValue) -> Response {
    let body = match answer.body {
        AnswerBody::Complete(bytes) => Body::from(bytes),
        AnswerBody::Streaming(incoming) => Body::new(incoming),
    };
    let mut response = Response::new(body);
    *response.status_mut() = answer.status;
    let headers = response.headers_mut();
    if let Some(ct) = answer.content_type {
        headers.insert(CONTENT_TYPE, ct);
    }
    headers.insert(SERVED_BY, served_by.clone());
    headers.insert(ATTEMPTS, attempts);
    response
}

/// The 503 for a request no provider could serve.
fn exhausted(gateway: &Gateway, mut trail: Trail<'_>, earliest_retry: Option<Instant>) -> Response {
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
    let error = gateway.sabotage.exhausted_status(ApiError::exhausted(detail, retry_after_secs));
    trail.finish("exhausted", error.status().as_u16(), None);
    error.into_response()
}
