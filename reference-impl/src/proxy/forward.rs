//! The attempt loop: carries one client request down its model's chain.
//!
//! The loop does the I/O and nothing else: it asks the request's
//! [`Journey`] what to do, does it (sends an attempt, or waits out a backoff),
//! reads the clock once when it is done, and tells the journey what happened.
//! Which provider comes next and when, whether a failure may be replayed, and
//! how a stream ends are the policy's decisions (`failover_policy`).
//!
//! An answer the client gets (a success, or the client's own 4xx) goes back
//! as the provider sent it; a stream goes back event by event once its first
//! event is in. When no provider is left, the client gets a 503 naming the
//! model and the last failure, with a `Retry-After`.
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use failover_policy::soft::{Finding, SoftClass};
use failover_policy::spend::Ended;
use failover_policy::stream::{Read, Step};
use failover_policy::tail::Tail;
use failover_policy::{Action, Class, Decide, Failure, Journey, Kind, Permit, TransportFailure, Tried, Verdict};
use http::HeaderValue;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde::de::IgnoredAny;
use tokio::sync::OwnedSemaphorePermit;

use super::error::{ApiError, FailoverDetail};
use super::health::Attempt;
use super::relay::{self, Ending, Opened, Watch};
use super::request::Inbound;
use super::soft::{Judged, Question, Transcript};
use super::trail::{Trail, log_transition};
use super::upstream::{Answer, AnswerBody};
use crate::Gateway;
use crate::events::Outcome;

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
/// Response header naming the soft-failure class of the answer relayed.
pub const SOFT_FAILURE: &str = "x-failover-soft-failure";

/// What one attempt came to.
enum Attempted {
    /// An answer the client gets as it is, of class `Success`, `ClientError`
    /// or `ContentFiltered`.
    Answer(Answer, Class),
    /// A stream whose first event has arrived.
    Stream(Opened),
    /// A failed attempt (with the provider's status, if it answered one).
    Failed(Failure, Option<u16>),
}

/// A whole answer about to be relayed, from chain position `hop`, with its
/// soft failure if it was judged one.
struct Kept {
    answer: Answer,
    hop: usize,
    finding: Option<Finding>,
}

