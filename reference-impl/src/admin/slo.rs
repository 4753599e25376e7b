//! `GET /admin/slo` (capability `slos`): every SLO with each objective's
//! target, current value, error-budget burn rate and whether it is breached,
//! over its window as of the request.
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use failover_policy::Decide;
use serde::Serialize;

use crate::Gateway;
use crate::slo::shown;

#[derive(Serialize)]
pub(crate) struct Listing {
    slos: Vec<Entry>,
}

#[derive(Serialize)]
pub(crate) struct Entry {
    id: Arc<str>,
    model: Arc<str>,
    window_ms: u64,
    min_requests: u32,
    /// Requests the window counts.
    requests: u64,
    objectives: Vec<Objective>,
}

#[derive(Serialize)]
struct Objective {
    objective: &'static str,
    /// In ms for `ttft_p95`, US dollars for `cost_per_useful_answer`.
    target: f64,
    current: Option<f64>,
    /// `null` with nothing counted, or billed with no useful answer.
    burn_rate: Option<f64>,
    samples: u64,
    breached: bool,
}

/// Every SLO as of `now` (logging what entered or left breach).
pub(crate) fn entries<D: Decide>(gateway: &Gateway<D>, now: Instant) -> Vec<Entry> {
    crate::slo::read(gateway, now)
        .into_iter()
        .map(|read| {
            let o = &gateway.settings.slos[read.index];
            let objectives = read
                .statuses
                .iter()
                .map(|s| Objective {
                    objective: s.objective.as_str(),
                    target: shown(s.objective, s.target),
                    current: s.current.map(|c| shown(s.objective, c)),
                    burn_rate: s.burn_rate.filter(|b| b.is_finite()),
                    samples: s.samples,
                    breached: s.breached,
                })
                .collect();
            Entry {
                id: o.id.clone(),
                model: gateway.settings.routes[o.route].model.clone(),
                window_ms: o.config.window.as_millis() as u64,
                min_requests: o.config.min_requests,
                requests: read.totals.requests,
                objectives,
            }
        })
        .collect()
}

pub(crate) async fn slo<D: Decide>(State(gateway): State<Arc<Gateway<D>>>) -> Json<Listing> {
    Json(Listing { slos: entries(&gateway, Instant::now()) })
}
