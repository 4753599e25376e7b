//! `GET /admin/analytics` (capability `analytics`, case TC_R752_FAILOVER_016):
//! per (model, provider) its failover episodes summarised (counts by class,
//! time to detect, to the first success on a fallback and to recover, flaps)
//! with the breaker settings in force (learning may have changed them) and
//! those its history suggests from there (not applied); the
//! finished episodes themselves; and each watched model's fallback
//! activation rate. 404 when no store is configured.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use failover_policy::episode;
use failover_policy::{Decide, Level};
use serde::Serialize;

use crate::Gateway;
use crate::analytics::{Row, records_of};

#[derive(Serialize)]
struct Report {
    providers: Vec<Entry>,
    episodes: Vec<Row>,
    fallback_rate: Vec<Rate>,
}

#[derive(Serialize)]
struct Entry {
    model: Arc<str>,
    provider: Arc<str>,
    position: usize,
    in_episode: bool,
    episodes: u32,
    by_class: BTreeMap<&'static str, u32>,
    detect_mean_ms: Option<f64>,
    detect_p95_ms: Option<f64>,
    first_success_mean_ms: Option<f64>,
    recover_mean_ms: Option<f64>,
    recover_p95_ms: Option<f64>,
    flaps: u32,
    /// The breaker settings in force: as configured, or as learning left them.
    settings: Settings,
    suggestions: Vec<Suggestion>,
}

#[derive(Serialize)]
struct Settings {
    min_calls: u32,
    open_ms: f64,
    half_open_probes: u32,
}

#[derive(Serialize)]
struct Suggestion {
    setting: &'static str,
    current: f64,
    suggested: f64,
    because: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Rate {
    model: Arc<str>,
    rate: f64,
    requests: u64,
    fallbacks: u64,
    level: Level,
}

pub(crate) async fn analytics<D: Decide>(State(gateway): State<Arc<Gateway<D>>>) -> Response {
    let Some(analytics) = &gateway.analytics else {
        let error = serde_json::json!({"error": {"message": "no store is configured: set \"store\" in the config to record failover episodes", "type": "not_found", "code": "analytics_not_configured"}});
        return (StatusCode::NOT_FOUND, Json(error)).into_response();
    };
    let episodes = analytics.history();
    let mut providers = Vec::new();
    for (r, route) in gateway.settings.routes.iter().enumerate() {
        for hop in 0..route.hops.len() {
            let current = gateway.breakers(r)[hop].current();
            let provider = gateway.settings.provider_of(r, hop).id.clone();
            // From the one copy of the history the answer lists, so that
            // the summary adds up from the episodes shown.
            let mine = records_of(&episodes, &gateway.settings, r, hop);
            let summary = episode::summarise(&mine, current.window_ms);
            let by_class =
                summary.iter().flat_map(|s| s.by_class.iter()).map(|(c, n)| (c.map_or("none", |c| c.as_str()), *n));
            providers.push(Entry {
                model: route.model.clone(),
                provider,
                position: hop,
                in_episode: analytics.in_episode(r, hop),
                episodes: summary.as_ref().map_or(0, |s| s.episodes),
                by_class: by_class.collect(),
                detect_mean_ms: summary.as_ref().map(|s| s.detect_mean_ms),
                detect_p95_ms: summary.as_ref().map(|s| s.detect_p95_ms),
                first_success_mean_ms: summary.as_ref().and_then(|s| s.first_success_mean_ms),
                recover_mean_ms: summary.as_ref().map(|s| s.recover_mean_ms),
                recover_p95_ms: summary.as_ref().map(|s| s.recover_p95_ms),
                flaps: summary.as_ref().map_or(0, |s| s.flaps),
                settings: Settings {
                    min_calls: current.min_calls,
                    open_ms: current.open_ms,
                    half_open_probes: current.half_open_probes,
                },
                suggestions: episode::suggest(&mine, current)
                    .into_iter()
                    .map(|s| Suggestion {
                        setting: s.setting,
                        current: s.current,
                        suggested: s.suggested,
                        because: s.because,
                    })
                    .collect(),
            });
        }
    }
    let fallback_rate = fallback_rates(&gateway, Instant::now());
    Json(Report { providers, episodes, fallback_rate }).into_response()
}

/// Each watched model's fallback activation rate at `now`.
pub(crate) fn fallback_rates<D: Decide>(gateway: &Gateway<D>, now: Instant) -> Vec<Rate> {
    crate::monitoring::readings(gateway, now)
        .into_iter()
        .map(|(r, reading)| Rate {
            model: gateway.settings.routes[r].model.clone(),
            rate: reading.rate,
            requests: reading.requests,
            fallbacks: reading.fallbacks,
            level: reading.level,
        })
        .collect()
}
