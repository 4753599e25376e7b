//! Steps on spend budgets (capability `budgets`).
use std::time::Duration;

use cucumber::{given, then, when};
use failover_conformance::checks::budget as check;
use failover_conformance::scene::Limit;
use failover_conformance::{checks, context};

use super::FailoverWorld;
use super::params::{Count, Kind};

#[given(expr = "budget {string} lets API key {string} spend {int} tokens on {string} per {int} ms")]
async fn token_budget(
    w: &mut FailoverWorld,
    id: String,
    key: String,
    tokens: u64,
    model: String,
    window: u64,
) -> Result<(), String> {
    w.scene.budget(&id, &key, Some(&model), Limit::Tokens(tokens), window)
}

#[given(expr = "budget {string} lets API key {string} spend {float} US dollars on {string} per {int} ms")]
async fn usd_budget(
    w: &mut FailoverWorld,
    id: String,
    key: String,
    usd: f64,
    model: String,
    window: u64,
) -> Result<(), String> {
    w.scene.budget(&id, &key, Some(&model), Limit::Usd(usd), window)
}

#[given(expr = "budget {string} lets API key {string} spend {float} US dollars on every model per {int} ms")]
async fn usd_budget_all(w: &mut FailoverWorld, id: String, key: String, usd: f64, window: u64) -> Result<(), String> {
    w.scene.budget(&id, &key, None, Limit::Usd(usd), window)
}

#[given(
    expr = "provider {string} charges {float} US dollars per million input tokens and {float} per million output tokens of {string}"
)]
async fn price(w: &mut FailoverWorld, provider: String, input: f64, output: f64, model: String) -> Result<(), String> {
    w.scene.price(&model, &provider, input, output)
}

#[given(expr = "the gateway keeps what budgets spent in a new store")]
async fn new_store(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.keep_store(failover_conformance::store::Prepared::New)
}

#[when(expr = "the client sends {count} {kind} for {string} with API key {string}")]
async fn send_with_key(
    w: &mut FailoverWorld,
    count: Count,
    kind: Kind,
    model: String,
    key: String,
) -> Result<(), String> {
    w.scene.send_with_key(count.0, kind.0, &model, &key).await
}

#[when(expr = "the client sends {int} {kind} for {string} at once with API key {string}")]
async fn send_at_once(
    w: &mut FailoverWorld,
    count: usize,
    kind: Kind,
    model: String,
    key: String,
) -> Result<(), String> {
    w.scene.send_at_once_with_key(count, kind.0, &model, &key).await
}

#[when(
    expr = "the client keeps sending {kind} for {string} with API key {string} every {int} ms until one gets status {int}, within {int} ms"
)]
async fn send_until_status(
    w: &mut FailoverWorld,
    kind: Kind,
    model: String,
    key: String,
    every: u64,
    status: u16,
    within: u64,
) -> Result<(), String> {
    let (every, within) = (Duration::from_millis(every), context::tolerance(within));
    w.scene.send_with_key_until((kind.0, &model, &key), every, within, status).await
}

#[then(
    expr = "the providers billed API key {string} within {int} tokens and one answer, and no less than one answer below"
)]
async fn billed_tokens_spent(w: &mut FailoverWorld, key: String, tokens: u64) -> Result<(), String> {
    check::within_one_answer(&w.scene.billed(&key)?, tokens as f64, false, true)
}

#[then(expr = "the providers billed API key {string} at most {int} tokens and one answer")]
async fn billed_tokens_at_most(w: &mut FailoverWorld, key: String, tokens: u64) -> Result<(), String> {
    check::within_one_answer(&w.scene.billed(&key)?, tokens as f64, false, false)
}

#[then(
    expr = "the providers billed API key {string} within {float} US dollars and one answer, and no less than one answer below"
)]
async fn billed_usd_spent(w: &mut FailoverWorld, key: String, usd: f64) -> Result<(), String> {
    check::within_one_answer(&w.scene.billed(&key)?, usd, true, true)
}

#[then(expr = "every request for {string} with API key {string} was served")]
async fn all_served(w: &mut FailoverWorld, model: String, key: String) -> Result<(), String> {
    match check::served_and_refused(w.scene.exchanges(), &model, &key)? {
        (_, 0) => Ok(()),
        (served, refused) => Err(format!("{refused} were refused with 429 and {served} served")),
    }
}

#[then(expr = "at most {int} of the requests for {string} with API key {string} were served, and the rest refused")]
async fn at_most_served(w: &mut FailoverWorld, most: usize, model: String, key: String) -> Result<(), String> {
    match check::served_and_refused(w.scene.exchanges(), &model, &key)? {
        (served, refused) if served <= most && refused > 0 => Ok(()),
        (served, refused) => Err(format!("{served} were served and {refused} refused; expected at most {most} served")),
    }
}

#[then(expr = "no request with API key {string} that was refused reached a provider")]
async fn refused_reached_nothing(w: &mut FailoverWorld, key: String) -> Result<(), String> {
    check::refused_reached_nothing(w.scene.exchanges(), &w.scene.journals(), &key)
}

#[then(expr = "nothing of API key {string} reached a provider after its first refusal, and nothing was served")]
async fn nothing_after_refusal(w: &mut FailoverWorld, key: String) -> Result<(), String> {
    check::nothing_after_first_refusal(w.scene.exchanges(), &w.scene.journals(), &key)
}

#[then(
    expr = "the response is budget {string}'s refusal, naming it and a reset within {int} ms, with Retry-After to match"
)]
async fn refusal(w: &mut FailoverWorld, budget: String, window: u64) -> Result<(), String> {
    check::refusal_of(w.scene.last()?, &budget, window).map(drop)
}

#[then(
    expr = "budget {string}, of a {int} ms window, refilled at the reset its refusal stated, with {int} ms of tolerance"
)]
async fn refilled(w: &mut FailoverWorld, budget: String, window: u64, tolerance: u64) -> Result<(), String> {
    check::refilled_at_reset(w.scene.exchanges(), &budget, window, context::tolerance(tolerance))
}

#[then(expr = "the gateway lists budget {string} as having spent what the providers billed API key {string}")]
async fn listed(w: &mut FailoverWorld, budget: String, key: String) -> Result<(), String> {
    let listing = w.scene.admin()?.get("/admin/budgets").await?;
    check::listed_spend(&listing, &budget, &w.scene.billed(&key)?)
}

#[then(expr = "the metrics count {int} request(s) refused by budget {string}")]
async fn refusals_counted(w: &mut FailoverWorld, n: u32, budget: String) -> Result<(), String> {
    checks::metrics::counted(&w.scene.scrape().await?, "budget_refusals", &[("budget", budget.as_str())], f64::from(n))
}

#[then(expr = "the gateway's events show budget {string} of {int} tokens exhausted, once")]
async fn exhausted_event(w: &mut FailoverWorld, budget: String, limit: u64) -> Result<(), String> {
    check::exhausted_once(&w.scene.events().await?, &budget, limit as f64)
}
