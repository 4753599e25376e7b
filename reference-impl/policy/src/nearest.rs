//! Latency-aware order within a chain's priority levels.
//!
//! Chain entries of equal priority are interchangeable to the operator; among
//! them the gateway prefers the one answering fastest, as observed. Each
//! entry's latency is an exponentially weighted moving average (EWMA) of its
//! successful answers. One entry per level leads; a challenger takes the lead
//! only when its average is below the leader's by more than the hysteresis
//! `margin`, so two entries whose latencies differ by less never alternate.
//! Entries with fewer than `min_samples` answers are tried first, so every
//! entry is measured before the lead is given. The average starts from the
//! fastest of those measuring answers, not the first: the first answers pay
//! for connection set-up and may be held up by one busy moment, and an entry
//! measured too slow would never lead again unless it is measured again.
//!
//! The averages move only on answers the entry gave: an entry not leading is
//! measured again when it serves as a fallback or is probed.
use std::time::Duration;

use super::routing::{MAX_CHAIN, Order};

/// How latencies are averaged and compared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NearestConfig {
    /// Weight of the newest answer in the average, in (0, 1].
    pub weight: f64,
    /// How much faster, as a share of the leader's average, a challenger must
    /// be to take the lead, in [0, 1).
    pub margin: f64,
    /// Answers an entry needs before its average counts.
    pub min_samples: u32,
}

/// A change of the lead in one priority level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Switch {
    /// The new leader's chain position and its average.
    pub to: (usize, Duration),
    /// The former leader's, if there was one.
    pub from: Option<(usize, Duration)>,
}

/// One chain's latency averages and leaders.
#[derive(Clone, Debug)]
pub struct Nearest {
    config: NearestConfig,
    /// Priority of each chain position: lower is tried first.
    priority: Vec<u32>,
    /// Average latency in seconds, once measured.
    average: Vec<Option<f64>>,
    samples: Vec<u32>,
    /// Whether the position leads its priority level.
    leads: Vec<bool>,
    order: Order,
}

impl Nearest {
    /// A chain whose positions have these priorities (at most [`MAX_CHAIN`]).
    pub fn new(config: NearestConfig, priority: Vec<u32>) -> Self {
        assert!(priority.len() <= MAX_CHAIN, "a chain has at most {MAX_CHAIN} entries");
        let n = priority.len();
        let mut nearest = Self {
            config,
            priority,
            average: vec![None; n],
            samples: vec![0; n],
            leads: vec![false; n],
            order: Order::CHAIN,
        };
        nearest.order = nearest.compute_order();
        nearest
    }

    /// The order to try the chain in now.
    pub fn order(&self) -> Order {
        self.order
    }

    /// Position `hop`'s average latency, once it has `min_samples` answers.
    pub fn average(&self, hop: usize) -> Option<Duration> {
        self.measured(hop).then(|| Duration::from_secs_f64(self.average[hop].unwrap_or_default()))
    }

    /// The position leading `hop`'s priority level, if any leads yet.
    pub fn leader(&self, hop: usize) -> Option<usize> {
        self.level(hop).find(|&m| self.leads[m])
    }

    /// Records an answer of position `hop` that took `latency`; says when
    /// the lead of its level changed.
    pub fn observe(&mut self, hop: usize, latency: Duration) -> Option<Switch> {
        let sample = latency.as_secs_f64();
        let weight = self.config.weight;
        let measuring = !self.measured(hop);
        self.average[hop] = Some(match self.average[hop] {
            None => sample,
            Some(fastest) if measuring => fastest.min(sample),
            Some(a) => a + weight * (sample - a),
        });
        self.samples[hop] = self.samples[hop].saturating_add(1);
        let switch = self.elect(hop);
        self.order = self.compute_order();
        switch
    }

    /// Gives the lead of `hop`'s level to its fastest measured position when
    /// there is no leader, or when the fastest beats the leader by the margin.
    fn elect(&mut self, hop: usize) -> Option<Switch> {
        let best =
            self.level(hop).filter(|&m| self.measured(m)).min_by(|&a, &b| self.avg(a).total_cmp(&self.avg(b)))?;
        let leader = self.leader(hop);
        match leader {
            Some(l) if l == best || self.avg(best) >= self.avg(l) * (1.0 - self.config.margin) => None,
            _ => {
                if let Some(l) = leader {
                    self.leads[l] = false;
                }
                self.leads[best] = true;
                let timed = |m: usize| (m, Duration::from_secs_f64(self.avg(m)));
                Some(Switch { to: timed(best), from: leader.map(timed) })
            }
        }
    }

