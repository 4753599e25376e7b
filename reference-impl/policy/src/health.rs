//! A provider's health from several metrics at once, and the decision to drain
//! it before its failures reach clients (case TC_R752_FAILOVER_009).
//!
//! The breaker acts on failures that have happened. Health looks at how a
//! provider is doing while it still answers: each attempt leaves a [`Sample`]
//! (when, how long, whether it failed, how much of its rate limit is used) in
//! a sliding window, and [`Health::assess`] turns the window into six
//! readings, each a *badness* in [0, 1] that reaches 1 at its own threshold:
//!
//! | metric | value | badness |
//! |---|---|---|
//! | `error_rate` | failed share of the window, each failure weighted by its class | value / `error_rate` threshold |
//! | `latency` | EWMA of successful latencies / baseline | (value − 1) / (`latency_ratio` − 1) |
//! | `p95` | p95 of successful latencies / baseline | (value − 1) / (`p95_ratio` − 1) |
//! | `latency_trend` | slope of successful latencies, ms per s | 1 − (time until their trend line reaches `breach`) / `horizon` |
//! | `error_trend` | slope of the failed share, per s | value × `horizon` / `error_rate` threshold |
//! | `headroom` | share of the rate limit used (latest sample) | (value − ½) / (`headroom` threshold − ½) |
//!
//! all clamped to [0, 1]. The baseline is at least a fiftieth of `breach`, so
//! that jitter on a provider answering in a millisecond or two is not read as
//! a latency several times its usual. The score is their weighted mean; the provider is
//! drained when the score reaches `drain_score`, once the window holds
//! `min_samples` samples and the baseline (the mean latency of the first
//! `baseline_samples` successful samples) is known: a single sample never
//! moves traffic. A latency climbing towards the attempt timeout projects a
//! breach time, which makes the trend reading rise before any attempt times
//! out.
use std::collections::VecDeque;

use super::baseline::Baseline;
use super::classify::Class;
use std::time::{Duration, Instant};

/// How much each metric counts in the score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// Failed share of the window.
    pub error_rate: f64,
    /// Latency EWMA against the baseline.
    pub latency: f64,
    /// p95 latency against the baseline.
    pub p95: f64,
    /// How soon the latency trend reaches the breach latency.
    pub latency_trend: f64,
    /// How fast the failed share grows.
    pub error_trend: f64,
    /// Share of the provider's rate limit used.
    pub headroom: f64,
}

/// How much a failure of each class counts in the error rate, in [0, 1]: a
/// provider refusing work it has no room for (429) is not failing the way
/// one answering 500 is, and its headroom already says it is full.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassWeights {
    /// `rate_limited`.
    pub rate_limited: f64,
    /// `timeout`.
    pub timeout: f64,
    /// `server_error`.
    pub server_error: f64,
    /// `connection_failed`.
    pub connection_failed: f64,
    /// Every other failing class (`auth_error`, `malformed_response`, `unexpected_status`).
    pub other: f64,
}

impl ClassWeights {
    /// Every class counting in full.
    pub const EVEN: Self =
        Self { rate_limited: 1.0, timeout: 1.0, server_error: 1.0, connection_failed: 1.0, other: 1.0 };

    /// How much a failure of `class` counts.
    pub fn of(&self, class: Class) -> f64 {
        match class {
            Class::RateLimited => self.rate_limited,
            Class::Timeout => self.timeout,
            Class::ServerError => self.server_error,
            Class::ConnectionFailed => self.connection_failed,
            _ => self.other,
        }
    }
}

/// Where each metric's badness reaches 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Failed share, in (0, 1].
    pub error_rate: f64,
    /// Latency EWMA over baseline, above 1.
    pub latency_ratio: f64,
    /// p95 over baseline, above 1.
    pub p95_ratio: f64,
    /// Share of the rate limit used, in (0.5, 1].
    pub headroom: f64,
}

