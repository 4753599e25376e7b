//! One request's way down its model's chain: which provider comes next, and
//! when.
//!
//! The shell asks the journey for an [`Action`], performs it (an attempt, or a
//! wait) and reports back what happened, with the time; the journey never
//! performs anything itself. The rules, in order, after a failed attempt:
//!
//! 1. The provider's breaker hears the outcome.
//! 2. A request that must not run twice and that the provider may have run is
//!    not replayed anywhere ([`crate::replay`]): the client is told so.
//! 3. A failure at the transport level (refused, reset, silent) moves the
//!    request at once to the next provider of the chain whose breaker admits
//!    it. Only when there is none is the same provider tried again: retrying a
//!    silent provider while a healthy one waits only spends the deadline.
//! 4. Otherwise the retry schedule ([`crate::retry`]) decides between the same
//!    provider after a backoff (paid for by the retry budget, and admitted
//!    again by its breaker when the backoff ends) and the next provider.
//! 5. The next provider is the first untried one of the chain, in the
//!    request's order (the chain's, or by latency: [`crate::nearest`]), whose
//!    breaker admits the call ([`crate::routing`]); when there is none, or the deadline
//!    has passed, the request is exhausted.
//!
//! Everything decided on the way is kept as a [`Decision`] for the decision
//! log, drained by the shell after each call.
use std::time::{Duration, Instant};

use super::breaker::{Admission, Breaker, Permit, Transition};
use super::budget::RetryBudget;
use super::classify::{Class, Verdict};
use super::decide::Decide;
use super::failure::Failure;
use super::replay::Replay;
use super::retry::{MoveOn, Next, RetryConfig};
use super::routing::{Order, Selection, Tried};
use super::soft::SoftClass;
use super::thresholds::Kind;

/// What the shell does next for the request.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send the request to chain position `hop` now, and report the outcome
    /// with `permit`.
    Attempt {
        /// Chain position.
        hop: usize,
        /// Leave from its breaker.
        permit: Permit,
    },
    /// Back off until `until`, then call [`Journey::resume`].
    Wait {
        /// When the backoff ends.
        until: Instant,
    },
    /// Stop: the request must not run twice and the provider at `hop` may
    /// have run it.
    NotReplayed {
        /// Chain position of the provider that may have run it.
        hop: usize,
        /// Class of its failure.
        class: Class,
    },
    /// Stop: no provider of the chain can take the request now (or the
    /// deadline has passed); one may admit again at `retry_at`.
    Exhausted {
        /// Earliest time a skipped provider may admit again.
        retry_at: Option<Instant>,
    },
}

/// A decision taken for the request, for the decision log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The breaker of chain position `hop` changed state.
    Transition {
        /// Chain position.
        hop: usize,
        /// The change, with the numbers behind it.
        transition: Transition,
    },
    /// Chain position `hop` was skipped: its breaker did not admit the call.
    Skipped {
        /// Chain position.
        hop: usize,
    },
    /// Chain position `hop` admitted the call but already had as many
    /// requests in flight as it may take: the attempt was not sent.
    Saturated {
        /// Chain position.
        hop: usize,
    },
    /// The same provider is tried again after `delay`.
    Retry {
        /// Chain position.
        hop: usize,
        /// The attempt about to be made on it (2 = first retry).
        attempt: u32,
        /// Class of the failure that caused it.
        class: Class,
        /// The backoff.
        delay: Duration,
    },
    /// The request left `from` after a failure of `class`, for `to` (if any
    /// provider could take it).
    Left {
        /// Chain position left.
        from: usize,
        /// Chain position tried next.
        to: Option<usize>,
        /// Class of the last failure on `from`.
        class: Class,
        /// Why no further attempt on `from`.
        why: MoveOn,
    },
}

/// One request's journey down its chain.
#[derive(Clone, Debug)]
pub struct Journey<'a> {
    retry: RetryConfig,
    /// The context window of each chain position, where known.
    windows: &'a [Option<u64>],
    /// The order the chain is tried in.
    order: Order,
    deadline: Instant,
    idempotent: bool,
    tried: Tried,
    /// The chain positions of the model's content-policy chain: closed to
    /// the request until a provider's content policy refuses it, then the
    /// only ones open.
    lane: Tried,
    in_lane: bool,
    /// The chain position being tried, and the attempts made on it.
    current: Option<(usize, u32)>,
    /// When the current attempt was admitted: its outcome's latency counts
    /// from then.
    attempt_since: Instant,
    attempts: u32,
    earliest_retry: Option<Instant>,
    last_failure: Option<(usize, Class)>,
    decisions: Vec<Decision>,
}

