//! Property 31: the fallback activation rate counts every request younger
//! than the window less one bucket and none older than the window, reads
//! the level the stated edges give, and reports a change exactly when the
//! level changes.
use std::time::{Duration, Instant};

use failover_policy::activation::{ActivationConfig, ActivationRate, level};
use proptest::prelude::*;

/// Valid configs.
pub fn configs() -> impl Strategy<Value = ActivationConfig> {
    (100u64..5_000, 0.001..0.5f64, 0.0..0.5f64, 0u32..50).prop_map(|(window, warning, extra, min_requests)| {
        ActivationConfig {
            window: Duration::from_millis(window),
            warning,
            alert: (warning + extra).min(1.0),
            min_requests,
        }
    })
}

/// Requests: ms after the previous one, and whether it fell back.
pub fn requests() -> impl Strategy<Value = Vec<(u64, bool)>> {
    proptest::collection::vec((0u64..400, any::<bool>()), 1..200)
}

/// A rate under test: records `(at, fell_back)` and reads the rate at `now`.
pub trait Rate {
    /// Counts a request.
    fn record(&mut self, at: Instant, fell_back: bool) -> bool;
    /// Requests, fallbacks, rate, level name.
    fn read(&mut self, now: Instant) -> (u64, u64, f64, &'static str);
}

impl Rate for ActivationRate {
    fn record(&mut self, at: Instant, fell_back: bool) -> bool {
        ActivationRate::record(self, at, fell_back).is_some()
    }

    fn read(&mut self, now: Instant) -> (u64, u64, f64, &'static str) {
        let r = self.poll(now).0;
        (r.requests, r.fallbacks, r.rate, r.level.as_str())
    }
}

/// Checks property 31 on `rate` (configured with `cfg`).
pub fn counts_the_window(rate: &mut impl Rate, cfg: &ActivationConfig, requests: &[(u64, bool)]) -> Result<(), String> {
    let t0 = Instant::now();
    let bucket = cfg.window / 20;
    let (mut now, mut log, mut last_level) = (t0, Vec::new(), "healthy");
    for &(gap, fell_back) in requests {
        now += Duration::from_millis(gap);
        log.push((now, fell_back));
        let changed = rate.record(now, fell_back);
        let (requests, fallbacks, share, level_name) = rate.read(now);
        let expected_share = if requests == 0 { 0.0 } else { fallbacks as f64 / requests as f64 };
        if (share - expected_share).abs() > 1e-12 {
            return Err(format!("rate {share} for {fallbacks} of {requests}"));
        }
        let age = |t: Instant| now.saturating_duration_since(t);
        let surely_in = log.iter().filter(|(t, _)| age(*t) + bucket < cfg.window).count() as u64;
        let maybe_in = log.iter().filter(|(t, _)| age(*t) < cfg.window).count() as u64;
        if requests < surely_in || requests > maybe_in {
            return Err(format!("{requests} requests in the window, expected between {surely_in} and {maybe_in}"));
        }
        let surely_fb = log.iter().filter(|(t, f)| *f && age(*t) + bucket < cfg.window).count() as u64;
        let maybe_fb = log.iter().filter(|(t, f)| *f && age(*t) < cfg.window).count() as u64;
        if fallbacks < surely_fb || fallbacks > maybe_fb {
            return Err(format!("{fallbacks} fallbacks in the window, expected between {surely_fb} and {maybe_fb}"));
        }
        let expected = level(cfg, requests, fallbacks).as_str();
        if level_name != expected {
            return Err(format!("level {level_name} for {fallbacks} of {requests}, expected {expected}"));
        }
        if changed != (level_name != last_level) {
            return Err(format!("level {last_level} -> {level_name}, but a change was reported: {changed}"));
        }
        last_level = level_name;
    }
    Ok(())
}