/// The health knobs, validated at the boundary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HealthConfig {
    /// Sliding window length.
    pub window: Duration,
    /// Samples the window must hold before a provider may be drained (≥ 2).
    pub min_samples: u32,
    /// Successful samples whose mean latency is the provider's baseline (≥ 1).
    pub baseline_samples: u32,
    /// Score at which the provider is drained, in (0, 1].
    pub drain_score: f64,
    /// Score at which a warning is raised, in (0, `drain_score`].
    pub warn_score: f64,
    /// How far ahead the trends look.
    pub horizon: Duration,
    /// The latency that counts as a breach: the attempt timeout.
    pub breach: Duration,
    /// Weights (not all zero).
    pub weights: Weights,
    /// Thresholds.
    pub thresholds: Thresholds,
    /// How much a failure of each class counts in the error rate.
    pub class_weights: ClassWeights,
}

/// Weight of the newest latency in the EWMA.
const EWMA_ALPHA: f64 = 0.3;

/// The baseline is at least the breach latency over this.
const BASELINE_FLOOR_DIVISOR: f64 = 50.0;

/// What one attempt showed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// When it ended.
    pub at: Instant,
    /// How long it took (a stream: until its first event).
    pub latency: Duration,
    /// Whether it failed (as the breaker counts failures).
    pub failed: bool,
    /// Its class (for a failure: how much it counts in the error rate).
    pub class: Class,
    /// Share of the rate limit used, from the answer's headers, if it said.
    pub utilisation: Option<f64>,
}

/// The metrics, named as events name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum Metric {
    /// Failed share of the window.
    ErrorRate,
    /// Latency EWMA over baseline.
    Latency,
    /// p95 latency over baseline.
    P95,
    /// Slope of latency, ms per s.
    LatencyTrend,
    /// Slope of the failed share, per s.
    ErrorTrend,
    /// Share of the rate limit used.
    Headroom,
}

impl Metric {
    /// The snake_case name used in events.
    pub const fn as_str(self) -> &'static str {
        match self {
            Metric::ErrorRate => "error_rate",
            Metric::Latency => "latency",
            Metric::P95 => "p95",
            Metric::LatencyTrend => "latency_trend",
            Metric::ErrorTrend => "error_trend",
            Metric::Headroom => "headroom",
        }
    }
}

impl From<Metric> for &'static str {
    fn from(metric: Metric) -> Self {
        metric.as_str()
    }
}

/// One metric's reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    /// Which.
    pub metric: Metric,
    /// Its value (see the module's table).
    pub value: f64,
    /// Its badness, in [0, 1].
    pub badness: f64,
    /// Its weight.
    pub weight: f64,
    /// Its threshold (for `latency_trend`: the horizon in ms).
    pub threshold: f64,
}

/// A provider's health at one moment, with everything that explains it.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    /// The six readings.
    pub readings: [Reading; 6],
    /// Weighted mean badness, in [0, 1].
    pub score: f64,
    /// Samples in the window.
    pub samples: u32,
    /// The baseline latency in ms, once known.
    pub baseline_ms: Option<f64>,
    /// When the latency trend reaches the breach latency, if it is rising.
    pub breach_in: Option<Duration>,
    /// Median latency of the window's successful samples, in ms.
    pub p50_ms: Option<f64>,
    /// p95 latency of the window's successful samples, in ms.
    pub p95_ms: Option<f64>,
    /// Whether the score is at the warning level (same conditions as `drain`).
    pub warn: bool,
    /// Whether to drain the provider.
    pub drain: bool,
}

/// One provider's health record.
#[derive(Clone, Debug)]
pub struct Health {
    config: HealthConfig,
    samples: VecDeque<Sample>,
    baseline: Baseline,
    ewma_ms: Option<f64>,
    /// Whether a warning was raised and not yet re-armed.
    warned: bool,
}

/// A warning re-arms once the score falls below this share of `warn_score`,
/// so that a score hovering at the level does not warn on every sample.
const WARN_REARM: f64 = 0.75;

/// The nearest-rank `pct` percentile of `sorted` (ascending, not empty).
pub(crate) fn nearest_rank(sorted: &[f64], pct: usize) -> f64 {
    sorted[(sorted.len() * pct).div_ceil(100).max(1) - 1]
}

