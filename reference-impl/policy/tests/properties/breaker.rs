//! The breaker's invariants, each judged on a trace from `sim::simulate`.
use std::time::{Duration, Instant};

use failover_policy::{BreakerConfig, Ramp, Reason, State, Verdict};

use super::model::Phase;
use super::sim::{Op, Step};

type Verdictless = Result<(), String>;

fn fail(step: usize, s: &Step, what: String) -> Verdictless {
    Err(format!("step {step} ({:?} at {:?}): {what}", s.op, s.now))
}

const LEGAL: [(State, State); 5] = [
    (State::Closed, State::Open),
    (State::Closed, State::Closed),
    (State::Open, State::HalfOpen),
    (State::HalfOpen, State::Closed),
    (State::HalfOpen, State::Open),
];

/// Property 1: Only legal transitions (closed→open, open→half-open, half-open→closed,
/// half-open→open, and closed→closed for a validated ramp step only), and step by step the same state, admissions and transitions
/// as the reference model of the specification.
pub fn agrees_with_model(_: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, s) in trace.iter().enumerate() {
        if let Some(t) = s.transition {
            let step = t.reason == Reason::StepValidated;
            if !LEGAL.contains(&(t.from, t.to)) || step != (t.from == t.to) {
                return fail(i, s, format!("illegal transition {:?} -> {:?}", t.from, t.to));
            }
        }
        let real = s.transition.map(|t| (t.from, t.to, t.reason, t.open_for));
        let model = s.change.map(|c| (c.from, c.to, c.reason, c.open_for));
        if real != model {
            return fail(i, s, format!("transition {real:?}, the model made {model:?}"));
        }
        if s.after != model_state(&s.model_after) {
            return fail(i, s, format!("state {:?}, the model is {:?}", s.after, s.model_after));
        }
        if let (Some(admitted), Some(granted)) = (s.admitted, s.granted) {
            if admitted.is_ok() != granted {
                return fail(i, s, format!("admission {admitted:?}, the model granted: {granted}"));
            }
        }
    }
    Ok(())
}

fn model_state(p: &Phase) -> State {
    match p {
        Phase::Closed { .. } => State::Closed,
        Phase::Open { .. } => State::Open,
        Phase::HalfOpen { .. } => State::HalfOpen,
    }
}

/// Property 2: Closed never opens before the minimum number of calls is in the window,
/// and opens exactly when the failure rate over the window reaches the
/// threshold: for every counted outcome while closed (no ramp), the breaker
/// opened on the failure rate if and only if the recomputed window reached it.
pub fn opens_exactly_at_threshold(cfg: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, s) in trace.iter().enumerate() {
        let (Some((calls, failures)), Phase::Closed { ramp: None }) = (s.judged, &s.model_before) else { continue };
        let reached =
            calls >= cfg.min_calls && failures as u128 * 1_000_000 >= cfg.threshold_ppm as u128 * calls as u128;
        let opened = s.transition.is_some_and(|t| t.to == State::Open && t.reason == Reason::FailureRate);
        if opened != reached {
            return fail(i, s, format!("{failures} failures of {calls} calls: reached {reached}, opened {opened}"));
        }
    }
    Ok(())
}

/// Property 3: While open, before the open period has passed, no call is admitted.
pub fn nothing_admitted_while_open(_: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, s) in trace.iter().enumerate() {
        if let (&Phase::Open { until, .. }, Some(Ok(()))) = (&s.model_before, s.admitted) {
            if s.now < until {
                return fail(i, s, format!("admitted {:?} before the open period ended", until - s.now));
            }
        }
    }
    Ok(())
}

/// Property 4: Half-open admits at most the configured number of probes; a probe that
/// fails reopens; when all probes succeed it closes with an empty window.
pub fn probes_are_bounded_and_decide(cfg: &BreakerConfig, trace: &[Step]) -> Verdictless {
    let mut admitted_in_episode = 0u32;
    for (i, s) in trace.iter().enumerate() {
        let entered = s.transition.is_some_and(|t| t.to == State::HalfOpen);
        if entered {
            admitted_in_episode = 0;
        }
        if (s.before == State::HalfOpen || entered) && s.admitted == Some(Ok(())) {
            admitted_in_episode += 1;
            if admitted_in_episode > cfg.half_open_probes {
                return fail(
                    i,
                    s,
                    format!("{admitted_in_episode} probes out at once, {} allowed", cfg.half_open_probes),
                );
            }
        }
        // An ignored probe gives its place back (property 17).
        if matches!(s.finished, Some((Verdict::Ignored, false))) && s.probe && s.after == State::HalfOpen {
            admitted_in_episode = admitted_in_episode.saturating_sub(1);
        }
        if let (Some((verdict, false)), true, State::HalfOpen) = (s.finished, s.probe, s.before) {
            let timed_out = s.transition.is_some_and(|t| t.reason == Reason::ProbeTimedOut);
            if verdict == Verdict::Failure && !timed_out && s.after != State::Open {
                return fail(i, s, format!("a failed probe left the breaker {:?}", s.after));
            }
            if s.after == State::Closed && s.counts_after != (0, 0) {
                return fail(i, s, format!("closed with a window of {:?}", s.counts_after));
            }
        }
    }
    Ok(())
}

