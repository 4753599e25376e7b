//! `Idempotency-Key`: a client that repeats a request (say, after its own
//! timeout) with the same key gets the first answer back instead of a second
//! completion, so nothing is processed or billed twice, failover or not.
//!
//! A key is claimed when its first request starts. While it runs, a repeat gets
//! 409; once it has an answer worth keeping (2xx, or the client's own 4xx), a
//! repeat with the same body gets that answer for `window`, and a repeat with a
//! different body gets 422. An answer not worth keeping (the gateway's 5xx, or a
//! 429: a spent budget, to try again after it resets)
//! releases the key, so the client may try again. At most `capacity` keys are
//! kept; the oldest go first.
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Response header on an answer replayed for a repeated `Idempotency-Key`.
pub const REPLAYED: &str = "idempotent-replayed";

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// An answer kept for replays.
#[derive(Clone, Debug)]
pub struct Kept {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

enum Phase {
    Running,
    Done { at: Instant, answer: Kept },
}

struct Entry {
    body: u64,
    claimed: Instant,
    phase: Phase,
}

/// What to do with a request carrying a key.
pub enum Begin {
    /// First time: run it, then [`Store::complete`] or [`Store::release`].
    Run,
    /// Seen before with the same body: answer this.
    Replay(Kept),
    /// Seen before with another body.
    BodyMismatch,
    /// Its first request is still running.
    InProgress,
}

#[derive(Default)]
struct Keys {
    entries: HashMap<String, Entry>,
    /// Claims in order, to forget the oldest first; a claim whose entry has
    /// since been released or re-claimed is skipped.
    order: VecDeque<(Instant, String)>,
}

/// The keys seen recently.
pub struct Store {
    window: Duration,
    capacity: usize,
    keys: Mutex<Keys>,
}

/// A fingerprint of a request body.
pub fn fingerprint(body: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    hasher.finish()
}

impl Keys {
    /// Forgets answers past the window, then the oldest keys beyond capacity.
    fn forget(&mut self, now: Instant, window: Duration, capacity: usize) {
        while let Some((claimed, key)) = self.order.front() {
            let current = self.entries.get(key).filter(|e| e.claimed == *claimed);
            let expired = match current {
                None => {
                    self.order.pop_front();
                    continue;
                }
                Some(Entry { phase: Phase::Done { at, .. }, .. }) => *at + window <= now,
                Some(_) => false,
            };
            if !expired && self.entries.len() <= capacity {
                break;
            }
            let (_, key) = self.order.pop_front().expect("front exists");
            self.entries.remove(&key);
        }
    }
}

impl Store {
    /// A store keeping answers for `window`, at most `capacity` of them.
    pub fn new(window: Duration, capacity: usize) -> Self {
        Self { window, capacity: capacity.max(1), keys: Mutex::new(Keys::default()) }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, Keys> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Looks `key` up for a request with body fingerprint `body` at `now`.
    pub fn begin(&self, key: &str, body: u64, now: Instant) -> Begin {
        let mut keys = self.keys();
        keys.forget(now, self.window, self.capacity);
        match keys.entries.get(key) {
            Some(e) if e.body != body => return Begin::BodyMismatch,
            Some(Entry { phase: Phase::Running, .. }) => return Begin::InProgress,
            Some(Entry { phase: Phase::Done { at, answer }, .. }) if *at + self.window > now => {
                return Begin::Replay(answer.clone());
            }
            _ => {}
        }
        keys.entries.insert(key.to_owned(), Entry { body, claimed: now, phase: Phase::Running });
        keys.order.push_back((now, key.to_owned()));
        keys.forget(now, self.window, self.capacity);
        Begin::Run
    }

    /// Keeps `answer` for the key claimed by [`Begin::Run`].
    pub fn complete(&self, key: &str, answer: Kept, now: Instant) {
        if let Some(entry) = self.keys().entries.get_mut(key) {
            entry.phase = Phase::Done { at: now, answer };
        }
    }

    /// Gives up the key claimed by [`Begin::Run`]: the request may run again.
    pub fn release(&self, key: &str) {
        let mut keys = self.keys();
        if matches!(keys.entries.get(key), Some(Entry { phase: Phase::Running, .. })) {
            keys.entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(body: &'static str) -> Kept {
        Kept { status: StatusCode::OK, headers: HeaderMap::new(), body: Bytes::from_static(body.as_bytes()) }
    }

    #[test]
    fn a_key_replays_its_answer_within_the_window_only() {
        let store = Store::new(Duration::from_secs(10), 10);
        let t0 = Instant::now();
        assert!(matches!(store.begin("k", 1, t0), Begin::Run));
        assert!(matches!(store.begin("k", 1, t0), Begin::InProgress));
        store.complete("k", kept("first"), t0);
        assert!(matches!(store.begin("k", 1, t0 + Duration::from_secs(9)), Begin::Replay(a) if a.body == "first"));
        assert!(matches!(store.begin("k", 2, t0 + Duration::from_secs(9)), Begin::BodyMismatch));
        assert!(matches!(store.begin("k", 1, t0 + Duration::from_secs(10)), Begin::Run));
    }

    #[test]
    fn a_released_key_runs_again_and_the_oldest_keys_go_first() {
        let store = Store::new(Duration::from_secs(10), 2);
        let t0 = Instant::now();
        assert!(matches!(store.begin("a", 1, t0), Begin::Run));
        store.release("a");
        assert!(matches!(store.begin("a", 1, t0), Begin::Run));
        store.complete("a", kept("a"), t0);
        for key in ["b", "c"] {
            assert!(matches!(store.begin(key, 1, t0), Begin::Run));
            store.complete(key, kept(key), t0);
        }
        assert!(matches!(store.begin("a", 1, t0), Begin::Run), "a was evicted for capacity");
    }
}