impl<'a> Journey<'a> {
    /// A request due at `deadline`, `idempotent` if it may run twice, for a
    /// chain whose positions have these context `windows` (where known).
    pub fn new(retry: RetryConfig, deadline: Instant, idempotent: bool, windows: &'a [Option<u64>]) -> Self {
        Self {
            retry,
            windows,
            order: Order::CHAIN,
            deadline,
            idempotent,
            tried: Tried::default(),
            lane: Tried::default(),
            in_lane: false,
            current: None,
            attempt_since: deadline,
            attempts: 0,
            earliest_retry: None,
            last_failure: None,
            decisions: Vec::new(),
        }
    }

    /// Tries the chain in `order` instead of its own (see [`crate::nearest`]).
    pub fn ordered(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// Keeps the chain positions of `lane` (the model's content-policy
    /// chain) for a request a provider's content policy refused: it goes
    /// there, and only there, after its first [`Class::ContentFiltered`].
    pub fn content_policy(mut self, lane: Tried) -> Self {
        self.lane = lane;
        self
    }

    /// Whether a content-policy refusal has a chain to go to.
    pub fn has_content_policy(&self) -> bool {
        !self.lane.is_empty()
    }

    /// The positions routing may not choose: those tried, and those of the
    /// other side of the content-policy lane.
    pub fn excluded(&self) -> Tried {
        let closed = if self.in_lane { self.lane.complement() } else { self.lane };
        self.tried.union(closed)
    }

    /// The request's deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Upstream attempts handed out so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The chain position and class of the last failed attempt.
    pub fn last_failure(&self) -> Option<(usize, Class)> {
        self.last_failure
    }

    /// The decisions taken since the last drain, oldest first.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Decision> {
        self.decisions.drain(..)
    }

    /// The first action: the first provider of the chain that admits the call.
    pub fn start<D: Decide>(&mut self, decide: &D, chain: &mut [Breaker], now: Instant, draw: f64) -> Action {
        self.route(decide, chain, now, draw)
    }

    /// The attempt on the current provider ended with an answer the client
    /// gets (a success, or the client's own error): its breaker hears it.
    pub fn answered<D: Decide>(
        &mut self,
        decide: &D,
        chain: &mut [Breaker],
        permit: Permit,
        class: Class,
        now: Instant,
    ) {
        if let Some((hop, _)) = self.current {
            self.record(decide, chain, hop, permit, class, Kind::Hard(class), now);
        }
    }

    /// The attempt on the current provider ended with an answer the client
    /// gets although it was judged wrong, of soft class `soft`, a class the
    /// gateway only flags: its breaker counts it as a failure when that class
    /// has an opening rate of its own there (see [`crate::thresholds`]), else
    /// as the success it is to the client.
    pub fn answered_wrong<D: Decide>(
        &mut self,
        decide: &D,
        chain: &mut [Breaker],
        permit: Permit,
        soft: SoftClass,
        now: Instant,
    ) {
        let Some((hop, _)) = self.current else { return };
        let kind = Kind::Soft(soft);
        let class = if decide.soft_counts(&chain[hop], soft) { Class::SoftFailure } else { Class::Success };
        self.record(decide, chain, hop, permit, class, kind, now);
    }

