//! Failover episodes, and what their history says (case TC_R752_FAILOVER_016).
//!
//! An episode of a (model, provider) is one outage as the gateway lived it:
//! it starts at the first failed attempt since the provider last answered
//! well, is *detected* when the breaker opens (on failures or a drained
//! health score), has its first success on a fallback when a later provider
//! of the chain first serves a request (before detection too: a request
//! failed over on its own), counts how often the breaker opened again
//! from half-open (a probe that failed), and ends when the breaker closes:
//! the provider recovered. An episode that starts soon after the previous
//! one ended (within a gap the caller chooses, the breaker's window) is a
//! flap: the provider came back only to fail again. [`Tracker`] follows one
//! provider; [`summarise`] and [`suggest`] read a finished history.
use std::time::{Duration, Instant};

use super::classify::Class;

/// One provider's episode so far, as a [`Tracker`] follows it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Open {
    started: Instant,
    detected: Instant,
    class: Option<Class>,
    reopens: u32,
}

/// A finished episode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Episode {
    /// When its first failed attempt ended (or, drained before any failure, when it was detected).
    pub started: Instant,
    /// From the start until the breaker opened.
    pub detect: Duration,
    /// From the start until a fallback first served, if one did.
    pub first_success: Option<Duration>,
    /// Chain position of that fallback.
    pub depth: Option<u32>,
    /// From the start until the breaker closed again.
    pub duration: Duration,
    /// Class of the latest failure before detection (`None`: drained before failing).
    pub class: Option<Class>,
    /// Times the breaker opened again from half-open during the episode.
    pub reopens: u32,
}

/// Follows one (model, provider) from attempt to attempt.
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    failing_since: Option<Instant>,
    last_class: Option<Class>,
    /// The first request a later provider served since it started failing.
    first_fallback: Option<(Instant, u32)>,
    open: Option<Open>,
}

impl Tracker {
    /// An attempt to this provider ended at `at`.
    pub fn attempt(&mut self, failed: bool, class: Class, at: Instant) {
        if failed {
            self.failing_since.get_or_insert(at);
            self.last_class = Some(class);
        } else if self.open.is_none() {
            self.failing_since = None;
            self.first_fallback = None;
        }
    }

    /// Its breaker opened at `at`: an episode starts being detected, or (from
    /// half-open) the one under way flapped.
    pub fn opened(&mut self, at: Instant) {
        match &mut self.open {
            Some(open) => open.reopens += 1,
            None => {
                let started = self.failing_since.map_or(at, |since| since.min(at));
                let class = self.failing_since.and(self.last_class);
                self.open = Some(Open { started, detected: at, class, reopens: 0 });
            }
        }
    }

    /// A request it could not serve was served at `at` by chain position `depth`.
    pub fn covered(&mut self, depth: u32, at: Instant) {
        if self.failing_since.is_some() || self.open.is_some() {
            self.first_fallback.get_or_insert((at, depth));
        }
    }

    /// Whether an episode is under way.
    pub fn in_episode(&self) -> bool {
        self.open.is_some()
    }

    /// Its breaker closed at `at`: the episode under way, if any, ends.
    pub fn closed(&mut self, at: Instant) -> Option<Episode> {
        let open = self.open.take()?;
        self.failing_since = None;
        self.last_class = None;
        let first = self.first_fallback.take().filter(|(t, _)| *t >= open.started);
        let since = |t: Instant| t.saturating_duration_since(open.started);
        Some(Episode {
            started: open.started,
            detect: since(open.detected),
            first_success: first.map(|(t, _)| since(t)),
            depth: first.map(|(_, d)| d),
            duration: since(at),
            class: open.class,
            reopens: open.reopens,
        })
    }
}

/// One finished episode as the history keeps it (times in ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    /// Start, in ms on any clock the history shares.
    pub started_ms: f64,
    /// Start to detection.
    pub detect_ms: f64,
    /// Start to the first success on a fallback.
    pub first_success_ms: Option<f64>,
    /// Start to recovery.
    pub duration_ms: f64,
    /// Probes that failed during it.
    pub reopens: u32,
    /// Its failure class.
    pub class: Option<Class>,
}

/// A provider's history in numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Episodes.
    pub episodes: u32,
    /// Episodes by failure class (`None`: drained before failing), in first-seen order.
    pub by_class: Vec<(Option<Class>, u32)>,
    /// Mean and p95 time to detect, ms.
    pub detect_mean_ms: f64,
    /// p95 time to detect, ms.
    pub detect_p95_ms: f64,
    /// Mean time to the first success on a fallback, ms (episodes that had one).
    pub first_success_mean_ms: Option<f64>,
    /// Mean time to recover, ms.
    pub recover_mean_ms: f64,
    /// p95 time to recover, ms.
    pub recover_p95_ms: f64,
    /// Episodes that started within the flap gap of the previous one's end.
    pub flaps: u32,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The nearest-rank percentile of `values` (not empty).
