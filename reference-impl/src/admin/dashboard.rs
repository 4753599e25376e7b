//! The live dashboard (capability `dashboard`): `GET /admin/dashboard` is a
//! small page and `GET /admin/dashboard/app.js` its script, both served from
//! the binary and holding no data, so they need no token; the page reads
//! `GET /admin/dashboard/stream`, server-sent events behind the admin token,
//! one `snapshot` every [`PERIOD`]: every provider's state and health (as
//! `/admin/providers` shows it), the fallback activation rates, the SLOs (as
//! `/admin/slo` shows them), the drills, and the decisions logged since the previous snapshot (the last
//! [`FIRST_DECISIONS`] in the first). A stream ends when the gateway stops,
//! and after [`LIFETIME`] in any case (the page reconnects at once), so that
//! no client holds one forever.
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use failover_policy::Decide;
use futures_core::Stream;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use serde::Serialize;

use super::analytics::{Rate, fallback_rates};
use super::providers::{Listing, listing};
use crate::Gateway;
use crate::drills::View;
use crate::events::{Event, EventKind};

/// How often a snapshot is sent.
pub const PERIOD: Duration = Duration::from_millis(250);
/// Decisions the first snapshot carries.
pub const FIRST_DECISIONS: usize = 20;
/// The longest a stream stays open.
pub const LIFETIME: Duration = Duration::from_secs(300);

const PAGE: &str = include_str!("dashboard/index.html");
const SCRIPT: &str = include_str!("dashboard/app.js");
/// Scripts from this gateway only; no frames, no other origins.
const POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; \
                      img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub(crate) async fn page() -> Response {
    ([(CONTENT_TYPE, "text/html; charset=utf-8"), (CONTENT_SECURITY_POLICY, POLICY)], PAGE).into_response()
}

pub(crate) async fn script() -> Response {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "no-cache")], SCRIPT).into_response()
}

#[derive(Serialize)]
struct Snapshot {
    #[serde(flatten)]
    listing: Listing,
    fallback_rate: Vec<Rate>,
    slos: Vec<super::slo::Entry>,
    drills: Vec<View>,
    decisions: Vec<Event>,
}

/// Whether an event is a decision the dashboard shows: what changed a
/// provider's standing, not each request's own trail.
fn shown(event: &Event) -> bool {
    !matches!(event.kind, EventKind::Request { .. } | EventKind::Retry { .. } | EventKind::Failover { .. })
}

fn snapshot<D: Decide>(gateway: &Gateway<D>, seen: &mut Option<u64>) -> Snapshot {
    let now = Instant::now();
    let (events, next) = gateway.events.since(seen.unwrap_or(0));
    let mut decisions: Vec<Event> = events.into_iter().filter(shown).collect();
    if seen.is_none() {
        decisions.drain(..decisions.len().saturating_sub(FIRST_DECISIONS));
    }
    *seen = Some(next.saturating_sub(1));
    let drills = gateway.drills.all().iter().map(|d| View::of(gateway, d, now)).collect();
    let slos = super::slo::entries(gateway, now);
    Snapshot { listing: listing(gateway, now), fallback_rate: fallback_rates(gateway, now), slos, drills, decisions }
}

pub(crate) async fn stream<D: Decide>(
    State(gateway): State<Arc<Gateway<D>>>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let closing = gateway.closing.subscribe();
    let ends = tokio::time::Instant::now() + LIFETIME;
    let mut ticks = tokio::time::interval(PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = (gateway, None::<u64>, ticks);
    let snapshots = futures_util::stream::unfold(state, move |(gateway, mut seen, mut ticks)| {
        let mut closing = closing.clone();
        async move {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = closing.wait_for(|closed| *closed) => return None,
                () = tokio::time::sleep_until(ends) => return None,
            }
            let snapshot = snapshot(&gateway, &mut seen);
            let event = SseEvent::default().event("snapshot").json_data(&snapshot).unwrap_or_default();
            Some((Ok(event), (gateway, seen, ticks)))
        }
    });
    Sse::new(snapshots)
}