    /// The attempt on the current provider failed: what next. `budget` is the
    /// retry budget, if there is one; `draws` are two uniform numbers in
    /// [0, 1): the backoff's jitter and the failback ramp's draw.
    // Every argument is an input of the decision, lent for the call only: the
    // journey holds no reference to the gateway's shared state.
    #[allow(clippy::too_many_arguments)]
    pub fn failed<D: Decide>(
        &mut self,
        decide: &D,
        chain: &mut [Breaker],
        permit: Permit,
        failure: Failure,
        now: Instant,
        budget: Option<&mut RetryBudget>,
        draws: (f64, f64),
    ) -> Action {
        let Some((hop, attempts_here)) = self.current else {
            return self.exhausted();
        };
        self.record(decide, chain, hop, permit, failure.class, failure.kind(), now);
        self.last_failure = Some((hop, failure.class));
        if failure.class == Class::ContextOverflow {
            self.tried = self.tried.union(decide.too_small(self.windows, hop));
        }
        if failure.class == Class::ContentFiltered {
            self.in_lane = true;
        }
        if decide.replay(false, self.idempotent, &failure) != Replay::Allowed {
            return Action::NotReplayed { hop, class: failure.class };
        }
        if decide.moves_on_at_once(&failure) && now < self.deadline {
            let selection = decide.select(chain, &self.order, self.excluded(), now, draws.1);
            if selection.chosen.is_some() {
                return self.take(hop, failure.class, MoveOn::TransportFailure, selection, now);
            }
            self.note(&selection);
        }
        let (jitter, draw) = draws;
        match decide.after_failure(&self.retry, &failure, attempts_here, now, self.deadline, jitter) {
            Next::RetryAt(until) if decide.pays_for_retry(budget, now) => {
                let delay = until.saturating_duration_since(now);
                self.decisions.push(Decision::Retry { hop, attempt: attempts_here + 1, class: failure.class, delay });
                Action::Wait { until }
            }
            Next::RetryAt(_) => self.leave(decide, chain, hop, failure.class, MoveOn::RetryBudgetExhausted, now, draw),
            Next::MoveOn(why) => self.leave(decide, chain, hop, failure.class, why, now, draw),
        }
    }

    /// The attempt the last action named was not sent: its provider already
    /// had as many requests in flight as it may take. Saturation says nothing
    /// about the provider's health: its breaker gives the permit back
    /// unjudged, and the attempt is not counted. The next provider that
    /// admits the call is tried at once; with none, the request is exhausted.
    pub fn saturated<D: Decide>(
        &mut self,
        decide: &D,
        chain: &mut [Breaker],
        permit: Permit,
        now: Instant,
        draw: f64,
    ) -> Action {
        let Some((hop, _)) = self.current.take() else {
            return self.exhausted();
        };
        if let Some(transition) = chain[hop].record(permit, Verdict::Ignored, now) {
            self.decisions.push(Decision::Transition { hop, transition });
        }
        self.attempts = self.attempts.saturating_sub(1);
        self.tried.insert(hop);
        self.decisions.push(Decision::Saturated { hop });
        self.route(decide, chain, now, draw)
    }

    /// The attempt the journey gave leave for is not made, and no other will
    /// be (its budget is spent): the permit goes back unjudged, so that a
    /// half-open breaker's probe is not lost with it.
    pub fn withdraw(&mut self, chain: &mut [Breaker], permit: Permit, now: Instant) {
        let Some((hop, _)) = self.current.take() else { return };
        if let Some(transition) = chain[hop].record(permit, Verdict::Ignored, now) {
            self.decisions.push(Decision::Transition { hop, transition });
        }
        self.attempts = self.attempts.saturating_sub(1);
    }

