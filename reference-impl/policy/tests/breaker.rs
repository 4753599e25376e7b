//! Example-based tests of the circuit breaker's stated rules, each boundary
//! tested on both sides. (The property tests explore arbitrary sequences.)
use std::time::{Duration, Instant};

use failover_policy::{
    Admission, Breaker, BreakerConfig, Permit, RampConfig, Reason, Rejection, State, Validation, Verdict,
};

const MS: Duration = Duration::from_millis(1);

fn config() -> BreakerConfig {
    BreakerConfig {
        window: 1_000 * MS,
        min_calls: 4,
        threshold_ppm: 500_000,
        open: 100 * MS,
        open_max: 250 * MS,
        half_open_probes: 2,
        probe_timeout: 50 * MS,
        backoff_reset: 1_000 * MS,
        ramp: RampConfig::NONE,
        active_probes: false,
        classes: failover_policy::ClassThresholds::NONE,
    }
}

fn admit(b: &mut Breaker, now: Instant) -> Permit {
    match b.admit(now, 0.0).0 {
        Admission::Admitted(p) => p,
        rejected => panic!("expected admission at {now:?}, got {rejected:?}"),
    }
}

fn rejected(b: &mut Breaker, now: Instant) -> Rejection {
    match b.admit(now, 0.0).0 {
        Admission::Rejected { why, .. } => why,
        Admission::Admitted(p) => panic!("expected rejection, got {p:?}"),
    }
}

/// Records `outcomes` at `t0`, one call each; returns the last transition.
fn feed(b: &mut Breaker, t0: Instant, outcomes: &[Verdict]) -> Option<failover_policy::Transition> {
    let mut last = None;
    for &v in outcomes {
        let p = admit(b, t0);
        last = b.record(p, v, t0).or(last);
    }
    last
}

use Verdict::{Failure as F, Success as S};

#[test]
fn never_opens_before_the_minimum_number_of_calls() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    assert_eq!(feed(&mut b, t0, &[F, F, F]), None, "3 failures < min_calls 4");
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn opens_when_the_rate_reaches_the_threshold_inclusive() {
    let t0 = Instant::now();
    let mut below = Breaker::new(config());
    assert_eq!(feed(&mut below, t0, &[S, S, S, F]), None, "25% < 50%");
    let mut at = Breaker::new(config());
    let t = feed(&mut at, t0, &[S, S, F, F]).expect("50% reaches 50%");
    assert_eq!((t.from, t.to, t.reason, t.failures, t.calls), (State::Closed, State::Open, Reason::FailureRate, 2, 4));
    assert_eq!(t.open_for, Some(100 * MS));
}

#[test]
fn outcomes_leave_the_window_after_its_length() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[F, F, F]);
    // At exactly t0 + window the old failures are out: the window is (now - window, now].
    let later = t0 + 1_000 * MS;
    let p = admit(&mut b, later);
    assert_eq!(b.record(p, F, later), None);
    assert_eq!(b.window_counts(later), (1, 1));
}

#[test]
fn the_open_period_ends_at_its_deadline_inclusive() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[F, F, F, F]);
    let until = t0 + 100 * MS;
    assert_eq!(rejected(&mut b, until - Duration::from_nanos(1)), Rejection::Open);
    let (admission, t) = b.admit(until, 0.0);
    assert!(matches!(admission, Admission::Admitted(p) if p.is_probe()));
    assert_eq!(t.map(|t| (t.to, t.reason)), Some((State::HalfOpen, Reason::OpenElapsed)));
}

#[test]
fn half_open_admits_exactly_the_probes_and_closes_when_all_succeed() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[F, F, F, F]);
    let t1 = t0 + 100 * MS;
    let (p1, p2) = (admit(&mut b, t1), admit(&mut b, t1));
    assert_eq!(rejected(&mut b, t1), Rejection::ProbesInFlight);
    assert_eq!(b.record(p1, S, t1), None);
    let closed = b.record(p2, S, t1).expect("second probe closes");
    assert_eq!((closed.to, closed.reason), (State::Closed, Reason::ProbesSucceeded));
    assert_eq!(b.window_counts(t1), (0, 0), "closing clears the window");
}

