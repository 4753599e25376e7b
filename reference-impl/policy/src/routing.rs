//! Routing: which provider of a model's chain gets the next attempt.
//!
//! The chain order is the operator's preference, so the rule is the simplest one
//! that respects it: the first provider, in chain order, that this request has
//! not tried yet and whose breaker admits the call. Providers whose breakers
//! reject are skipped at no cost; the earliest time one of them may admit again
//! is kept for the client's `Retry-After` when nothing can serve. A request
//! whose context overflowed a model's window also skips the entries whose
//! window is known to be no larger ([`no_larger`]).
use std::time::Instant;

use super::breaker::{Admission, Breaker, Permit, Rejection, Transition};

/// The providers of a chain already tried by one request, by chain position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tried(u64);

/// Longest chain a model may have.
pub const MAX_CHAIN: usize = 64;

/// The order a request tries its chain in: the chain's own, or one given by
/// latency (see [`crate::nearest`]). `Copy`, so each request takes its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    hops: [u8; MAX_CHAIN],
    /// 0: the chain's own order.
    len: u8,
}

impl Order {
    /// The chain's own order.
    pub const CHAIN: Order = Order { hops: [0; MAX_CHAIN], len: 0 };

    /// These chain positions, in this order (at most [`MAX_CHAIN`]).
    pub fn of(hops: &[usize]) -> Self {
        let mut order = Self::CHAIN;
        for (slot, &hop) in order.hops.iter_mut().zip(hops) {
            *slot = hop as u8;
        }
        order.len = hops.len().min(MAX_CHAIN) as u8;
        order
    }

    /// The positions of a chain of `len` entries, in order.
    pub fn iter(&self, len: usize) -> impl Iterator<Item = usize> + '_ {
        let given = (self.len > 0).then(|| self.hops[..self.len as usize].iter().map(|&h| h as usize));
        let own = given.is_none().then_some(0..len);
        given.into_iter().flatten().chain(own.into_iter().flatten())
    }
}

impl Tried {
    /// Marks chain position `index` as tried.
    pub fn insert(&mut self, index: usize) {
        self.0 |= 1 << index;
    }

    /// Whether chain position `index` was tried.
    pub fn contains(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    /// Whether no position was tried yet.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The positions in either set.
    pub fn union(self, other: Tried) -> Tried {
        Tried(self.0 | other.0)
    }

    /// Every position but these.
    pub fn complement(self) -> Tried {
        Tried(!self.0)
    }
}

/// The chain positions that cannot take a request that overflowed the
/// context window of position `overflowed`: those whose window is known and
/// no larger. Where either window is unknown, nothing is ruled out.
pub fn no_larger(windows: &[Option<u64>], overflowed: usize) -> Tried {
    let mut ruled_out = Tried::default();
    if let Some(&Some(limit)) = windows.get(overflowed) {
        for (index, window) in windows.iter().enumerate() {
            if window.is_some_and(|w| w <= limit) {
                ruled_out.insert(index);
            }
        }
    }
    ruled_out
}

/// A chain position skipped because its breaker did not admit the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Skip {
    /// Chain position.
    pub index: usize,
    /// Why it was skipped.
    pub why: Rejection,
    /// When it may admit again.
    pub retry_at: Instant,
}

/// The outcome of one routing decision.
#[derive(Debug, Default)]
pub struct Selection {
    /// The chosen chain position and its permit, if any provider admitted.
    pub chosen: Option<(usize, Permit)>,
    /// Breaker transitions that happened while asking, by chain position.
    pub transitions: Vec<(usize, Transition)>,
    /// Positions skipped because their breakers rejected.
    pub skipped: Vec<Skip>,
}

impl Selection {
    /// The earliest time a skipped provider may admit again.
    pub fn earliest_retry(&self) -> Option<Instant> {
        self.skipped.iter().map(|s| s.retry_at).min()
    }
}

/// Picks the first untried provider, in `order`, whose breaker admits a call
/// at `now`. `draw` is a uniform number in [0, 1) for failback ramps.
pub fn select(breakers: &mut [Breaker], order: &Order, tried: Tried, now: Instant, draw: f64) -> Selection {
    let mut selection = Selection::default();
    for index in order.iter(breakers.len()) {
        if tried.contains(index) {
            continue;
        }
        let (admission, transition) = breakers[index].admit(now, draw);
        if let Some(t) = transition {
            selection.transitions.push((index, t));
        }
        match admission {
            Admission::Admitted(permit) => {
                selection.chosen = Some((index, permit));
                break;
            }
            Admission::Rejected { why, retry_at } => selection.skipped.push(Skip { index, why, retry_at }),
        }
    }
    selection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overflow_rules_out_the_windows_no_larger_than_the_one_that_overflowed() {
        let windows = [Some(8_192), Some(8_192), None, Some(128_000), Some(4_096)];
        let ruled_out = no_larger(&windows, 0);
        let out: Vec<usize> = (0..windows.len()).filter(|&i| ruled_out.contains(i)).collect();
        assert_eq!(out, [0, 1, 4], "equal and smaller windows; unknown and larger ones stay");
        assert!(no_larger(&windows, 2).is_empty(), "an unknown window rules nothing out");
        assert!(no_larger(&windows, 9).is_empty());
    }

    #[test]
    fn tried_positions_and_the_earliest_retry_of_skipped_ones() {
        let mut tried = Tried::default();
        assert!(tried.is_empty());
        tried.insert(3);
        assert!(!tried.is_empty() && tried.contains(3) && !tried.contains(2));
        let t0 = Instant::now();
        let skip =
            |index, ms| Skip { index, why: Rejection::Open, retry_at: t0 + std::time::Duration::from_millis(ms) };
        let selection = Selection { skipped: vec![skip(0, 30), skip(1, 10), skip(2, 20)], ..Selection::default() };
        assert_eq!(selection.earliest_retry(), Some(t0 + std::time::Duration::from_millis(10)));
        assert_eq!(Selection::default().earliest_retry(), None);
    }

    #[test]
    fn an_order_lists_its_positions_or_the_chains_own() {
        assert_eq!(Order::CHAIN.iter(3).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(Order::of(&[2, 0, 1]).iter(3).collect::<Vec<_>>(), [2, 0, 1]);
    }
}
