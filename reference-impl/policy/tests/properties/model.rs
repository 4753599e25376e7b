//! A reference model of the breaker's specification (README, "Decisions"),
//! written from the text rather than from the implementation, and kept simple
//! rather than fast: the window is recomputed from the whole log of outcomes
//! every time it is needed, and a failback ramp step keeps every outcome it saw.
use std::time::{Duration, Instant};

use failover_policy::{BreakerConfig, Reason, State, Verdict};

/// A failback ramp step: which, since when, and every outcome it counted
/// (failed, latency).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub index: usize,
    pub since: Instant,
    pub outcomes: Vec<(bool, Duration)>,
}

impl Step {
    pub fn new(index: usize, since: Instant) -> Self {
        Self { index, since, outcomes: Vec::new() }
    }
}

/// The model's phase.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Closed { ramp: Option<Step> },
    Open { until: Instant, open_for: Duration },
    HalfOpen { deadline: Instant, admitted: u32, succeeded: u32 },
}

/// A transition as the model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub from: State,
    pub to: State,
    pub reason: Reason,
    pub open_for: Option<Duration>,
}

/// What the model hands out on admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub generation: u64,
    pub probe: bool,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub cfg: BreakerConfig,
    pub phase: Phase,
    /// Every counted outcome since the window was last cleared: (time, failed).
    pub log: Vec<(Instant, bool)>,
    pub generation: u64,
    pub consecutive_opens: u32,
    pub closed_since: Option<Instant>,
    /// The window the last counted outcome was judged on (calls, failures).
    pub last_judged: Option<(u32, u32)>,
}

impl Model {
    pub fn new(cfg: BreakerConfig) -> Self {
        Self {
            cfg,
            phase: Phase::Closed { ramp: None },
            log: Vec::new(),
            generation: 0,
            consecutive_opens: 0,
            closed_since: None,
            last_judged: None,
        }
    }

    pub fn state(&self) -> State {
        match self.phase {
            Phase::Closed { .. } => State::Closed,
            Phase::Open { .. } => State::Open,
            Phase::HalfOpen { .. } => State::HalfOpen,
        }
    }

    /// (calls, failures) among outcomes with `at` in (now - window, now].
    pub fn window(&self, now: Instant) -> (u32, u32) {
        let inside: Vec<&(Instant, bool)> = self.log.iter().filter(|(at, _)| *at + self.cfg.window > now).collect();
        (inside.len() as u32, inside.iter().filter(|(_, failed)| *failed).count() as u32)
    }

    /// "Reaching the threshold counts", after `min_calls`.
    pub fn reached(&self, calls: u32, failures: u32) -> bool {
        calls >= self.cfg.min_calls
            && (failures as u128) * 1_000_000 >= (self.cfg.threshold_ppm as u128) * (calls as u128)
    }

    /// The open period for an open at `now`: one consecutive open is forgiven
    /// per full `backoff_reset` spent closed (and not ramping); then `open × n`, capped.
    fn open_period(&mut self, now: Instant, from_closed: bool) -> Duration {
        if from_closed {
            if let Some(since) = self.closed_since {
                let periods =
                    now.saturating_duration_since(since).as_nanos() / self.cfg.backoff_reset.as_nanos().max(1);
                self.consecutive_opens = self.consecutive_opens.saturating_sub(periods.min(u32::MAX as u128) as u32);
            }
        }
        self.consecutive_opens += 1;
        (self.cfg.open * self.consecutive_opens).min(self.cfg.open_max)
    }

    fn go(&mut self, to: Phase, reason: Reason, open_for: Option<Duration>) -> Change {
        let from = self.state();
        let clears = matches!(to, Phase::Open { .. } | Phase::Closed { .. });
        self.phase = to;
        self.generation += 1;
        if clears {
            self.log.clear();
        }
        Change { from, to: self.state(), reason, open_for }
    }

    fn open(&mut self, now: Instant, reason: Reason) -> Change {
        let from_closed = matches!(self.phase, Phase::Closed { ramp: None });
        let open_for = self.open_period(now, from_closed);
        self.go(Phase::Open { until: now + open_for, open_for }, reason, Some(open_for))
    }

    /// Half-open past its deadline reopens.
    fn expire(&mut self, now: Instant) -> Option<Change> {
        match self.phase {
            Phase::HalfOpen { deadline, .. } if now >= deadline => Some(self.open(now, Reason::ProbeTimedOut)),
            _ => None,
        }
    }

    /// Time alone: half-open past its deadline reopens; a ramp step is judged.
    pub fn poll(&mut self, now: Instant) -> Option<Change> {
        self.expire(now).or_else(|| self.judge_step(now))
    }