#[test]
fn a_failed_probe_reopens_for_longer() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[F, F, F, F]);
    let t1 = t0 + 100 * MS;
    let p = admit(&mut b, t1);
    let t = b.record(p, F, t1).expect("reopens");
    assert_eq!((t.to, t.reason, t.open_for), (State::Open, Reason::ProbeFailed, Some(200 * MS)));
    // Grows by `open` each time, capped at open_max.
    let p = admit(&mut b, t1 + 200 * MS);
    assert_eq!(b.record(p, F, t1 + 200 * MS).and_then(|t| t.open_for), Some(250 * MS));
}

#[test]
fn a_probe_that_never_finishes_counts_as_failed_after_the_probe_timeout() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[F, F, F, F]);
    let t1 = t0 + 100 * MS;
    let hung = admit(&mut b, t1);
    let _second = admit(&mut b, t1);
    assert_eq!(b.poll(t1 + 50 * MS - Duration::from_nanos(1)), None);
    let t = b.poll(t1 + 50 * MS).expect("half-open ends at its deadline");
    assert_eq!((t.to, t.reason), (State::Open, Reason::ProbeTimedOut));
    // The hung probe's late success changes nothing.
    assert_eq!(b.record(hung, S, t1 + 60 * MS), None);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn late_results_from_before_a_transition_are_inert() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    let early = admit(&mut b, t0);
    feed(&mut b, t0, &[F, F, F, F]);
    assert_eq!(b.state(), State::Open);
    assert_eq!(b.record(early, F, t0 + MS), None, "no second open, no longer period");
    let t1 = t0 + 100 * MS;
    let _probe = admit(&mut b, t1);
    assert_eq!(b.record(early, S, t1), None, "an old success does not count as a probe");
    assert_eq!(b.state(), State::HalfOpen);
}

#[test]
fn ignored_outcomes_change_no_count_and_give_the_probe_back() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[F, Verdict::Ignored, Verdict::Ignored, F]);
    assert_eq!(b.window_counts(t0), (2, 2));
    feed(&mut b, t0, &[F, F]);
    let t1 = t0 + 100 * MS;
    let (p1, _p2) = (admit(&mut b, t1), admit(&mut b, t1));
    assert_eq!(b.record(p1, Verdict::Ignored, t1), None);
    let _p3 = admit(&mut b, t1);
    assert_eq!(rejected(&mut b, t1), Rejection::ProbesInFlight);
}

#[test]
fn consecutive_opens_are_forgiven_after_healthy_periods() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[F, F, F, F]);
    let t1 = t0 + 100 * MS;
    let (p1, p2) = (admit(&mut b, t1), admit(&mut b, t1));
    let _ = (b.record(p1, S, t1), b.record(p2, S, t1));
    assert_eq!(b.consecutive_opens(), 1);
    // Reopened soon after closing: the period grows.
    let soon = t1 + 10 * MS;
    assert_eq!(feed(&mut b, soon, &[F, F, F, F]).and_then(|t| t.open_for), Some(200 * MS));
    let t2 = soon + 200 * MS;
    let (p1, p2) = (admit(&mut b, t2), admit(&mut b, t2));
    let _ = (b.record(p1, S, t2), b.record(p2, S, t2));
    // Two healthy reset periods later, both opens are forgiven.
    let much_later = t2 + 2_000 * MS;
    assert_eq!(feed(&mut b, much_later, &[F, F, F, F]).and_then(|t| t.open_for), Some(100 * MS));
}

/// A ramp of 25 % then 50 %, each step held 100 ms and validated on 2
/// calls, none failed, none slower than 50 ms.
fn ramp() -> RampConfig {
    let v = Validation { min_calls: 2, max_error_ppm: 0, max_p95: Some(50 * MS) };
    RampConfig::new(&[250_000, 500_000], 100 * MS, v).unwrap()
}

/// Opens `b` at `t0` and closes it through one probe at `t0 + 100 ms`.
fn open_and_recover(b: &mut Breaker, t0: Instant) -> Instant {
    feed(b, t0, &[F, F, F, F]);
    let t1 = t0 + 100 * MS;
    let p = admit(b, t1);
    let t = b.record(p, S, t1).expect("the probe closes it");
    assert_eq!((t.reason, t.share_ppm), (Reason::ProbesSucceeded, Some(250_000)));
    t1
}

