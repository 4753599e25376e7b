//! `GET /metrics` (capability `metrics`): the Prometheus exposition, with the
//! state gauges read from the breakers, the health records and the fallback
//! activation rates as of the scrape.
use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use failover_policy::Decide;
use http::HeaderValue;
use http::header::CONTENT_TYPE;

use crate::metrics::{ProviderState, Scraped};
use crate::{Gateway, lock};

pub(crate) async fn metrics<D: Decide>(State(gateway): State<Arc<Gateway<D>>>) -> Response {
    let now = Instant::now();
    let mut scraped = Scraped::default();
    for (r, route) in gateway.settings.routes.iter().enumerate() {
        let statuses: Vec<_> = gateway.breakers(r).iter().map(|b| b.status().0).collect();
        let mut health = gateway.health.get(r).map(lock);
        for (hop, status) in statuses.into_iter().enumerate() {
            let score = health.as_mut().map(|h| h[hop].record.assess(now).score);
            let provider = gateway.settings.provider_of(r, hop).id.clone();
            scraped.providers.push(ProviderState { model: route.model.clone(), provider, status, score });
        }
    }
    for (route, reading) in crate::monitoring::readings(&gateway, now) {
        scraped.fallback_rates.push((gateway.settings.routes[route].model.clone(), reading.rate, reading.level));
    }
    let now_ms = crate::proxy::tokens::unix_ms();
    for budget in gateway.budgets.iter().flat_map(|b| b.all()) {
        let (spent, _) = budget.read(now_ms);
        let (spent, limit) = (budget.amount(spent), budget.amount(budget.allowance.limit));
        scraped.budgets.push((budget.id.clone(), budget.unit_name(), spent, limit));
    }
    for read in crate::slo::read(&gateway, now) {
        let id = &gateway.settings.slos[read.index].id;
        scraped.slos.extend(read.statuses.into_iter().map(|s| (id.clone(), s)));
    }
    let mut response = gateway.metrics.render(&scraped).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    response
}
