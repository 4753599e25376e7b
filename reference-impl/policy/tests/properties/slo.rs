//! Service level objectives count what their window holds (see
//! `failover_policy::slo`).
use std::time::{Duration, Instant};

use failover_policy::slo::{self, Ended, Objective, Request, Slo, SloConfig, Targets};
use proptest::prelude::*;

/// Requests, each ending some ms after the one before, failed or not, over
/// a window of `window_ms`.
#[derive(Clone, Debug)]
pub struct Case {
    pub window_ms: u64,
    pub min_requests: u32,
    pub target: f64,
    pub requests: Vec<(u64, bool)>,
}

pub fn cases() -> impl Strategy<Value = Case> {
    let request = (0u64..120, any::<bool>());
    (20u64..400, 1u32..8, 0.5f64..0.99, proptest::collection::vec(request, 1..150))
        .prop_map(|(window_ms, min_requests, target, requests)| Case { window_ms, min_requests, target, requests })
}

/// How an SLO is made.
pub type Making = fn(SloConfig) -> Slo;

/// As the gateway does.
pub fn standard(config: SloConfig) -> Slo {
    Slo::new(config)
}

/// Broken: a window that never lets a request go.
pub fn never_slides(config: SloConfig) -> Slo {
    Slo::new(SloConfig { window: Duration::from_secs(1 << 40), ..config })
}

/// After each request, the window holds every request that ended within
/// the window less a twentieth of it and none that ended a whole window ago
/// or more; availability reads the share of those answered, and is breached
/// exactly when they are at least `min_requests` and their failed share is
/// above what the target allows.
pub fn counts_what_its_window_holds(case: &Case, making: Making) -> Result<(), String> {
    let t0 = Instant::now();
    let window = Duration::from_millis(case.window_ms);
    let config = SloConfig {
        window,
        min_requests: case.min_requests,
        targets: Targets { availability: Some(case.target), ..Targets::default() },
    };
    let mut slo = making(config);
    let mut ended: Vec<(Duration, bool)> = Vec::new();
    let mut at = Duration::ZERO;
    for &(after_ms, failed) in &case.requests {
        at += Duration::from_millis(after_ms);
        let ended_as = if failed { Ended::Failed } else { Ended::Answered { soft: false } };
        slo.record(&Request { ended: ended_as, ttft: None, cost: 0 }, t0 + at);
        ended.push((at, failed));
        let totals = slo.totals(t0 + at);
        let surely = ended.iter().filter(|(t, _)| *t + window - window / 20 > at).count() as u64;
        let possibly = ended.iter().filter(|(t, _)| *t + window > at).count() as u64;
        if !(surely..=possibly).contains(&totals.requests) {
            return Err(format!(
                "at {at:?} the window holds {} requests; between {surely} and {possibly} ended within it",
                totals.requests
            ));
        }
        let statuses = slo::status(&config, &totals);
        let [availability] = statuses.as_slice() else { return Err(format!("one objective set: {statuses:?}")) };
        let failed_share = (totals.requests - totals.available) as f64 / totals.requests as f64;
        let breached = totals.requests >= u64::from(case.min_requests) && failed_share > (1.0 - case.target) + 1e-9;
        if availability.objective != Objective::Availability || availability.breached != breached {
            return Err(format!("{availability:?} over {totals:?}: breached should be {breached}"));
        }
    }
    Ok(())
}
