//! What a mock provider's servers share: the fault plan, the answer's shape,
//! and the journal.
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

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
    /// How successful streams look.
    pub stream: StreamShape,
    /// Every request received.
    pub journal: Vec<Received>,
}

impl State {
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
