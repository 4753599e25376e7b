//! The circuit breaker kept for each (model, provider) pair.
//!
//! Why a breaker at all: retries and failover make one request survive a bad
//! provider, but every request would still pay for trying it first. The breaker
//! remembers that the provider is failing so that later requests skip it at no
//! cost, and lets it back in only through a few probe requests.
//!
//! The algorithm, with time always passed in as `now`:
//! 1. **Closed**: every call is admitted. Each counted outcome (success or
//!    failure; see [`Verdict`]) enters a sliding window of `window` length.
//!    When the window holds at least `min_calls` outcomes and the failure rate
//!    reaches `failure_rate` (reaching it counts), the breaker opens. A class
//!    with a threshold of its own (see [`crate::thresholds`]) is judged
//!    against it instead, in the same window.
//! 2. **Open** for `open × n` (capped at `open_max`), where `n` counts
//!    consecutive opens: a provider that fails again right after recovering stays
//!    out longer each time. Every full `backoff_reset` spent closed forgives one.
//!    No call is admitted while open. The open period ends at `now >= until`:
//!    a call at exactly `until` is admitted as a probe.
//! 3. **Half-open**: the first call after the open period enters it and is
//!    admitted as a probe; at most `half_open_probes` probes are admitted. When
//!    all of them succeed the breaker closes with an empty window; any probe
//!    failure reopens it. Probes still unfinished `probe_timeout` after entering
//!    half-open count as failed, so a hung probe cannot hold the breaker
//!    half-open forever.
//! 4. **Failback ramp** (optional, see [`crate::failback`]): after closing, a
//!    call is admitted with the probability of the ramp's step; a step passes
//!    only once validated, and a step that fails its validation reopens at
//!    once. The time spent ramping forgives no open.
//!
//! Every admission hands out a [`Permit`] stamped with the breaker's generation,
//! which changes on every transition. An outcome reported with a permit from an
//! older generation is inert: a call admitted before a transition can neither
//! cause another transition nor extend an open period. An ignored outcome (the
//! client's fault, or a cancelled call) changes no count and gives a probe
//! permit back.
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::classify::Verdict;
use super::failback::{ALL, Judgement, Ramp, RampConfig};
use super::thresholds::{ClassThresholds, Counts, Kind};

/// The breaker's knobs, validated at the boundary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Sliding window length.
    pub window: Duration,
    /// Outcomes the window must hold before it may open.
    pub min_calls: u32,
    /// Opening failure rate, in parts per million (500_000 = 50 %).
    pub threshold_ppm: u32,
    /// First open period.
    pub open: Duration,
    /// Cap of the growing open period.
    pub open_max: Duration,
    /// Probes admitted while half-open.
    pub half_open_probes: u32,
    /// Longest time spent half-open.
    pub probe_timeout: Duration,
    /// Each such period spent closed forgives one consecutive open.
    pub backoff_reset: Duration,
    /// The failback ramp ([`RampConfig::NONE`]: none).
    pub ramp: RampConfig,
    /// Whether the gateway probes providers itself ([`Breaker::admit_probe`]):
    /// then a client's call is never made a half-open probe, so no client
    /// request is spent finding out whether a provider came back.
    pub active_probes: bool,
    /// Classes judged against opening rates of their own.
    pub classes: ClassThresholds,
}

/// Which way the breaker points, named so nobody has to remember what "open" means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum State {
    /// Traffic flows.
    Closed,
    /// Traffic skips the provider.
    Open,
    /// A bounded number of probes test the provider.
    HalfOpen,
}

impl From<State> for &'static str {
    fn from(state: State) -> Self {
        state.as_str()
    }
}

impl From<Reason> for &'static str {
    fn from(reason: Reason) -> Self {
        reason.as_str()
    }
}

impl State {
    /// The snake_case name used in events.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
        }
    }
}

/// The breaker as an operator sees it: its [`State`], with a closed breaker
/// still ramping up and an open one drained by its health score told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum Status {
    /// Traffic flows.
    Closed,
    /// Traffic skips the provider after failures.
    Open,
    /// Probes test the provider.
    HalfOpen,
    /// Closed, with traffic still ramping up after a recovery.
    Ramping,
    /// Open because the provider's health score drained it.
    Drained,
}

