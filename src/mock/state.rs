//! What a mock provider's servers share: the fault plan, the answer's shape,
//! and the journal.
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::fault::{Fault, Schedule};
use super::journal::Received;

/// How a provider streams a successful answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamShape {
    /// Content chunks before the final chunk that carries `finish_reason`.
    pub chunks: usize,
    /// Pause before each chunk after the first.
    pub delay: Duration,
}

impl Default for StreamShape {
    fn default() -> Self {
        Self { chunks: 4, delay: Duration::ZERO }
    }
}

/// The mutable part of a provider.
#[derive(Debug, Default)]
pub struct State {
    /// Faults and which requests each hits, asked in order: a request gets
    /// the first fault whose schedule hits it.
    pub plan: Vec<(Fault, Schedule)>,
    /// Delay before every successful answer.
    pub latency: Duration,
    /// A latency that climbs: this many ms more per second since `since`
    /// (set at the first request the provider answers after it is asked to).
    pub slowing: Option<Slowing>,
    /// Rate-limit headers on successful answers: remaining of limit requests.
    pub rate_limit: Option<(u64, u64)>,
    /// How successful streams look.
    pub stream: StreamShape,
    /// The model its successful answers name, whatever the request asked
    /// for: a provider that changed the model behind a name.
    pub answers_as: Option<String>,
    /// (prompt, answer): what it answers a chat completion whose last user
    /// message contains the prompt (golden sets' questions).
    pub knows: Vec<(String, String)>,
    /// Every request received.
    pub journal: Vec<Received>,
    /// When each TCP connection was accepted.
    pub accepted: Vec<Instant>,
    /// `GET /v1/models` requests answered: a gateway keeping its
    /// connections warm, not a client's request, so not journaled.
    pub models_listed: usize,
}

/// A latency climbing at a steady rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slowing {
    /// Added ms per second.
    pub ms_per_sec: f64,
    /// From when: the first request after it was set.
    pub since: Option<Instant>,
}

impl State {
    /// The delay for a request arriving now: the latency, plus what a climbing
    /// latency has added since it started.
    pub fn latency_now(&mut self) -> Duration {
        let Some(slowing) = &mut self.slowing else { return self.latency };
        let since = *slowing.since.get_or_insert_with(Instant::now);
        let added = slowing.ms_per_sec * since.elapsed().as_secs_f64();
        self.latency + Duration::from_secs_f64(added / 1000.0)
    }

    /// When the latency reaches `limit`, if it climbs and has started.
    pub fn reaches(&self, limit: Duration) -> Option<Instant> {
        let slowing = self.slowing?;
        let to_go = limit.saturating_sub(self.latency).as_secs_f64() * 1000.0;
        Some(slowing.since? + Duration::from_secs_f64(to_go / slowing.ms_per_sec.max(f64::MIN_POSITIVE)))
    }

    /// The fault for the next request, advancing the schedule. A refused
    /// connection is the listener's business, never a request's.
    pub fn next_fault(&mut self) -> Option<Fault> {
        self.plan
            .iter_mut()
            .filter(|(fault, schedule)| *fault != Fault::Refuse && !schedule.is_spent())
            .find_map(|(fault, schedule)| schedule.hits_next().then(|| fault.clone()))
    }
}

/// Locks the state, surviving a panic elsewhere (the journal is still valid).
pub fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}