pub(crate) fn percentile(values: &[f64], pct: usize) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    super::health::nearest_rank(&sorted, pct)
}

/// Episodes of `history` (oldest first) that started at most `gap_ms` after
/// the previous one ended.
pub fn flaps(history: &[Record], gap_ms: f64) -> u32 {
    let n = history.windows(2).filter(|w| w[1].started_ms - (w[0].started_ms + w[0].duration_ms) <= gap_ms).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Summarises `history` (oldest first), counting flaps within `gap_ms`;
/// `None` when it is empty.
pub fn summarise(history: &[Record], gap_ms: f64) -> Option<Summary> {
    if history.is_empty() {
        return None;
    }
    let detect: Vec<f64> = history.iter().map(|r| r.detect_ms).collect();
    let recover: Vec<f64> = history.iter().map(|r| r.duration_ms).collect();
    let first: Vec<f64> = history.iter().filter_map(|r| r.first_success_ms).collect();
    let mut by_class: Vec<(Option<Class>, u32)> = Vec::new();
    for r in history {
        match by_class.iter_mut().find(|(c, _)| *c == r.class) {
            Some((_, n)) => *n += 1,
            None => by_class.push((r.class, 1)),
        }
    }
    Some(Summary {
        episodes: u32::try_from(history.len()).unwrap_or(u32::MAX),
        by_class,
        detect_mean_ms: mean(&detect),
        detect_p95_ms: percentile(&detect, 95),
        first_success_mean_ms: (!first.is_empty()).then(|| mean(&first)),
        recover_mean_ms: mean(&recover),
        recover_p95_ms: percentile(&recover, 95),
        flaps: flaps(history, gap_ms),
    })
}

/// The breaker settings a suggestion is about, as configured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Current {
    /// Outcomes the window must hold before the breaker may open.
    pub min_calls: u32,
    /// First open period, ms.
    pub open_ms: f64,
    /// Probes a half-open breaker admits.
    pub half_open_probes: u32,
    /// The breaker's window, ms: the flap gap.
    pub window_ms: f64,
}

/// A setting the history says should change, and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Suggestion {
    /// Which setting: `min_calls`, `open_ms` or `half_open_probes`.
    pub setting: &'static str,
    /// Its value now.
    pub current: f64,
    /// The value the history suggests.
    pub suggested: f64,
    /// Why, in words.
    pub because: &'static str,
}

/// Episodes needed before the history suggests anything.
pub const MIN_EPISODES: u32 = 3;