impl Status {
    /// The snake_case name used by the admin API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Closed => "closed",
            Status::Open => "open",
            Status::HalfOpen => "half_open",
            Status::Ramping => "ramping",
            Status::Drained => "drained",
        }
    }
}

impl From<Status> for &'static str {
    fn from(status: Status) -> Self {
        status.as_str()
    }
}

/// Why a transition happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum Reason {
    /// Closed → open: the failure rate reached the threshold.
    FailureRate,
    /// Closed → open: the failures of one class reached that class's own
    /// threshold (see [`crate::thresholds`]).
    ClassRate,
    /// Open → half-open: the open period has passed.
    OpenElapsed,
    /// Half-open → open: a probe failed.
    ProbeFailed,
    /// Half-open → open: the probes did not finish within `probe_timeout`.
    ProbeTimedOut,
    /// Half-open → closed: every probe succeeded.
    ProbesSucceeded,
    /// Closed → open: a step of the failback ramp failed its validation.
    FailureDuringRamp,
    /// Closed → closed: a step of the failback ramp was validated; the
    /// provider's share rises to the next step's, or to all of its traffic.
    StepValidated,
    /// Closed → open: the provider's health score reached the drain score
    /// (see [`crate::health`]).
    HealthScore,
    /// Closed → open: other providers of its region failed close together
    /// (see [`crate::regions`]).
    RegionSuspect,
    /// Closed → open: the provider stopped answering while attempts waited
    /// on it (see [`crate::stall`]).
    Stalled,
}

impl Reason {
    /// The snake_case name used in events.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::FailureRate => "failure_rate_reached",
            Reason::ClassRate => "class_failure_rate_reached",
            Reason::OpenElapsed => "open_period_elapsed",
            Reason::ProbeFailed => "probe_failed",
            Reason::ProbeTimedOut => "probe_timed_out",
            Reason::ProbesSucceeded => "probes_succeeded",
            Reason::FailureDuringRamp => "failure_during_failback_ramp",
            Reason::StepValidated => "failback_step_validated",
            Reason::HealthScore => "health_score",
            Reason::RegionSuspect => "region_suspect",
            Reason::Stalled => "stalled",
        }
    }
}

/// A state change with the numbers behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// State before.
    pub from: State,
    /// State after.
    pub to: State,
    /// Why.
    pub reason: Reason,
    /// When.
    pub at: Instant,
    /// Failures in the window (closed) or among the probes (half-open) at the time.
    pub failures: u32,
    /// Counted outcomes in the window, or probes admitted.
    pub calls: u32,
    /// For a transition to open: how long it stays open.
    pub open_for: Option<Duration>,
    /// For a transition into or along a failback ramp: the provider's share
    /// of its traffic from now, in parts per million ([`ALL`]: the ramp is over).
    pub share_ppm: Option<u32>,
    /// For [`Reason::ClassRate`]: the class whose own threshold was reached.
    pub class: Option<Kind>,
}

/// Leave to make one call, to be returned with its outcome.
#[must_use = "report the call's outcome with Breaker::record"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permit {
    generation: u64,
    probe: bool,
}

impl Permit {
    /// Whether the call is a half-open probe.
    pub const fn is_probe(&self) -> bool {
        self.probe
    }
}

/// Why a call was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Open, until `retry_at`.
    Open,
    /// Half-open with every probe already admitted.
    ProbesInFlight,
    /// Closed but ramping up, and this call fell outside the provider's share.
    Ramp,
}

/// The answer to "may this call go to the provider?".
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead, and report the outcome with the permit.
    Admitted(Permit),
    /// Skip this provider; it may admit again at `retry_at`.
    Rejected {
        /// Why.
        why: Rejection,
        /// Earliest time it may admit again.
        retry_at: Instant,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Closed { ramp: Option<Ramp> },
    Open { until: Instant },
    HalfOpen { deadline: Instant, admitted: u32, succeeded: u32 },
}

/// One counted outcome: a success, or a failure of its kind (`None`: of no
/// kind the caller named).
type Outcome = Option<Option<Kind>>;

