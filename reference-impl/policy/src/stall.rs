//! A provider that has stopped answering: a stall.
//!
//! A provider that hangs fails no attempt until each one's timeout, and a
//! breaker judges outcomes, so it learns nothing for the whole timeout while
//! every request sent meanwhile waits on the silent provider. Under load that
//! is thousands of requests. A stall is told from a slow provider by its
//! silence: a slow provider that has requests in flight still answers some of
//! them, a stalled one answers none.
//!
//! An attempt still waiting on its provider `after` its start is overdue.
//! The provider is stalled when `attempts` of its attempts are overdue at
//! once and it has answered nothing for `after`. The shell then drains the
//! provider's breakers and abandons its overdue attempts, each of which fails
//! over like a timed-out one (replay safety is judged as for a timeout). Until
//! the provider answers again, an attempt that becomes overdue is abandoned at
//! once, a half-open probe included, so no request waits out its timeout on
//! a provider known to be silent.
//!
//! One answer of any kind (a success, an error status, a reset or a refused
//! connection: anything but silence) is progress, and ends the stall.
//!
//! Abandoning an attempt helps only when another provider can take it: an
//! overdue attempt whose request has no other provider in rotation left to
//! try ([`elsewhere`]) stays, and is not counted. Without that, a provider
//! suddenly sent every request (its connections still being opened, its
//! answers late) would be found stalled just as it became the last way out,
//! and slow answers would become errors. The way out is the request's own:
//! a provider it has already left (a request failed over from a stalled
//! primary that has since recovered) is no way out for it.
use std::time::{Duration, Instant};

use crate::breaker::{Breaker, State};
use crate::routing::Tried;

/// Whether a request that may no longer go to the chain positions
/// `closed_to` (those it tried, and any its content-policy lane closes) has
/// another provider in rotation: one it may go to whose breaker is closed.
pub fn elsewhere(chain: &[Breaker], closed_to: Tried) -> bool {
    chain.iter().enumerate().any(|(hop, breaker)| !closed_to.contains(hop) && breaker.state() == State::Closed)
}

/// When a provider counts as stalled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StallConfig {
    /// How long an attempt waits before it is overdue, and how long the
    /// provider must have been silent. Above the provider's slowest normal
    /// answer.
    pub after: Duration,
    /// Overdue attempts at once that make a stall (≥ 1).
    pub attempts: u32,
}

/// What an attempt that has just become overdue does.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overdue {
    /// Keep waiting for the provider's answer; when it ends, say so with
    /// [`Stall::settled`] and this epoch.
    Wait {
        /// Which stall this attempt may be abandoned with.
        epoch: u64,
    },
    /// This attempt made the provider stalled: drain its breakers, abandon
    /// every overdue attempt, this one included.
    Stalled,
    /// The provider was already stalled: abandon this attempt.
    Abandon,
    /// Nowhere else to go: keep waiting, uncounted, and never abandoned.
    Stay,
}

/// One provider's silence, as its attempts saw it.
#[derive(Clone, Debug)]
pub struct Stall {
    config: StallConfig,
    /// Attempts overdue and still waiting.
    overdue: u32,
    /// The provider's last answer of any kind.
    answered_at: Option<Instant>,
    /// Since when it is stalled (and silent since).
    stalled_since: Option<Instant>,
    /// Stalls so far: an attempt abandoned with one is counted out already.
    epoch: u64,
}

impl Stall {
    /// A provider not heard from yet, and not stalled.
    pub fn new(config: StallConfig) -> Self {
        Self { config, overdue: 0, answered_at: None, stalled_since: None, epoch: 0 }
    }

    /// The settings.
    pub fn config(&self) -> StallConfig {
        self.config
    }

    /// The provider answered an attempt at `now`: it is not silent, and no
    /// longer stalled.
    pub fn answered(&mut self, now: Instant) {
        self.answered_at = Some(self.answered_at.map_or(now, |at| at.max(now)));
        self.stalled_since = None;
    }

    /// An attempt has waited `after` at `now` without an answer; another
    /// provider could take it when `elsewhere`. When told to wait, it must be
    /// [`settled`](Self::settled) as it ends.
    pub fn overdue(&mut self, now: Instant, elsewhere: bool) -> Overdue {
        if !elsewhere {
            return Overdue::Stay;
        }
        if self.stalled_since.is_some() {
            return Overdue::Abandon;
        }
        let silent = self.answered_at.is_none_or(|at| at + self.config.after <= now);
        if silent && self.overdue + 1 >= self.config.attempts.max(1) {
            self.stalled_since = Some(now);
            // Every overdue attempt is abandoned with this one.
            self.overdue = 0;
            self.epoch += 1;
            return Overdue::Stalled;
        }
        self.overdue += 1;
        Overdue::Wait { epoch: self.epoch }
    }

    /// An overdue attempt told to wait in `epoch` has ended: answered,
    /// failed, or abandoned. One abandoned with a stall since was counted
    /// out by it.
    pub fn settled(&mut self, epoch: u64) {
        if epoch == self.epoch {
            self.overdue = self.overdue.saturating_sub(1);
        }
    }

    /// Attempts overdue and still waiting.
    pub fn waiting(&self) -> u32 {
        self.overdue
    }

