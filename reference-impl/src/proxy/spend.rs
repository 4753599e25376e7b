//! Spend budgets (capability `budgets`): what a client API key, or every
//! client together, may spend on a model, or on every model, per window.
//!
//! Each attempt holds what it may cost before it is sent, and is charged
//! what it did cost when it ends; the arithmetic and the rules are the
//! policy's (`failover_policy::spend`). This module finds a request's
//! budgets, counts its tokens, reads the provider's `usage`, and answers
//! 429 `budget_exceeded` when one is spent.
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::response::{IntoResponse, Response};
use failover_contract::{ConfigError, GatewayConfig, SpendBudgetConfig};
use failover_policy::Decide;
use failover_policy::spend::{self, Allowance, Ended, Hold, Ledger, Spent, Unit, Usage};
use http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tiktoken_rs::CoreBPE;

use super::error::ApiError;
use super::forward::Endpoint;
use crate::Gateway;
use crate::events::EventKind;
use crate::settings::Settings;
use crate::store::Store;

/// Response header: the budget that refused the request.
pub const BUDGET: &str = "x-failover-budget";
/// Response header: milliseconds until that budget resets.
pub const BUDGET_RESET: &str = "x-failover-budget-reset-ms";

/// Picodollars in a US dollar.
const PICO: f64 = 1e12;

/// The gateway's budgets.
pub(crate) struct Budgets {
    budgets: Vec<Budget>,
    bpe: &'static CoreBPE,
    /// Where what they spent is kept across restarts, if anywhere.
    store: Option<Arc<Store>>,
    /// Attempts charged so far: what was kept is stale when this moved.
    charged: AtomicU64,
}

/// What the store keeps of a budget.
#[derive(Serialize, Deserialize)]
struct Kept {
    window_ms: u64,
    window: u64,
    spent: u64,
}

/// The last word: whatever the background task kept, what was spent since
/// is written as the gateway goes.
impl Drop for Budgets {
    fn drop(&mut self) {
        if let Err(e) = self.keep(u64::MAX) {
            eprintln!("reference-gateway: keeping what the budgets spent failed: {e}");
        }
    }
}

/// One budget and its ledger.
pub(crate) struct Budget {
    pub id: Arc<str>,
    key: Option<Box<str>>,
    route: Option<usize>,
    pub unit: Unit,
    pub allowance: Allowance,
    answer_reserve: u64,
    ledger: Mutex<Ledger>,
    /// One more than the window whose exhaustion was last announced: once a
    /// window, however many requests it refuses.
    announced: AtomicU64,
}

impl Budget {
    /// An amount in its unit, as people read it (`usd` for money).
    pub fn amount(&self, units: u64) -> f64 {
        match self.unit {
            Unit::Tokens => units as f64,
            Unit::Picodollars => units as f64 / PICO,
        }
    }

    /// What it counts, as config and metrics name it.
    pub fn unit_name(&self) -> &'static str {
        match self.unit {
            Unit::Tokens => "tokens",
            Unit::Picodollars => "usd",
        }
    }

    fn describe(&self, units: u64) -> String {
        match self.unit {
            Unit::Tokens => format!("{units} tokens"),
            Unit::Picodollars => format!("${:.6}", self.amount(units)),
        }
    }

    /// What is spent in the current window and held, at `now_ms`.
    pub fn read(&self, now_ms: u64) -> (u64, u64) {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner()).read(&self.allowance, now_ms)
    }
}