/// Property 5: A provider opened again soon after closing (within `backoff_reset`) stays
/// open at least as long as the time before, and every open period lies in
/// [open, open_max].
pub fn open_period_never_shrinks(cfg: &BreakerConfig, trace: &[Step]) -> Verdictless {
    let mut last_open: Option<Duration> = None;
    let mut closed_at: Option<Instant> = None;
    for (i, s) in trace.iter().enumerate() {
        let Some(t) = s.transition else { continue };
        if t.to == State::Closed {
            closed_at = Some(s.now);
        }
        if t.to == State::Open {
            let open_for = t.open_for.unwrap_or_default();
            if open_for < cfg.open.min(cfg.open_max) || open_for > cfg.open_max {
                return fail(i, s, format!("open for {open_for:?}, outside [{:?}, {:?}]", cfg.open, cfg.open_max));
            }
            let soon = t.from == State::HalfOpen || closed_at.is_some_and(|c| s.now - c < cfg.backoff_reset);
            if let (Some(previous), true) = (last_open, soon) {
                if open_for < previous {
                    return fail(i, s, format!("reopened soon for {open_for:?}, after {previous:?} the time before"));
                }
            }
            last_open = Some(open_for);
        }
    }
    Ok(())
}

/// Property 16: Late results are inert: an outcome of a call admitted before the last
/// transition causes no transition (other than the clock's) and changes no state.
pub fn late_results_are_inert(_: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, s) in trace.iter().enumerate() {
        let Some((_, true)) = s.finished else { continue };
        let by_clock = s.transition.is_none_or(|t| t.reason == Reason::ProbeTimedOut);
        if !by_clock || (s.transition.is_none() && s.after != s.before) {
            return fail(
                i,
                s,
                format!("a late outcome moved the breaker {:?} -> {:?} ({:?})", s.before, s.after, s.transition),
            );
        }
    }
    Ok(())
}

/// Property 17: Outcomes that do not count (client errors, cancellations) change no
/// counts and cause no transition (other than the clock's).
pub fn ignored_outcomes_count_nothing(_: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, s) in trace.iter().enumerate() {
        let Some((Verdict::Ignored, _)) = s.finished else { continue };
        let by_clock = s.transition.is_none_or(|t| t.reason == Reason::ProbeTimedOut);
        if !by_clock || (s.transition.is_none() && s.counts_after != s.counts_before) {
            return fail(
                i,
                s,
                format!(
                    "an ignored outcome changed {:?} -> {:?} ({:?})",
                    s.counts_before, s.counts_after, s.transition
                ),
            );
        }
    }
    Ok(())
}

/// Property 17 (second half): An ignored probe gives its place back: right after it, a
/// new probe is admitted.
pub fn ignored_probe_gives_its_place_back(_: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, pair) in trace.windows(2).enumerate() {
        let (s, next) = (&pair[0], &pair[1]);
        let gave_back = matches!(s.finished, Some((Verdict::Ignored, false))) && s.probe && s.after == State::HalfOpen;
        if gave_back && matches!(next.op, Op::Admit { .. }) && next.now == s.now && next.admitted != Some(Ok(())) {
            return fail(i + 1, next, "no probe admitted right after an ignored probe gave its place back".into());
        }
    }
    Ok(())
}

/// Property 18: Half-open always ends: no call made once its maximum wait
/// (`probe_timeout` from entering it) has passed finds it still half-open. (The
/// breaker reads time only when called, so that is when it is judged.)
pub fn half_open_always_ends(cfg: &BreakerConfig, trace: &[Step]) -> Verdictless {
    let mut entered_at: Option<Instant> = None;
    for (i, s) in trace.iter().enumerate() {
        if s.transition.is_some_and(|t| t.to == State::HalfOpen) {
            entered_at = Some(s.now);
        }
        if s.after == State::HalfOpen && s.consulted {
            if let Some(at) = entered_at {
                if s.now >= at + cfg.probe_timeout {
                    return fail(i, s, format!("still half-open {:?} after entering it", s.now - at));
                }
            }
        }
    }
    Ok(())
}