    /// Levels by priority; in each, unmeasured positions first (in chain
    /// order), then the leader, then the others by average.
    fn compute_order(&self) -> Order {
        let mut hops: Vec<usize> = (0..self.priority.len()).collect();
        hops.sort_by(|&a, &b| {
            let rank = |m: usize| (self.priority[m], self.measured(m), !self.leads[m]);
            rank(a).cmp(&rank(b)).then(self.avg(a).total_cmp(&self.avg(b))).then(a.cmp(&b))
        });
        Order::of(&hops)
    }

    fn level(&self, hop: usize) -> impl Iterator<Item = usize> + '_ {
        let p = self.priority[hop];
        (0..self.priority.len()).filter(move |&m| self.priority[m] == p)
    }

    fn measured(&self, hop: usize) -> bool {
        self.samples[hop] >= self.config.min_samples.max(1)
    }

    /// The average in seconds; unmeasured positions compare as equal.
    fn avg(&self, hop: usize) -> f64 {
        match self.measured(hop) {
            true => self.average[hop].unwrap_or_default(),
            false => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: NearestConfig = NearestConfig { weight: 0.5, margin: 0.2, min_samples: 2 };
    const MS: Duration = Duration::from_millis(1);

    fn order(n: &Nearest, len: usize) -> Vec<usize> {
        n.order().iter(len).collect()
    }

    #[test]
    fn unmeasured_entries_go_first_then_the_leader_by_priority_level() {
        let mut n = Nearest::new(CONFIG, vec![0, 0, 1]);
        assert_eq!(order(&n, 3), [0, 1, 2], "nothing measured: chain order");
        assert_eq!(n.observe(0, 40 * MS), None);
        assert_eq!(n.observe(0, 40 * MS), Some(Switch { to: (0, 40 * MS), from: None }), "first measured leads");
        assert_eq!(order(&n, 3), [1, 0, 2], "the unmeasured entry is explored before the leader");
        assert_eq!(n.observe(1, 10 * MS), None, "one answer does not measure it");
        let switch = n.observe(1, 10 * MS).expect("a quarter of the leader's latency takes the lead");
        assert_eq!(switch, Switch { to: (1, 10 * MS), from: Some((0, 40 * MS)) });
        assert_eq!(order(&n, 3), [1, 0, 2]);
        assert_eq!(n.leader(0), Some(1));
        assert_eq!(n.average(1), Some(10 * MS));
        assert_eq!(n.average(2), None);
        assert_eq!(n.observe(2, MS), None);
        assert_eq!(n.observe(2, MS), Some(Switch { to: (2, MS), from: None }), "its own level");
        assert_eq!(order(&n, 3), [1, 0, 2], "a faster entry of a lower priority stays behind");
    }

    #[test]
    fn a_challenger_must_beat_the_leader_by_the_margin() {
        let mut n = Nearest::new(CONFIG, vec![0, 0]);
        for _ in 0..2 {
            n.observe(0, 100 * MS);
            n.observe(1, 100 * MS);
        }
        assert_eq!(n.leader(0), Some(0));
        // 81 ms is less than 20 % below 100 ms: the leader stays.
        assert_eq!(n.observe(1, 62 * MS), None, "average 81 ms");
        assert_eq!(n.leader(1), Some(0));
        assert_eq!(order(&n, 2), [0, 1]);
        // 71.5 ms is more than 20 % below.
        assert!(n.observe(1, 62 * MS).is_some(), "average 71.5 ms");
        assert_eq!(order(&n, 2), [1, 0]);
    }

    #[test]
    fn the_average_starts_from_the_fastest_measuring_answer() {
        let mut n = Nearest::new(NearestConfig { weight: 0.5, margin: 0.0, min_samples: 3 }, vec![0]);
        n.observe(0, 300 * MS);
        n.observe(0, 5 * MS);
        assert_eq!(n.average(0), None, "still measuring");
        n.observe(0, 7 * MS);
        assert_eq!(n.average(0), Some(5 * MS), "a first answer held up does not count");
        n.observe(0, 15 * MS);
        assert_eq!(n.average(0), Some(10 * MS), "then the average moves by the weight");
    }

    #[test]
    fn the_average_weighs_the_newest_answer_by_the_weight() {
        let mut n = Nearest::new(NearestConfig { weight: 0.25, margin: 0.0, min_samples: 1 }, vec![0]);
        n.observe(0, 100 * MS);
        n.observe(0, 20 * MS);
        assert_eq!(n.average(0), Some(80 * MS));
    }
}