    /// A backoff ended at `now`: the same provider again, if its breaker still
    /// admits the call, else the next one.
    pub fn resume<D: Decide>(&mut self, decide: &D, chain: &mut [Breaker], now: Instant, draw: f64) -> Action {
        let Some((hop, attempts_here)) = self.current else {
            return self.route(decide, chain, now, draw);
        };
        let (admission, transition) = chain[hop].admit(now, draw);
        if let Some(transition) = transition {
            self.decisions.push(Decision::Transition { hop, transition });
        }
        match admission {
            Admission::Admitted(permit) if now < self.deadline => {
                self.attempt_since = now;
                self.current = Some((hop, attempts_here + 1));
                self.attempts += 1;
                Action::Attempt { hop, permit }
            }
            Admission::Admitted(_) => self.exhausted(),
            Admission::Rejected { retry_at, .. } => {
                self.earliest_retry = earliest(self.earliest_retry, Some(retry_at));
                let class = self.last_failure.map_or(Class::Timeout, |(_, class)| class);
                self.leave(decide, chain, hop, class, MoveOn::BreakerRejectedRetry, now, draw)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record<D: Decide>(
        &mut self,
        decide: &D,
        chain: &mut [Breaker],
        hop: usize,
        permit: Permit,
        class: Class,
        kind: Kind,
        now: Instant,
    ) {
        let latency = now.saturating_duration_since(self.attempt_since);
        let verdict = decide.verdict(class);
        if let Some(transition) = chain[hop].record_kind(permit, verdict, Some(kind), now, latency) {
            self.decisions.push(Decision::Transition { hop, transition });
        }
    }

    /// Leaves `from` for the next provider that admits the call.
    #[allow(clippy::too_many_arguments)]
    fn leave<D: Decide>(
        &mut self,
        decide: &D,
        chain: &mut [Breaker],
        from: usize,
        class: Class,
        why: MoveOn,
        now: Instant,
        draw: f64,
    ) -> Action {
        if now >= self.deadline {
            self.decisions.push(Decision::Left { from, to: None, class, why });
            return self.exhausted();
        }
        let selection = decide.select(chain, &self.order, self.excluded(), now, draw);
        self.take(from, class, why, selection, now)
    }

    /// Takes the provider `selection` chose after leaving `from`, if any.
    fn take(&mut self, from: usize, class: Class, why: MoveOn, selection: Selection, now: Instant) -> Action {
        self.note(&selection);
        let to = selection.chosen.map(|(hop, _)| hop);
        self.decisions.push(Decision::Left { from, to, class, why });
        self.enter(selection, now)
    }

    fn route<D: Decide>(&mut self, decide: &D, chain: &mut [Breaker], now: Instant, draw: f64) -> Action {
        if now >= self.deadline {
            return self.exhausted();
        }
        let selection = decide.select(chain, &self.order, self.excluded(), now, draw);
        self.note(&selection);
        self.enter(selection, now)
    }

    /// Keeps what routing saw: transitions, skipped providers, when they may admit again.
    fn note(&mut self, selection: &Selection) {
        for &(hop, transition) in &selection.transitions {
            self.decisions.push(Decision::Transition { hop, transition });
        }
        for skip in &selection.skipped {
            self.decisions.push(Decision::Skipped { hop: skip.index });
        }
        self.earliest_retry = earliest(self.earliest_retry, selection.earliest_retry());
    }

    fn enter(&mut self, selection: Selection, now: Instant) -> Action {
        match selection.chosen {
            Some((hop, permit)) => {
                self.attempt_since = now;
                self.tried.insert(hop);
                self.current = Some((hop, 1));
                self.attempts += 1;
                Action::Attempt { hop, permit }
            }
            None => self.exhausted(),
        }
    }

    fn exhausted(&self) -> Action {
        Action::Exhausted { retry_at: self.earliest_retry }
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::BreakerConfig;
    use crate::classify::TransportFailure;
    use crate::decide::Standard;

    const MS: Duration = Duration::from_millis(1);

    fn breakers(n: usize) -> Vec<Breaker> {
        let config = BreakerConfig {
            window: 1_000 * MS,
            min_calls: 100,
            threshold_ppm: 500_000,
            open: 100 * MS,
            open_max: 100 * MS,
            half_open_probes: 1,
            probe_timeout: 50 * MS,
            backoff_reset: 1_000 * MS,
            ramp: crate::RampConfig::NONE,
            active_probes: false,
            classes: crate::ClassThresholds::NONE,
        };
        (0..n).map(|_| Breaker::new(config)).collect()
    }

    const RETRY: RetryConfig =
        RetryConfig { max_attempts: 2, base: MS, cap: MS, retry_after_cap: Duration::from_millis(100) };

    fn attempt(action: Action) -> (usize, Permit) {
        match action {
            Action::Attempt { hop, permit } => (hop, permit),
            other => panic!("expected an attempt, got {other:?}"),
        }
    }

    #[test]
    fn a_silent_provider_is_left_at_once_for_one_that_admits() {
        let t0 = Instant::now();
        let mut chain = breakers(2);
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &[]);
        let (hop, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        assert_eq!(hop, 0);
        let silent = Failure::transport(TransportFailure::TimedOut);
        let (next, _) = attempt(journey.failed(&Standard, &mut chain, permit, silent, t0, None, (0.0, 0.0)));
        assert_eq!(next, 1, "the secondary, not a retry of the primary");
        let left: Vec<Decision> = journey.drain().collect();
        assert_eq!(
            left,
            [Decision::Left { from: 0, to: Some(1), class: Class::Timeout, why: MoveOn::TransportFailure }]
        );
    }

    #[test]
    fn a_saturated_provider_is_passed_over_at_once_unjudged_and_uncounted() {
        let t0 = Instant::now();
        let mut chain = breakers(2);
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &[]);
        let (hop, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        assert_eq!(hop, 0);
        let (next, permit) = attempt(journey.saturated(&Standard, &mut chain, permit, t0, 0.0));
        assert_eq!((next, journey.attempts()), (1, 1), "the secondary, and only it counted as sent");
        assert_eq!(journey.drain().collect::<Vec<_>>(), [Decision::Saturated { hop: 0 }]);
        assert_eq!(chain[0].window_counts(t0), (0, 0), "the primary's breaker heard nothing");
        // The secondary saturated too: no provider is left, and nothing is retried.
        let end = journey.saturated(&Standard, &mut chain, permit, t0, 0.0);
        assert_eq!(end, Action::Exhausted { retry_at: None });
        assert_eq!(journey.attempts(), 0);
    }

    #[test]
    fn a_withdrawn_attempt_is_uncounted_and_its_breaker_hears_nothing() {
        let t0 = Instant::now();
        let mut chain = breakers(2);
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &[]);
        let (_, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        journey.withdraw(&mut chain, permit, t0);
        assert_eq!(journey.attempts(), 0);
        assert_eq!(chain[0].window_counts(t0), (0, 0));
        assert_eq!(journey.drain().count(), 0, "no transition, no decision");
        let (_, again) = attempt(journey.resume(&Standard, &mut chain, t0, 0.0));
        journey.withdraw(&mut chain, again, t0);
        journey.withdraw(&mut chain, again, t0);
        assert_eq!(journey.attempts(), 0, "a second withdrawal of nothing changes nothing");
    }

    #[test]
    fn the_last_provider_of_the_chain_is_retried_after_a_timeout() {
        let t0 = Instant::now();
        let mut chain = breakers(1);
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &[]);
        let (_, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        let silent = Failure::transport(TransportFailure::TimedOut);
        let action = journey.failed(&Standard, &mut chain, permit, silent, t0, None, (1.0, 0.0));
        assert_eq!(action, Action::Wait { until: t0 + MS });
        let (hop, permit) = attempt(journey.resume(&Standard, &mut chain, t0 + MS, 0.0));
        assert_eq!((hop, journey.attempts()), (0, 2));
        let action = journey.failed(&Standard, &mut chain, permit, silent, t0 + 2 * MS, None, (0.0, 0.0));
        assert_eq!(action, Action::Exhausted { retry_at: None });
        assert_eq!(journey.last_failure(), Some((0, Class::Timeout)));
    }

    #[test]
    fn an_error_status_is_retried_on_the_same_provider_first() {
        let t0 = Instant::now();
        let mut chain = breakers(2);
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &[]);
        let (_, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        let action = journey.failed(
            &Standard,
            &mut chain,
            permit,
            Failure::answered(Class::ServerError, None),
            t0,
            None,
            (0.5, 0.0),
        );
        assert!(matches!(action, Action::Wait { .. }));
        assert!(matches!(journey.drain().next(), Some(Decision::Retry { hop: 0, attempt: 2, .. })));
    }

    #[test]
    fn a_request_that_may_have_run_is_not_replayed() {
        let t0 = Instant::now();
        let mut chain = breakers(2);
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, false, &[]);
        let (_, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        let reset = Failure::transport(TransportFailure::Reset);
        let action = journey.failed(&Standard, &mut chain, permit, reset, t0, None, (0.0, 0.0));
        assert_eq!(action, Action::NotReplayed { hop: 0, class: Class::ConnectionFailed });
    }

    #[test]
    fn an_empty_retry_budget_moves_the_request_on() {
        let t0 = Instant::now();
        let mut chain = breakers(2);
        let mut budget = RetryBudget::new(crate::budget::BudgetConfig { ratio_ppm: 0, min_per_sec: 0, capacity: 0 });
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &[]);
        let (_, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        let failure = Failure::answered(Class::ServerError, None);
        let (hop, _) =
            attempt(journey.failed(&Standard, &mut chain, permit, failure, t0, Some(&mut budget), (0.0, 0.0)));
        assert_eq!(hop, 1);
        assert!(journey.drain().any(|d| matches!(d, Decision::Left { why: MoveOn::RetryBudgetExhausted, .. })));
    }

    #[test]
    fn a_context_overflow_skips_the_windows_no_larger() {
        let t0 = Instant::now();
        let mut chain = breakers(3);
        let windows = [Some(8_192), Some(8_192), Some(128_000)];
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &windows);
        let (_, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        let overflow = Failure::answered(Class::ContextOverflow, None);
        let (hop, _) = attempt(journey.failed(&Standard, &mut chain, permit, overflow, t0, None, (0.0, 0.0)));
        assert_eq!(hop, 2, "the larger window, past the one as small");
    }

    #[test]
    fn a_content_policy_refusal_goes_to_the_content_policy_chain_and_nowhere_else() {
        let t0 = Instant::now();
        // Positions 0 and 1 are the chain; 2 and 3 its content-policy chain.
        let mut lane = Tried::default();
        lane.insert(2);
        lane.insert(3);
        let mut chain = breakers(4);
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &[]).content_policy(lane);
        assert!(journey.has_content_policy());
        // A failure, and a backoff waited out if one is asked for.
        let (hop, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        let mut fail = |journey: &mut Journey, permit, failure| match journey.failed(
            &Standard,
            &mut chain,
            permit,
            failure,
            t0,
            None,
            (0.0, 0.0),
        ) {
            Action::Wait { until } => journey.resume(&Standard, &mut chain, until, 0.0),
            action => action,
        };
        assert_eq!(hop, 0);
        let error = Failure::answered(Class::ServerError, None);
        let (hop, permit) = attempt(fail(&mut journey, permit, error));
        assert_eq!(hop, 0, "retried once on the same provider");
        let (hop, permit) = attempt(fail(&mut journey, permit, error));
        assert_eq!(hop, 1, "an ordinary failure stays on the chain");
        let refused = Failure::content_filtered(false);
        let (hop, permit) = attempt(fail(&mut journey, permit, refused));
        assert_eq!(hop, 2, "a refusal goes to the content-policy chain, never retried where it was refused");
        let (hop, permit) = attempt(fail(&mut journey, permit, refused));
        assert_eq!(hop, 3);
        let (hop, permit) = attempt(fail(&mut journey, permit, error));
        assert_eq!(hop, 3, "an entry of it is retried as any entry is");
        let action = fail(&mut journey, permit, error);
        assert!(matches!(action, Action::Exhausted { .. }), "never back to the chain: {action:?}");
    }

    #[test]
    fn without_a_content_policy_chain_its_positions_are_never_chosen() {
        let t0 = Instant::now();
        let mut lane = Tried::default();
        lane.insert(1);
        let mut chain = breakers(2);
        let mut journey = Journey::new(RETRY, t0 + 1_000 * MS, true, &[]).content_policy(lane);
        let (_, permit) = attempt(journey.start(&Standard, &mut chain, t0, 0.0));
        let reset = Failure::transport(TransportFailure::Refused);
        let action = journey.failed(&Standard, &mut chain, permit, reset, t0, None, (0.0, 0.0));
        let action = match action {
            Action::Attempt { hop: 0, permit } => {
                journey.failed(&Standard, &mut chain, permit, reset, t0, None, (0.0, 0.0))
            }
            other => other,
        };
        assert!(
            !matches!(action, Action::Attempt { hop: 1, .. }),
            "the lane is closed to an ordinary failure: {action:?}"
        );
    }

    #[test]
    fn nothing_is_attempted_at_or_after_the_deadline() {
        let t0 = Instant::now();
        let mut chain = breakers(2);
        let mut journey = Journey::new(RETRY, t0, true, &[]);
        assert_eq!(journey.start(&Standard, &mut chain, t0, 0.0), Action::Exhausted { retry_at: None });
        assert_eq!(journey.attempts(), 0);
    }
}
