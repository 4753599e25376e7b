//! One request's journey down its chain, driven with virtual time through
//! random sequences of attempt outcomes, against the standard policy and
//! variants that get one decision wrong.
use std::time::{Duration, Instant};

use failover_policy::classify::TransportFailure;
use failover_policy::{
    Action, Breaker, BreakerConfig, Cause, Class, Decide, Failure, Journey, MoveOn, Next, Replay, RetryConfig, Standard,
};
use proptest::prelude::*;

/// How one attempt ends, and how long it takes.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    Success,
    Failed(Failure),
}

/// A request's circumstances: its chain, its policy, and what each attempt does.
#[derive(Clone, Debug)]
pub struct Case {
    pub chain: usize,
    pub breaker: BreakerConfig,
    pub retry: RetryConfig,
    pub deadline_ms: u64,
    pub idempotent: bool,
    /// Each attempt's outcome and duration in ms, in order (then successes).
    pub attempts: Vec<(Outcome, u64)>,
    pub draws: Vec<f64>,
    /// Each position's context window, where known.
    pub windows: Vec<Option<u64>>,
}

fn failures() -> impl Strategy<Value = Failure> {
    let transport =
        prop_oneof![Just(TransportFailure::Refused), Just(TransportFailure::Reset), Just(TransportFailure::TimedOut)]
            .prop_map(Failure::transport);
    let class = prop_oneof![
        Just(Class::RateLimited),
        Just(Class::Timeout),
        Just(Class::ServerError),
        Just(Class::AuthError),
        Just(Class::ContextOverflow),
        Just(Class::UnexpectedStatus),
    ];
    let answered = (class, proptest::option::of(0u64..200))
        .prop_map(|(class, ms)| Failure::answered(class, ms.map(Duration::from_millis)));
    let unreadable =
        Just(Failure { class: Class::MalformedResponse, cause: Cause::Unreadable, retry_after: None, soft: None });
    prop_oneof![3 => transport, 3 => answered, 1 => unreadable]
}

fn outcomes() -> impl Strategy<Value = (Outcome, u64)> {
    (prop_oneof![1 => Just(Outcome::Success), 4 => failures().prop_map(Outcome::Failed)], 0u64..200)
}

pub fn cases() -> impl Strategy<Value = Case> {
    let ms = Duration::from_millis;
    (
        1usize..5,
        (1u32..5, 0u64..50, 0u64..100, 50u64..400),
        (1u32..6, prop_oneof![Just(1_000_000u32), 1u32..=1_000_000], 10u64..300),
        (100u64..3_000, any::<bool>()),
        proptest::collection::vec(outcomes(), 0..24),
        proptest::collection::vec(0.0..1.0f64, 64),
        proptest::collection::vec(proptest::option::of(prop_oneof![Just(4_096u64), Just(8_192), Just(128_000)]), 4),
    )
        .prop_map(
            move |(
                chain,
                (max_attempts, base_ms, extra_ms, cap_after),
                (min_calls, threshold_ppm, open),
                (deadline_ms, idempotent),
                attempts,
                draws,
                mut windows,
            )| {
                windows.truncate(chain);
                Case {
                    chain,
                    breaker: BreakerConfig {
                        window: ms(1_000),
                        min_calls,
                        threshold_ppm,
                        open: ms(open),
                        open_max: ms(open * 2),
                        half_open_probes: 1,
                        probe_timeout: ms(100),
                        backoff_reset: ms(1_000),
                        ramp: failover_policy::RampConfig::NONE,
                        active_probes: false,
                        classes: failover_policy::ClassThresholds::NONE,
                    },
                    retry: RetryConfig {
                        max_attempts,
                        base: ms(base_ms),
                        cap: ms(base_ms + extra_ms),
                        retry_after_cap: ms(cap_after),
                    },
                    deadline_ms,
                    idempotent,
                    attempts,
                    draws,
                    windows,
                }
            },
        )
}

