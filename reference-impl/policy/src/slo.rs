//! Service level objectives per model, over a sliding window: what share of
//! requests were answered (availability), answered usefully (goodput), how
//! soon streams started (time to first token, p95), what share of answers
//! were wrong (soft failures) and what a useful answer cost.
//!
//! Each objective has an error budget and a burn rate, the speed at which
//! the window spends it: 1 spends exactly the budget, 2 twice as fast. For a
//! share that must stay high (availability, goodput) the budget is the share
//! that may fail, `1 - target`, and the burn rate is the failed share over
//! it; for time to first token it is the 5 % of streams a p95 lets be slower
//! than the target; for the soft-failure rate and the cost per useful answer
//! it is the target itself. An objective is breached while its burn rate is
//! above 1 and the window holds at least `min_requests` of what it counts:
//! one failure among three requests is not worth an alarm.
use std::time::{Duration, Instant};

use crate::window::Window;

/// The five objectives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "snake_case"))]
pub enum Objective {
    /// Share of counted requests the client got an answer for.
    Availability,
    /// Share of counted requests answered usefully: by a provider with
    /// nothing found wrong, or by the cache.
    Goodput,
    /// 95th percentile of streams' time to first token.
    TtftP95,
    /// Share of providers' answers relayed with a soft failure found.
    SoftFailureRate,
    /// What providers billed in the window over the useful answers in it.
    CostPerUsefulAnswer,
}

/// Every objective, in the order they are shown.
pub const OBJECTIVES: [Objective; 5] = [
    Objective::Availability,
    Objective::Goodput,
    Objective::TtftP95,
    Objective::SoftFailureRate,
    Objective::CostPerUsefulAnswer,
];

impl Objective {
    /// The snake_case name used in the API, events and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Objective::Availability => "availability",
            Objective::Goodput => "goodput",
            Objective::TtftP95 => "ttft_p95",
            Objective::SoftFailureRate => "soft_failure_rate",
            Objective::CostPerUsefulAnswer => "cost_per_useful_answer",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The share of streams a p95 lets be slower than its target.
pub const TTFT_SLOW_SHARE: f64 = 0.05;

/// The targets an SLO sets (each optional), validated at the boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Targets {
    /// Lowest availability, in (0, 1).
    pub availability: Option<f64>,
    /// Lowest goodput, in (0, 1).
    pub goodput: Option<f64>,
    /// Longest p95 time to first token.
    pub ttft_p95: Option<Duration>,
    /// Highest soft-failure rate, in (0, 1).
    pub soft_failure_rate: Option<f64>,
    /// Highest cost per useful answer, in trillionths of a US dollar.
    pub cost_per_useful_answer: Option<u64>,
}

impl Targets {
    /// The target of `objective` as a number (a time in ms, a cost in
    /// picodollars), if it is set.
    pub fn of(&self, objective: Objective) -> Option<f64> {
        match objective {
            Objective::Availability => self.availability,
            Objective::Goodput => self.goodput,
            Objective::TtftP95 => self.ttft_p95.map(|d| d.as_secs_f64() * 1e3),
            Objective::SoftFailureRate => self.soft_failure_rate,
            Objective::CostPerUsefulAnswer => self.cost_per_useful_answer.map(|c| c as f64),
        }
    }
}

/// One SLO's knobs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SloConfig {
    /// The sliding window it is judged over.
    pub window: Duration,
    /// What the window must hold of what an objective counts before it can
    /// be breached.
    pub min_requests: u32,
    /// Its targets.
    pub targets: Targets,
}

/// How a request ended, as the SLOs see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// A provider's answer reached the client; `soft` when a soft failure
    /// was found in it (it was relayed flagged).
    Answered {
        /// A soft failure was found in the answer relayed.
        soft: bool,
    },
    /// No provider could serve it; an answer kept from an earlier request did.
    Cached,
    /// No provider could serve it; the model's default answer did.
    Defaulted,
    /// The client got an error the gateway or its providers are to blame for.
    Failed,
    /// Not the service's doing (the client's own error, a spent budget, a
    /// client gone): not counted.
    Excluded,
}

/// One finished request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    /// How it ended.
    pub ended: Ended,
    /// For a stream, the time from the request to the first event relayed.
    pub ttft: Option<Duration>,
    /// What providers billed for it, every attempt's answer together
    /// (answers failed over for being wrong included), in picodollars.
    pub cost: u64,
}

impl Request {
    fn available(&self) -> bool {
        matches!(self.ended, Ended::Answered { .. } | Ended::Cached | Ended::Defaulted)
    }