/// Serves one parsed request for the model at `route`.
pub async fn forward<D: Decide>(
    gateway: &Arc<Gateway<D>>,
    route: usize,
    inbound: Inbound,
    endpoint: Endpoint,
) -> Response {
    let mut now = Instant::now();
    let policy = &gateway.settings.policy;
    if let Some(mut budget) = gateway.budget() {
        budget.deposit(now);
    }
    let (request_id, mut rng) = gateway.next_request();
    let mut trail = Trail::new(gateway.clone(), route, request_id, now);
    let windows = &gateway.settings.routes[route].windows;
    let mut journey = Journey::new(policy.retry, now + policy.request_timeout, inbound.idempotent, windows)
        .ordered(gateway.placement.order(route))
        .content_policy(gateway.settings.routes[route].content_policy);
    let mut action = journey.start(&gateway.decide, &mut gateway.breakers(route), now, rng.f64());
    // Whether a provider was passed over for having its most requests in flight.
    let mut saturated = false;
    // The last answer judged a soft failure of a class acted on.
    let mut kept: Option<Kept> = None;
    loop {
        trail.decided(journey.drain(), now);
        action = match action {
            Action::Attempt { hop, permit } => 'attempt: {
                let started = now;
                let upstream = gateway.settings.routes[route].hops[hop].upstream;
                let Ok(slot) = gateway.slots.take(upstream) else {
                    saturated = true;
                    let draw = rng.f64();
                    break 'attempt journey.saturated(&gateway.decide, &mut gateway.breakers(route), permit, now, draw);
                };
                let holds = match &inbound.spending {
                    None => None,
                    Some(spending) => match spending.reserve(gateway, (route, hop), super::tokens::unix_ms()) {
                        Ok(holds) => Some(holds),
                        Err(refusal) => {
                            journey.withdraw(&mut gateway.breakers(route), permit, now);
                            trail.decided(journey.drain(), now);
                            if let Some(kept) = kept.take() {
                                return deliver(gateway, &inbound, endpoint, &mut trail, kept, journey.attempts(), now);
                            }
                            let response = refusal.answer(gateway, super::tokens::unix_ms(), now);
                            trail.finish(
                                Outcome::BudgetExceeded,
                                response.status().as_u16(),
                                None,
                                journey.attempts(),
                                now,
                            );
                            return response;
                        }
                    },
                };
                let drill = gateway.drills.hit(&gateway.decide, upstream, now, || rng.f64());
                let sent = drill.is_none();
                let (attempted, utilisation) = match drill {
                    Some(drill) => (drilled(gateway, &drill, now, journey.deadline()).await, None),
                    None => {
                        let closed_to = journey.excluded();
                        attempt(gateway, (route, hop), closed_to, &inbound, endpoint, now, journey.deadline()).await
                    }
                };
                now = Instant::now();
                // The answer's usage is read once, for the budgets and the SLOs' cost alike.
                let ended = (inbound.spending.is_some() || trail.counts_cost()).then(|| spent(&attempted, sent));
                if let (Some(Ended::Answered(Some(usage))), Attempted::Answer(answer, _)) = (ended, &attempted)
                    && answer.status.is_success()
                {
                    trail.billed(hop, usage);
                }
                if let (Some(spending), Some(holds), Some(ended)) = (&inbound.spending, holds, ended) {
                    spending.settle(gateway, (route, hop), holds, ended, super::tokens::unix_ms());
                }
                let mut soft =
                    judge_soft(gateway, (route, hop), endpoint, &inbound, &attempted, journey.deadline()).await;
                if let Some(finding) = &soft {
                    trail.soft(hop, finding, now);
                }
                // A content-policy refusal, with a content-policy chain to take
                // it, and a wrong answer of a class acted on, are failed
                // attempts; each is kept, in case no provider does better.
                let attempted = match attempted {
                    Attempted::Answer(answer, class)
                        if journey.has_content_policy() && gateway.decide.content_filtered(class, soft.as_ref()) =>
                    {
                        let status = answer.status.as_u16();
                        kept = Some(Kept { answer, hop, finding: soft.take() });
                        Attempted::Failed(Failure::content_filtered(class == Class::Success), Some(status))
                    }
                    Attempted::Answer(answer, _) if soft.as_ref().is_some_and(|f| fails_over(gateway, f)) => {
                        let finding = soft.take().expect("checked by the guard");
                        let failure = Failure::judged(finding.class);
                        kept = Some(Kept { answer, hop, finding: Some(finding) });
                        Attempted::Failed(failure, Some(200))
                    }
                    other => other,
                };
                if gateway.health_scoring() || gateway.analytics.is_some() {
                    let (class, verdict) = judged(gateway, (route, hop), &attempted, soft.as_ref());
                    if let Some(analytics) = &gateway.analytics {
                        analytics.attempt(route, hop, verdict == Verdict::Failure, class, now);
                    }
                    let attempt = Attempt { started, ended: now, class, verdict, utilisation };
                    super::health::observe(gateway, route, hop, attempt);
                }
                match attempted {
                    Attempted::Answer(answer, class) => {
                        if class == Class::Success {
                            super::regions::answered(gateway, route, hop, now - started, now);
                        }
                        let (decide, mut chain) = (&gateway.decide, gateway.breakers(route));
                        match &soft {
                            Some(wrong) => journey.answered_wrong(decide, &mut chain, permit, wrong.class, now),
                            None => journey.answered(decide, &mut chain, permit, class, now),
                        }
                        drop(chain);
                        trail.decided(journey.drain(), now);
                        let kept = Kept { answer, hop, finding: soft };
                        return deliver(gateway, &inbound, endpoint, &mut trail, kept, journey.attempts(), now);
                    }
                    Attempted::Stream(opened) => {
                        super::regions::answered(gateway, route, hop, now - started, now);
                        trail.first_event(now);
                        let judge = gateway.settings.soft.as_ref().map(|config| StreamJudge {
                            question: Question::read(config, &inbound.body, &gateway.schemas),
                            transcript: Transcript::default(),
                            counted: None,
                        });
                        let session = inbound.session.clone().map(|turn| (turn, Transcript::default()));
                        let attempts = journey.attempts();
                        let watch = StreamWatch { trail, route, hop, permit, attempts, judge, session, _slot: slot };
                        return stream(watch, opened);
                    }
                    Attempted::Failed(failure, status) => {
                        trail.failed(hop, failure.class, status);
                        let draws = (rng.f64(), rng.f64());
                        let counts = gateway.decide.verdict(failure.class) == Verdict::Failure;
                        let (next, drained) = {
                            let mut chain = gateway.breakers(route);
                            let drained = counts.then(|| super::regions::failed(gateway, route, hop, &mut chain, now));
                            let mut budget = gateway.budget();
                            let d = &gateway.decide;
                            (journey.failed(d, &mut chain, permit, failure, now, budget.as_deref_mut(), draws), drained)
                        };
                        if let Some(drained) = drained {
                            super::regions::log(gateway, route, drained, now);
                        }
                        next
                    }
                }
            }
            Action::Wait { until } => {
                tokio::time::sleep_until(until.into()).await;
                now = Instant::now();
                journey.resume(&gateway.decide, &mut gateway.breakers(route), now, rng.f64())
            }
            // No provider did better than a wrong answer or a refusal: the
            // last one is relayed (flagged if wrong) rather than an error.
            Action::NotReplayed { .. } | Action::Exhausted { .. } if kept.is_some() => {
                let kept = kept.take().expect("checked by the guard");
                return deliver(gateway, &inbound, endpoint, &mut trail, kept, journey.attempts(), now);
            }
            Action::NotReplayed { hop, class } => {
                let upstream = gateway.settings.provider_of(route, hop);
                let error = ApiError::not_retried(&upstream.id, class, inbound.why_not_idempotent());
                trail.finish(Outcome::NotRetried, error.status().as_u16(), None, journey.attempts(), now);
                return error.into_response();
            }
            // The end of the chain: a cached answer, then a default one.
            Action::Exhausted { retry_at } if tail_may_answer(gateway, route, &inbound, endpoint) => {
                let key = cache_key(gateway, &inbound, endpoint);
                match super::tail::answer(gateway, route, &key, journey.attempts(), now) {
                    Some((response, tail)) => {
                        let outcome = if tail == Tail::Cached { Outcome::FromCache } else { Outcome::DefaultAnswer };
                        trail.finish(outcome, 200, None, journey.attempts(), now);
                        return response;
                    }
                    None if saturated => {
                        let error = ApiError::saturated(&trail.model(), journey.attempts());
                        trail.finish(Outcome::Exhausted, error.status().as_u16(), None, journey.attempts(), now);
                        return error.into_response();
                    }
                    None => return exhausted(trail, &journey, retry_at, now),
                }
            }
            Action::Exhausted { .. } if saturated => {
                let error = ApiError::saturated(&trail.model(), journey.attempts());
                trail.finish(Outcome::Exhausted, error.status().as_u16(), None, journey.attempts(), now);
                return error.into_response();
            }
            Action::Exhausted { retry_at } => return exhausted(trail, &journey, retry_at, now),
        };
    }
}