    /// A ramp step fails once its failures, or its calls slower than the p95
    /// bound (more than one in twenty), are more than its calls (at least
    /// `min_calls`) tolerate; it passes with `min_calls` calls once held for
    /// `hold`: the next step, or all traffic after the last.
    fn judge_step(&mut self, now: Instant) -> Option<Change> {
        let Phase::Closed { ramp: Some(step) } = &self.phase else { return None };
        let v = self.cfg.ramp.validation;
        let calls = step.outcomes.len() as f64;
        let basis = calls.max(v.min_calls as f64);
        let failures = step.outcomes.iter().filter(|(failed, _)| *failed).count() as f64;
        let slow = step.outcomes.iter().filter(|(_, latency)| v.max_p95.is_some_and(|b| *latency > b)).count() as f64;
        if failures / basis > v.max_error_ppm as f64 / 1e6 || slow / basis > 0.05 {
            return Some(self.open(now, Reason::FailureDuringRamp));
        }
        if calls < v.min_calls as f64 || now < step.since + self.cfg.ramp.hold {
            return None;
        }
        let next = step.index + 1;
        let ramp = (next < self.cfg.ramp.steps()).then(|| Step::new(next, now));
        if ramp.is_none() {
            self.closed_since = Some(now);
        }
        self.phase = Phase::Closed { ramp };
        Some(Change { from: State::Closed, to: State::Closed, reason: Reason::StepValidated, open_for: None })
    }

    /// The provider's share now.
    pub fn share(&self) -> f64 {
        match &self.phase {
            Phase::Closed { ramp: Some(step) } => self.cfg.ramp.share_ppm(step.index) as f64 / 1e6,
            Phase::Closed { ramp: None } => 1.0,
            _ => 0.0,
        }
    }

    pub fn admit(&mut self, now: Instant, draw: f64) -> (Option<Grant>, Option<Change>) {
        let mut change = self.poll(now);
        let grant = match self.phase {
            Phase::Closed { .. } => {
                (draw < self.share()).then_some(Grant { generation: self.generation, probe: false })
            }
            Phase::Open { until, .. } if now < until => None,
            Phase::Open { .. } => {
                let deadline = now + self.cfg.probe_timeout;
                change =
                    Some(self.go(Phase::HalfOpen { deadline, admitted: 1, succeeded: 0 }, Reason::OpenElapsed, None));
                Some(Grant { generation: self.generation, probe: true })
            }
            Phase::HalfOpen { deadline, admitted, succeeded } if admitted < self.cfg.half_open_probes => {
                self.phase = Phase::HalfOpen { deadline, admitted: admitted + 1, succeeded };
                Some(Grant { generation: self.generation, probe: true })
            }
            Phase::HalfOpen { .. } => None,
        };
        (grant, change)
    }

    pub fn record(&mut self, grant: Grant, verdict: Verdict, now: Instant, latency: Duration) -> Option<Change> {
        if let Some(change) = self.expire(now) {
            return Some(change);
        }
        if grant.generation != self.generation {
            return None;
        }
        match (self.phase.clone(), verdict) {
            (_, Verdict::Ignored) => {
                if let Phase::HalfOpen { deadline, admitted, succeeded } = self.phase {
                    self.phase = Phase::HalfOpen { deadline, admitted: admitted.saturating_sub(1), succeeded };
                }
                None
            }
            (Phase::Closed { ramp }, v) => {
                let failed = v == Verdict::Failure;
                self.log.push((now, failed));
                let (calls, failures) = self.window(now);
                self.last_judged = Some((calls, failures));
                if let Some(mut step) = ramp {
                    step.outcomes.push((failed, latency));
                    self.phase = Phase::Closed { ramp: Some(step) };
                    if let Some(change) = self.judge_step(now) {
                        return Some(change);
                    }
                }
                self.reached(calls, failures).then(|| self.open(now, Reason::FailureRate))
            }
            (Phase::HalfOpen { .. }, Verdict::Failure) => Some(self.open(now, Reason::ProbeFailed)),
            (Phase::HalfOpen { deadline, admitted, succeeded }, Verdict::Success) => {
                if succeeded + 1 >= self.cfg.half_open_probes {
                    let ramp = (self.cfg.ramp.steps() > 0).then(|| Step::new(0, now));
                    if ramp.is_none() {
                        self.closed_since = Some(now);
                    }
                    Some(self.go(Phase::Closed { ramp }, Reason::ProbesSucceeded, None))
                } else {
                    self.phase = Phase::HalfOpen { deadline, admitted, succeeded: succeeded + 1 };
                    None
                }
            }
            (Phase::Open { .. }, _) => None,
        }
    }
}