fn clamp01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The least-squares line through `points` (x in seconds), if x varies:
/// its slope, and its value at `at`.
fn fit(points: impl Iterator<Item = (f64, f64)> + Clone, at: f64) -> Option<(f64, f64)> {
    let n = points.clone().count() as f64;
    if n < 2.0 {
        return None;
    }
    let (sx, sy) = points.clone().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.fold((0.0, 0.0), |(num, den), (x, y)| (num + (x - mx) * (y - my), den + (x - mx).powi(2)));
    (den > 0.0).then(|| (num / den, my + num / den * (at - mx)))
}

impl Health {
    /// An empty record.
    pub fn new(config: HealthConfig) -> Self {
        Self {
            config,
            samples: VecDeque::new(),
            baseline: Baseline::new(config.baseline_samples),
            ewma_ms: None,
            warned: false,
        }
    }

    /// Adds a sample; samples older than the window (from this one's time) leave it.
    pub fn record(&mut self, sample: Sample) {
        if !sample.failed {
            let latency = ms(sample.latency);
            self.ewma_ms = Some(self.ewma_ms.map_or(latency, |e| e + EWMA_ALPHA * (latency - e)));
            self.baseline.learn(latency);
        }
        self.samples.push_back(sample);
        self.prune(sample.at);
    }

    /// Forgets the window (after the provider was drained: it comes back
    /// through the breaker's probes with a clean slate), keeping its baseline.
    pub fn forget_window(&mut self) {
        self.samples.clear();
        self.ewma_ms = None;
        self.warned = false;
    }

    /// Whether `assessment` (this record's latest) crosses the warning level
    /// upwards: true once per crossing, re-armed when the score has fallen
    /// below three quarters of `warn_score`. `warns` is the policy's reading
    /// of the assessment (the standard one: `assessment.warn`).
    pub fn crosses_warning(&mut self, assessment: &Assessment, warns: bool) -> bool {
        if assessment.score < self.config.warn_score * WARN_REARM {
            self.warned = false;
        }
        let crossed = warns && !self.warned;
        self.warned |= warns;
        crossed
    }

    fn prune(&mut self, now: Instant) {
        while self.samples.front().is_some_and(|s| now.saturating_duration_since(s.at) > self.config.window) {
            self.samples.pop_front();
        }
    }

    /// The provider's health at `now`.
    pub fn assess(&mut self, now: Instant) -> Assessment {
        self.prune(now);
        let c = &self.config;
        let n = self.samples.len();
        let weights = c.class_weights;
        let counted = |s: &Sample| if s.failed { clamp01(weights.of(s.class)) } else { 0.0 };
        let failures: f64 = self.samples.iter().map(counted).sum();
        let error_rate = if n == 0 { 0.0 } else { failures / n as f64 };
        // A baseline under a fiftieth of the breach latency is raised to it:
        // on a provider answering in a millisecond, jitter of a few more is
        // noise, not a latency twice or three times its usual.
        let baseline = self.baseline.known().map(|b| b.max(ms(c.breach) / BASELINE_FLOOR_DIVISOR).max(0.001));
        let oldest = self.samples.front().map_or(now, |s| s.at);
        let secs = |s: &Sample| s.at.saturating_duration_since(oldest).as_secs_f64();
        let ok = || self.samples.iter().filter(|s| !s.failed);
        let mut latencies: Vec<f64> = ok().map(|s| ms(s.latency)).collect();
        latencies.sort_by(f64::total_cmp);
        let rank = |pct: usize| nearest_rank(&latencies, pct);
        let p95 = (!latencies.is_empty()).then(|| rank(95));
        let p50 = (!latencies.is_empty()).then(|| rank(50));
        let ratio = |v: Option<f64>| match (v, baseline) {
            (Some(v), Some(b)) => v / b,
            _ => 1.0,
        };
        let now_secs = now.saturating_duration_since(oldest).as_secs_f64();
        // The trend line, read at now: where the latency is heading, less
        // lagging than the EWMA when answers come slowly.
        let (latency_slope, latency_now) = fit(ok().map(|s| (secs(s), ms(s.latency))), now_secs).unwrap_or((0.0, 0.0));
        let breach_ms = ms(c.breach);
        let breach_in = match self.ewma_ms {
            Some(_) if latency_slope > 0.0 && latency_now >= breach_ms => Some(Duration::ZERO),
            Some(_) if latency_slope > 0.0 => Some(Duration::from_secs_f64((breach_ms - latency_now) / latency_slope)),
            Some(e) if e >= breach_ms => Some(Duration::ZERO),
            _ => None,
        };
        let failed = self.samples.iter().map(|s| (secs(s), counted(s)));
        let values = Values {
            error_rate,
            latency_ratio: ratio(self.ewma_ms),
            p95_ratio: ratio(p95),
            latency_slope,
            breach_in: breach_in.filter(|_| baseline.is_some()),
            error_slope: fit(failed, now_secs).map_or(0.0, |(slope, _)| slope),
            utilisation: self.samples.iter().rev().find_map(|s| s.utilisation).unwrap_or(0.0),
        };
        let readings = readings(c, &values);
        let score = score(&readings);
        let samples = u32::try_from(n).unwrap_or(u32::MAX);
        let judged = samples >= c.min_samples.max(2) && baseline.is_some();
        Assessment {
            readings,
            score,
            samples,
            baseline_ms: baseline,
            breach_in: values.breach_in,
            p50_ms: p50,
            p95_ms: p95,
            warn: judged && score >= c.warn_score,
            drain: judged && score >= c.drain_score,
        }
    }
}