    /// Since when the provider is stalled, if it is.
    pub fn stalled_since(&self) -> Option<Instant> {
        self.stalled_since
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AFTER: Duration = Duration::from_millis(200);

    fn stall(attempts: u32) -> (Stall, Instant) {
        (Stall::new(StallConfig { after: AFTER, attempts }), Instant::now())
    }

    #[test]
    fn the_attempts_th_overdue_attempt_of_a_silent_provider_makes_it_stalled() {
        let (mut s, t0) = stall(3);
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Wait { epoch: 0 });
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Wait { epoch: 0 });
        assert_eq!(s.waiting(), 2);
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Stalled);
        assert_eq!(s.stalled_since(), Some(t0 + AFTER));
        assert_eq!(s.waiting(), 0, "the overdue attempts are abandoned with it");
    }

    #[test]
    fn an_answer_within_after_keeps_a_provider_from_stalling() {
        let (mut s, t0) = stall(2);
        s.answered(t0 + Duration::from_millis(100));
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Wait { epoch: 0 });
        // Answered 100 ms before: 199 ms of silence is not enough...
        assert_eq!(s.overdue(t0 + Duration::from_millis(299), true), Overdue::Wait { epoch: 0 });
        // ...200 ms is.
        assert_eq!(s.overdue(t0 + Duration::from_millis(300), true), Overdue::Stalled);
    }

    #[test]
    fn settled_attempts_are_no_longer_overdue() {
        let (mut s, t0) = stall(2);
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Wait { epoch: 0 });
        s.settled(0);
        assert_eq!(s.waiting(), 0);
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Wait { epoch: 0 });
        s.settled(0);
        s.settled(0);
        assert_eq!(s.waiting(), 0, "never below zero");
    }

    #[test]
    fn an_attempt_abandoned_with_a_stall_is_not_settled_twice() {
        let (mut s, t0) = stall(3);
        let Overdue::Wait { epoch } = s.overdue(t0 + AFTER, true) else { panic!("the first waits") };
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Wait { epoch });
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Stalled);
        s.answered(t0 + AFTER * 2);
        assert_eq!(s.overdue(t0 + AFTER * 2, true), Overdue::Wait { epoch: epoch + 1 });
        // The two abandoned with the stall end now: the new one still waits.
        s.settled(epoch);
        s.settled(epoch);
        assert_eq!(s.waiting(), 1);
        s.settled(epoch + 1);
        assert_eq!(s.waiting(), 0);
    }

    #[test]
    fn a_stalled_provider_has_every_overdue_attempt_abandoned_until_it_answers() {
        let (mut s, t0) = stall(1);
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Stalled);
        assert_eq!(s.overdue(t0 + AFTER * 2, true), Overdue::Abandon);
        assert_eq!(s.waiting(), 0);
        s.answered(t0 + AFTER * 3);
        assert_eq!(s.stalled_since(), None);
        assert_eq!(s.overdue(t0 + AFTER * 3, true), Overdue::Wait { epoch: 1 }, "just answered: not silent");
    }

    #[test]
    fn answers_out_of_order_keep_the_latest() {
        let (mut s, t0) = stall(1);
        s.answered(t0 + AFTER);
        s.answered(t0);
        assert_eq!(s.overdue(t0 + AFTER + AFTER / 2, true), Overdue::Wait { epoch: 0 });
    }

    #[test]
    fn an_attempt_with_nowhere_else_to_go_stays_uncounted() {
        let (mut s, t0) = stall(1);
        assert_eq!(s.overdue(t0 + AFTER, false), Overdue::Stay);
        assert_eq!((s.waiting(), s.stalled_since()), (0, None));
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Stalled);
        assert_eq!(s.overdue(t0 + AFTER, false), Overdue::Stay, "even on a stalled provider");
    }

    fn chain(n: usize) -> Vec<Breaker> {
        let config = crate::BreakerConfig {
            window: AFTER,
            min_calls: 1,
            threshold_ppm: 500_000,
            open: AFTER,
            open_max: AFTER,
            half_open_probes: 1,
            probe_timeout: AFTER,
            backoff_reset: AFTER,
            ramp: crate::RampConfig::NONE,
            active_probes: false,
            classes: crate::ClassThresholds::NONE,
        };
        (0..n).map(|_| Breaker::new(config)).collect()
    }

    fn tried(hops: &[usize]) -> Tried {
        let mut tried = Tried::default();
        hops.iter().for_each(|&h| tried.insert(h));
        tried
    }

    #[test]
    fn elsewhere_is_a_closed_provider_the_request_has_not_tried() {
        let (mut chain, t0) = (chain(3), Instant::now());
        assert!(elsewhere(&chain, tried(&[1])), "the first and the last are closed and untried");
        assert!(!elsewhere(&chain, tried(&[0, 1, 2])), "every provider tried: nowhere else");
        assert!(elsewhere(&chain, tried(&[0, 1])), "the last is left");
        chain[2].drain(t0, crate::Reason::Stalled);
        assert!(!elsewhere(&chain, tried(&[0, 1])), "the one left is out of rotation");
        assert!(elsewhere(&chain, tried(&[1])), "the first is closed and untried");
    }

    #[test]
    fn zero_attempts_count_as_one() {
        let (mut s, t0) = stall(0);
        assert_eq!(s.overdue(t0 + AFTER, true), Overdue::Stalled);
        assert_eq!(s.config().attempts, 0);
    }
}