#[test]
fn the_failback_ramp_rises_only_through_validated_steps() {
    let t0 = Instant::now();
    let mut b = Breaker::new(BreakerConfig { ramp: ramp(), half_open_probes: 1, ..config() });
    let t1 = open_and_recover(&mut b, t0);
    assert_eq!(b.share(), 0.25);
    assert!(matches!(b.admit(t1, 0.3).0, Admission::Rejected { why: Rejection::Ramp, .. }));
    // A draw equal to the share is outside it: draws are in [0, 1).
    assert!(matches!(b.admit(t1, 0.25).0, Admission::Rejected { why: Rejection::Ramp, .. }));
    // Time alone passes nothing while the step lacks its calls.
    assert_eq!((b.next_deadline(), b.poll(t1 + 500 * MS)), (None, None));
    let p = admit(&mut b, t1 + 500 * MS);
    assert_eq!(b.record_timed(p, S, t1 + 500 * MS, 10 * MS), None, "1 call of 2");
    let p = admit(&mut b, t1 + 510 * MS);
    let t = b.record_timed(p, S, t1 + 510 * MS, 10 * MS).expect("the second call passes the step");
    assert_eq!(
        (t.reason, t.from, t.to, t.calls, t.failures),
        (Reason::StepValidated, State::Closed, State::Closed, 2, 0)
    );
    assert_eq!((t.share_ppm, b.share()), (Some(500_000), 0.5));
    // With its calls in, the step passes at the end of its hold, by time alone.
    let t2 = t1 + 510 * MS;
    for at in [t2, t2 + MS] {
        let p = admit(&mut b, at);
        assert_eq!(b.record_timed(p, S, at, 10 * MS), None, "the hold is not over");
    }
    assert_eq!(b.next_deadline(), Some(t2 + 100 * MS));
    assert_eq!(b.poll(t2 + 99 * MS), None);
    let t = b.poll(t2 + 100 * MS).expect("the last step passes");
    assert_eq!((t.share_ppm, b.share(), b.ramp(), b.next_deadline()), (Some(1_000_000), 1.0, None, None));
    assert!(matches!(b.admit(t2 + 101 * MS, 0.99).0, Admission::Admitted(_)));
}

#[test]
fn a_failed_step_reopens_for_longer_and_the_ramp_restarts_from_its_first_step() {
    let t0 = Instant::now();
    let mut b = Breaker::new(BreakerConfig { ramp: ramp(), half_open_probes: 1, open_max: 1_000 * MS, ..config() });
    let t1 = open_and_recover(&mut b, t0);
    let p = admit(&mut b, t1 + MS);
    let t = b.record_timed(p, S, t1 + MS, 51 * MS).expect("one slow call in 2 fails the p95");
    assert_eq!((t.reason, t.open_for), (Reason::FailureDuringRamp, Some(200 * MS)), "the second open in a row");
    assert_eq!(b.share(), 0.0);
    let t2 = t1 + 201 * MS;
    let p = admit(&mut b, t2);
    assert_eq!(b.record(p, S, t2).and_then(|t| t.share_ppm), Some(250_000), "back to the first step");
    // Ramping for longer than the reset period forgives nothing.
    let t3 = t2 + 5_000 * MS;
    let p = admit(&mut b, t3);
    let t = b.record(p, F, t3).expect("a failure fails the step at once");
    assert_eq!((t.reason, t.open_for), (Reason::FailureDuringRamp, Some(300 * MS)));
}

#[test]
fn a_drain_opens_a_closed_breaker_like_a_failure_rate_and_leaves_others_alone() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[Verdict::Success, Verdict::Failure]);
    let t = b.drain(t0 + MS, Reason::HealthScore).expect("a closed breaker drains");
    assert_eq!((t.from, t.to, t.reason), (State::Closed, State::Open, Reason::HealthScore));
    assert_eq!((t.failures, t.calls, t.open_for), (1, 2, Some(100 * MS)));
    assert_eq!(rejected(&mut b, t0 + 2 * MS), Rejection::Open);
    // Open: nothing to drain; the open period and probes work as ever.
    assert_eq!(b.drain(t0 + 50 * MS, Reason::HealthScore), None);
    let _probe = admit(&mut b, t0 + 101 * MS);
    assert_eq!(b.state(), State::HalfOpen);
    assert_eq!(b.drain(t0 + 102 * MS, Reason::HealthScore), None);
    assert_eq!(Reason::HealthScore.as_str(), "health_score");
    assert_eq!(Reason::RegionSuspect.as_str(), "region_suspect");
    assert_eq!(Reason::Stalled.as_str(), "stalled");
}

