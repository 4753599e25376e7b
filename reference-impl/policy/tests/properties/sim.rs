//! Drives a breaker under test and the reference model with the same random
//! sequence of operations, and records what each did at every step.
use std::time::{Duration, Instant};

use failover_policy::{BreakerConfig, Ramp, RampConfig, Rejection, State, Transition, Validation, Verdict};
use proptest::prelude::*;

use super::model::{Change, Grant, Model, Phase};
use super::subjects::{Subject, Ticket};

/// One operation on a breaker.
#[derive(Clone, Debug)]
pub enum Op {
    /// Ask to make a call, with a uniform draw for the failback ramp.
    Admit { draw: f64 },
    /// Report the outcome of an outstanding call (chosen by index), which took `ms`.
    Finish { slot: usize, verdict: Verdict, ms: u64 },
    /// Let time pass.
    Advance { ms: u64 },
    /// Let the breaker look at the clock.
    Poll,
}

fn verdicts() -> impl Strategy<Value = Verdict> {
    prop_oneof![5 => Just(Verdict::Failure), 4 => Just(Verdict::Success), 1 => Just(Verdict::Ignored)]
}

/// Random operation sequences.
pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0.0..1.0f64).prop_map(|draw| Op::Admit { draw }),
        4 => (any::<usize>(), verdicts(), prop_oneof![3 => 0u64..50, 1 => 50u64..300])
            .prop_map(|(slot, verdict, ms)| Op::Finish { slot, verdict, ms }),
        2 => (0u64..300).prop_map(|ms| Op::Advance { ms }),
        1 => Just(Op::Poll),
    ];
    proptest::collection::vec(op, 1..150)
}

/// Random valid configs, in milliseconds so that sequences cover whole cycles.
pub fn configs() -> impl Strategy<Value = BreakerConfig> {
    let ms = Duration::from_millis;
    (
        (
            50u64..2_000,
            1u32..8,
            prop_oneof![Just(250_000u32), Just(500_000), Just(750_000), Just(1_000_000), 1u32..=1_000_000],
        ),
        (10u64..500, 1u32..5, 1u32..4, 10u64..400, 100u64..3_000),
        prop_oneof![Just(RampConfig::NONE), ramps()],
    )
        .prop_map(
            move |((window, min_calls, threshold_ppm), (open, growth, probes, probe_timeout, reset), ramp)| {
                BreakerConfig {
                    window: ms(window),
                    min_calls,
                    threshold_ppm,
                    open: ms(open),
                    open_max: ms(open * growth as u64),
                    half_open_probes: probes,
                    probe_timeout: ms(probe_timeout),
                    backoff_reset: ms(reset),
                    ramp,
                    active_probes: false,
                    classes: failover_policy::ClassThresholds::NONE,
                }
            },
        )
}

/// Random failback ramps: 1 to 4 rising shares (the first may be 0: probe
/// traffic alone), held up to 300 ms, validated on 1 to 4 calls.
pub fn ramps() -> impl Strategy<Value = RampConfig> {
    let shares = proptest::collection::btree_set(0u32..1_000_000, 1..5);
    let error = prop_oneof![Just(0u32), Just(250_000), Just(500_000), 0u32..=1_000_000];
    let p95 = proptest::option::of((10u64..200).prop_map(Duration::from_millis));
    (shares, 0u64..300, 1u32..5, error, p95).prop_map(|(shares, hold, min_calls, max_error_ppm, max_p95)| {
        let shares: Vec<u32> = shares.into_iter().collect();
        let validation = Validation { min_calls, max_error_ppm, max_p95 };
        RampConfig::new(&shares, Duration::from_millis(hold), validation).expect("rising shares below all")
    })
}

/// A config with a failback ramp.
pub fn ramp_configs() -> impl Strategy<Value = BreakerConfig> {
    (configs(), ramps()).prop_map(|(c, ramp)| BreakerConfig { ramp, ..c })
}