impl Budgets {
    /// The budgets of `config`, `None` when it has none, each resuming what
    /// `store` kept of its current window. A key named by an environment
    /// variable that is not set, and a record the store cannot read, are
    /// errors naming what to fix.
    pub fn new(
        config: &GatewayConfig,
        settings: &Settings,
        store: Option<Arc<Store>>,
    ) -> Result<Option<Self>, ConfigError> {
        if config.budgets.is_empty() {
            return Ok(None);
        }
        let mut budgets: Vec<Budget> =
            config.budgets.iter().enumerate().map(|(i, b)| budget(i, b, settings)).collect::<Result<_, _>>()?;
        if let Some(store) = &store {
            let error = |message: String| ConfigError { path: "store.path".into(), message };
            for (id, record) in store.budgets().map_err(error)? {
                let Some(budget) = budgets.iter_mut().find(|b| *b.id == *id) else { continue };
                let kept: Kept = serde_json::from_slice(&record).map_err(|e| {
                    error(format!(
                        "budget \"{id}\"'s record in the store cannot be read ({e}); the store is damaged: move it aside and start with \"create\": true"
                    ))
                })?;
                // A budget whose window changed starts afresh.
                if kept.window_ms == budget.allowance.window_ms {
                    budget.ledger = Mutex::new(Ledger::resumed(kept.window, kept.spent));
                }
            }
        }
        Ok(Some(Self { budgets, bpe: super::tokens::encoding("o200k_base"), store, charged: AtomicU64::new(0) }))
    }

    /// Writes what each budget spent to the store, if there is one and
    /// anything was charged since `charged` attempts; gives the count now.
    pub fn keep(&self, charged: u64) -> Result<u64, String> {
        let now = self.charged.load(Ordering::Relaxed);
        if now != charged {
            self.write()?;
        }
        Ok(now)
    }

    /// Writes what each budget spent to the store, if there is one.
    fn write(&self) -> Result<(), String> {
        let Some(store) = &self.store else { return Ok(()) };
        let rows: Vec<(&str, Vec<u8>)> = self
            .budgets
            .iter()
            .map(|b| {
                let (window, spent) = b.ledger.lock().unwrap_or_else(|e| e.into_inner()).kept();
                let kept = Kept { window_ms: b.allowance.window_ms, window, spent };
                (&*b.id, serde_json::to_vec(&kept).expect("a record serialises"))
            })
            .collect();
        store.put_budgets(&rows)
    }

    /// Every budget, in config order.
    pub fn all(&self) -> &[Budget] {
        &self.budgets
    }
}

fn budget(i: usize, b: &SpendBudgetConfig, settings: &Settings) -> Result<Budget, ConfigError> {
    let key = match &b.api_key_env {
        None => b.api_key.clone(),
        Some(name) => Some(std::env::var(name).ok().filter(|k| !k.is_empty()).ok_or_else(|| ConfigError {
            path: format!("budgets[{i}].api_key_env"),
            message: format!("names {name}, which is not set in the gateway's environment; set it or use api_key"),
        })?),
    };
    let (unit, limit) = match (b.tokens, b.usd) {
        (Some(tokens), _) => (Unit::Tokens, tokens),
        // Validated to below ten million dollars: within u64 picodollars.
        (None, usd) => (Unit::Picodollars, (usd.unwrap_or_default() * PICO).round() as u64),
    };
    Ok(Budget {
        id: Arc::from(b.id.as_str()),
        key: key.map(String::into_boxed_str),
        route: b.model.as_ref().and_then(|m| settings.by_model.get(m).copied()),
        unit,
        allowance: Allowance { limit, window_ms: b.window_ms },
        answer_reserve: b.answer_reserve_tokens,
        ledger: Mutex::new(Ledger::default()),
        announced: AtomicU64::new(0),
    })
}

/// A request's spending: the budgets it counts against and what the gateway
/// counted of it.
#[derive(Debug)]
pub(crate) struct Spending {
    budgets: Vec<usize>,
    prompt: u64,
    /// The answer's limit, if the request set one.
    limit: Option<u64>,
}

/// What one attempt holds of each of its request's budgets.
pub(crate) struct Holds(Vec<(usize, Hold)>);

/// A budget found spent: which, and until when.
pub(crate) struct Refusal {
    budget: usize,
    spent: Spent,
}

#[derive(Deserialize)]
struct Told {
    usage: Option<ToldUsage>,
}

#[derive(Deserialize)]
struct ToldUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