fn probe(b: &mut Breaker, now: Instant) -> Permit {
    match b.admit_probe(now).0 {
        Admission::Admitted(p) => p,
        rejected => panic!("expected a probe admitted at {now:?}, got {rejected:?}"),
    }
}

#[test]
fn with_active_probes_the_gateway_probes_and_clients_never_do() {
    let t0 = Instant::now();
    let mut b = Breaker::new(BreakerConfig { active_probes: true, ..config() });
    // Closed: a probe is a counted call like any other.
    let p = probe(&mut b, t0);
    assert!(!p.is_probe());
    assert_eq!(b.record(p, F, t0), None);
    feed(&mut b, t0, &[F, F, F]);
    assert_eq!(b.state(), State::Open);
    // Open period running: neither clients nor probes that count.
    assert!(matches!(b.admit_probe(t0 + 99 * MS).0, Admission::Rejected { why: Rejection::Open, .. }));
    // Over: a client is still turned away (at once, to the next provider)...
    let t1 = t0 + 100 * MS;
    assert!(matches!(b.admit(t1, 0.0).0, Admission::Rejected { why: Rejection::Open, retry_at } if retry_at == t1));
    assert_eq!(b.state(), State::Open);
    // ... and the gateway's probes take every half-open place.
    let (first, transition) = b.admit_probe(t1);
    assert_eq!(transition.map(|t| (t.to, t.reason)), Some((State::HalfOpen, Reason::OpenElapsed)));
    let Admission::Admitted(first) = first else { panic!("the first probe is admitted") };
    let second = probe(&mut b, t1);
    assert!(first.is_probe() && second.is_probe());
    assert!(matches!(b.admit_probe(t1).0, Admission::Rejected { why: Rejection::ProbesInFlight, .. }));
    assert_eq!(rejected(&mut b, t1 + MS), Rejection::ProbesInFlight);
    assert_eq!(b.record(first, S, t1 + 2 * MS), None);
    let closed = b.record(second, S, t1 + 3 * MS).expect("both probes succeeded");
    assert_eq!((closed.to, closed.reason), (State::Closed, Reason::ProbesSucceeded));
    let _client = admit(&mut b, t1 + 4 * MS);
}

#[test]
fn without_active_probes_a_probe_request_behaves_as_a_client_would() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    feed(&mut b, t0, &[F, F, F, F]);
    let t1 = t0 + 100 * MS;
    // A client's call after the open period is a probe, as ever.
    assert!(admit(&mut b, t1).is_probe());
    assert!(probe(&mut b, t1).is_probe());
    assert!(matches!(b.admit_probe(t1).0, Admission::Rejected { why: Rejection::ProbesInFlight, .. }));
}

#[test]
fn the_status_tells_drained_and_ramping_apart_and_says_since_when() {
    use failover_policy::Status;
    let t0 = Instant::now();
    let single = RampConfig::new(&[500_000], 400 * MS, Validation { min_calls: 1, ..ramp().validation }).unwrap();
    let mut b = Breaker::new(BreakerConfig { ramp: single, half_open_probes: 1, ..config() });
    assert_eq!(b.status(), (Status::Closed, None));
    feed(&mut b, t0, &[F, F, F, F]);
    assert_eq!(b.status(), (Status::Open, Some(t0)));
    let t1 = t0 + 100 * MS;
    let p = admit(&mut b, t1);
    assert_eq!(b.status(), (Status::HalfOpen, Some(t1)));
    b.record(p, S, t1 + MS).expect("closes");
    assert_eq!(b.status(), (Status::Ramping, Some(t1 + MS)));
    let p = admit(&mut b, t1 + 2 * MS);
    assert_eq!(b.record(p, S, t1 + 2 * MS), None);
    assert_eq!(b.status(), (Status::Ramping, Some(t1 + MS)), "until validated");
    b.poll(t1 + 401 * MS).expect("the step passes");
    assert_eq!(b.status(), (Status::Closed, Some(t1 + 401 * MS)));
    let t2 = t1 + 700 * MS;
    b.drain(t2, Reason::HealthScore).expect("drains");
    assert_eq!(b.status(), (Status::Drained, Some(t2)));
    // A drained provider that fails its probe is open on failures, no longer drained.
    let p = admit(&mut b, t2 + 200 * MS);
    b.record(p, F, t2 + 201 * MS).expect("reopens");
    assert_eq!(b.status(), (Status::Open, Some(t2 + 201 * MS)));
    let names: Vec<&str> =
        [Status::Closed, Status::Open, Status::HalfOpen, Status::Ramping, Status::Drained].map(Status::as_str).into();
    assert_eq!(names, ["closed", "open", "half_open", "ramping", "drained"]);
}