/// What happened at one step.
#[derive(Clone, Debug)]
pub struct Step {
    pub op: Op,
    pub now: Instant,
    pub before: State,
    pub after: State,
    pub model_before: Phase,
    pub model_after: Phase,
    /// The subject's failback ramp step before.
    pub ramp_before: Option<Ramp>,
    /// The subject's share of traffic before and after.
    pub share_before: f64,
    pub share_after: f64,
    /// The subject's transition, if any.
    pub transition: Option<Transition>,
    /// The model's transition, if any.
    pub change: Option<Change>,
    /// For `Admit`: the subject's answer (`Ok(())` for an admission).
    pub admitted: Option<Result<(), Rejection>>,
    /// For `Admit`: the model's answer.
    pub granted: Option<bool>,
    /// For `Finish`: the verdict, and whether the model held the call's
    /// admission to be from an earlier generation (or never granted it).
    pub finished: Option<(Verdict, bool)>,
    /// For `Finish`: whether the model held the call to be a probe.
    pub probe: bool,
    /// The subject's window counts before and after.
    pub counts_before: (u32, u32),
    pub counts_after: (u32, u32),
    /// The model's window counts after.
    pub model_counts: (u32, u32),
    /// Whether the step called the breaker at all (a `Finish` with no call
    /// outstanding and an `Advance` do not: the breaker only sees time when asked).
    pub consulted: bool,
    /// For a `Finish` the model counted in its window: the window it judged.
    pub judged: Option<(u32, u32)>,
}

/// Runs `ops` on a fresh subject and a fresh model with the same config.
pub fn simulate<S: Subject>(cfg: &BreakerConfig, ops: &[Op]) -> Vec<Step> {
    let t0 = Instant::now();
    let mut now = t0;
    let mut subject = S::new(*cfg);
    let mut model = Model::new(*cfg);
    let mut outstanding: Vec<(Ticket, Option<Grant>)> = Vec::new();
    let mut steps = Vec::with_capacity(ops.len());
    for op in ops {
        let (before, model_before, share_before) = (subject.state(), model.phase.clone(), subject.peek().share());
        let counts_before = subject.counts(now);
        let mut step = Step {
            op: op.clone(),
            now,
            before,
            after: before,
            model_after: model_before.clone(),
            model_before,
            ramp_before: subject.peek().ramp(),
            share_before,
            share_after: share_before,
            transition: None,
            change: None,
            admitted: None,
            granted: None,
            finished: None,
            probe: false,
            counts_before,
            counts_after: counts_before,
            model_counts: (0, 0),
            consulted: !matches!(op, Op::Advance { .. }),
            judged: None,
        };
        match *op {
            Op::Admit { draw } => {
                let (result, t) = subject.admit(now, draw);
                let (grant, change) = model.admit(now, draw);
                step.transition = t;
                step.change = change;
                step.admitted = Some(result.as_ref().map(drop).map_err(|r| *r));
                step.granted = Some(grant.is_some());
                if let Ok(ticket) = result {
                    outstanding.push((ticket, grant));
                }
            }
            Op::Finish { slot, verdict, ms } => {
                let latency = Duration::from_millis(ms);
                step.consulted = !outstanding.is_empty();
                if !outstanding.is_empty() {
                    let (ticket, grant) = outstanding.remove(slot % outstanding.len());
                    let stale = grant.is_none_or(|g| g.generation != model.generation);
                    step.probe = grant.is_some_and(|g| g.probe);
                    step.finished = Some((verdict, stale));
                    step.transition = subject.record(ticket, verdict, now, latency);
                    model.last_judged = None;
                    step.change = match grant {
                        Some(g) => model.record(g, verdict, now, latency),
                        None => model.poll(now),
                    };
                    step.judged = model.last_judged.take();
                }
            }
            Op::Advance { ms } => now += Duration::from_millis(ms),
            Op::Poll => {
                step.transition = subject.poll(now);
                step.change = model.poll(now);
            }
        }
        step.after = subject.state();
        step.model_after = model.phase.clone();
        step.share_after = subject.peek().share();
        step.counts_after = subject.counts(now);
        step.model_counts = model.window(now);
        steps.push(step);
    }
    steps
}
