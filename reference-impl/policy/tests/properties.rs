//! Property-based invariants of the reference gateway's decision logic.
//!
//! The features show the gateway behaves in the scenarios someone thought of;
//! these show the decisions behave on every sequence of outcomes and timings
//! proptest can find. They drive `failover_policy` directly, with time as an
//! input: fast and deterministic. (The streaming relay's property, 21, lives
//! with the relay in `reference-impl/tests/stream_relay.rs`.)
//!
//! Every property has a twin `..._bites` test that runs it against a
//! deliberately broken variant of the logic and expects proptest to find a
//! counterexample: a property that cannot fail is a defect.
//!
//! Case counts: `PROPTEST_CASES` (default 256 per property here; the deep run
//! in the README uses 10 000). Counterexamples proptest finds for the real
//! logic are kept in `tests/properties.proptest-regressions` and replayed first.
#[path = "properties/activation.rs"]
mod activation;
#[path = "properties/breaker.rs"]
mod breaker;
#[path = "properties/budget.rs"]
mod budget;
#[path = "properties/episode.rs"]
mod episode;
#[path = "properties/evaluation.rs"]
mod evaluation;
#[path = "properties/guard.rs"]
mod guard;
#[path = "properties/health.rs"]
mod health;
#[path = "properties/journey.rs"]
mod journey;
#[path = "properties/learning.rs"]
mod learning;
#[path = "properties/model.rs"]
mod model;
#[path = "properties/nearest.rs"]
mod nearest;
#[path = "properties/probes.rs"]
mod probes;
#[path = "properties/rate.rs"]
mod rate;
#[path = "properties/retry.rs"]
mod retry;
#[path = "properties/routing.rs"]
mod routing;
#[path = "properties/session.rs"]
mod session;
#[path = "properties/sim.rs"]
mod sim;
#[path = "properties/slo.rs"]
mod slo;
#[path = "properties/soft.rs"]
mod soft;
#[path = "properties/spend.rs"]
mod spend;
#[path = "properties/stall.rs"]
mod stall;
#[path = "properties/subjects.rs"]
mod subjects;
#[path = "properties/thresholds.rs"]
mod thresholds;

use std::fmt::Debug;
use std::time::Instant;

use failover_policy::{BreakerConfig, Nearest, NearestConfig, select};
use proptest::prelude::*;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};

use sim::{Op, configs, ops, ramp_configs, simulate};
use subjects::*;

/// The config of every property: `PROPTEST_CASES` cases (256 by default), and
/// counterexamples kept in the repository and replayed first.
fn config() -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/properties.proptest-regressions"))),
        ..Config::default()
    }
}