/// The six metric values behind an assessment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Values {
    /// Failed share of the window.
    pub error_rate: f64,
    /// Latency EWMA over baseline (1 until the baseline is known).
    pub latency_ratio: f64,
    /// p95 latency over baseline (1 until the baseline is known).
    pub p95_ratio: f64,
    /// Slope of successful latencies, ms per s.
    pub latency_slope: f64,
    /// When the latency trend reaches the breach latency (once the baseline is known).
    pub breach_in: Option<Duration>,
    /// Slope of the failed share, per s.
    pub error_slope: f64,
    /// Share of the rate limit used.
    pub utilisation: f64,
}

/// Each metric's reading: its value, badness (see the module's table),
/// weight and threshold.
pub fn readings(c: &HealthConfig, v: &Values) -> [Reading; 6] {
    let (t, w) = (c.thresholds, c.weights);
    let horizon = c.horizon.as_secs_f64();
    // No breach in sight, or a zero horizon (NaN, read as 0): no badness.
    let trend = v.breach_in.map_or(0.0, |d| clamp01(1.0 - d.as_secs_f64() / horizon));
    let reading = |metric, value, badness, weight, threshold| Reading { metric, value, badness, weight, threshold };
    [
        reading(Metric::ErrorRate, v.error_rate, clamp01(v.error_rate / t.error_rate), w.error_rate, t.error_rate),
        reading(
            Metric::Latency,
            v.latency_ratio,
            clamp01((v.latency_ratio - 1.0) / (t.latency_ratio - 1.0)),
            w.latency,
            t.latency_ratio,
        ),
        reading(Metric::P95, v.p95_ratio, clamp01((v.p95_ratio - 1.0) / (t.p95_ratio - 1.0)), w.p95, t.p95_ratio),
        reading(Metric::LatencyTrend, v.latency_slope, trend, w.latency_trend, ms(c.horizon)),
        reading(
            Metric::ErrorTrend,
            v.error_slope,
            clamp01(v.error_slope * horizon / t.error_rate),
            w.error_trend,
            t.error_rate,
        ),
        reading(
            Metric::Headroom,
            v.utilisation,
            clamp01((v.utilisation - 0.5) / (t.headroom - 0.5)),
            w.headroom,
            t.headroom,
        ),
    ]
}