/// Outcomes inside the sliding window, oldest first, with running failure
/// counts, in all and by kind.
#[derive(Clone, Debug, Default)]
struct Window {
    outcomes: VecDeque<(Instant, Outcome)>,
    failures: u32,
    kinds: Counts,
}

impl Window {
    fn push(&mut self, at: Instant, outcome: Outcome) {
        // Keep the log sorted even if callers race on reading the clock.
        let at = self.outcomes.back().map_or(at, |&(last, _)| at.max(last));
        self.outcomes.push_back((at, outcome));
        if let Some(kind) = outcome {
            self.failures += 1;
            self.kinds.add(kind);
        }
    }

    fn prune(&mut self, now: Instant, length: Duration) {
        while let Some(&(at, outcome)) = self.outcomes.front() {
            if at + length > now {
                break;
            }
            self.outcomes.pop_front();
            if let Some(kind) = outcome {
                self.failures -= 1;
                self.kinds.remove(kind);
            }
        }
    }

    fn calls(&self) -> u32 {
        u32::try_from(self.outcomes.len()).unwrap_or(u32::MAX)
    }

    fn clear(&mut self) {
        self.outcomes.clear();
        self.failures = 0;
        self.kinds = Counts::default();
    }
}

/// One (model, provider) breaker.
#[derive(Clone, Debug)]
pub struct Breaker {
    config: BreakerConfig,
    phase: Phase,
    window: Window,
    generation: u64,
    consecutive_opens: u32,
    closed_since: Option<Instant>,
    /// When the last transition happened.
    changed_at: Option<Instant>,
    /// Whether the last open was a drain.
    drained: bool,
}

