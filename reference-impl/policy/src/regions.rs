//! Correlated failures across one region.
//!
//! When `suspect_after` distinct providers of one region have each failed
//! within `within` of each other, with no success since, the region is
//! suspect: its providers that have not failed yet are likely down as well,
//! and trying them one by one only spends the request's deadline. The shell
//! drains every breaker of the region (see [`crate::breaker::Breaker::drain`]);
//! each provider then comes back through its own half-open probes, so the
//! region's recovery is judged provider by provider.
use std::time::{Duration, Instant};

use super::routing::Tried;

/// When a region becomes suspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionConfig {
    /// Distinct failing providers of one region that make it suspect (≥ 2).
    pub suspect_after: u32,
    /// How close together their failures must be.
    pub within: Duration,
}

/// A region found suspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suspect {
    /// The region's index, as given to [`Regions::new`].
    pub region: u16,
    /// Every chain position in the region.
    pub members: Tried,
    /// The positions whose failures made it suspect.
    pub failing: Tried,
}

/// One chain's regions and their providers' last failures.
#[derive(Clone, Debug)]
pub struct Regions {
    config: RegionConfig,
    /// Region of each chain position, where known.
    region: Vec<Option<u16>>,
    /// Each position's last failure, cleared by a success.
    failed_at: Vec<Option<Instant>>,
}

impl Regions {
    /// A chain whose positions are in these regions (where known).
    pub fn new(config: RegionConfig, region: Vec<Option<u16>>) -> Self {
        let failed_at = vec![None; region.len()];
        Self { config, region, failed_at }
    }

    /// Records a failure of position `hop` at `now`; the region, when it is
    /// now suspect.
    pub fn failed(&mut self, hop: usize, now: Instant) -> Option<Suspect> {
        self.failed_at[hop] = Some(now);
        let region = self.region[hop]?;
        let since = now.checked_sub(self.config.within);
        let (mut members, mut failing, mut count) = (Tried::default(), Tried::default(), 0);
        for (m, r) in self.region.iter().enumerate() {
            if *r != Some(region) {
                continue;
            }
            members.insert(m);
            if self.failed_at[m].is_some_and(|at| since.is_none_or(|s| at >= s)) {
                failing.insert(m);
                count += 1;
            }
        }
        (count >= self.config.suspect_after.max(2)).then_some(Suspect { region, members, failing })
    }

    /// Records a success of position `hop`: its failures no longer count.
    pub fn succeeded(&mut self, hop: usize) {
        self.failed_at[hop] = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);
    const CONFIG: RegionConfig = RegionConfig { suspect_after: 2, within: Duration::from_millis(100) };

    fn list(t: Tried) -> Vec<usize> {
        (0..8).filter(|&i| t.contains(i)).collect()
    }

    #[test]
    fn two_providers_of_a_region_failing_close_together_make_it_suspect() {
        let t0 = Instant::now();
        let mut r = Regions::new(CONFIG, vec![Some(0), Some(0), Some(0), Some(1), None]);
        assert_eq!(r.failed(0, t0), None, "one failing provider is its own trouble");
        assert_eq!(r.failed(3, t0), None, "another region's");
        assert_eq!(r.failed(4, t0), None, "no region");
        let suspect = r.failed(1, t0 + 100 * MS).expect("two within 100 ms");
        assert_eq!((suspect.region, list(suspect.members), list(suspect.failing)), (0, vec![0, 1, 2], vec![0, 1]));
    }

    #[test]
    fn failures_too_far_apart_or_followed_by_a_success_do_not_count() {
        let t0 = Instant::now();
        let mut r = Regions::new(CONFIG, vec![Some(0), Some(0), Some(0)]);
        r.failed(0, t0);
        assert_eq!(r.failed(1, t0 + 101 * MS), None, "101 ms apart");
        r.succeeded(1);
        assert_eq!(r.failed(2, t0 + 150 * MS), None, "the success of 1 cleared its failure");
        let three = RegionConfig { suspect_after: 3, ..CONFIG };
        let mut r = Regions::new(three, vec![Some(0), Some(0), Some(0)]);
        r.failed(0, t0);
        assert_eq!(r.failed(1, t0), None, "three needed");
        assert!(r.failed(2, t0).is_some());
        let one = RegionConfig { suspect_after: 1, ..CONFIG };
        assert_eq!(Regions::new(one, vec![Some(0), Some(0)]).failed(0, t0), None, "never fewer than two");
    }
}