/// Sends one attempt to chain position `hop` for a request that may no
/// longer go to the positions `closed_to`, starting `now`, bounded by the
/// attempt timeout (for a stream: until its first event) and the request's
/// deadline. Also gives the share of its rate limit the provider said it used.
async fn attempt<D: Decide>(
    gateway: &Gateway<D>,
    (route, hop): (usize, usize),
    closed_to: Tried,
    inbound: &Inbound,
    endpoint: Endpoint,
    now: Instant,
    deadline: Instant,
) -> (Attempted, Option<f64>) {
    let settings = &gateway.settings;
    let upstream = settings.provider_of(route, hop);
    let uri = match endpoint {
        Endpoint::Chat => &upstream.chat_uri,
        Endpoint::Embeddings => &upstream.embeddings_uri,
    };
    let model = settings.routes[route].hops[hop].model.as_deref();
    let body = match &inbound.session {
        None => inbound.body_for(model),
        Some(turn) => match super::session::fitted(gateway, turn, inbound, (route, hop), model) {
            Some(body) => body,
            // Not sent: the provider's window cannot take the session's context.
            None => return (Attempted::Failed(Failure::answered(Class::ContextOverflow, None), None), None),
        },
    };
    let limit = if inbound.stream { settings.policy.first_byte_timeout } else { settings.policy.attempt_timeout };
    let attempt_deadline = deadline.min(now + limit);
    let exchange = async {
        let answer =
            match gateway.client.send(uri, &upstream.authorization, body, attempt_deadline, inbound.stream).await {
                Ok(answer) => answer,
                Err(failure) => return (Attempted::Failed(Failure::transport(failure), None), None),
            };
        let status = answer.status.as_u16();
        let utilisation = answer.utilisation;
        let attempted = match answer.body {
            AnswerBody::Streaming(incoming) => match relay::open(incoming, attempt_deadline, &gateway.decide).await {
                Ok(opened) => Attempted::Stream(opened),
                Err(failure) => Attempted::Failed(failure, Some(status)),
            },
            AnswerBody::Complete(ref bytes) => match judge_whole(&gateway.decide, &answer, bytes) {
                Ok(class) => Attempted::Answer(answer, class),
                Err(failure) => Attempted::Failed(failure, Some(status)),
            },
        };
        (attempted, utilisation)
    };
    // Silence until the whole answer (a stream: its first event) is what a
    // stall is made of.
    let silent = |(attempted, _): &(Attempted, Option<f64>)| matches!(attempted, Attempted::Failed(failure, _) if failure.class == Class::Timeout);
    let abandoned = || (Attempted::Failed(Failure::transport(TransportFailure::TimedOut), None), None);
    super::stall::watched(gateway, (route, hop), closed_to, now, exchange, silent, abandoned).await
}

