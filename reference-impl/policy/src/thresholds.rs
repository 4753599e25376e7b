//! Opening rates of their own for chosen failure classes.
//!
//! One failure rate for every class treats a provider shedding 5 % of calls
//! with 429s like one inventing 5 % of its citations. The seed's example asks
//! for the opposite: tolerate rate limits up to 5 %, open at 2 % ungrounded
//! answers. A class given a threshold here is judged against it alone, in the
//! breaker's one window (the same calls, the same `min_calls`), and no longer
//! adds to the general failure rate; every other failing class does. A soft
//! class given a threshold counts in the window even when the gateway only
//! flags it, so a provider answering 200 with wrong answers can be taken out
//! of rotation without failing any client's request over.
use crate::classify::{ALL_CLASSES, Class};
use crate::soft::{ALL_SOFT, SoftClass};

/// What a counted failure was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A failure the classification table names (see [`crate::classify`]).
    Hard(Class),
    /// An answer judged wrong (see [`crate::soft`]).
    Soft(SoftClass),
}

/// Slots: one per [`Class`], then one per [`SoftClass`].
const SLOTS: usize = ALL_CLASSES.len() + ALL_SOFT.len();

impl Kind {
    /// Its slot in the tables below (a unit test ties it to the class lists).
    const fn slot(self) -> usize {
        match self {
            Kind::Hard(class) => class as usize,
            Kind::Soft(class) => ALL_CLASSES.len() + class as usize,
        }
    }

    /// The kind whose class is named `name`, if any.
    pub fn named(name: &str) -> Option<Kind> {
        (0..SLOTS).map(kind_of).find(|kind| kind.name() == name)
    }

    /// The snake_case name of its class.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Hard(class) => class.as_str(),
            Kind::Soft(class) => class.name(),
        }
    }
}

/// Per-class opening rates, in parts per million; 0 in a slot: no threshold
/// of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ClassThresholds([u32; SLOTS]);

impl ClassThresholds {
    /// No class has a threshold of its own.
    pub const NONE: Self = Self([0; SLOTS]);

    /// With `kind` opening at `ppm` (clamped to 1..=1,000,000: a threshold
    /// of 0 would open on no failure at all).
    #[must_use]
    pub fn with(mut self, kind: Kind, ppm: u32) -> Self {
        self.0[kind.slot()] = ppm.clamp(1, 1_000_000);
        self
    }

    /// The threshold of `kind`, if it has one.
    pub fn of(&self, kind: Kind) -> Option<u32> {
        Some(self.0[kind.slot()]).filter(|&ppm| ppm > 0)
    }

    /// Whether `kind` is judged on its own.
    pub fn has(&self, kind: Kind) -> bool {
        self.of(kind).is_some()
    }

    /// Of the `counts` in a window of `calls`, the failures that add to the
    /// general failure rate (those of no class with its own threshold), and
    /// the first class whose own threshold they reach, with its count.
    pub fn judge(&self, counts: &Counts, calls: u32) -> (u32, Option<(Kind, u32)>) {
        let mut general = counts.untyped;
        let mut reached = None;
        for (slot, (&ppm, &count)) in self.0.iter().zip(&counts.by_slot).enumerate() {
            if ppm == 0 {
                general += count;
            } else if reached.is_none()
                && count > 0
                && u64::from(count) * 1_000_000 >= u64::from(ppm) * u64::from(calls)
            {
                reached = Some((kind_of(slot), count));
            }
        }
        (general, reached)
    }
}

fn kind_of(slot: usize) -> Kind {
    match ALL_CLASSES.get(slot) {
        Some(&class) => Kind::Hard(class),
        None => Kind::Soft(ALL_SOFT[slot - ALL_CLASSES.len()]),
    }
}

/// Failures counted by kind; failures reported without one are `untyped`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    by_slot: [u32; SLOTS],
    untyped: u32,
}

impl Counts {
    /// One more failure of `kind` (`None`: of no known kind).
    pub fn add(&mut self, kind: Option<Kind>) {
        *self.cell(kind) += 1;
    }

    /// One failure of `kind` fewer (it left the window).
    pub fn remove(&mut self, kind: Option<Kind>) {
        let cell = self.cell(kind);
        *cell = cell.saturating_sub(1);
    }

    fn cell(&mut self, kind: Option<Kind>) -> &mut u32 {
        match kind {
            Some(kind) => &mut self.by_slot[kind.slot()],
            None => &mut self.untyped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_its_own_slot() {
        let kinds = ALL_CLASSES.iter().map(|&c| Kind::Hard(c)).chain(ALL_SOFT.iter().map(|&c| Kind::Soft(c)));
        for (slot, kind) in kinds.enumerate() {
            assert_eq!(kind.slot(), slot, "{kind:?}");
            assert_eq!(kind_of(slot), kind);
            assert_eq!(Kind::named(kind.name()), Some(kind));
        }
    }

    #[test]
    fn a_class_with_a_threshold_is_judged_alone_and_leaves_the_general_rate() {
        let hallucination = Kind::Soft(SoftClass::Hallucination);
        let rate_limited = Kind::Hard(Class::RateLimited);
        let t = ClassThresholds::NONE.with(hallucination, 20_000).with(rate_limited, 50_000);
        let mut counts = Counts::default();
        counts.add(Some(Kind::Hard(Class::ServerError)));
        counts.add(None);
        for _ in 0..4 {
            counts.add(Some(rate_limited));
        }
        // 4 rate limits in 100 calls: under 5 %, and not general failures.
        assert_eq!(t.judge(&counts, 100), (2, None));
        counts.add(Some(rate_limited));
        assert_eq!(t.judge(&counts, 100), (2, Some((rate_limited, 5))), "reaching it counts");
        counts.remove(Some(rate_limited));
        counts.add(Some(hallucination));
        counts.add(Some(hallucination));
        assert_eq!(t.judge(&counts, 100), (2, Some((hallucination, 2))));
        assert_eq!(t.judge(&counts, 101), (2, None), "2 of 101 is under 2 %");
    }

    #[test]
    fn thresholds_are_clamped_into_a_rate() {
        let k = Kind::Soft(SoftClass::Refusal);
        assert_eq!(ClassThresholds::NONE.with(k, 0).of(k), Some(1));
        assert_eq!(ClassThresholds::NONE.with(k, 2_000_000).of(k), Some(1_000_000));
        assert_eq!(ClassThresholds::NONE.of(k), None);
        assert!(!ClassThresholds::NONE.has(k));
        assert_eq!(Kind::Hard(Class::Timeout).name(), "timeout");
        assert_eq!(k.name(), "refusal");
        assert_eq!(Kind::named("no_such_class"), None);
    }
}
