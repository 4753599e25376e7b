//! The fallback activation rate of one model: the share of its requests,
//! over a sliding window, that were not served by the first provider of its
//! chain. Monitoring practice reads it in three levels: below `warning` the
//! chain is healthy, from `warning` to `alert` it is worth a look, above
//! `alert` something is wrong (by default 1 % and 5 %).
//!
//! The window is kept as counts in equal time buckets ([`Window`]). The level is computed only once the
//! window holds `min_requests` requests: one fallback among three requests
//! is not a 33 % rate worth an alert.
use std::time::{Duration, Instant};

use crate::window::Window;

/// The knobs, validated at the boundary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ActivationConfig {
    /// Sliding window length.
    pub window: Duration,
    /// Share at and above which the level is `Warning`, in (0, 1].
    pub warning: f64,
    /// Share above which the level is `Alert`, in [`warning`, 1].
    pub alert: f64,
    /// Requests the window must hold before the level leaves `Healthy`.
    pub min_requests: u32,
}

/// How the rate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "snake_case"))]
pub enum Level {
    /// Below `warning`.
    Healthy,
    /// From `warning` up to `alert`.
    Warning,
    /// Above `alert`.
    Alert,
}

impl Level {
    /// The snake_case name used in events and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Healthy => "healthy",
            Level::Warning => "warning",
            Level::Alert => "alert",
        }
    }
}

/// The rate as of one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    /// Requests in the window.
    pub requests: u64,
    /// Of those, requests not served by the chain's first provider.
    pub fallbacks: u64,
    /// `fallbacks / requests` (0 with no request).
    pub rate: f64,
    /// Its level.
    pub level: Level,
}

/// A change of level, to be logged.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Level before.
    pub from: Level,
    /// Level after.
    pub to: Level,
    /// The reading that made it.
    pub reading: Reading,
}

/// One model's activation rate.
#[derive(Clone, Debug)]
pub struct ActivationRate {
    config: ActivationConfig,
    /// (requests, fallbacks) per bucket.
    window: Window<(u64, u64)>,
    level: Level,
}

/// The level of `fallbacks` out of `requests`.
pub fn level(config: &ActivationConfig, requests: u64, fallbacks: u64) -> Level {
    if requests < u64::from(config.min_requests) || requests == 0 {
        return Level::Healthy;
    }
    let rate = fallbacks as f64 / requests as f64;
    if rate > config.alert {
        Level::Alert
    } else if rate >= config.warning {
        Level::Warning
    } else {
        Level::Healthy
    }
}

impl ActivationRate {
    /// An empty window, at the healthy level.
    pub fn new(config: ActivationConfig) -> Self {
        Self { config, window: Window::new(config.window), level: Level::Healthy }
    }

    /// Counts a request that ended at `now`, served by the chain's first
    /// provider or not (`fell_back`); returns the change of level it made, if any.
    pub fn record(&mut self, now: Instant, fell_back: bool) -> Option<Change> {
        let (requests, fallbacks) = self.window.at(now);
        *requests += 1;
        *fallbacks += u64::from(fell_back);
        self.update(now)
    }

    /// Time buckets the window holds now (memory stays bounded: at most one
    /// per twentieth of the window).
    pub fn buckets_held(&self) -> usize {
        self.window.buckets_held()
    }

    /// The rate at `now`, and the change of level the passing of time made.
    pub fn poll(&mut self, now: Instant) -> (Reading, Option<Change>) {
        let change = self.update(now);
        (self.reading_at(now), change)
    }

    fn update(&mut self, now: Instant) -> Option<Change> {
        let reading = self.reading_at(now);
        let from = self.level;
        self.level = reading.level;
        (from != reading.level).then_some(Change { from, to: reading.level, reading })
    }

    fn reading_at(&mut self, now: Instant) -> Reading {
        let (requests, fallbacks) = self.window.held(now).fold((0, 0), |(r, f), &(br, bf)| (r + br, f + bf));
        let rate = if requests == 0 { 0.0 } else { fallbacks as f64 / requests as f64 };
        Reading { requests, fallbacks, rate, level: level(&self.config, requests, fallbacks) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn config() -> ActivationConfig {
        ActivationConfig { window: 1_000 * MS, warning: 0.01, alert: 0.05, min_requests: 100 }
    }

    #[test]
    fn the_levels_have_their_stated_edges() {
        let c = config();
        assert_eq!(level(&c, 1_000, 9), Level::Healthy);
        assert_eq!(level(&c, 1_000, 10), Level::Warning, "1 % is a warning");
        assert_eq!(level(&c, 1_000, 50), Level::Warning, "5 % is still a warning");
        assert_eq!(level(&c, 1_000, 51), Level::Alert);
        assert_eq!(level(&c, 99, 99), Level::Healthy, "too few requests to judge");
        assert_eq!(level(&c, 100, 99), Level::Alert);
        assert_eq!(["healthy", "warning", "alert"], [Level::Healthy, Level::Warning, Level::Alert].map(Level::as_str));
    }

    #[test]
    fn crossings_are_reported_once_and_the_window_forgets() {
        let t0 = Instant::now();
        let mut a = ActivationRate::new(config());
        let mut changes = Vec::new();
        for i in 0..100u32 {
            changes.extend(a.record(t0 + MS * i, i % 10 == 0));
        }
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!((changes[0].from, changes[0].to, changes[0].reading.requests), (Level::Healthy, Level::Alert, 100));
        let (reading, change) = a.poll(t0 + 500 * MS);
        assert_eq!((reading.requests, reading.fallbacks, reading.level, change), (100, 10, Level::Alert, None));
        assert!((reading.rate - 0.1).abs() < 1e-12, "{reading:?}");
        // 100 requests over 99 ms: two 50 ms buckets.
        assert_eq!(a.buckets_held(), 2);
        // A window later, every request has left it.
        let (reading, change) = a.poll(t0 + 1_150 * MS);
        assert_eq!((reading.requests, reading.rate), (0, 0.0));
        assert_eq!(change.map(|c| (c.from, c.to)), Some((Level::Alert, Level::Healthy)));
    }

    #[test]
    fn a_request_leaves_the_window_with_its_bucket() {
        let t0 = Instant::now();
        let mut a = ActivationRate::new(ActivationConfig { min_requests: 1, ..config() });
        a.record(t0, true);
        a.record(t0 + 49 * MS, false);
        assert_eq!(a.buckets_held(), 1, "49 ms in: the same bucket");
        a.record(t0 + 50 * MS, false);
        assert_eq!(a.buckets_held(), 2, "50 ms in: a bucket of its own");
        // Buckets are 50 ms long: still in at 999 ms, gone at 1000 ms.
        assert_eq!(a.poll(t0 + 999 * MS).0.fallbacks, 1);
        assert_eq!(a.poll(t0 + 1_000 * MS).0.fallbacks, 0);
    }
}