/// An attempt a fire drill fails: never sent; a drilled timeout takes the
/// attempt's time, as a silent provider would.
async fn drilled<D: Decide>(
    gateway: &Gateway<D>,
    drill: &failover_policy::drill::Plan,
    now: Instant,
    deadline: Instant,
) -> Attempted {
    if drill.class == Class::Timeout {
        tokio::time::sleep_until(deadline.min(now + gateway.settings.policy.attempt_timeout).into()).await;
    }
    Attempted::Failed(drill.failure(), None)
}

/// How an attempt ended, for what its budgets charge it: an attempt a
/// drill failed (not `sent`) or whose connection was refused reached no
/// provider; a stream is charged what was held for it.
fn spent(attempted: &Attempted, sent: bool) -> Ended {
    match attempted {
        Attempted::Failed(..) if !sent => Ended::NotSent,
        Attempted::Failed(failure, _) if failure.cause == failover_policy::Cause::Refused => Ended::NotSent,
        Attempted::Failed(..) => Ended::Failed,
        Attempted::Stream(_) => Ended::Answered(None),
        Attempted::Answer(answer, _) => match &answer.body {
            AnswerBody::Complete(bytes) => super::spend::answered(bytes),
            AnswerBody::Streaming(_) => Ended::Answered(None),
        },
    }
}