/// What the journey did at one step.
#[derive(Clone, Debug)]
pub struct Step {
    pub now: Instant,
    pub action: Action,
    /// The failure reported just before this action, on which chain position.
    pub after: Option<(usize, Failure)>,
    /// Whether, just before this action, an untried provider other than the
    /// failed one would have admitted the request.
    pub another_admitted: bool,
}

/// Drives a journey through `case` with policy `D`.
pub fn drive<D: Decide>(decide: &D, case: &Case) -> (Vec<Step>, Instant, Instant) {
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_millis(case.deadline_ms);
    let mut chain: Vec<Breaker> = (0..case.chain).map(|_| decide.breaker(case.breaker)).collect();
    let mut journey = Journey::new(case.retry, deadline, case.idempotent, &case.windows);
    let mut draws = case.draws.iter().copied().cycle();
    let mut outcomes = case.attempts.iter().copied();
    let mut now = t0;
    let mut tried = vec![false; case.chain];
    // Providers a context overflow ruled out: their windows are no larger.
    let mut too_small = failover_policy::Tried::default();
    let mut steps = Vec::new();
    let mut action = journey.start(decide, &mut chain, now, draws.next().unwrap_or(0.0));
    steps.push(Step { now, action, after: None, another_admitted: false });
    for _ in 0..200 {
        match action {
            Action::Attempt { hop, permit } => {
                tried[hop] = true;
                let (outcome, took) = outcomes.next().unwrap_or((Outcome::Success, 1));
                now += Duration::from_millis(took);
                let Outcome::Failed(failure) = outcome else {
                    journey.answered(decide, &mut chain, permit, Class::Success, now);
                    break;
                };
                let draw = draws.next().unwrap_or(0.0);
                if failure.class == Class::ContextOverflow {
                    too_small = too_small.union(decide.too_small(&case.windows, hop));
                }
                // Would another untried provider that can take the request admit it now?
                let eligible = |h: usize| h != hop && !tried[h] && !too_small.contains(h);
                let another_admitted = (0..case.chain).filter(|&h| eligible(h)).any(|h| {
                    let mut probe = chain[h].clone();
                    matches!(probe.admit(now, draw).0, failover_policy::Admission::Admitted(_))
                });
                let jitter = draws.next().unwrap_or(0.0);
                action = journey.failed(decide, &mut chain, permit, failure, now, None, (jitter, draw));
                steps.push(Step { now, action, after: Some((hop, failure)), another_admitted });
            }
            Action::Wait { until } => {
                now = until;
                action = journey.resume(decide, &mut chain, now, draws.next().unwrap_or(0.0));
                steps.push(Step { now, action, after: None, another_admitted: false });
            }
            Action::NotReplayed { .. } | Action::Exhausted { .. } => break,
        }
    }
    (steps, t0, deadline)
}

/// Property 22: a failure at the transport level moves the request to another
/// provider when one admits it: the silent provider is not retried while a
/// healthy one waits.
pub fn transport_failures_move_on<D: Decide>(decide: &D, case: &Case) -> Result<(), String> {
    let (steps, ..) = drive(decide, case);
    for step in &steps {
        if let (Some((hop, failure)), Action::Wait { .. }) = (step.after, step.action) {
            if failure.transport_level() && step.another_admitted {
                return Err(format!(
                    "after {failure:?} on provider {hop}, another admitted, yet it waits to retry {hop}"
                ));
            }
        }
        if let (Some((hop, failure)), Action::Attempt { hop: next, .. }) = (step.after, step.action) {
            if failure.transport_level() && step.another_admitted && next == hop {
                return Err(format!(
                    "after {failure:?} on provider {hop}, another admitted, yet {hop} was tried again"
                ));
            }
        }
    }
    Ok(())
}