/// The request's spending, when a budget applies to it: one for the
/// client's key (`Authorization: Bearer`) or for every client, and for its
/// model or every model.
pub(crate) fn open<D: Decide>(
    gateway: &Gateway<D>,
    headers: &HeaderMap,
    route: usize,
    endpoint: Endpoint,
    body: &[u8],
) -> Option<Spending> {
    let budgets = gateway.budgets.as_ref()?;
    let key = crate::admin::auth::bearer(headers).and_then(|k| std::str::from_utf8(k).ok());
    let applies = |b: &Budget| b.route.is_none_or(|r| r == route) && b.key.as_deref().is_none_or(|k| Some(k) == key);
    let found: Vec<usize> = budgets.budgets.iter().enumerate().filter(|(_, b)| applies(b)).map(|(i, _)| i).collect();
    if found.is_empty() {
        return None;
    }
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let limit = match endpoint {
        Endpoint::Chat => ["max_completion_tokens", "max_tokens"].iter().find_map(|k| value[*k].as_u64()),
        Endpoint::Embeddings => Some(0),
    };
    Some(Spending { budgets: found, prompt: super::tokens::request(budgets.bpe, &value), limit })
}

impl Spending {
    fn estimate(&self, budget: &Budget) -> Usage {
        Usage { prompt: self.prompt, completion: self.limit.unwrap_or(budget.answer_reserve) }
    }

    /// Holds what an attempt at chain position `hop` of `route` may cost,
    /// in every budget, at `now_ms`; the first budget found spent refuses it,
    /// and what the others held is given back.
    pub fn reserve<D: Decide>(
        &self,
        gateway: &Gateway<D>,
        (route, hop): (usize, usize),
        now_ms: u64,
    ) -> Result<Holds, Refusal> {
        let budgets = all(gateway);
        let price = gateway.settings.routes[route].hops[hop].price;
        let mut holds = Vec::with_capacity(self.budgets.len());
        for &i in &self.budgets {
            let budget = &budgets[i];
            let estimate = spend::cost(budget.unit, self.estimate(budget), price);
            let reserved = {
                let mut ledger = budget.ledger.lock().unwrap_or_else(|e| e.into_inner());
                gateway.decide.reserve(&mut ledger, &budget.allowance, estimate, now_ms)
            };
            match reserved {
                Ok(hold) => holds.push((i, hold)),
                Err(spent) => {
                    self.release(gateway, Holds(holds), now_ms);
                    return Err(Refusal { budget: i, spent });
                }
            }
        }
        Ok(Holds(holds))
    }

    /// Gives back what `holds` held, nothing spent: the attempt was not made.
    fn release<D: Decide>(&self, gateway: &Gateway<D>, holds: Holds, now_ms: u64) {
        let budgets = all(gateway);
        for (i, hold) in holds.0 {
            let budget = &budgets[i];
            let mut ledger = budget.ledger.lock().unwrap_or_else(|e| e.into_inner());
            gateway.decide.settle(&mut ledger, &budget.allowance, hold, 0, now_ms);
        }
    }

    /// Charges the attempt at chain position `hop` of `route` that held
    /// `holds` for how it `ended`, at `now_ms`.
    pub fn settle<D: Decide>(
        &self,
        gateway: &Gateway<D>,
        (route, hop): (usize, usize),
        holds: Holds,
        ended: Ended,
        now_ms: u64,
    ) {
        let all = gateway.budgets.as_ref().expect("spending comes from budgets");
        all.charged.fetch_add(1, Ordering::Relaxed);
        let (budgets, price) = (&all.budgets, gateway.settings.routes[route].hops[hop].price);
        for (i, hold) in holds.0 {
            let budget = &budgets[i];
            let usage = gateway.decide.charge(self.estimate(budget), ended);
            let cost = spend::cost(budget.unit, usage, price);
            let mut ledger = budget.ledger.lock().unwrap_or_else(|e| e.into_inner());
            gateway.decide.settle(&mut ledger, &budget.allowance, hold, cost, now_ms);
        }
    }
}