/// What a whole answer (`bytes`, its body) is: `Ok` with its class for one
/// the client gets as it is, else the failed attempt.
pub(crate) fn judge_whole<D: Decide>(decide: &D, answer: &Answer, bytes: &[u8]) -> Result<Class, Failure> {
    let class = decide.classify(answer.status.as_u16(), bytes);
    let readable = !answer.status.is_success() || is_json(bytes);
    decide.answer(class, readable, answer.retry_after)
}

/// An attempt's class, and how the provider's health record and analytics
/// count it: a whole answer flagged `soft` (a wrong answer only flagged) as
/// its breaker does, a failure when the class has an opening rate of its own
/// there, else the success it is to the client.
fn judged<D: Decide>(
    gateway: &Gateway<D>,
    (route, hop): (usize, usize),
    attempted: &Attempted,
    soft: Option<&Finding>,
) -> (Class, Verdict) {
    let decide = &gateway.decide;
    match attempted {
        Attempted::Answer(_, Class::Success)
            if soft.is_some_and(|wrong| counts_wrong(gateway, (route, hop), wrong)) =>
        {
            (Class::SoftFailure, decide.verdict(Class::SoftFailure))
        }
        Attempted::Answer(_, class) => (*class, decide.verdict(*class)),
        Attempted::Stream(_) => (Class::Success, Verdict::Success),
        Attempted::Failed(failure, _) => (failure.class, decide.verdict(failure.class)),
    }
}

/// Whether the wrong answer `finding` of chain position `hop` of `route`,
/// only flagged, counts as a failure there.
fn counts_wrong<D: Decide>(gateway: &Gateway<D>, (route, hop): (usize, usize), finding: &Finding) -> bool {
    gateway.decide.soft_counts(&gateway.breakers(route)[hop], finding.class)
}

/// Judges a whole successful chat answer for soft failures, when answers
/// are judged (`policy.soft_failures`), asking the judge provider, if one
/// is configured, by `deadline`.
async fn judge_soft<D: Decide>(
    gateway: &Gateway<D>,
    (route, hop): (usize, usize),
    endpoint: Endpoint,
    inbound: &Inbound,
    attempted: &Attempted,
    deadline: Instant,
) -> Option<Finding> {
    match (&gateway.settings.soft, attempted) {
        (Some(config), Attempted::Answer(Answer { body: AnswerBody::Complete(bytes), .. }, Class::Success))
            if endpoint == Endpoint::Chat =>
        {
            let version = gateway.settings.routes[route].hops[hop].version.as_deref();
            match super::soft::judged(&gateway.decide, config, (&inbound.body, &gateway.schemas, version), bytes) {
                Judged::Found(finding) => Some(finding),
                Judged::Clean => None,
                Judged::ToScore { context, answer } => super::judge::ask(gateway, &context, &answer, deadline).await,
            }
        }
        _ => None,
    }
}

/// Whether a soft failure makes its (non-streamed) attempt a failed one.
fn fails_over<D: Decide>(gateway: &Gateway<D>, finding: &Finding) -> bool {
    gateway.settings.soft.as_ref().is_some_and(|config| gateway.decide.soft_fails_over(config, finding, false))
}