/// Property 23: attempts are bounded: at most `max_attempts` on each provider,
/// and so at most chain × `max_attempts` in all.
pub fn attempts_bounded<D: Decide>(decide: &D, case: &Case) -> Result<(), String> {
    let (steps, ..) = drive(decide, case);
    let mut per_hop = vec![0u32; case.chain];
    for step in &steps {
        if let Action::Attempt { hop, .. } = step.action {
            per_hop[hop] += 1;
            if per_hop[hop] > case.retry.max_attempts {
                return Err(format!(
                    "provider {hop} got {} attempts, max_attempts is {}",
                    per_hop[hop], case.retry.max_attempts
                ));
            }
        }
    }
    Ok(())
}

/// Property 24: a request that must not run twice is never sent again after a
/// failure that leaves its outcome unknown.
pub fn never_replays_what_may_have_run<D: Decide>(decide: &D, case: &Case) -> Result<(), String> {
    let (steps, ..) = drive(decide, case);
    for step in &steps {
        if let Some((hop, failure)) = step.after {
            let stopped = matches!(step.action, Action::NotReplayed { .. });
            if !case.idempotent && failure.outcome_unknown() && !stopped {
                return Err(format!(
                    "{failure:?} on provider {hop} of a request that must not run twice: {:?}",
                    step.action
                ));
            }
        }
    }
    Ok(())
}

