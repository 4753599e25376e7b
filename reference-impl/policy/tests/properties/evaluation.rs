//! Continuous-evaluation invariants (see `failover_policy::evaluation`).
use failover_policy::evaluation::{Change, EvalConfig, Evaluation, Round};
use proptest::prelude::*;

/// Makes a provider's evaluation from the set's knobs.
pub type Make = fn(EvalConfig) -> Evaluation;

/// The standard evaluation.
pub fn standard(config: EvalConfig) -> Evaluation {
    Evaluation::new(config)
}

/// Marks a provider only once nothing in its window passes (the minimum
/// taken as the smallest rate above zero): a provider half of whose answers
/// turned wrong is never caught.
pub fn only_when_nothing_passes(config: EvalConfig) -> Evaluation {
    Evaluation::new(EvalConfig { min_pass_rate: f64::MIN_POSITIVE, ..config })
}

fn configs() -> impl Strategy<Value = EvalConfig> {
    (1u32..12, prop_oneof![Just(1.0), Just(0.9), Just(0.75), Just(0.5), 0.01f64..=1.0])
        .prop_map(|(window, min_pass_rate)| EvalConfig { window, min_pass_rate })
}

fn rounds() -> impl Strategy<Value = Vec<Round>> {
    let round = (0u32..5)
        .prop_flat_map(|graded| (Just(graded), 0..=graded))
        .prop_map(|(graded, passed)| Round { graded, passed });
    proptest::collection::vec(round, 0..40)
}

/// A config and the rounds a provider went through.
pub fn histories() -> impl Strategy<Value = (EvalConfig, Vec<Round>)> {
    (configs(), rounds())
}

/// Property 50: after every round, a provider is marked degraded exactly
/// while the pass rate of its latest `window` rounds that graded anything
/// is below the minimum, and a change is reported exactly when the mark
/// flips.
pub fn the_mark_follows_the_window(make: Make, (config, history): &(EvalConfig, Vec<Round>)) -> Result<(), String> {
    let mut evaluation = make(*config);
    let mut graded: Vec<Round> = Vec::new();
    let mut marked = false;
    for (i, round) in history.iter().enumerate() {
        let change = evaluation.record(*round);
        if round.graded > 0 {
            graded.push(*round);
        }
        let window = &graded[graded.len().saturating_sub(config.window as usize)..];
        let (g, p) = window.iter().fold((0, 0), |(g, p), r| (g + r.graded, p + r.passed));
        let expected = g > 0 && f64::from(p) / f64::from(g) < config.min_pass_rate;
        let expected_change = match (marked, expected) {
            (false, true) => Some(Change::Degraded),
            (true, false) => Some(Change::Recovered),
            _ => None,
        };
        if change != expected_change || evaluation.degraded() != expected {
            return Err(format!(
                "round {i} ({round:?}): window passed {p} of {g}, expected degraded {expected} and {expected_change:?}, got degraded {} and {change:?}",
                evaluation.degraded()
            ));
        }
        marked = expected;
    }
    Ok(())
}

/// A config, the passing rounds before the provider's answers turn wrong,
/// and the cases per round.
pub fn turns() -> impl Strategy<Value = (EvalConfig, u32, u32)> {
    (configs(), 0u32..30, 1u32..5)
}

/// Property 51: a provider that passed every case and then fails every
/// case is marked degraded after at most `rounds_to_catch` failing rounds,
/// exactly then when its window was full, and never before its answers
/// turned.
pub fn caught_within_the_stated_rounds(
    make: Make,
    (config, passing, cases): &(EvalConfig, u32, u32),
) -> Result<(), String> {
    let mut evaluation = make(*config);
    for i in 0..*passing {
        if evaluation.record(Round { graded: *cases, passed: *cases }).is_some() || evaluation.degraded() {
            return Err(format!("marked after {i} passing rounds"));
        }
    }
    let bound = config.rounds_to_catch();
    for k in 1..=bound {
        evaluation.record(Round { graded: *cases, passed: 0 });
        let full = *passing >= config.window;
        if evaluation.degraded() {
            return if full && k < bound {
                Err(format!("marked after {k} failing rounds, before the {bound} stated"))
            } else {
                Ok(())
            };
        }
    }
    Err(format!(
        "not marked after the {bound} failing rounds stated (window {}, minimum {})",
        config.window, config.min_pass_rate
    ))
}