/// Relays a whole answer that ends the request, with its soft-failure class
/// if it has one, past the output guardrail, and writes the request's end.
fn deliver<D: Decide>(
    gateway: &Gateway<D>,
    inbound: &Inbound,
    endpoint: Endpoint,
    trail: &mut Trail<D>,
    mut kept: Kept,
    attempts: u32,
    now: Instant,
) -> Response {
    let served = kept.answer.status.is_success();
    let checked = match &kept.answer.body {
        AnswerBody::Complete(bytes) if served && endpoint == Endpoint::Chat && !inbound.unguarded => {
            super::guard::output(gateway, &inbound.model, bytes)
        }
        _ => None,
    };
    let redacted = match checked {
        Some(Err(withheld)) => {
            trail.finish(Outcome::Withheld, withheld.status().as_u16(), Some(kept.hop), attempts, now);
            return withheld;
        }
        Some(Ok(body)) => {
            kept.answer.body = AnswerBody::Complete(body);
            true
        }
        None => false,
    };
    if served
        && kept.finding.is_none()
        && let Some(cache) = &gateway.cache
    {
        let key = cache_key(gateway, inbound, endpoint);
        if let AnswerBody::Complete(bytes) = &kept.answer.body {
            cache.keep(&key, bytes, now);
        }
    }
    let outcome = if served { Outcome::Served } else { Outcome::ClientError };
    if kept.finding.is_some() {
        trail.relayed_wrong();
    }
    trail.finish(outcome, kept.answer.status.as_u16(), Some(kept.hop), attempts, now);
    let served_by = &gateway.settings.provider_of(trail.route(), kept.hop).id_header;
    let mut response = relay_whole(kept.answer, served_by, attempts);
    if let Some(turn) = &inbound.session {
        turn.mark(&gateway.decide, gateway.settings.routes[trail.route()].windows[kept.hop], &mut response);
    }
    if let Some(finding) = kept.finding {
        response.headers_mut().insert(SOFT_FAILURE, HeaderValue::from_static(finding.class.name()));
    }
    if redacted {
        response = super::guard::named(response, failover_policy::guard::Guardrail::OutputPii);
    }
    response
}

/// Whether the end of the chain may answer a request no provider served:
/// a whole chat completion, with a cache or a default answer configured.
fn tail_may_answer<D: Decide>(gateway: &Gateway<D>, route: usize, inbound: &Inbound, endpoint: Endpoint) -> bool {
    endpoint == Endpoint::Chat
        && !inbound.stream
        && (gateway.cache.is_some() || gateway.settings.routes[route].default_answer.is_some())
}

/// The request's key in the cache of answers (none without a cache, or for
/// a request whose answer is not kept).
fn cache_key<D: Decide>(gateway: &Gateway<D>, inbound: &Inbound, endpoint: Endpoint) -> super::tail::Key {
    match &gateway.cache {
        Some(cache) if endpoint == Endpoint::Chat => cache.key(&gateway.decide, &inbound.model, &inbound.body),
        _ => super::tail::Key::none(),
    }
}

fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(body).is_ok()
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

/// A stream's soft-failure judgement (`policy.soft_failures`): its deltas
/// added up, judged when it is complete.
struct StreamJudge {
    question: Question,
    transcript: Transcript,
    /// Its soft failure's class, when it counts against the provider's breaker.
    counted: Option<SoftClass>,
}

/// Judges a relayed stream with the gateway's policy and tells the provider's
/// breaker and the decision log how it ended.
struct StreamWatch<D> {
    trail: Trail<D>,
    route: usize,
    hop: usize,
    permit: Permit,
    attempts: u32,
    judge: Option<StreamJudge>,
    /// The request's session and the answer as relayed, to write back when
    /// the stream is complete.
    session: Option<(Arc<super::session::Turn>, Transcript)>,
    /// The provider's place, while it streams (`providers[].max_in_flight`).
    _slot: Option<OwnedSemaphorePermit>,
}

impl<D: Decide> Watch for StreamWatch<D> {
    fn step(&self, read: Read, finished_seen: bool) -> Step {
        self.trail.gateway().decide.stream_step(read, finished_seen)
    }

    fn relayed(&mut self, data: &[u8]) {
        if let Some(judge) = &mut self.judge {
            judge.transcript.add(data, Instant::now());
        }
        if let Some((_, transcript)) = &mut self.session {
            transcript.add(data, Instant::now());
        }
    }