impl Breaker {
    /// A closed breaker with an empty window.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            phase: Phase::Closed { ramp: None },
            window: Window::default(),
            generation: 0,
            consecutive_opens: 0,
            closed_since: None,
            changed_at: None,
            drained: false,
        }
    }

    /// The breaker's status, and since when it holds (`None`: since the
    /// breaker was made).
    pub fn status(&self) -> (Status, Option<Instant>) {
        match self.phase {
            Phase::Closed { ramp: Some(_) } => (Status::Ramping, self.changed_at),
            Phase::Closed { ramp: None } => (Status::Closed, self.changed_at),
            Phase::Open { .. } if self.drained => (Status::Drained, self.changed_at),
            Phase::Open { .. } => (Status::Open, self.changed_at),
            Phase::HalfOpen { .. } => (Status::HalfOpen, self.changed_at),
        }
    }

    /// The current state (as of the last call; time alone changes nothing).
    pub fn state(&self) -> State {
        match self.phase {
            Phase::Closed { .. } => State::Closed,
            Phase::Open { .. } => State::Open,
            Phase::HalfOpen { .. } => State::HalfOpen,
        }
    }

    /// Counted outcomes and failures in the window as of `now`.
    pub fn window_counts(&mut self, now: Instant) -> (u32, u32) {
        self.window.prune(now, self.config.window);
        (self.window.calls(), self.window.failures)
    }

    /// Consecutive opens not yet forgiven.
    pub fn consecutive_opens(&self) -> u32 {
        self.consecutive_opens
    }

    /// The failback ramp under way, if any.
    pub fn ramp(&self) -> Option<Ramp> {
        match self.phase {
            Phase::Closed { ramp } => ramp,
            Phase::Open { .. } | Phase::HalfOpen { .. } => None,
        }
    }

    /// The provider's share of the traffic it would get, in [0, 1]: 0 while
    /// open or half-open, the step's share while ramping.
    pub fn share(&self) -> f64 {
        match self.phase {
            Phase::Closed { ramp: Some(r) } => r.share(&self.config.ramp),
            Phase::Closed { ramp: None } => 1.0,
            Phase::Open { .. } | Phase::HalfOpen { .. } => 0.0,
        }
    }

    /// When the breaker next wants `poll` to be called, if ever: the end of a
    /// half-open phase (its probes' time is up) or of a ramp step that has
    /// its calls. The end of an open period is not one: nothing happens then
    /// until a call asks to be admitted, and that call probes.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Closed { ramp } => ramp.and_then(|r| r.ready_at(&self.config.ramp)),
            Phase::Open { .. } => None,
            Phase::HalfOpen { deadline, .. } => Some(deadline),
        }
    }

    /// Applies what the passage of time alone decides: a half-open phase past its
    /// deadline reopens, a ramp step with its calls passes at the end of its hold.
    pub fn poll(&mut self, now: Instant) -> Option<Transition> {
        match self.phase {
            Phase::HalfOpen { deadline, admitted, succeeded } if now >= deadline => {
                Some(self.open(now, Reason::ProbeTimedOut, admitted.saturating_sub(succeeded), admitted))
            }
            Phase::Closed { ramp: Some(ramp) } => self.judge_ramp(ramp, now),
            _ => None,
        }
    }

    /// Reopens a half-open breaker whose probes' time is up at `now`.
    fn expire(&mut self, now: Instant) -> Option<Transition> {
        match self.phase {
            Phase::HalfOpen { deadline, .. } if now >= deadline => self.poll(now),
            _ => None,
        }
    }

    /// Acts on the judgement of ramp step `ramp` at `now`: the next step (or
    /// the end of the ramp) when it passed, reopening when it failed.
    fn judge_ramp(&mut self, ramp: Ramp, now: Instant) -> Option<Transition> {
        match ramp.judge(&self.config.ramp, now) {
            Judgement::Pending => None,
            Judgement::Failed(_) => Some(self.open(now, Reason::FailureDuringRamp, ramp.failures, ramp.calls)),
            Judgement::Passed => {
                let next = ramp.next(&self.config.ramp, now);
                self.phase = Phase::Closed { ramp: next };
                if next.is_none() {
                    self.closed_since = Some(now); // healthy time counts from here
                }
                // The same generation: calls admitted at the last step still count.
                self.changed_at = Some(now);
                let share_ppm = next.map_or(ALL, |r| self.config.ramp.share_ppm(r.step as usize));
                Some(Transition {
                    from: State::Closed,
                    to: State::Closed,
                    reason: Reason::StepValidated,
                    at: now,
                    failures: ramp.failures,
                    calls: ramp.calls,
                    open_for: None,
                    share_ppm: Some(share_ppm),
                    class: None,
                })
            }
        }
    }

    /// Asks to make a call at `now`. `draw` is a uniform random number in [0, 1),
    /// used only during the failback ramp.
    pub fn admit(&mut self, now: Instant, draw: f64) -> (Admission, Option<Transition>) {
        let mut transition = self.poll(now);
        let admission = match self.phase {
            Phase::Closed { ramp: None } => self.permit(false),
            Phase::Closed { ramp: Some(ramp) } => {
                if draw < ramp.share(&self.config.ramp) {
                    self.permit(false)
                } else {
                    Admission::Rejected { why: Rejection::Ramp, retry_at: now }
                }
            }
            Phase::Open { until } if now < until => Admission::Rejected { why: Rejection::Open, retry_at: until },
            // The gateway's own probes find out whether it came back.
            Phase::Open { .. } if self.config.active_probes => {
                Admission::Rejected { why: Rejection::Open, retry_at: now }
            }
            Phase::HalfOpen { deadline, .. } if self.config.active_probes => {
                Admission::Rejected { why: Rejection::ProbesInFlight, retry_at: deadline }
            }
            Phase::Open { .. } => {
                transition = Some(self.transition(State::HalfOpen, Reason::OpenElapsed, now, 0, 0, None));
                self.phase = Phase::HalfOpen { deadline: now + self.config.probe_timeout, admitted: 1, succeeded: 0 };
                self.permit(true)
            }
            Phase::HalfOpen { deadline, admitted, succeeded } => {
                if admitted < self.config.half_open_probes {
                    self.phase = Phase::HalfOpen { deadline, admitted: admitted + 1, succeeded };
                    self.permit(true)
                } else {
                    Admission::Rejected { why: Rejection::ProbesInFlight, retry_at: deadline }
                }
            }
        };
        (admission, transition)
    }

    /// Asks to send one of the gateway's own probes at `now` (see
    /// `active_probes`): a closed breaker admits it as a counted call (a
    /// ramping one too, outside the ramp's share), an open one whose period
    /// has passed turns half-open and admits it as a probe, a half-open one
    /// admits up to `half_open_probes`. A provider whose open period still
    /// runs is not sent probes that count: the caller may still measure it.
    pub fn admit_probe(&mut self, now: Instant) -> (Admission, Option<Transition>) {
        let mut transition = self.poll(now);
        let admission = match self.phase {
            Phase::Closed { .. } => self.permit(false),
            Phase::Open { until } if now < until => Admission::Rejected { why: Rejection::Open, retry_at: until },
            Phase::Open { .. } => {
                transition = Some(self.transition(State::HalfOpen, Reason::OpenElapsed, now, 0, 0, None));
                self.phase = Phase::HalfOpen { deadline: now + self.config.probe_timeout, admitted: 1, succeeded: 0 };
                self.permit(true)
            }
            Phase::HalfOpen { deadline, admitted, succeeded } if admitted < self.config.half_open_probes => {
                self.phase = Phase::HalfOpen { deadline, admitted: admitted + 1, succeeded };
                self.permit(true)
            }
            Phase::HalfOpen { deadline, .. } => {
                Admission::Rejected { why: Rejection::ProbesInFlight, retry_at: deadline }
            }
        };
        (admission, transition)
    }

    /// Reports the outcome of an admitted call, finished at `now`, whose
    /// latency does not matter (see [`Breaker::record_timed`]).
    pub fn record(&mut self, permit: Permit, verdict: Verdict, now: Instant) -> Option<Transition> {
        self.record_timed(permit, verdict, now, Duration::ZERO)
    }

    /// Reports the outcome of an admitted call, finished at `now` after
    /// `latency`: a failback ramp validates its steps' latency with it. A
    /// failure counts towards the general failure rate.
    pub fn record_timed(
        &mut self,
        permit: Permit,
        verdict: Verdict,
        now: Instant,
        latency: Duration,
    ) -> Option<Transition> {
        self.record_kind(permit, verdict, None, now, latency)
    }

    /// Whether a failure of `kind` is judged against a threshold of its own.
    pub fn judges_alone(&self, kind: Kind) -> bool {
        self.config.classes.has(kind)
    }

    /// As [`Breaker::record_timed`], for a failure of `kind`: judged against
    /// its class's own threshold when it has one.
    pub fn record_kind(
        &mut self,
        permit: Permit,
        verdict: Verdict,
        kind: Option<Kind>,
        now: Instant,
        latency: Duration,
    ) -> Option<Transition> {
        if let Some(expired) = self.expire(now) {
            return Some(expired);
        }
        if permit.generation != self.generation {
            return None; // admitted before the last transition: inert
        }
        match (self.phase, verdict) {
            (Phase::Closed { ramp }, Verdict::Success | Verdict::Failure) => {
                let failed = verdict == Verdict::Failure;
                self.window.prune(now, self.config.window);
                self.window.push(now, failed.then_some(kind));
                if let Some(mut ramp) = ramp {
                    ramp.count(failed, latency, &self.config.ramp);
                    self.phase = Phase::Closed { ramp: Some(ramp) };
                    if let Some(t) = self.judge_ramp(ramp, now) {
                        return Some(t);
                    }
                }
                let calls = self.window.calls();
                let (reason, failures, class) = self.rate_reached()?;
                Some(Transition { class, ..self.open(now, reason, failures, calls) })
            }
            (Phase::HalfOpen { admitted, .. }, Verdict::Failure) => {
                Some(self.open(now, Reason::ProbeFailed, 1, admitted))
            }
            (Phase::HalfOpen { deadline, admitted, succeeded }, Verdict::Success) => {
                let succeeded = succeeded + 1;
                if succeeded >= self.config.half_open_probes {
                    let mut t = self.transition(State::Closed, Reason::ProbesSucceeded, now, 0, admitted, None);
                    let ramp = (!self.config.ramp.is_none()).then(|| Ramp::start(now));
                    self.phase = Phase::Closed { ramp };
                    self.window.clear();
                    match ramp {
                        Some(r) => t.share_ppm = Some(self.config.ramp.share_ppm(r.step as usize)),
                        None => self.closed_since = Some(now),
                    }
                    Some(t)
                } else {
                    self.phase = Phase::HalfOpen { deadline, admitted, succeeded };
                    None
                }
            }
            (Phase::HalfOpen { deadline, admitted, succeeded }, Verdict::Ignored) => {
                // The probe said nothing about the provider: give its place back.
                self.phase = Phase::HalfOpen { deadline, admitted: admitted.saturating_sub(1), succeeded };
                None
            }
            (Phase::Closed { .. }, Verdict::Ignored) | (Phase::Open { .. }, _) => None,
        }
    }

    /// Drains a closed breaker at `now` for `why` (its health score, or its
    /// region): it opens as for a failure rate (the open period grows the same
    /// way), and comes back through the same probes. A breaker not closed is
    /// left alone: it already keeps traffic off the provider, or is testing it.
    pub fn drain(&mut self, now: Instant, why: Reason) -> Option<Transition> {
        if let Some(expired) = self.expire(now) {
            return Some(expired);
        }
        match self.phase {
            Phase::Closed { .. } => {
                self.window.prune(now, self.config.window);
                let (calls, failures) = (self.window.calls(), self.window.failures);
                Some(self.open(now, why, failures, calls))
            }
            Phase::Open { .. } | Phase::HalfOpen { .. } => None,
        }
    }

    /// The settings learning reads and may change (see [`crate::learning`]).
    pub fn current(&self) -> crate::episode::Current {
        crate::episode::Current {
            min_calls: self.config.min_calls,
            open_ms: self.config.open.as_secs_f64() * 1e3,
            half_open_probes: self.config.half_open_probes,
            window_ms: self.config.window.as_secs_f64() * 1e3,
        }
    }

    /// Takes learned settings from the next decision on: the open period
    /// of the next open (the cap rising with it, never below it), the calls
    /// needed to open and the probes needed to close. The window, the state
    /// and what it counted are kept.
    pub fn retune(&mut self, to: crate::episode::Current) {
        self.config.min_calls = to.min_calls.max(1);
        self.config.half_open_probes = to.half_open_probes.max(1);
        self.config.open = Duration::from_secs_f64(to.open_ms.max(0.0) / 1e3);
        self.config.open_max = self.config.open_max.max(self.config.open);
    }

    /// Whether the window opens the breaker: why, the failures that did, and
    /// for a class's own threshold, the class.
    fn rate_reached(&self) -> Option<(Reason, u32, Option<Kind>)> {
        let calls = self.window.calls();
        if calls < self.config.min_calls {
            return None;
        }
        let (general, own) = self.config.classes.judge(&self.window.kinds, calls);
        if u64::from(general) * 1_000_000 >= u64::from(self.config.threshold_ppm) * u64::from(calls) {
            return Some((Reason::FailureRate, general, None));
        }
        own.map(|(kind, count)| (Reason::ClassRate, count, Some(kind)))
    }

    /// The open period for the next open, after forgiving healthy time.
    fn next_open_period(&mut self, now: Instant) -> Duration {
        // Time spent ramping is not healthy time yet: it forgives nothing.
        if let (Some(since), Phase::Closed { ramp: None }) = (self.closed_since, self.phase) {
            let reset = self.config.backoff_reset.as_nanos().max(1);
            let forgiven = u32::try_from(now.saturating_duration_since(since).as_nanos() / reset).unwrap_or(u32::MAX);
            self.consecutive_opens = self.consecutive_opens.saturating_sub(forgiven);
        }
        self.consecutive_opens = self.consecutive_opens.saturating_add(1);
        self.config.open.saturating_mul(self.consecutive_opens).min(self.config.open_max)
    }

    fn open(&mut self, now: Instant, reason: Reason, failures: u32, calls: u32) -> Transition {
        let open_for = self.next_open_period(now);
        let t = self.transition(State::Open, reason, now, failures, calls, Some(open_for));
        self.phase = Phase::Open { until: now + open_for };
        self.drained = reason == Reason::HealthScore;
        self.window.clear();
        t
    }

    fn transition(
        &mut self,
        to: State,
        reason: Reason,
        at: Instant,
        failures: u32,
        calls: u32,
        open_for: Option<Duration>,
    ) -> Transition {
        self.generation += 1;
        self.changed_at = Some(at);
        Transition { from: self.state(), to, reason, at, failures, calls, open_for, share_ppm: None, class: None }
    }

    fn permit(&self, probe: bool) -> Admission {
        Admission::Admitted(Permit { generation: self.generation, probe })
    }
}