    fn useful(&self) -> bool {
        matches!(self.ended, Ended::Answered { soft: false } | Ended::Cached)
    }
}

/// What a window (or a bucket of one) counted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    /// Requests counted.
    pub requests: u64,
    /// Of those, answered.
    pub available: u64,
    /// Of those, answered usefully.
    pub useful: u64,
    /// Answers relayed from providers.
    pub answers: u64,
    /// Of those, with a soft failure found.
    pub soft: u64,
    /// Streams' times to first token, in µs.
    pub ttfts: Vec<u64>,
    /// Billed, in picodollars.
    pub cost: u64,
}

/// Time-to-first-token samples a bucket keeps; beyond, the bucket's streams
/// are still counted in every other objective. Bounds memory at
/// `20 × 4096 × 8` bytes per SLO.
pub const TTFT_SAMPLES_PER_BUCKET: usize = 4_096;

impl Totals {
    /// Counts `request`.
    pub fn add(&mut self, request: &Request) {
        if request.ended == Ended::Excluded {
            return;
        }
        self.requests += 1;
        self.available += u64::from(request.available());
        self.useful += u64::from(request.useful());
        if let Ended::Answered { soft } = request.ended {
            self.answers += 1;
            self.soft += u64::from(soft);
        }
        if let Some(ttft) = request.ttft
            && self.ttfts.len() < TTFT_SAMPLES_PER_BUCKET
        {
            self.ttfts.push(u64::try_from(ttft.as_micros()).unwrap_or(u64::MAX));
        }
        self.cost = self.cost.saturating_add(request.cost);
    }

    /// Adds what `other` counted.
    pub fn merge(&mut self, other: &Totals) {
        self.requests += other.requests;
        self.available += other.available;
        self.useful += other.useful;
        self.answers += other.answers;
        self.soft += other.soft;
        self.ttfts.extend_from_slice(&other.ttfts);
        self.cost = self.cost.saturating_add(other.cost);
    }
}

/// The nearest-rank `q`-quantile of `samples` (`q` in (0, 1]), if any.
pub fn quantile(samples: &[u64], q: f64) -> Option<u64> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// One objective as of one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Status {
    /// Which.
    pub objective: Objective,
    /// Its target (ms for time to first token, picodollars for cost).
    pub target: f64,
    /// Its value over the window, in the target's unit; `None` when the
    /// window holds nothing it counts (or, for cost, no useful answer and
    /// nothing billed).
    pub current: Option<f64>,
    /// How fast the window spends the error budget (1: exactly the budget);
    /// `None` when the window holds nothing it counts.
    pub burn_rate: Option<f64>,
    /// What the window holds of what it counts.
    pub samples: u64,
    /// Burn rate above 1 over at least `min_requests` samples.
    pub breached: bool,
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The status of each objective `config` sets, given what the window holds.
pub fn status(config: &SloConfig, totals: &Totals) -> Vec<Status> {
    OBJECTIVES
        .into_iter()
        .filter_map(|objective| {
            let target = config.targets.of(objective)?;
            let (current, burn_rate, samples) = match objective {
                Objective::Availability | Objective::Goodput => {
                    let good = if objective == Objective::Availability { totals.available } else { totals.useful };
                    let current = share(good, totals.requests);
                    (current, current.map(|c| (1.0 - c) / (1.0 - target)), totals.requests)
                }
                Objective::TtftP95 => {
                    let samples = &totals.ttfts;
                    let current = quantile(samples, 1.0 - TTFT_SLOW_SHARE).map(|us| us as f64 / 1e3);
                    let slow = samples.iter().filter(|&&us| us as f64 / 1e3 > target).count() as u64;
                    let burn = share(slow, samples.len() as u64).map(|s| s / TTFT_SLOW_SHARE);
                    (current, burn, samples.len() as u64)
                }
                Objective::SoftFailureRate => {
                    let current = share(totals.soft, totals.answers);
                    (current, current.map(|c| c / target), totals.answers)
                }
                Objective::CostPerUsefulAnswer => {
                    let current = share(totals.cost, totals.useful);
                    // Billed with nothing useful to show for it: the budget
                    // is burning, at no finite rate.
                    let burn = match current {
                        Some(c) => Some(c / target),
                        None if totals.cost > 0 => Some(f64::INFINITY),
                        None => None,
                    };
                    (current, burn, totals.requests)
                }
            };
            // Above 1 beyond rounding: a window exactly at its target has
            // spent its budget, not overspent it.
            let breached = samples >= u64::from(config.min_requests) && burn_rate.is_some_and(|b| b > 1.0 + 1e-9);
            Some(Status { objective, target, current, burn_rate, samples, breached })
        })
        .collect()
}