    /// A complete stream judged a soft failure ends with a chunk saying so:
    /// it has reached the client and cannot be taken back, but is never hidden.
    fn closing(&mut self) -> Option<Bytes> {
        let gateway = self.trail.gateway().clone();
        let (judge, config) = (self.judge.as_mut()?, gateway.settings.soft.as_ref()?);
        let rate = config.rate.as_ref().and_then(|watch| judge.transcript.rate(watch));
        let rate = rate.and_then(|rate| super::soft::against_usual(&gateway, self.route, self.hop, rate));
        let version = gateway.settings.routes[self.route].hops[self.hop].version.as_deref();
        let finding = judge.transcript.judged(&gateway.decide, config, (&judge.question, version), rate)?;
        let own_rate = counts_wrong(&gateway, (self.route, self.hop), &finding);
        let counts = own_rate || gateway.decide.stream_soft_counts(config, &finding);
        judge.counted = counts.then_some(finding.class);
        let flag = judge.transcript.flag(&finding, &super::soft::describe(config, &finding.why));
        self.trail.soft(self.hop, &finding, Instant::now());
        self.trail.relayed_wrong();
        Some(flag)
    }

    fn ended(&mut self, ending: Ending, _events: u32) {
        let now = Instant::now();
        let gateway = self.trail.gateway().clone();
        let soft_counted = self.judge.as_ref().and_then(|j| j.counted);
        let (verdict, kind, outcome) = match ending {
            Ending::Complete if soft_counted.is_some() => {
                (Verdict::Failure, soft_counted.map(Kind::Soft), Outcome::Served)
            }
            Ending::Complete => (Verdict::Success, None, Outcome::Served),
            Ending::Failed(failure) => {
                let class = failure.class();
                (gateway.decide.verdict(class), Some(Kind::Hard(class)), Outcome::StreamFailed(failure))
            }
            Ending::ClientGone => (Verdict::Ignored, None, Outcome::ClientDisconnected),
        };
        let latency = Duration::ZERO;
        let transition = gateway.breakers(self.route)[self.hop].record_kind(self.permit, verdict, kind, now, latency);
        if let Some(t) = transition {
            log_transition(&gateway, self.route, self.hop, t);
        }
        if let Ending::Failed(failure) = ending {
            self.trail.failed(self.hop, failure.class(), None);
        }
        if let (Ending::Complete, Some((turn, transcript))) = (&ending, self.session.take()) {
            super::session::record_stream(&gateway, turn, &transcript);
        }
        self.trail.finish(outcome, 200, Some(self.hop), self.attempts, now);
    }
}

/// The client's response for a stream whose first event has arrived.
fn stream<D: Decide>(watch: StreamWatch<D>, opened: Opened) -> Response {
    let gateway = watch.trail.gateway().clone();
    let upstream = gateway.settings.provider_of(watch.route, watch.hop);
    let idle = gateway.settings.policy.stream_idle_timeout;
    let attempts = watch.attempts;
    let session = watch.session.as_ref().map(|(turn, _)| turn.clone());
    let window = gateway.settings.routes[watch.route].windows[watch.hop];
    let body = relay::relay(opened, idle, &upstream.id, watch);
    let mut response = Response::new(body);
    if let Some(turn) = session {
        turn.mark(&gateway.decide, window, &mut response);
    }
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    with_gateway_headers(response, &upstream.id_header, attempts)
}

/// The 503 for a request no provider could serve.
fn exhausted<D: Decide>(mut trail: Trail<D>, journey: &Journey, retry_at: Option<Instant>, now: Instant) -> Response {
    let retry_after_secs = retry_at
        .map(|at| at.saturating_duration_since(now))
        .map_or(1, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
        .max(1);
    let last = trail.last_failure();
    let detail = FailoverDetail {
        model: trail.model().to_string(),
        last_failure_class: last.map_or("circuit_open", |f| f.class.as_str()),
        last_provider: last.map(|f| f.provider.to_string()),
        attempts: journey.attempts(),
    };
    let error = ApiError::exhausted(detail, retry_after_secs);
    trail.finish(Outcome::Exhausted, error.status().as_u16(), None, journey.attempts(), now);
    error.into_response()
}