#[test]
fn a_retuned_breaker_opens_sooner_stays_open_longer_and_asks_more_probes() {
    let t0 = Instant::now();
    let mut b = Breaker::new(config());
    let mut learned = b.current();
    assert_eq!(
        (learned.min_calls, learned.open_ms, learned.half_open_probes, learned.window_ms),
        (4, 100.0, 2, 1000.0)
    );
    (learned.min_calls, learned.open_ms, learned.half_open_probes) = (2, 400.0, 3);
    b.retune(learned);
    assert_eq!(b.current(), learned);
    let opened = feed(&mut b, t0, &[F, F]).expect("2 failures reach the learned min_calls");
    assert_eq!(opened.open_for, Some(400 * MS), "the learned open period, above the old cap of 250 ms");
    assert_eq!(rejected(&mut b, t0 + 399 * MS), Rejection::Open);
    let probes: Vec<Permit> = (0..3).map(|_| admit(&mut b, t0 + 400 * MS)).collect();
    assert!(matches!(b.admit(t0 + 400 * MS, 0.0).0, Admission::Rejected { .. }), "three probes, no fourth");
    assert_eq!(b.record(probes[0], S, t0 + 401 * MS), None);
    assert_eq!(b.record(probes[1], S, t0 + 401 * MS), None, "two successes do not close it");
    let closed = b.record(probes[2], S, t0 + 401 * MS).expect("the third closes it");
    assert_eq!((closed.to, closed.reason), (State::Closed, Reason::ProbesSucceeded));
    // A second open grows by the learned period, up to the risen cap.
    let again = feed(&mut b, t0 + 500 * MS, &[F, F]).expect("opens again");
    assert_eq!(again.open_for, Some(400 * MS), "cap = the learned period: 2 x 400 capped at 400");
    learned.min_calls = 0;
    learned.half_open_probes = 0;
    b.retune(learned);
    assert_eq!((b.current().min_calls, b.current().half_open_probes), (1, 1), "never below one");
}

#[test]
fn states_reasons_and_statuses_have_the_contracts_names() {
    use failover_policy::Status;
    let states: Vec<&str> = [State::Closed, State::Open, State::HalfOpen].map(<&str>::from).into();
    assert_eq!(states, ["closed", "open", "half_open"]);
    let reasons: Vec<&str> = [
        Reason::FailureRate,
        Reason::OpenElapsed,
        Reason::ProbeFailed,
        Reason::ProbeTimedOut,
        Reason::ProbesSucceeded,
        Reason::FailureDuringRamp,
        Reason::StepValidated,
        Reason::HealthScore,
    ]
    .map(<&str>::from)
    .into();
    assert_eq!(
        reasons,
        [
            "failure_rate_reached",
            "open_period_elapsed",
            "probe_failed",
            "probe_timed_out",
            "probes_succeeded",
            "failure_during_failback_ramp",
            "failback_step_validated",
            "health_score",
        ]
    );
    assert_eq!(<&str>::from(Status::Ramping), "ramping");
}

#[test]
fn consecutive_opens_are_counted_until_forgiven() {
    let t0 = Instant::now();
    let mut b = Breaker::new(BreakerConfig { half_open_probes: 1, ..config() });
    assert_eq!(b.consecutive_opens(), 0);
    feed(&mut b, t0, &[F, F, F, F]);
    let p = admit(&mut b, t0 + 100 * MS);
    b.record(p, F, t0 + 100 * MS).expect("the probe fails: open again");
    assert_eq!(b.consecutive_opens(), 2);
}