/// The weighted mean of the readings' badness, in [0, 1] (0 with no weight).
pub fn score(readings: &[Reading; 6]) -> f64 {
    let total: f64 = readings.iter().map(|r| r.weight).sum();
    if total > 0.0 { readings.iter().map(|r| r.weight * r.badness).sum::<f64>() / total } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn config() -> HealthConfig {
        HealthConfig {
            window: Duration::from_millis(3000),
            min_samples: 10,
            baseline_samples: 3,
            drain_score: 0.4,
            warn_score: 0.25,
            horizon: Duration::from_millis(2000),
            breach: Duration::from_millis(500),
            weights: Weights {
                error_rate: 0.3,
                latency: 0.15,
                p95: 0.1,
                latency_trend: 0.3,
                error_trend: 0.05,
                headroom: 0.1,
            },
            thresholds: Thresholds { error_rate: 0.25, latency_ratio: 2.0, p95_ratio: 3.0, headroom: 0.9 },
            class_weights: ClassWeights::EVEN,
        }
    }

    fn sample(at: Instant, latency_ms: u64, failed: bool) -> Sample {
        let class = if failed { Class::ServerError } else { Class::Success };
        Sample { at, latency: Duration::from_millis(latency_ms), failed, class, utilisation: None }
    }

    #[test]
    fn a_steady_provider_is_healthy() {
        let t0 = Instant::now();
        let mut h = Health::new(config());
        for i in 0..20 {
            h.record(sample(t0 + Duration::from_millis(i * 20), 20, false));
        }
        let a = h.assess(t0 + Duration::from_millis(400));
        assert_eq!(a.baseline_ms, Some(20.0));
        assert!(a.score < 1e-9, "{a:?}");
        assert!(!a.drain);
        assert_eq!(a.breach_in, None);
    }

    #[test]
    fn a_climbing_latency_projects_its_breach_and_drains_before_it() {
        let t0 = Instant::now();
        let mut h = Health::new(config());
        // One request at a time, 20 ms apart, each answered in 20 ms plus
        // 200 ms per second since the first: a request sent at 2.4 s would
        // take the attempt timeout (500 ms).
        let mut sent = Duration::ZERO;
        let drained = loop {
            let latency = 20 + sent.as_millis() as u64 / 5;
            assert!(latency < 500, "not drained before a request reached the timeout");
            let at = t0 + sent + Duration::from_millis(latency);
            h.record(sample(at, latency, false));
            let a = h.assess(at);
            if a.drain {
                break a;
            }
            sent += Duration::from_millis(latency + 20);
        };
        let breach = drained.breach_in.expect("a rising latency projects a breach");
        assert!(breach > Duration::ZERO && breach < Duration::from_millis(2000), "{breach:?}");
        assert!(drained.readings[3].badness > 0.0 && drained.readings[3].value > 100.0, "{drained:?}");
    }

    #[test]
    fn the_score_is_the_weighted_mean_of_the_badnesses() {
        let t0 = Instant::now();
        let mut h = Health::new(config());
        for i in 0..10u64 {
            let s = Sample { utilisation: Some(0.7), ..sample(t0 + Duration::from_millis(i * 10), 20, i % 5 == 0) };
            h.record(s);
        }
        let a = h.assess(t0 + Duration::from_millis(100));
        let total: f64 = a.readings.iter().map(|r| r.weight).sum();
        let mean = a.readings.iter().map(|r| r.weight * r.badness).sum::<f64>() / total;
        assert!((a.score - mean).abs() < 1e-12);
        assert!((a.readings[0].value - 0.2).abs() < 1e-12 && (a.readings[0].badness - 0.8).abs() < 1e-12);
        assert!((a.readings[5].badness - 0.5).abs() < 1e-12, "{:?}", a.readings[5]);
    }

    #[test]
    fn samples_leave_the_window() {
        let t0 = Instant::now();
        let mut h = Health::new(config());
        for i in 0..5u64 {
            h.record(sample(t0 + Duration::from_millis(i), 20, true));
        }
        // A sample as old as the window is still in it.
        assert_eq!(h.assess(t0 + Duration::from_millis(3000)).samples, 5);
        assert_eq!(h.assess(t0 + Duration::from_millis(3001)).samples, 4);
        assert_eq!(h.assess(t0 + Duration::from_millis(3005)).samples, 0);
    }

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    #[test]
    fn metric_names_are_the_events_names() {
        let names = [Metric::ErrorRate, Metric::Latency, Metric::P95, Metric::LatencyTrend, Metric::ErrorTrend]
            .map(<&'static str>::from);
        assert_eq!(names, ["error_rate", "latency", "p95", "latency_trend", "error_trend"]);
        assert_eq!(Metric::Headroom.as_str(), "headroom");
    }

    #[test]
    fn readings_follow_the_documented_formulas() {
        let mut c = config(); // thresholds 0.25, 3.0 (below), 3.0, 0.9; horizon 2 s
        c.thresholds.latency_ratio = 3.0;
        let v = Values {
            error_rate: 0.1,
            latency_ratio: 2.0,
            p95_ratio: 2.0,
            latency_slope: 50.0,
            breach_in: Some(Duration::from_millis(500)),
            error_slope: 0.05,
            utilisation: 0.7,
        };
        let r = readings(&c, &v);
        let badness = r.map(|r| r.badness);
        let expected = [0.4, 0.5, 0.5, 0.75, 0.4, 0.5];
        for (got, want) in badness.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{badness:?} against {expected:?}");
        }
        assert_eq!(r.map(|r| r.threshold), [0.25, 3.0, 3.0, 2000.0, 0.25, 0.9]);
        assert_eq!(r.map(|r| r.weight), [0.3, 0.15, 0.1, 0.3, 0.05, 0.1]);
        let mean = (0.3 * 0.4 + 0.15 * 0.5 + 0.1 * 0.5 + 0.3 * 0.75 + 0.05 * 0.4 + 0.1 * 0.5) / 1.0;
        assert!((score(&r) - mean).abs() < 1e-12);
        // Far off or no breach: no trend badness; past every threshold: 1.
        let calm = Values { breach_in: Some(Duration::from_secs(9)), ..v };
        assert_eq!(readings(&c, &calm)[3].badness, 0.0);
        let worst = Values {
            error_rate: 1.0,
            latency_ratio: 9.0,
            p95_ratio: 9.0,
            breach_in: Some(Duration::ZERO),
            error_slope: 9.0,
            utilisation: 1.0,
            ..v
        };
        assert!(readings(&c, &worst).iter().all(|r| r.badness == 1.0));
    }

    #[test]
    fn a_failure_counts_in_the_error_rate_as_much_as_its_class_weighs() {
        let t0 = Instant::now();
        let weights = ClassWeights { rate_limited: 0.25, ..ClassWeights::EVEN };
        let mut h = Health::new(HealthConfig { class_weights: weights, ..config() });
        for i in 0..8u64 {
            let class = match i % 4 {
                0 => Class::RateLimited,
                1 => Class::ServerError,
                _ => Class::Success,
            };
            let at = t0 + Duration::from_millis(i * 10);
            h.record(Sample {
                at,
                latency: Duration::from_millis(20),
                failed: class != Class::Success,
                class,
                utilisation: None,
            });
        }
        // Two 429s at a quarter and two 500s in full, in 8 samples.
        let a = h.assess(t0 + Duration::from_millis(80));
        assert!((a.readings[0].value - 2.5 / 8.0).abs() < 1e-12, "{:?}", a.readings[0]);
        let each =
            ClassWeights { rate_limited: 0.1, timeout: 0.2, server_error: 0.3, connection_failed: 0.4, other: 0.5 };
        let classes =
            [Class::RateLimited, Class::Timeout, Class::ServerError, Class::ConnectionFailed, Class::AuthError];
        assert_eq!(classes.map(|c| each.of(c)), [0.1, 0.2, 0.3, 0.4, 0.5]);
    }

    #[test]
    fn a_warning_rearms_only_below_three_quarters_of_its_level() {
        let mut h = Health::new(config());
        let t0 = Instant::now();
        h.record(sample(t0, 20, false));
        let base = h.clone().assess(t0);
        let at = |score: f64| Assessment { score, warn: score >= 0.25, ..base.clone() };
        assert!(h.crosses_warning(&at(0.3), true));
        assert!(!h.crosses_warning(&at(0.3), true), "once per crossing");
        // Exactly three quarters of 0.25 does not re-arm; just below does.
        assert!(!h.crosses_warning(&at(0.1875), false));
        assert!(!h.crosses_warning(&at(0.3), true));
        assert!(!h.crosses_warning(&at(0.1874), false));
        assert!(h.crosses_warning(&at(0.3), true));
    }

    #[test]
    fn a_score_with_no_weight_is_zero() {
        let mut c = config();
        c.weights =
            Weights { error_rate: 0.0, latency: 0.0, p95: 0.0, latency_trend: 0.0, error_trend: 0.0, headroom: 0.0 };
        let v = Values {
            error_rate: 1.0,
            latency_ratio: 9.0,
            p95_ratio: 9.0,
            latency_slope: 0.0,
            breach_in: None,
            error_slope: 0.0,
            utilisation: 1.0,
        };
        assert_eq!(score(&readings(&c, &v)), 0.0);
    }

    #[test]
    fn the_trend_line_is_least_squares() {
        let line = [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)];
        assert_eq!(fit(line.iter().copied(), 3.0), Some((2.0, 7.0)));
        assert_eq!(fit(line[..2].iter().copied(), 0.5), Some((2.0, 2.0)));
        assert_eq!(fit(line[..1].iter().copied(), 0.0), None);
        assert_eq!(fit([(1.0, 1.0), (1.0, 9.0)].into_iter(), 1.0), None);
    }

    #[test]
    fn the_baseline_is_the_mean_of_the_first_answers_and_outlives_the_window() {
        let t0 = Instant::now();
        let mut h = Health::new(config()); // 3 baseline samples
        h.record(sample(at(t0, 0), 10, false));
        h.record(sample(at(t0, 1), 999, true)); // a failure is no latency
        h.record(sample(at(t0, 2), 20, false));
        assert_eq!(h.assess(at(t0, 2)).baseline_ms, None);
        h.record(sample(at(t0, 3), 30, false));
        assert_eq!(h.assess(at(t0, 3)).baseline_ms, Some(20.0));
        h.forget_window();
        let a = h.assess(at(t0, 4));
        assert_eq!((a.samples, a.baseline_ms, a.readings[1].value), (0, Some(20.0), 1.0));
    }

    #[test]
    fn a_fast_providers_baseline_is_raised_to_a_fiftieth_of_the_breach() {
        let t0 = Instant::now();
        let mut h = Health::new(config()); // breach 500 ms
        for i in 0..3 {
            h.record(sample(at(t0, i), 1, false));
        }
        assert_eq!(h.assess(at(t0, 3)).baseline_ms, Some(10.0));
    }

    #[test]
    fn the_ewma_and_p95_are_exact() {
        let t0 = Instant::now();
        let mut h = Health::new(config());
        for i in 0..9 {
            h.record(sample(at(t0, i), 20, false));
        }
        h.record(sample(at(t0, 9), 100, false));
        let a = h.assess(at(t0, 9));
        // EWMA: 20 + 0.3 × 80 = 44, over 20; p95 of ten: the tenth, 100, over 20.
        assert!((a.readings[1].value - 2.2).abs() < 1e-9, "{:?}", a.readings[1]);
        assert!((a.readings[2].value - 5.0).abs() < 1e-9, "{:?}", a.readings[2]);
    }

    #[test]
    fn the_breach_is_projected_from_the_trend_line_at_now() {
        let t0 = Instant::now();
        let mut h = Health::new(HealthConfig { window: Duration::from_secs(10), ..config() }); // breach 500 ms
        for (i, latency) in [100, 200, 300].into_iter().enumerate() {
            h.record(sample(at(t0, i as u64 * 1000), latency, false));
        }
        // 100 ms more per second, 300 ms now: 500 ms in 2 s.
        let a = h.assess(at(t0, 2000));
        assert!((a.breach_in.unwrap().as_secs_f64() - 2.0).abs() < 1e-9, "{a:?}");
        assert!((a.readings[3].value - 100.0).abs() < 1e-9);
        // Read a second later, the line is at 400 ms: 1 s to go.
        assert!((h.assess(at(t0, 3000)).breach_in.unwrap().as_secs_f64() - 1.0).abs() < 1e-9);
        // Past the breach on the line: now.
        assert_eq!(h.assess(at(t0, 4100)).breach_in, Some(Duration::ZERO));
    }

    #[test]
    fn a_flat_latency_projects_no_breach_unless_it_is_already_past() {
        let t0 = Instant::now();
        let mut h = Health::new(config());
        for i in 0..4 {
            h.record(sample(at(t0, i * 100), 100, false));
        }
        assert_eq!(h.assess(at(t0, 300)).breach_in, None);
        let mut slow = Health::new(config());
        for i in 0..4 {
            slow.record(sample(at(t0, i * 100), 600, false));
        }
        assert_eq!(slow.assess(at(t0, 300)).breach_in, Some(Duration::ZERO));
    }
}
