//! Fire drills (seed 000's practice): a provider is made to fail on purpose,
//! for a while, all its requests or a share of them, to prove that its
//! fallbacks take over. A drilled attempt is never sent: it fails at once
//! with the drill's class, as a request that never reached the provider, so
//! it is safe to send elsewhere, and the drill cannot harm the provider.
//! The tally says what the clients saw while it ran.
use std::time::{Duration, Instant};

use super::classify::Class;
use super::failure::{Cause, Failure};

/// One drill's plan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// The class drilled attempts fail with.
    pub class: Class,
    /// Share of the provider's attempts that fail, in (0, 1].
    pub share: f64,
    /// When it starts.
    pub start: Instant,
    /// When it ends by itself.
    pub end: Instant,
}

impl Plan {
    /// Whether the drill runs at `now`.
    pub fn running(&self, now: Instant) -> bool {
        now >= self.start && now < self.end
    }

    /// Whether an attempt at `now`, with a uniform `draw` in [0, 1), is drilled.
    pub fn hits(&self, now: Instant, draw: f64) -> bool {
        self.running(now) && draw < self.share
    }

    /// The failure a drilled attempt ends with: the drill's class, the
    /// request never sent.
    pub fn failure(&self) -> Failure {
        Failure { class: self.class, cause: Cause::Refused, retry_after: None, soft: None }
    }
}

/// What the clients saw during a drill.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    /// Requests of a chain holding the drilled provider that arrived while
    /// it ran (one already on its way when the drill started is not the
    /// drill's to count).
    pub requests: u64,
    /// Of those, served by another provider.
    pub served_by_fallback: u64,
    /// Of those, ended in a failure the client saw (not served, and not the
    /// client's own error).
    pub client_failures: u64,
    /// From the drill's start to the first request served by another provider.
    pub take_over: Option<Duration>,
}

/// How a request touched by a drill ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Served by the drilled provider (a share below 1 let it through).
    ByDrilled,
    /// Served by another provider of the chain.
    ByFallback,
    /// The client's own error, answered by a provider.
    ClientError,
    /// A failure the client saw.
    Failed,
}

impl Tally {
    /// Counts a request that arrived at `arrived` and ended at `now` as
    /// `ended`, if the drill ran when it arrived.
    pub fn record(&mut self, plan: &Plan, arrived: Instant, now: Instant, ended: Ended) {
        if !plan.running(arrived) {
            return;
        }
        self.requests += 1;
        match ended {
            Ended::ByFallback => {
                self.served_by_fallback += 1;
                self.take_over.get_or_insert(now.saturating_duration_since(plan.start));
            }
            Ended::Failed => self.client_failures += 1,
            Ended::ByDrilled | Ended::ClientError => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_drill_hits_its_share_while_it_runs_and_never_sends() {
        let t0 = Instant::now();
        let plan = Plan { class: Class::ServerError, share: 0.5, start: t0, end: t0 + 100 * MS };
        assert!(plan.hits(t0, 0.49) && !plan.hits(t0, 0.5));
        assert!(plan.hits(t0 + 99 * MS, 0.0) && !plan.hits(t0 + 100 * MS, 0.0), "ends by itself");
        assert!(!plan.hits(t0 - MS, 0.0));
        let f = plan.failure();
        assert_eq!((f.class, f.cause), (Class::ServerError, Cause::Refused));
        assert!(f.transport_level() && !f.outcome_unknown(), "moves on at once, safe to replay");
    }

    #[test]
    fn the_tally_counts_what_clients_saw_during_the_drill() {
        let t0 = Instant::now();
        let plan = Plan { class: Class::Timeout, share: 1.0, start: t0, end: t0 + 100 * MS };
        let mut tally = Tally::default();
        let at = |ms: u32| (t0 + ms * MS, t0 + ms * MS + MS);
        for (ms, ended) in [(5, Ended::Failed), (10, Ended::ByFallback), (20, Ended::ByFallback)] {
            tally.record(&plan, at(ms).0, at(ms).1, ended);
        }
        tally.record(&plan, at(30).0, at(30).1, Ended::ClientError);
        tally.record(&plan, at(40).0, at(40).1, Ended::ByDrilled);
        // Arrived after the drill, or before it (ending during it): not its.
        tally.record(&plan, t0 + 100 * MS, t0 + 101 * MS, Ended::Failed);
        tally.record(&plan, t0 - MS, t0 + 2 * MS, Ended::ByDrilled);
        // Arrived during it, ended after it: its.
        tally.record(&plan, t0 + 99 * MS, t0 + 150 * MS, Ended::ByFallback);
        let expected = Tally { requests: 6, served_by_fallback: 3, client_failures: 1, take_over: Some(11 * MS) };
        assert_eq!(tally, expected);
    }
}