/// What `history` says the breaker settings should be, without applying it:
/// - outages that last many open periods (median at least 4): detect them
///   with half the calls (at least 2), since waiting for a full window costs
///   requests and a long outage will not clear by itself;
/// - an open period shorter than the median outage: open for the median,
///   so that the first probe comes when the provider is usually back;
/// - flaps in at least half of the episodes after the first: twice the
///   half-open probes, a stricter failback.
pub fn suggest(history: &[Record], current: Current) -> Vec<Suggestion> {
    let Ok(n) = u32::try_from(history.len()) else { return Vec::new() };
    if n < MIN_EPISODES {
        return Vec::new();
    }
    let outages: Vec<f64> = history.iter().map(|r| r.duration_ms).collect();
    let median = percentile(&outages, 50);
    let mut out = Vec::new();
    if median >= 4.0 * current.open_ms && current.min_calls > 2 {
        out.push(Suggestion {
            setting: "min_calls",
            current: f64::from(current.min_calls),
            suggested: f64::from((current.min_calls / 2).max(2)),
            because: "outages last at least four open periods: detect them with fewer failed calls",
        });
    }
    if median > current.open_ms {
        out.push(Suggestion {
            setting: "open_ms",
            current: current.open_ms,
            suggested: median.round(),
            because: "the median outage outlasts the open period: probe when the provider is usually back",
        });
    }
    if 2 * flaps(history, current.window_ms) >= n - 1 {
        out.push(Suggestion {
            setting: "half_open_probes",
            current: f64::from(current.half_open_probes),
            suggested: f64::from(current.half_open_probes.saturating_mul(2)),
            because: "the provider failed again soon after half its recoveries: ask more probes before failing back",
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn an_episode_runs_from_the_first_failure_to_the_close() {
        let t0 = Instant::now();
        let mut t = Tracker::default();
        t.attempt(false, Class::Success, t0);
        t.covered(2, t0 + ms(5));
        t.attempt(true, Class::ServerError, t0 + ms(10));
        t.attempt(true, Class::Timeout, t0 + ms(20));
        assert!(!t.in_episode());
        t.covered(1, t0 + ms(25));
        t.opened(t0 + ms(30));
        t.covered(2, t0 + ms(40));
        t.opened(t0 + ms(50));
        t.attempt(false, Class::Success, t0 + ms(60));
        assert!(t.in_episode(), "a success while open does not end it");
        let e = t.closed(t0 + ms(110)).expect("an episode");
        assert_eq!(e.started, t0 + ms(10));
        assert_eq!(e.detect, ms(20));
        assert_eq!((e.first_success, e.depth), (Some(ms(15)), Some(1)), "covered before detection counts");
        assert_eq!(e.duration, ms(100));
        assert_eq!(e.class, Some(Class::Timeout));
        assert_eq!(e.reopens, 1);
        assert_eq!(t.closed(t0 + ms(120)), None, "one close, one episode");
    }

    #[test]
    fn a_success_between_failures_restarts_the_count_and_a_drain_has_no_class() {
        let t0 = Instant::now();
        let mut t = Tracker::default();
        t.attempt(true, Class::ServerError, t0);
        t.covered(1, t0 + ms(2));
        t.attempt(false, Class::Success, t0 + ms(5));
        t.covered(1, t0 + ms(6));
        t.opened(t0 + ms(30));
        let e = t.closed(t0 + ms(40)).expect("an episode");
        assert_eq!((e.started, e.class, e.detect), (t0 + ms(30), None, Duration::ZERO));
        assert_eq!((e.first_success, e.depth), (None, None));
    }

    /// An episode starting at `started_ms`, lasting `duration_ms`.
    fn record(started_ms: f64, duration_ms: f64) -> Record {
        let class = Some(Class::ServerError);
        Record { started_ms, detect_ms: 10.0, first_success_ms: Some(12.0), duration_ms, reopens: 0, class }
    }

    #[test]
    fn the_summary_counts_and_averages() {
        assert_eq!(summarise(&[], 50.0), None);
        let mut history = vec![record(0.0, 100.0), record(150.0, 300.0)];
        history[1].class = None;
        history[1].detect_ms = 30.0;
        history[1].first_success_ms = None;
        let s = summarise(&history, 50.0).expect("a summary");
        assert_eq!(s.episodes, 2);
        assert_eq!(s.by_class, vec![(Some(Class::ServerError), 1), (None, 1)]);
        assert_eq!((s.detect_mean_ms, s.detect_p95_ms), (20.0, 30.0));
        assert_eq!(s.first_success_mean_ms, Some(12.0));
        assert_eq!((s.recover_mean_ms, s.recover_p95_ms, s.flaps), (200.0, 300.0, 1), "50 ms after the end: a flap");
        assert_eq!(summarise(&history, 49.9).map(|s| s.flaps), Some(0));
        let twice = summarise(&[record(0.0, 10.0), record(100.0, 10.0)], 0.0).expect("a summary");
        assert_eq!(twice.by_class, vec![(Some(Class::ServerError), 2)]);
    }

    #[test]
    fn suggestions_follow_the_history() {
        let current = Current { min_calls: 10, open_ms: 100.0, half_open_probes: 1, window_ms: 50.0 };
        assert!(suggest(&[record(0.0, 1000.0), record(1000.0, 1000.0)], current).is_empty(), "too few episodes");
        let long = [record(0.0, 390.0), record(1000.0, 400.0), record(2000.0, 410.0)];
        let s = suggest(&long, current);
        assert_eq!(
            s.iter().map(|s| (s.setting, s.suggested)).collect::<Vec<_>>(),
            [("min_calls", 5.0), ("open_ms", 400.0)]
        );
        // Ends at 399, 539; the next start 10 ms after the first: one flap of two.
        let short = [record(0.0, 399.0), record(409.0, 90.0), record(1000.0, 100.0)];
        let s = suggest(&short, current);
        assert_eq!(s.iter().map(|s| (s.setting, s.suggested)).collect::<Vec<_>>(), [("half_open_probes", 2.0)]);
        // Outages of three open periods: a longer open period, not fewer calls.
        let mid = [record(0.0, 300.0), record(1000.0, 300.0), record(2000.0, 300.0)];
        assert_eq!(suggest(&mid, current).iter().map(|s| s.setting).collect::<Vec<_>>(), ["open_ms"]);
        let at_floor = Current { min_calls: 2, ..current };
        assert!(suggest(&long, at_floor).iter().all(|s| s.setting != "min_calls"));
        let three = Current { min_calls: 3, ..current };
        assert_eq!(suggest(&long, three)[0].suggested, 2.0);
    }
}
