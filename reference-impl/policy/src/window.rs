//! A sliding time window kept as equal time buckets, so that memory stays
//! bounded whatever the rate of what is counted: an entry leaves the window
//! when its bucket does, up to one bucket (a twentieth of the window) late.
//! The fallback activation rate and the SLOs count in one.
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Buckets a window is divided into.
pub const BUCKETS: u32 = 20;

/// What a window of `T` per bucket holds.
#[derive(Clone, Debug)]
pub struct Window<T> {
    length: Duration,
    /// (bucket start, what it counted), oldest first.
    buckets: VecDeque<(Instant, T)>,
}

impl<T: Default> Window<T> {
    /// An empty window of `length`.
    pub fn new(length: Duration) -> Self {
        Self { length, buckets: VecDeque::new() }
    }

    /// The window's length.
    pub fn length(&self) -> Duration {
        self.length
    }

    fn bucket_length(&self) -> Duration {
        (self.length / BUCKETS).max(Duration::from_micros(1))
    }

    /// Forgets the buckets that started a whole window before `now`.
    pub fn prune(&mut self, now: Instant) {
        let length = self.length;
        while self.buckets.front().is_some_and(|(start, _)| now.saturating_duration_since(*start) >= length) {
            self.buckets.pop_front();
        }
    }

    /// The bucket that counts what happens at `now` (a new one when the
    /// newest started a bucket's length or more before).
    pub fn at(&mut self, now: Instant) -> &mut T {
        self.prune(now);
        let bucket = self.bucket_length();
        let fresh = self.buckets.back().is_none_or(|(start, _)| now.saturating_duration_since(*start) >= bucket);
        if fresh {
            self.buckets.push_back((now, T::default()));
        }
        &mut self.buckets.back_mut().expect("a bucket was just ensured").1
    }

    /// What each bucket still in the window at `now` counted, oldest first.
    pub fn held(&mut self, now: Instant) -> impl Iterator<Item = &T> {
        self.prune(now);
        self.buckets.iter().map(|(_, t)| t)
    }

    /// Buckets held now: at most one per twentieth of the window.
    pub fn buckets_held(&self) -> usize {
        self.buckets.len()
    }
}