/// Every budget of `gateway`, which has some: a request's spending and a
/// refusal come from them.
fn all<D: Decide>(gateway: &Gateway<D>) -> &[Budget] {
    &gateway.budgets.as_ref().expect("spending comes from budgets").budgets
}

/// How an attempt whose answer body is `body` ended, for what it is
/// charged: with the provider's `usage`, if it gave one.
pub(crate) fn answered(body: &[u8]) -> Ended {
    let usage = serde_json::from_slice::<Told>(body).ok().and_then(|t| t.usage);
    Ended::Answered(usage.map(|u| Usage { prompt: u.prompt_tokens, completion: u.completion_tokens }))
}

impl Refusal {
    /// The 429 the client gets, and the budget's event once a window.
    pub fn answer<D: Decide>(&self, gateway: &Gateway<D>, now_ms: u64, now: std::time::Instant) -> Response {
        let budget = &all(gateway)[self.budget];
        gateway.metrics.budget_refused(self.budget);
        let window = budget.allowance.window(now_ms) + 1;
        if budget.announced.swap(window, Ordering::Relaxed) != window {
            let kind = EventKind::BudgetExhausted {
                budget: budget.id.clone(),
                unit: budget.unit_name(),
                limit: budget.amount(budget.allowance.limit),
                spent: budget.amount(self.spent.spent),
                resets_at_ms: self.spent.resets_at_ms,
            };
            gateway.events.push(kind, now);
        }
        let resets_in_ms = self.spent.resets_at_ms.saturating_sub(now_ms);
        let limit = format!("{} per {} ms", budget.describe(budget.allowance.limit), budget.allowance.window_ms);
        let used = match self.spent.held {
            0 => budget.describe(self.spent.spent),
            held => format!(
                "{} spent and {} held by requests in flight",
                budget.describe(self.spent.spent),
                budget.describe(held)
            ),
        };
        let held = self.spent.spent < budget.allowance.limit;
        let mut response = ApiError::budget_exceeded(&budget.id, &limit, &used, resets_in_ms, held).into_response();
        let headers = response.headers_mut();
        if let Ok(id) = HeaderValue::from_str(&budget.id) {
            headers.insert(BUDGET, id);
        }
        headers.insert(BUDGET_RESET, HeaderValue::from(resets_in_ms));
        response
    }
}

/// Keeps what the budgets spent in the store, every second and as the
/// gateway closes, so that a restart does not hand a spent budget back.
pub(crate) async fn drive<D: Decide>(gateway: Arc<Gateway<D>>) {
    if gateway.budgets.as_ref().is_none_or(|b| b.store.is_none()) {
        return;
    }
    let mut closing = gateway.closing.subscribe();
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut charged = 0;
    loop {
        let closed = tokio::select! {
            _ = ticks.tick() => false,
            _ = closing.wait_for(|closing| *closing) => true,
        };
        let budgets = gateway.clone();
        let kept =
            tokio::task::spawn_blocking(move || budgets.budgets.as_ref().map_or(Ok(charged), |b| b.keep(charged)));
        match kept.await {
            Ok(Ok(now)) => charged = now,
            Ok(Err(e)) => eprintln!("reference-gateway: keeping what the budgets spent failed: {e}"),
            Err(_) => {}
        }
        if closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_charged_the_usage_it_reports() {
        let told = br#"{"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}}"#;
        assert_eq!(answered(told), Ended::Answered(Some(Usage { prompt: 12, completion: 5 })));
        let embedding = br#"{"data": [], "usage": {"prompt_tokens": 4, "total_tokens": 4}}"#;
        assert_eq!(answered(embedding), Ended::Answered(Some(Usage { prompt: 4, completion: 0 })));
        assert_eq!(answered(br#"{"choices": []}"#), Ended::Answered(None));
        assert_eq!(answered(b"not json"), Ended::Answered(None));
    }
}
