//! `GET /admin/budgets` (capability `budgets`): every spend budget, what it
//! has spent in its current window, what requests in flight hold of it, and
//! when it resets.
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use failover_policy::Decide;
use serde::Serialize;

use crate::Gateway;

#[derive(Serialize)]
pub(crate) struct Listing {
    budgets: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    id: Arc<str>,
    /// `tokens` or `usd`.
    unit: &'static str,
    limit: f64,
    spent: f64,
    held: f64,
    window_ms: u64,
    resets_in_ms: u64,
}

pub(crate) async fn budgets<D: Decide>(State(gateway): State<Arc<Gateway<D>>>) -> Json<Listing> {
    let now_ms = crate::proxy::tokens::unix_ms();
    let budgets = gateway
        .budgets
        .iter()
        .flat_map(|b| b.all())
        .map(|b| {
            let (spent, held) = b.read(now_ms);
            Entry {
                id: b.id.clone(),
                unit: b.unit_name(),
                limit: b.amount(b.allowance.limit),
                spent: b.amount(spent),
                held: b.amount(held),
                window_ms: b.allowance.window_ms,
                resets_in_ms: b.allowance.resets_at(now_ms).saturating_sub(now_ms),
            }
        })
        .collect();
    Json(Listing { budgets })
}
