//! The gateway's bound on its own load (`limits.max_in_flight`, capability
//! `load`): at most that many inference requests are served at once; up to
//! `max_queued` more wait, each at most `queue_timeout`, for a place; the rest
//! are shed at once with 503 and `Retry-After`. Shedding answers every
//! request: no connection is dropped, and memory is bounded by the places.
//!
//! Each provider may have its own bound (`providers[].max_in_flight`,
//! capability `provider-limits`): an attempt beyond it is not sent, and the
//! journey passes the provider over ([`failover_policy::Journey::saturated`]).
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The places and the queue.
pub struct Admission {
    places: Arc<Semaphore>,
    in_flight: u32,
    waiting: AtomicU32,
    max_queued: u32,
    queue_timeout: Duration,
}

/// Why a request was shed.
pub struct Shed {
    /// Requests served at once, the bound.
    pub in_flight: u32,
    /// Requests that may wait.
    pub max_queued: u32,
}

impl Admission {
    /// `in_flight` places, `max_queued` waiting, each at most `queue_timeout`.
    pub fn new(in_flight: u32, max_queued: u32, queue_timeout: Duration) -> Self {
        let places = Arc::new(Semaphore::new(in_flight as usize));
        Self { places, in_flight, waiting: AtomicU32::new(0), max_queued, queue_timeout }
    }

    /// A place, held until the answer (a stream's included) has been sent.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Shed> {
        let shed = || Shed { in_flight: self.in_flight, max_queued: self.max_queued };
        if let Ok(place) = self.places.clone().try_acquire_owned() {
            return Ok(place);
        }
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_queued {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(shed());
        }
        let waited = tokio::time::timeout(self.queue_timeout, self.places.clone().acquire_owned()).await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        match waited {
            Ok(Ok(place)) => Ok(place),
            _ => Err(shed()),
        }
    }
}

/// Each provider's places, where it has a bound (indexed by upstream).
pub struct ProviderSlots {
    slots: Vec<Option<Arc<Semaphore>>>,
}

/// A provider had no place left for another request.
#[derive(Debug)]
pub struct Saturated;

impl ProviderSlots {
    /// Places for providers with these bounds, in upstream order.
    pub fn new(bounds: impl Iterator<Item = Option<u32>>) -> Self {
        Self { slots: bounds.map(|b| b.map(|n| Arc::new(Semaphore::new(n as usize)))).collect() }
    }

    /// A place at `upstream`, held until its answer (a stream's included) has
    /// been relayed; `None` for a provider without a bound. Never waits.
    pub fn take(&self, upstream: usize) -> Result<Option<OwnedSemaphorePermit>, Saturated> {
        match self.slots.get(upstream).and_then(Option::as_ref) {
            None => Ok(None),
            Some(places) => places.clone().try_acquire_owned().map(Some).map_err(|_| Saturated),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_provider_gives_as_many_places_as_its_bound_and_takes_them_back() {
        let slots = ProviderSlots::new([Some(2), None].into_iter());
        let (a, b) = (slots.take(0).unwrap(), slots.take(0).unwrap());
        assert!(a.is_some() && b.is_some());
        assert!(slots.take(0).is_err(), "a third request at once is beyond the bound");
        drop(a);
        assert!(slots.take(0).unwrap().is_some(), "a finished request gives its place back");
        assert!((0..100).all(|_| matches!(slots.take(1), Ok(None))), "no bound, no place to hold");
    }
}
