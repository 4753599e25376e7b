//! Property 32: a failover episode is what happened. Over any sequence of
//! attempts, breaker opens and closes and requests served by a fallback, a
//! tracker reports one episode per close that follows an open, none
//! otherwise; it starts at the first failure since the provider last
//! answered well (or at the open, if none), is detected at its first open,
//! counts every later open as a failed probe, takes the first fallback
//! success since its start, and all its times fit inside its duration.
use std::time::{Duration, Instant};

use failover_policy::Class;
use failover_policy::episode::{Episode, Tracker};
use proptest::prelude::*;

/// What happens to a provider, each after a gap in ms.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// An attempt: failed or not.
    Attempt(bool),
    /// Its breaker opened.
    Opened,
    /// A later provider served at this depth.
    Covered(u32),
    /// Its breaker closed.
    Closed,
}

/// Sequences of events.
pub fn events() -> impl Strategy<Value = Vec<(u64, Event)>> {
    let event = prop_oneof![
        4 => any::<bool>().prop_map(Event::Attempt),
        1 => Just(Event::Opened),
        2 => (1u32..3).prop_map(Event::Covered),
        1 => Just(Event::Closed),
    ];
    proptest::collection::vec((0u64..50, event), 1..80)
}

/// A tracker under test.
pub trait Tracks {
    /// Feeds one event at `at`; a close may end an episode.
    fn feed(&mut self, event: Event, at: Instant) -> Option<Episode>;
}

impl Tracks for Tracker {
    fn feed(&mut self, event: Event, at: Instant) -> Option<Episode> {
        match event {
            Event::Attempt(failed) => {
                self.attempt(failed, if failed { Class::ServerError } else { Class::Success }, at);
                None
            }
            Event::Opened => {
                self.opened(at);
                None
            }
            Event::Covered(depth) => {
                self.covered(depth, at);
                None
            }
            Event::Closed => self.closed(at),
        }
    }
}

/// Checks property 32 on `tracker`.
pub fn episodes_are_what_happened(tracker: &mut impl Tracks, events: &[(u64, Event)]) -> Result<(), String> {
    let t0 = Instant::now();
    let mut now = t0;
    // The model: failing since, first fallback since then, the open episode (start, detected, opens).
    let (mut failing, mut covered): (Option<Instant>, Option<(Instant, u32)>) = (None, None);
    let mut open: Option<(Instant, Instant, u32)> = None;
    for &(gap, event) in events {
        now += Duration::from_millis(gap);
        let got = tracker.feed(event, now);
        let expected = match event {
            Event::Attempt(true) => {
                failing.get_or_insert(now);
                None
            }
            Event::Attempt(false) => {
                if open.is_none() {
                    (failing, covered) = (None, None);
                }
                None
            }
            Event::Covered(depth) => {
                if failing.is_some() || open.is_some() {
                    covered.get_or_insert((now, depth));
                }
                None
            }
            Event::Opened => {
                match &mut open {
                    Some((_, _, opens)) => *opens += 1,
                    None => open = Some((failing.unwrap_or(now), now, 0)),
                }
                None
            }
            Event::Closed => open.take().map(|(start, detected, opens)| {
                let first = covered.take().filter(|(t, _)| *t >= start);
                failing = None;
                (start, detected - start, first.map(|(t, _)| t - start), first.map(|(_, d)| d), now - start, opens)
            }),
        };
        let got = got.map(|e| (e.started, e.detect, e.first_success, e.depth, e.duration, e.reopens));
        if got != expected {
            return Err(format!("after {event:?} at +{:?}: got {got:?}, expected {expected:?}", now - t0));
        }
        if let Some((_, detect, first, _, duration, _)) = got {
            if detect > duration || first.is_some_and(|f| f > duration) {
                return Err(format!("times outside the episode: {got:?}"));
            }
        }
    }
    Ok(())
}