/// Property 19: The breaker's window counts always equal a recomputation from the log
/// of outcomes inside the window.
pub fn window_matches_log(_: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, s) in trace.iter().enumerate() {
        if s.after == State::Closed && s.counts_after != s.model_counts {
            return fail(i, s, format!("counts {:?}, the log says {:?}", s.counts_after, s.model_counts));
        }
    }
    Ok(())
}

/// Property 13: No flapping: the primary gets no traffic within the stable period (the
/// configured open period) after the failure that opened its breaker, and
/// within any stable period there is at most one failback.
pub fn no_flapping(cfg: &BreakerConfig, trace: &[Step]) -> Verdictless {
    let mut opened_at: Option<Instant> = None;
    let mut last_failback: Option<Instant> = None;
    for (i, s) in trace.iter().enumerate() {
        if s.admitted == Some(Ok(())) {
            if let Some(at) = opened_at.filter(|at| s.now < *at + cfg.open) {
                return fail(i, s, format!("traffic back {:?} after the breaker opened", s.now - at));
            }
        }
        if let Some(t) = s.transition {
            if t.to == State::Open {
                opened_at = Some(s.now);
            }
            // A failback is the close after probes; a validated ramp step is not another.
            if t.to == State::Closed && t.from != State::Closed {
                if let Some(previous) = last_failback.filter(|p| s.now - *p < cfg.open) {
                    return fail(i, s, format!("two failbacks {:?} apart", s.now - previous));
                }
                last_failback = Some(s.now);
            }
        }
    }
    Ok(())
}

/// The ramp step the subject was at before `s`, with the outcome `s`
/// reported counted in, if it reported one that counts.
fn step_with_outcome(cfg: &BreakerConfig, s: &Step) -> Option<Ramp> {
    let mut ramp = s.ramp_before?;
    if let (Op::Finish { ms, .. }, Some((verdict @ (Verdict::Success | Verdict::Failure), false))) = (&s.op, s.finished)
    {
        ramp.count(verdict == Verdict::Failure, Duration::from_millis(*ms), &cfg.ramp);
    }
    Some(ramp)
}

/// Property 14: A failure during the ramp always returns the share to 0:
/// once a step holds more failures, or calls slower than its p95 bound, than
/// its validation tolerates, the breaker is open and the provider's share is 0.
pub fn ramp_failure_reopens(cfg: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, s) in trace.iter().enumerate() {
        let Some(ramp) = step_with_outcome(cfg, s).filter(|_| s.consulted) else { continue };
        let v = cfg.ramp.validation;
        let basis = u64::from(ramp.calls.max(v.min_calls));
        let too_many = u64::from(ramp.failures) * 1_000_000 > u64::from(v.max_error_ppm) * basis;
        let too_slow = u64::from(ramp.slow) * 20 > basis;
        if (too_many || too_slow) && (s.share_after != 0.0 || s.after != State::Open) {
            return fail(i, s, format!("a failed step ({ramp:?}) left the share at {}", s.share_after));
        }
    }
    Ok(())
}

/// Property 34: The share never rises without a validated step: whenever
/// a ramping provider's share rises, the step it leaves had its `min_calls`
/// counted outcomes, was held for `hold`, and did not fail.
pub fn share_rises_only_through_validated_steps(cfg: &BreakerConfig, trace: &[Step]) -> Verdictless {
    for (i, s) in trace.iter().enumerate() {
        if s.share_after <= s.share_before || s.before != State::Closed {
            continue;
        }
        let Some(ramp) = step_with_outcome(cfg, s) else { continue };
        let v = cfg.ramp.validation;
        let held = s.now >= ramp.since + cfg.ramp.hold;
        let failed =
            u64::from(ramp.failures) * 1_000_000 > u64::from(v.max_error_ppm) * u64::from(ramp.calls.max(v.min_calls));
        if ramp.calls < v.min_calls || !held || failed {
            return fail(i, s, format!("the share rose to {} from {ramp:?}", s.share_after));
        }
        if s.transition.is_none_or(|t| t.reason != Reason::StepValidated) {
            return fail(i, s, "the share rose without a step_validated transition".into());
        }
    }
    Ok(())
}