/// Property 25: nothing is attempted, and no backoff ends, at or after the
/// request's deadline; and a wait is never shorter than the `Retry-After` asked.
pub fn deadline_and_retry_after_respected<D: Decide>(decide: &D, case: &Case) -> Result<(), String> {
    let (steps, _, deadline) = drive(decide, case);
    for step in &steps {
        match step.action {
            Action::Attempt { hop, .. } if step.now >= deadline => {
                return Err(format!("an attempt on provider {hop} at or after the deadline"));
            }
            Action::Wait { until } if until >= deadline => {
                return Err("a backoff ending at or after the deadline".into());
            }
            Action::Wait { until } => {
                if let Some((_, Failure { retry_after: Some(asked), .. })) = step.after {
                    if until < step.now + asked {
                        return Err(format!("waited {:?} where the provider asked for {asked:?}", until - step.now));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Property 26: after a context overflow, no later attempt goes to a provider
/// whose context window is known to be no larger than the one that overflowed.
pub fn overflow_goes_to_a_larger_window<D: Decide>(decide: &D, case: &Case) -> Result<(), String> {
    let (steps, ..) = drive(decide, case);
    let mut limit: Option<u64> = None;
    for step in &steps {
        if let Some((hop, failure)) = step.after {
            if failure.class == Class::ContextOverflow {
                limit = case.windows[hop].map(|w| limit.map_or(w, |l| l.max(w)));
            }
        }
        if let (Some(limit), Action::Attempt { hop, .. }) = (limit, step.action) {
            if case.windows[hop].is_some_and(|w| w <= limit) {
                return Err(format!(
                    "provider {hop} ({:?} tokens) tried after a context of {limit} tokens overflowed",
                    case.windows[hop]
                ));
            }
        }
    }
    Ok(())
}

/// Sends a context overflow to whatever comes next.
pub struct IgnoresWindows;
impl Decide for IgnoresWindows {
    fn too_small(&self, _: &[Option<u64>], _: usize) -> failover_policy::Tried {
        failover_policy::Tried::default()
    }
}

/// Retries a silent provider whatever the chain holds.
pub struct RetriesSilent;
impl Decide for RetriesSilent {
    fn moves_on_at_once(&self, _: &Failure) -> bool {
        false
    }
}

/// One attempt more per provider than configured.
pub struct OneTooMany;
impl Decide for OneTooMany {
    fn after_failure(
        &self,
        cfg: &RetryConfig,
        f: &Failure,
        made: u32,
        now: Instant,
        deadline: Instant,
        unit: f64,
    ) -> Next {
        Standard.after_failure(
            &RetryConfig { max_attempts: cfg.max_attempts + 1, ..*cfg },
            f,
            made,
            now,
            deadline,
            unit,
        )
    }
}

/// Replays whatever failed.
pub struct ReplaysAnything;
impl Decide for ReplaysAnything {
    fn replay(&self, _: bool, _: bool, _: &Failure) -> Replay {
        Replay::Allowed
    }
}

/// Plans retries past the deadline and under the `Retry-After`.
pub struct IgnoresTime;
impl Decide for IgnoresTime {
    fn after_failure(&self, cfg: &RetryConfig, f: &Failure, made: u32, now: Instant, _: Instant, _: f64) -> Next {
        if !f.class.retry_same_provider() || made >= cfg.max_attempts {
            return Next::MoveOn(MoveOn::AttemptsExhausted);
        }
        Next::RetryAt(now + cfg.base)
    }
}

/// How a journey is told its provider had no place for the attempt: the
/// policy's [`Journey::saturated`], or a broken stand-in.
pub type PassOver = fn(&mut Journey<'_>, &mut [Breaker], failover_policy::Permit, Instant, f64) -> Action;

/// The policy's way.
pub fn passes_over(
    journey: &mut Journey<'_>,
    chain: &mut [Breaker],
    permit: failover_policy::Permit,
    now: Instant,
    draw: f64,
) -> Action {
    journey.saturated(&Standard, chain, permit, now, draw)
}

/// Property 37: a provider passed over for having its most requests in flight
/// is not judged: no breaker's counts or state change, the attempt is not
/// counted, and the request goes at once (no backoff) to an untried provider
/// that admits it, or is exhausted when none does. `saturated[i]` says
/// whether the i-th attempt finds its provider full; the others succeed.
pub fn saturation_is_not_judged(pass_over: PassOver, case: &Case, saturated: &[bool]) -> Result<(), String> {
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_millis(case.deadline_ms);
    let mut chain: Vec<Breaker> = (0..case.chain).map(|_| Standard.breaker(case.breaker)).collect();
    let mut journey = Journey::new(case.retry, deadline, case.idempotent, &case.windows);
    let mut action = journey.start(&Standard, &mut chain, t0, 0.0);
    let mut full = saturated.iter().copied();
    let mut passed_over = Vec::new();
    while let Action::Attempt { hop, permit } = action {
        if !full.next().unwrap_or(false) {
            journey.answered(&Standard, &mut chain, permit, Class::Success, t0);
            break;
        }
        let before: Vec<_> = chain.iter_mut().map(|b| (b.state(), b.window_counts(t0))).collect();
        let attempts = journey.attempts();
        action = pass_over(&mut journey, &mut chain, permit, t0, 0.5);
        passed_over.push(hop);
        let after: Vec<_> = chain.iter_mut().map(|b| (b.state(), b.window_counts(t0))).collect();
        if after != before {
            return Err(format!("passing over provider {hop} changed the breakers: {before:?} -> {after:?}"));
        }
        match action {
            Action::Attempt { hop: next, .. } if passed_over.contains(&next) => {
                return Err(format!("provider {next} was tried again after it was passed over"));
            }
            Action::Attempt { .. } if journey.attempts() != attempts => {
                return Err(format!("the attempt not sent was counted: {attempts} -> {}", journey.attempts()));
            }
            Action::Attempt { .. } | Action::Exhausted { .. } => {}
            other => {
                return Err(format!("after passing over provider {hop}: {other:?}, not the next provider at once"));
            }
        }
        if let Action::Exhausted { .. } = action {
            if passed_over.len() < case.chain {
                return Err(format!("exhausted after passing over {passed_over:?} of {} providers", case.chain));
            }
        }
    }
    Ok(())
}

/// Broken: takes a provider's saturation for a refused connection.
pub fn judges_saturation(
    journey: &mut Journey<'_>,
    chain: &mut [Breaker],
    permit: failover_policy::Permit,
    now: Instant,
    draw: f64,
) -> Action {
    let refused = Failure::transport(TransportFailure::Refused);
    journey.failed(&Standard, chain, permit, refused, now, None, (draw, draw))
}