/// An objective entering or leaving breach, to be logged.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Breached now (else recovered).
    pub breached: bool,
    /// The status that made it.
    pub status: Status,
}

/// One SLO's window and which of its objectives are breached.
#[derive(Clone, Debug)]
pub struct Slo {
    config: SloConfig,
    window: Window<Totals>,
    breached: [bool; OBJECTIVES.len()],
}

impl Slo {
    /// An empty window, nothing breached.
    pub fn new(config: SloConfig) -> Self {
        Self { config, window: Window::new(config.window), breached: [false; OBJECTIVES.len()] }
    }

    /// Its knobs.
    pub fn config(&self) -> &SloConfig {
        &self.config
    }

    /// Counts `request`, finished at `now`.
    pub fn record(&mut self, request: &Request, now: Instant) {
        self.window.at(now).add(request);
    }

    /// What the window holds at `now`.
    pub fn totals(&mut self, now: Instant) -> Totals {
        let mut totals = Totals::default();
        for bucket in self.window.held(now) {
            totals.merge(bucket);
        }
        totals
    }

    /// Takes `statuses` (of this SLO, as of now) as the current ones: the
    /// objectives that entered or left breach.
    pub fn update(&mut self, statuses: &[Status]) -> Vec<Change> {
        let mut changes = Vec::new();
        for status in statuses {
            let was = &mut self.breached[status.objective.index()];
            if *was != status.breached {
                *was = status.breached;
                changes.push(Change { breached: status.breached, status: *status });
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn config(targets: Targets) -> SloConfig {
        SloConfig { window: 1_000 * MS, min_requests: 10, targets }
    }

    fn answered(soft: bool) -> Request {
        Request { ended: Ended::Answered { soft }, ttft: None, cost: 0 }
    }

    fn of(statuses: &[Status], objective: Objective) -> Status {
        *statuses.iter().find(|s| s.objective == objective).expect("the objective is set")
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn availability_burns_the_failed_share_over_the_budget() {
        let c = config(Targets { availability: Some(0.9), ..Targets::default() });
        let mut totals = Totals::default();
        for i in 0..30 {
            let ended = if i < 20 { Ended::Answered { soft: false } } else { Ended::Failed };
            totals.add(&Request { ended, ttft: None, cost: 0 });
        }
        let s = of(&status(&c, &totals), Objective::Availability);
        assert!(close(s.current, 2.0 / 3.0) && close(s.burn_rate, (1.0 / 3.0) / 0.1), "{s:?}");
        assert!(s.breached && s.samples == 30);
        // Exactly at the target: a burn rate of 1 is the budget, not a breach.
        let mut at = Totals::default();
        (0..9).for_each(|_| at.add(&answered(false)));
        at.add(&Request { ended: Ended::Failed, ttft: None, cost: 0 });
        let s = of(&status(&c, &at), Objective::Availability);
        assert!(close(s.burn_rate, 1.0) && !s.breached, "{s:?}");
    }

    #[test]
    fn goodput_counts_neither_wrong_nor_default_answers_and_excluded_requests_not_at_all() {
        let c = config(Targets { goodput: Some(0.5), availability: Some(0.5), ..Targets::default() });
        let mut totals = Totals::default();
        for ended in [
            Ended::Answered { soft: false },
            Ended::Answered { soft: true },
            Ended::Cached,
            Ended::Defaulted,
            Ended::Excluded,
        ] {
            totals.add(&Request { ended, ttft: None, cost: 0 });
        }
        assert_eq!((totals.requests, totals.available, totals.useful, totals.answers, totals.soft), (4, 4, 2, 2, 1));
        let statuses = status(&c, &totals);
        assert!(close(of(&statuses, Objective::Goodput).current, 0.5));
        assert!(close(of(&statuses, Objective::Availability).current, 1.0));
        assert_eq!(statuses.len(), 2, "only the objectives set");
    }

    #[test]
    fn ttft_is_the_nearest_rank_p95_and_burns_the_slow_share_over_five_percent() {
        let c = config(Targets { ttft_p95: Some(150 * MS), ..Targets::default() });
        let mut totals = Totals::default();
        for i in 0..20u64 {
            let ttft = if i < 18 { 10 * MS } else { 300 * MS };
            totals.add(&Request { ended: Ended::Answered { soft: false }, ttft: Some(ttft), cost: 0 });
        }
        let s = of(&status(&c, &totals), Objective::TtftP95);
        assert!(close(s.current, 300.0) && close(s.burn_rate, 2.0) && s.breached, "{s:?}");
        assert_eq!(quantile(&[5, 1, 3], 0.5), Some(3));
        assert_eq!(quantile(&[5, 1, 3], 0.95), Some(5));
        assert_eq!(quantile(&[7], 0.95), Some(7));
        assert_eq!(quantile(&[], 0.95), None);
        let one_slow: Vec<u64> = (0..20).map(|i| if i == 0 { 300_000 } else { 10_000 }).collect();
        assert_eq!(quantile(&one_slow, 0.95), Some(10_000), "one in twenty is the 5 % a p95 allows");
    }

    #[test]
    fn soft_rate_and_cost_burn_their_value_over_the_target() {
        let targets = Targets { soft_failure_rate: Some(0.1), cost_per_useful_answer: Some(3), ..Targets::default() };
        let c = config(targets);
        let mut totals = Totals::default();
        for i in 0..20 {
            totals.add(&Request { ended: Ended::Answered { soft: i % 2 == 0 }, ttft: None, cost: 2 });
        }
        let statuses = status(&c, &totals);
        let soft = of(&statuses, Objective::SoftFailureRate);
        assert!(close(soft.current, 0.5) && close(soft.burn_rate, 5.0) && soft.breached, "{soft:?}");
        let cost = of(&statuses, Objective::CostPerUsefulAnswer);
        assert!(close(cost.current, 4.0) && close(cost.burn_rate, 4.0 / 3.0) && cost.breached, "{cost:?}");
        // Billed with no useful answer at all: breached, not divided by zero.
        let mut wasted = Totals::default();
        (0..10).for_each(|_| wasted.add(&Request { ended: Ended::Failed, ttft: None, cost: 1 }));
        let cost = of(&status(&c, &wasted), Objective::CostPerUsefulAnswer);
        assert!(cost.current.is_none() && cost.burn_rate == Some(f64::INFINITY) && cost.breached, "{cost:?}");
    }

    #[test]
    fn nothing_is_breached_below_min_requests_or_with_nothing_counted() {
        let c = config(Targets { availability: Some(0.9), ttft_p95: Some(MS), ..Targets::default() });
        let mut totals = Totals::default();
        (0..9).for_each(|_| totals.add(&Request { ended: Ended::Failed, ttft: None, cost: 0 }));
        let statuses = status(&c, &totals);
        let availability = of(&statuses, Objective::Availability);
        assert!(close(availability.burn_rate, 10.0) && !availability.breached, "{availability:?}");
        let ttft = of(&statuses, Objective::TtftP95);
        assert_eq!((ttft.current, ttft.burn_rate, ttft.samples, ttft.breached), (None, None, 0, false));
    }

    #[test]
    fn breaches_are_reported_once_each_way_and_the_window_forgets() {
        let t0 = Instant::now();
        let c = config(Targets { availability: Some(0.9), ..Targets::default() });
        let mut slo = Slo::new(c);
        for i in 0..10u32 {
            slo.record(&Request { ended: Ended::Failed, ttft: None, cost: 0 }, t0 + MS * i);
        }
        let statuses = status(&c, &slo.totals(t0 + 10 * MS));
        let changes = slo.update(&statuses);
        assert_eq!(changes.iter().map(|c| c.breached).collect::<Vec<_>>(), [true]);
        assert!(slo.update(&statuses).is_empty(), "once");
        // Buckets are 50 ms long: still held at 999 ms, gone at 1,000.
        assert_eq!(slo.totals(t0 + 999 * MS).requests, 10);
        let later = slo.totals(t0 + 1_000 * MS);
        assert_eq!(later.requests, 0);
        let changes = slo.update(&status(&c, &later));
        assert_eq!(changes.iter().map(|c| c.breached).collect::<Vec<_>>(), [false]);
    }

    #[test]
    fn a_bucket_keeps_a_bounded_number_of_ttft_samples() {
        let mut totals = Totals::default();
        let stream = Request { ended: Ended::Answered { soft: false }, ttft: Some(MS), cost: 0 };
        (0..TTFT_SAMPLES_PER_BUCKET + 10).for_each(|_| totals.add(&stream));
        assert_eq!(totals.ttfts.len(), TTFT_SAMPLES_PER_BUCKET);
        assert_eq!(totals.requests, TTFT_SAMPLES_PER_BUCKET as u64 + 10);
        assert_eq!(Objective::CostPerUsefulAnswer.as_str(), "cost_per_useful_answer");
    }
}