/// Runs `property` on up to 4 000 generated cases and expects it to fail: the
/// property bites the broken variant it is given. The cases come from a fixed
/// seed, so that a variant broken only for rare inputs is caught in every run
/// or in none (a clean-clone CI run once drew 4 000 cases that missed p11's).
fn bites<T: Debug>(strategy: impl Strategy<Value = T>, property: impl Fn(T) -> Result<(), String>) {
    let config = Config { cases: 4_000, failure_persistence: None, max_shrink_iters: 0, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    match runner.run(&strategy, |value| property(value).map_err(TestCaseError::fail)) {
        Err(TestError::Fail(..)) => {}
        Err(other) => panic!("the property did not run: {other}"),
        Ok(()) => panic!("the property found no counterexample in a deliberately broken variant"),
    }
}

fn scenario() -> impl Strategy<Value = (BreakerConfig, Vec<Op>)> {
    (configs(), ops())
}

fn ramp_scenario() -> impl Strategy<Value = (BreakerConfig, Vec<Op>)> {
    (ramp_configs(), ops())
}

type TraceProperty = fn(&BreakerConfig, &[sim::Step]) -> Result<(), String>;

fn on<S: Subject>(property: TraceProperty) -> impl Fn((BreakerConfig, Vec<Op>)) -> Result<(), String> {
    move |(cfg, ops)| property(&cfg, &simulate::<S>(&cfg, &ops))
}

macro_rules! breaker_property {
    ($holds:ident, $bites:ident, $property:path, $broken:ty, $strategy:expr) => {
        proptest! {
            #![proptest_config(config())]
            #[test]
            fn $holds((cfg, ops) in $strategy) {
                $property(&cfg, &simulate::<Real>(&cfg, &ops)).map_err(TestCaseError::fail)?;
            }
        }

        #[test]
        fn $bites() {
            bites($strategy, on::<$broken>($property));
        }
    };
}

breaker_property!(
    p01_breaker_agrees_with_the_model,
    p01_bites,
    breaker::agrees_with_model,
    ThresholdExclusive,
    scenario()
);
breaker_property!(
    p02_opens_exactly_at_the_threshold,
    p02_bites,
    breaker::opens_exactly_at_threshold,
    MinCallsOffByOne,
    scenario()
);
breaker_property!(
    p03_nothing_admitted_while_open,
    p03_bites,
    breaker::nothing_admitted_while_open,
    LeaksWhileOpen,
    scenario()
);
breaker_property!(
    p04_probes_bounded_and_decisive,
    p04_bites,
    breaker::probes_are_bounded_and_decide,
    ProbeLimitOffByOne,
    scenario()
);
breaker_property!(
    p05_open_period_never_shrinks,
    p05_bites,
    breaker::open_period_never_shrinks,
    ForgetsOpens,
    scenario()
);
breaker_property!(p13_no_flapping, p13_bites, breaker::no_flapping, NoOpenPeriod, scenario());
breaker_property!(p14_ramp_failure_reopens, p14_bites, breaker::ramp_failure_reopens, RampTolerates, ramp_scenario());
breaker_property!(
    p34_share_rises_only_through_validated_steps,
    p34_bites,
    breaker::share_rises_only_through_validated_steps,
    RampUnvalidated,
    ramp_scenario()
);
breaker_property!(p16_late_results_are_inert, p16_bites, breaker::late_results_are_inert, LateResultsCount, scenario());
breaker_property!(
    p17_ignored_outcomes_count_nothing,
    p17_bites,
    breaker::ignored_outcomes_count_nothing,
    IgnoredCounts,
    scenario()
);
breaker_property!(
    p17_ignored_probe_gives_its_place_back,
    p17b_bites,
    breaker::ignored_probe_gives_its_place_back,
    IgnoredCounts,
    scenario()
);
breaker_property!(p18_half_open_always_ends, p18_bites, breaker::half_open_always_ends, NoProbeTimeout, scenario());
breaker_property!(p19_window_matches_the_log, p19_bites, breaker::window_matches_log, WindowNeverSlides, scenario());

/// Property 15: Determinism: the same config and operations give the same decisions.
fn same_decisions<S: Subject>((cfg, ops): (BreakerConfig, Vec<Op>)) -> Result<(), String> {
    let describe = |trace: Vec<sim::Step>| -> Vec<String> {
        trace
            .iter()
            .map(|s| {
                format!(
                    "{:?} {:?} {:?} {:?}",
                    s.after,
                    s.admitted,
                    s.transition.map(|t| (t.from, t.to, t.reason, t.open_for)),
                    s.counts_after
                )
            })
            .collect()
    };
    let (first, second) = (describe(simulate::<S>(&cfg, &ops)), describe(simulate::<S>(&cfg, &ops)));
    match first.iter().zip(&second).position(|(a, b)| a != b) {
        None => Ok(()),
        Some(i) => Err(format!("step {i} differs between two identical runs: {} / {}", first[i], second[i])),
    }
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p15_decisions_are_deterministic(scenario in ramp_scenario()) {
        same_decisions::<Real>(scenario).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p15_bites() {
    bites(ramp_scenario(), same_decisions::<HiddenRandomness>);
}

macro_rules! retry_property {
    ($holds:ident, $property:ident, $($bites:ident: $broken:ty),+) => {
        proptest! {
            #![proptest_config(config())]
            #[test]
            fn $holds(cfg in retry::configs(), deadline in 1u64..5_000, failures in retry::failures()) {
                retry::$property::<retry::Real>(&cfg, deadline, &failures).map_err(TestCaseError::fail)?;
            }
        }

        $(
            #[test]
            fn $bites() {
                bites((retry::configs(), 1u64..5_000, retry::failures()), |(cfg, deadline, failures)| {
                    retry::$property::<$broken>(&cfg, deadline, &failures)
                });
            }
        )+
    };
}

retry_property!(
    p06_attempts_are_bounded_and_only_worth_it_retried,
    attempts_are_bounded,
    p06_bites: retry::OneAttemptTooMany,
    p06b_bites: retry::RetriesEverything
);
retry_property!(p08_retry_after_is_honoured, retry_after_is_honoured, p08_bites: retry::IgnoresRetryAfter);
retry_property!(p09_deadline_is_respected, deadline_is_respected, p09_bites: retry::IgnoresDeadline);

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p07_backoff_within_its_bound(cfg in retry::configs(), unit in 0.0..1.0f64) {
        retry::backoff_within_bound::<retry::Real>(&cfg, unit).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p07_bites() {
    bites((retry::configs(), 0.0..1.0f64), |(cfg, unit)| {
        retry::backoff_within_bound::<retry::JitterAboveCap>(&cfg, unit)
    });
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p11_classification_is_total(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..64)) {
        routing::classification_is_total(failover_policy::classify_status, status, &body).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p11_bites() {
    bites((0u16..1000, proptest::collection::vec(any::<u8>(), 0..8)), |(status, body)| {
        routing::classification_is_total(routing::blames_the_provider_for_404, status, &body)
    });
}

fn histories() -> impl Strategy<Value = Vec<Vec<(u64, Option<bool>)>>> {
    let call = (0u64..200, proptest::option::of(any::<bool>()));
    proptest::collection::vec(proptest::collection::vec(call, 0..30), 1..6)
}

/// A chain's breakers (by their histories), the providers already tried, the
/// order's shuffle, a draw.
type ChainCase = (BreakerConfig, Vec<Vec<(u64, Option<bool>)>>, u64, u64, f64);

fn chains(route: routing::Router) -> impl Fn(ChainCase) -> Result<(), String> {
    move |(cfg, histories, tried, shuffle, draw)| {
        let (chain, now) = routing::breakers(&cfg, &histories, Instant::now());
        routing::routing_picks_first_admitting(route, chain, tried, shuffle, now, draw)
    }
}

fn shuffles() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), any::<u64>()]
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p12_routing_picks_the_first_admitting(cfg in configs(), histories in histories(), tried in any::<u64>(), shuffle in shuffles(), draw in 0.0..1.0f64) {
        chains(select)((cfg, histories, tried, shuffle, draw)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn p35_entries_within_the_margin_never_alternate(cfg in nearest::configs(), band in nearest::bands()) {
        nearest::never_alternate(Nearest::new, &cfg, &band).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn p36_the_order_keeps_priority_levels_and_leads_with_the_fastest(cfg in nearest::configs(), samples in nearest::samples()) {
        nearest::levels_and_leaders(nearest::ordered, &cfg, &samples).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p12_bites() {
    bites((configs(), histories(), any::<u64>(), shuffles(), 0.0..1.0f64), chains(routing::picks_the_last));
}

#[test]
fn p35_bites() {
    // No hysteresis: any faster average takes the lead.
    let eager: nearest::Maker = |cfg, priority| Nearest::new(NearestConfig { margin: 0.0, ..cfg }, priority);
    bites((nearest::configs(), nearest::bands()), |(cfg, band)| nearest::never_alternate(eager, &cfg, &band));
}

#[test]
fn p36_bites() {
    bites((nearest::configs(), nearest::samples()), |(cfg, samples)| {
        nearest::levels_and_leaders(nearest::by_latency_alone, &cfg, &samples)
    });
}

/// Property 20: once bytes of an answer have reached the client, the request is
/// never replayed, whatever failed and whether or not it may run twice.
fn nothing_replayed_after_bytes_reached_the_client(
    replay: fn(bool, bool, &failover_policy::Failure) -> failover_policy::Replay,
    idempotent: bool,
    class: failover_policy::Class,
    cause: failover_policy::Cause,
) -> Result<(), String> {
    let failure = failover_policy::Failure { class, cause, retry_after: None, soft: None };
    match replay(true, idempotent, &failure) {
        failover_policy::Replay::Allowed => Err(format!("{failure:?} replayed after the client got bytes")),
        _ => Ok(()),
    }
}

fn failure_parts() -> impl Strategy<Value = (bool, failover_policy::Class, failover_policy::Cause)> {
    use failover_policy::Cause;
    let cause =
        prop_oneof![Just(Cause::Refused), Just(Cause::Transport), Just(Cause::Answered), Just(Cause::Unreadable)];
    (any::<bool>(), proptest::sample::select(failover_policy::classify::ALL_CLASSES.to_vec()), cause)
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p20_nothing_replayed_after_the_first_byte((idempotent, class, cause) in failure_parts()) {
        nothing_replayed_after_bytes_reached_the_client(failover_policy::replay::replay, idempotent, class, cause)
            .map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p20_bites() {
    // Decides as if nothing had reached the client yet.
    let forgets_the_client: fn(bool, bool, &failover_policy::Failure) -> failover_policy::Replay =
        |_, idempotent, failure| failover_policy::replay::replay(false, idempotent, failure);
    bites(failure_parts(), |(idempotent, class, cause)| {
        nothing_replayed_after_bytes_reached_the_client(forgets_the_client, idempotent, class, cause)
    });
}

macro_rules! journey_property {
    ($holds:ident, $bites:ident, $property:ident, $broken:expr) => {
        proptest! {
            #![proptest_config(config())]
            #[test]
            fn $holds(case in journey::cases()) {
                journey::$property(&failover_policy::Standard, &case).map_err(TestCaseError::fail)?;
            }
        }

        #[test]
        fn $bites() {
            bites(journey::cases(), |case| journey::$property(&$broken, &case));
        }
    };
}

journey_property!(p22_transport_failures_move_on, p22_bites, transport_failures_move_on, journey::RetriesSilent);
journey_property!(p23_attempts_are_bounded_per_provider, p23_bites, attempts_bounded, journey::OneTooMany);
journey_property!(
    p24_never_replays_what_may_have_run,
    p24_bites,
    never_replays_what_may_have_run,
    journey::ReplaysAnything
);
journey_property!(
    p26_overflow_goes_to_a_larger_window,
    p26_bites,
    overflow_goes_to_a_larger_window,
    journey::IgnoresWindows
);
journey_property!(
    p25_deadline_and_retry_after_respected,
    p25_bites,
    deadline_and_retry_after_respected,
    journey::IgnoresTime
);

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p10_retry_budget_bounds_retries(cfg in budget::configs(), ops in budget::ops()) {
        budget::bounded::<failover_policy::RetryBudget>(&cfg, &ops).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p10_bites() {
    bites((budget::configs(), budget::ops()), |(cfg, ops)| budget::bounded::<budget::DoubleRatio>(&cfg, &ops));
}

#[test]
fn p10b_bites() {
    bites((budget::configs(), budget::ops()), |(cfg, ops)| budget::bounded::<budget::Uncapped>(&cfg, &ops));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p27_score_is_monotone_in_each_bad_metric(
        cfg in health::configs(), values in health::values(), metric in 0..6usize, by in 0.0..5.0f64
    ) {
        health::monotone(health::real, &cfg, &values, metric, by).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn p28_a_single_sample_never_moves_traffic(cfg in health::configs(), samples in health::samples()) {
        health::few_samples_never_drain(health::decides, &cfg, &samples).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn p29_a_warning_comes_once_per_crossing_and_before_any_drain(cfg in health::configs(), samples in health::samples()) {
        health::warnings_once_per_crossing(health::warns, &cfg, &samples).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p30_with_active_probes_clients_never_probe(cfg in configs(), ops in probes::ops()) {
        probes::probes_alone_probe(probes::admit, &cfg, &ops).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p31_the_fallback_rate_counts_its_window(cfg in activation::configs(), requests in activation::requests()) {
        let mut rate = failover_policy::ActivationRate::new(cfg);
        activation::counts_the_window(&mut rate, &cfg, &requests).map_err(TestCaseError::fail)?;
    }
}

/// A rate whose window never forgets.
struct Forever(Vec<bool>);

impl activation::Rate for Forever {
    fn record(&mut self, _: Instant, fell_back: bool) -> bool {
        self.0.push(fell_back);
        false
    }

    fn read(&mut self, _: Instant) -> (u64, u64, f64, &'static str) {
        let (requests, fallbacks) = (self.0.len() as u64, self.0.iter().filter(|f| **f).count() as u64);
        (requests, fallbacks, fallbacks as f64 / requests.max(1) as f64, "healthy")
    }
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p32_episodes_are_what_happened(events in episode::events()) {
        episode::episodes_are_what_happened(&mut failover_policy::episode::Tracker::default(), &events)
            .map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p33_learning_is_bounded_and_settles(history in learning::histories(), (bounds, current) in learning::subjects()) {
        learning::bounded_and_settles(failover_policy::learning::learn, &history, &bounds, current)
            .map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p33_bites() {
    // Applies the suggestions as they come, bounds or none.
    let unbounded: learning::Learner = |history, current, _| {
        let wide = failover_policy::learning::Range { min: 0.0, max: f64::MAX };
        let all = failover_policy::learning::Bounds {
            min_calls: Some(wide),
            open_ms: Some(wide),
            half_open_probes: Some(wide),
        };
        failover_policy::learning::learn(history, current, &all)
    };
    bites((learning::histories(), learning::subjects()), |(history, (bounds, current))| {
        learning::bounded_and_settles(unbounded, &history, &bounds, current)
    });
    // Moves every bounded setting up by one each round: never settles.
    let restless: learning::Learner = |history, current, bounds| {
        let mut out = failover_policy::learning::learn(history, current, bounds);
        if let (Some(r), true) = (bounds.open_ms, out.is_empty() && history.len() >= 3) {
            let evidence = failover_policy::learning::Evidence { episodes: 3, median_outage_ms: 0.0, flaps: 0 };
            let after = if current.open_ms < r.max { current.open_ms + 1.0 } else { r.min };
            if after != current.open_ms {
                out.push(failover_policy::learning::Adjustment {
                    setting: "open_ms",
                    before: current.open_ms,
                    after,
                    because: "",
                    evidence,
                    bounds: r,
                });
            }
        }
        out
    };
    bites((learning::histories(), learning::subjects()), |(history, (bounds, current))| {
        learning::bounded_and_settles(restless, &history, &bounds, current)
    });
}

/// A tracker that forgets earlier failures: each failure restarts the episode.
struct Forgetful(failover_policy::episode::Tracker);

impl episode::Tracks for Forgetful {
    fn feed(&mut self, event: episode::Event, at: Instant) -> Option<failover_policy::episode::Episode> {
        if let episode::Event::Attempt(true) = event {
            let _ = episode::Tracks::feed(&mut self.0, episode::Event::Attempt(false), at);
        }
        episode::Tracks::feed(&mut self.0, event, at)
    }
}

#[test]
fn p32_bites() {
    bites(episode::events(), |events| episode::episodes_are_what_happened(&mut Forgetful(Default::default()), &events));
}

#[test]
fn p31_bites() {
    bites((activation::configs(), activation::requests()), |(cfg, requests)| {
        activation::counts_the_window(&mut Forever(Vec::new()), &cfg, &requests)
    });
}

#[test]
fn p30_bites() {
    // Lets a client's call take a half-open place, as without active probes.
    let eager: probes::ClientAdmit = |b, now, _| b.admit_probe(now).0;
    bites((configs(), probes::ops()), |(cfg, ops)| probes::probes_alone_probe(eager, &cfg, &ops));
}

#[test]
fn p29_bites() {
    // Warns on every assessment at the level, not once per crossing.
    let nagging: health::Warner = |_, a| a.warn;
    bites((health::configs(), health::samples()), |(cfg, samples)| {
        health::warnings_once_per_crossing(nagging, &cfg, &samples)
    });
    // Never warns.
    let silent: health::Warner = |h, a| h.crosses_warning(a, false);
    bites((health::configs(), health::samples()), |(cfg, samples)| {
        health::warnings_once_per_crossing(silent, &cfg, &samples)
    });
}

#[test]
fn p27_bites() {
    // Reads p95 the wrong way round: a better p95 scores worse.
    let inverted: health::Scorer = |c, v| {
        let mut r = failover_policy::health::readings(c, v);
        r[2].badness = 1.0 - r[2].badness;
        failover_policy::health::score(&r)
    };
    let strategy = (health::configs(), health::values(), 0..6usize, 0.0..5.0f64);
    bites(strategy, |(cfg, values, metric, by)| health::monotone(inverted, &cfg, &values, metric, by));
}

#[test]
fn p28_bites() {
    // Drains on the score alone, however few the samples.
    let hasty: health::Decider = |h, c, now| {
        let a = h.assess(now);
        a.score >= c.drain_score && a.baseline_ms.is_some()
    };
    bites((health::configs(), health::samples()), |(cfg, samples)| {
        health::few_samples_never_drain(hasty, &cfg, &samples)
    });
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p37_saturation_is_not_judged(case in journey::cases(), full in proptest::collection::vec(any::<bool>(), 0..6)) {
        journey::saturation_is_not_judged(journey::passes_over, &case, &full).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p37_bites() {
    let strategy = (journey::cases(), proptest::collection::vec(any::<bool>(), 0..6));
    bites(strategy, |(case, full)| journey::saturation_is_not_judged(journey::judges_saturation, &case, &full));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p38_only_a_silent_provider_with_enough_waiting_stalls(cfg in stall::configs(), ops in stall::ops()) {
        stall::follows_the_rule(stall::asks, stall::Check::Safety, &cfg, &ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn p39_a_stalled_provider_is_waited_on_no_longer_until_it_answers(cfg in stall::configs(), ops in stall::ops()) {
        stall::follows_the_rule(stall::asks, stall::Check::Liveness, &cfg, &ops).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p38_bites() {
    bites((stall::configs(), stall::ops()), |(cfg, ops)| {
        stall::follows_the_rule(stall::hasty, stall::Check::Safety, &cfg, &ops)
    });
    bites((stall::configs(), stall::ops()), |(cfg, ops)| {
        stall::follows_the_rule(stall::strands, stall::Check::Safety, &cfg, &ops)
    });
}

#[test]
fn p39_bites() {
    bites((stall::configs(), stall::ops()), |(cfg, ops)| {
        stall::follows_the_rule(stall::forgetful, stall::Check::Liveness, &cfg, &ops)
    });
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p40_a_hallucination_is_exactly_an_ungrounded_citation(case in soft::citations()) {
        soft::hallucination_is_ungrounded_citation(soft::judged, &case).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn p41_repetition_is_measured_on_overlapping_ngrams(case in soft::texts()) {
        soft::repetition_is_measured(soft::measured, &case).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p40_bites() {
    bites(soft::citations(), |case| soft::hallucination_is_ungrounded_citation(soft::first_only, &case));
}

#[test]
fn p41_bites() {
    bites(soft::texts(), |case| soft::repetition_is_measured(soft::in_chunks, &case));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p42_a_card_number_is_exactly_a_number_passing_luhn(number in guard::numbers()) {
        guard::a_card_is_exactly_a_luhn_number(guard::finds, &number).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn p43_redaction_leaves_no_personal_data_and_every_other_word(words in guard::texts()) {
        guard::redaction_leaves_nothing(guard::finds, guard::redacts, &words).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p42_bites() {
    bites(guard::numbers(), |number| guard::a_card_is_exactly_a_luhn_number(guard::luhn_blind, &number));
}

#[test]
fn p43_bites() {
    bites(guard::texts(), |words| guard::redaction_leaves_nothing(guard::finds, guard::first_only, &words));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p44_a_class_with_its_own_threshold_is_judged_against_it_alone(case in thresholds::cases()) {
        thresholds::opens_where_worked_out(&case, thresholds::own).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p44_bites() {
    bites(thresholds::cases(), |case| thresholds::opens_where_worked_out(&case, thresholds::none));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p45_a_stream_is_slow_exactly_below_a_share_of_its_providers_usual_rate(case in rate::cases()) {
        rate::slow_exactly_below_the_share_of_the_usual(&case, rate::learns).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p45_bites() {
    bites(rate::cases(), |case| rate::slow_exactly_below_the_share_of_the_usual(&case, rate::follows));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p46_a_session_is_sent_whole_or_with_the_fewest_oldest_turns_dropped(case in session::cases()) {
        session::fits_with_the_fewest_oldest_turns_dropped(&case, session::standard).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p46_bites() {
    bites(session::cases(), |case| {
        session::fits_with_the_fewest_oldest_turns_dropped(&case, session::drops_one_too_many)
    });
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p47_a_budget_is_overspent_by_at_most_the_one_attempt_admitted_last(case in spend::cases()) {
        spend::never_overshoots_by_more_than_one_attempt(&case, spend::standard).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p47_bites() {
    bites(spend::cases(), |case| spend::never_overshoots_by_more_than_one_attempt(&case, spend::looks_only_at_spend));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p48_an_slo_counts_what_its_window_holds_and_is_breached_past_its_budget(case in slo::cases()) {
        slo::counts_what_its_window_holds(&case, slo::standard).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p48_bites() {
    bites(slo::cases(), |case| slo::counts_what_its_window_holds(&case, slo::never_slides));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p49_a_model_substitution_is_exactly_an_answer_from_another_model_than_pinned(case in soft::substitutions()) {
        soft::substitution_is_exactly_another_model(soft::judged, &case).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p49_bites() {
    bites(soft::substitutions(), |case| soft::substitution_is_exactly_another_model(soft::undated_compare, &case));
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p50_a_provider_is_degraded_exactly_while_its_window_passes_below_the_minimum(case in evaluation::histories()) {
        evaluation::the_mark_follows_the_window(evaluation::standard, &case).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p50_bites() {
    bites(evaluation::histories(), |case| {
        evaluation::the_mark_follows_the_window(evaluation::only_when_nothing_passes, &case)
    });
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn p51_a_provider_whose_answers_turn_wrong_is_caught_within_the_stated_rounds(case in evaluation::turns()) {
        evaluation::caught_within_the_stated_rounds(evaluation::standard, &case).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn p51_bites() {
    bites(evaluation::turns(), |case| {
        evaluation::caught_within_the_stated_rounds(evaluation::only_when_nothing_passes, &case)
    });
}
