//! Assertions on spend budgets, read black-box: what the providers billed
//! for a key's requests (the `usage` of each answer they gave one, at the
//! price the scenario configured), and the 429 that stopped them.
use std::collections::{BTreeMap, HashMap};

use failover_contract::PriceConfig;
use serde_json::Value;

use crate::client::Exchange;
use crate::mock::Received;

/// What the providers billed for one key's requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Billed {
    /// Answers billed.
    pub answers: usize,
    /// Tokens, request and answer alike.
    pub tokens: u64,
    /// US dollars, at the configured prices (0 where none is configured).
    pub usd: f64,
    /// The most tokens one answer was billed.
    pub largest_tokens: u64,
    /// The most dollars one answer was billed.
    pub largest_usd: f64,
}

/// Adds to `billed` the answers in `provider`'s `journal` to requests of
/// `exchanges` that carried `key`, each at the price of its model at
/// `provider` in `prices` (by model and provider).
pub fn bill(
    billed: &mut Billed,
    exchanges: &[Exchange],
    journal: &[Received],
    provider: &str,
    key: &str,
    prices: &BTreeMap<(&str, &str), Option<PriceConfig>>,
) -> Result<(), String> {
    let models: HashMap<usize, (Option<&str>, Value)> = exchanges
        .iter()
        .filter_map(|e| {
            let sent: Value = serde_json::from_slice(&e.sent).unwrap_or(Value::Null);
            Some((e.reference()?, (e.api_key.as_deref(), sent["model"].clone())))
        })
        .collect();
    for received in journal {
        let Some(tag) = crate::attribution::latest(&received.body) else { continue };
        let Some((Some(carried), model)) = models.get(&tag) else { continue };
        if *carried != key || received.faulted || received.status != 200 {
            continue;
        }
        let price = model.as_str().and_then(|m| prices.get(&(m, provider)).copied().flatten());
        let answer: Value = serde_json::from_slice(&received.answer).unwrap_or(Value::Null);
        let usage = &answer["usage"];
        let (Some(prompt), completion) = (usage["prompt_tokens"].as_u64(), usage["completion_tokens"].as_u64()) else {
            return Err(format!(
                "provider \"{provider}\" answered request #{} without the usage the suite bills by: {}",
                received.seq,
                String::from_utf8_lossy(&received.answer)
            ));
        };
        let completion = completion.unwrap_or(0);
        let usd = price
            .map_or(0.0, |p| (prompt as f64 * p.input_usd_per_mtok + completion as f64 * p.output_usd_per_mtok) / 1e6);
        billed.answers += 1;
        billed.tokens += prompt + completion;
        billed.usd += usd;
        billed.largest_tokens = billed.largest_tokens.max(prompt + completion);
        billed.largest_usd = billed.largest_usd.max(usd);
    }
    Ok(())
}

/// What was billed is within `limit` and one answer above it, and (when
/// `spent_down`) no more than one answer below it: the budget stopped the
/// spend, and only once it was spent.
pub fn within_one_answer(billed: &Billed, limit: f64, usd: bool, spent_down: bool) -> Result<(), String> {
    let (total, one, unit) = match usd {
        false => (billed.tokens as f64, billed.largest_tokens as f64, "tokens"),
        true => (billed.usd, billed.largest_usd, "US dollars"),
    };
    if billed.answers == 0 {
        return Err("nothing was observed: the providers billed no answer to the key's requests".into());
    }
    let said =
        format!("the providers billed {total:.6} {unit} for {} answers, one answer at most {one:.6}", billed.answers);
    // A thousandth of a unit absorbs the rounding of prices in floating point.
    let slack = if usd { 1e-9 } else { 0.0 };
    if total > limit + one + slack {
        return Err(format!("{said}: over the budget of {limit} by more than one answer"));
    }
    if spent_down && total + one + slack < limit {
        return Err(format!("{said}: the budget of {limit} stopped the key with more than one answer's worth left"));
    }
    Ok(())
}

/// Of the requests for `model` that carried `key`: how many were served
/// (200) and how many refused (429), and that nothing else was answered.
pub fn served_and_refused(exchanges: &[Exchange], model: &str, key: &str) -> Result<(usize, usize), String> {
    let (mut served, mut refused) = (0, 0);
    for e in exchanges.iter().filter(|e| e.api_key.as_deref() == Some(key)) {
        let sent: Value = serde_json::from_slice(&e.sent).unwrap_or(Value::Null);
        if sent["model"].as_str() != Some(model) {
            continue;
        }
        match e.status {
            200 => served += 1,
            429 => refused += 1,
            _ => return Err(format!("a request for \"{model}\" with API key \"{key}\" got {}", e.describe())),
        }
    }
    if served + refused == 0 {
        return Err(format!("nothing was observed: no request for \"{model}\" carried API key \"{key}\""));
    }
    Ok((served, refused))
}

/// No request of `key` that was refused reached a provider: in a scenario
/// where each request makes one attempt, a refusal comes before any.
pub fn refused_reached_nothing(
    exchanges: &[Exchange],
    journals: &[(String, Vec<Received>)],
    key: &str,
) -> Result<(), String> {
    let refused: Vec<usize> = exchanges
        .iter()
        .filter(|e| e.api_key.as_deref() == Some(key) && e.status == 429)
        .filter_map(Exchange::reference)
        .collect();
    if refused.is_empty() {
        return Err(format!("nothing was observed: no request with API key \"{key}\" was refused"));
    }
    for (provider, journal) in journals {
        if let Some(r) =
            journal.iter().find(|r| crate::attribution::latest(&r.body).is_some_and(|t| refused.contains(&t)))
        {
            return Err(format!(
                "provider \"{provider}\" received request #{}, which the gateway refused with 429",
                r.seq
            ));
        }
    }
    Ok(())
}

/// Once the first refusal of `key` had come back, nothing of the key's
/// requests reached a provider any more, and no request of the key sent
/// after it was served: a spent budget stops the key, retries and failovers
/// included.
pub fn nothing_after_first_refusal(
    exchanges: &[Exchange],
    journals: &[(String, Vec<Received>)],
    key: &str,
) -> Result<(), String> {
    let of_key: Vec<&Exchange> = exchanges.iter().filter(|e| e.api_key.as_deref() == Some(key)).collect();
    let first = of_key
        .iter()
        .filter(|e| e.status == 429)
        .min_by_key(|e| e.started)
        .ok_or_else(|| format!("nothing was observed: no request with API key \"{key}\" was refused"))?;
    let refused_at = first.started + first.latency;
    let tags: Vec<usize> = of_key.iter().filter_map(|e| e.reference()).collect();
    for (provider, journal) in journals {
        let late = journal
            .iter()
            .find(|r| r.at > refused_at && crate::attribution::latest(&r.body).is_some_and(|t| tags.contains(&t)));
        if let Some(r) = late {
            let ms = (r.at - refused_at).as_secs_f64() * 1e3;
            return Err(format!(
                "provider \"{provider}\" received request #{} {ms:.1} ms after the budget's first refusal",
                r.seq
            ));
        }
    }
    if let Some(later) = of_key.iter().find(|e| e.started >= refused_at && e.status != 429) {
        return Err(format!("after the budget's first refusal, a later request got {}", later.describe()));
    }
    Ok(())
}

/// `exchange` is the budget's refusal: 429 `budget_exceeded` in OpenAI's
/// error shape, naming `budget` in its message and in `x-failover-budget`,
/// with a reset no later than `window_ms` away in `x-failover-budget-reset-ms`
/// and a `Retry-After` no later than that (sooner when requests in flight
/// may give back what they hold). Gives the reset.
pub fn refusal_of(exchange: &Exchange, budget: &str, window_ms: u64) -> Result<u64, String> {
    if exchange.status != 429 {
        return Err(format!("expected the budget's 429, got {}", exchange.describe()));
    }
    let body = exchange.json().ok_or_else(|| format!("the 429 is not JSON: {}", exchange.describe()))?;
    let error = &body["error"];
    if error["code"] != "budget_exceeded"
        || !error["message"].as_str().is_some_and(|m| m.contains(&format!("\"{budget}\"")))
    {
        return Err(format!("expected error code budget_exceeded naming budget \"{budget}\", got {body}"));
    }
    let header = |name: &str| exchange.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if header("x-failover-budget").as_deref() != Some(budget) {
        return Err(format!("x-failover-budget is {:?}, expected \"{budget}\"", header("x-failover-budget")));
    }
    let reset = header("x-failover-budget-reset-ms").and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| {
        format!("no x-failover-budget-reset-ms in milliseconds: {:?}", header("x-failover-budget-reset-ms"))
    })?;
    if reset > window_ms {
        return Err(format!("the budget resets in {reset} ms, later than its window of {window_ms} ms"));
    }
    let retry_after = exchange.retry_after_secs();
    if !retry_after.is_some_and(|secs| (1..=reset.div_ceil(1_000).max(1)).contains(&secs)) {
        return Err(format!(
            "Retry-After is {retry_after:?} s; expected whole seconds from 1 to the reset of {reset} ms, rounded up"
        ));
    }
    Ok(reset)
}

/// The budget refilled at the reset its refusal stated: of `exchanges`, after
/// the first refusal and up to the first request served after it, the last refused request
/// reached the gateway before the stated reset, and the first served one
/// after it, within a pace plus `tolerance`. The reset instant is known to
/// within the refusal's own round trip.
pub fn refilled_at_reset(
    exchanges: &[Exchange],
    budget: &str,
    window_ms: u64,
    tolerance: std::time::Duration,
) -> Result<(), String> {
    let refusal =
        exchanges.iter().position(|e| e.status == 429).ok_or("nothing was observed: no request was refused")?;
    let served = refusal
        + exchanges[refusal..].iter().position(|e| e.status == 200).ok_or("no request was served after the refusal")?;
    let stated = std::time::Duration::from_millis(refusal_of(&exchanges[refusal], budget, window_ms)?);
    let first = &exchanges[refusal];
    let (earliest, latest) = (first.started + stated, first.started + first.latency + stated);
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let answer = &exchanges[served];
    if answer.started + answer.latency + tolerance < earliest {
        return Err(format!(
            "a request was served {:.1} ms before the reset its budget's refusal stated ({} ms after it)",
            ms(earliest - (answer.started + answer.latency)),
            stated.as_millis()
        ));
    }
    let last_refused = &exchanges[served - 1];
    if last_refused.status == 429 && last_refused.started > latest + tolerance {
        return Err(format!(
            "a request sent {:.1} ms after the stated reset was still refused",
            ms(last_refused.started - latest)
        ));
    }
    Ok(())
}

/// `listing` (`GET /admin/budgets`) shows `budget` with a limit, a unit, a
/// reset within its window, and as spent what the providers billed for it
/// (`billed`): the gateway counts by the providers' usage.
pub fn listed_spend(listing: &Value, budget: &str, billed: &Billed) -> Result<(), String> {
    let entries =
        listing["budgets"].as_array().ok_or_else(|| format!("the listing has no \"budgets\" list: {listing}"))?;
    let entry = entries
        .iter()
        .find(|b| b["id"] == budget)
        .ok_or_else(|| format!("the listing does not show budget \"{budget}\": {listing}"))?;
    let (Some(spent), Some(window), Some(reset)) =
        (entry["spent"].as_f64(), entry["window_ms"].as_u64(), entry["resets_in_ms"].as_u64())
    else {
        return Err(format!("budget \"{budget}\" is listed without spent, window_ms or resets_in_ms: {entry}"));
    };
    let expected = match entry["unit"].as_str() {
        Some("tokens") => billed.tokens as f64,
        Some("usd") => billed.usd,
        other => return Err(format!("budget \"{budget}\" is listed in unit {other:?}, not tokens or usd")),
    };
    if (spent - expected).abs() > 1e-9 {
        return Err(format!("budget \"{budget}\" is listed as having spent {spent}; the providers billed {expected}"));
    }
    if reset > window {
        return Err(format!("budget \"{budget}\" resets in {reset} ms, later than its window of {window} ms"));
    }
    Ok(())
}

/// The decision log has exactly one `budget_exhausted` event for `budget`
/// (its first refusal in the window), with its unit, limit and reset.
pub fn exhausted_once(events: &[Value], budget: &str, limit: f64) -> Result<(), String> {
    let found: Vec<&Value> =
        events.iter().filter(|e| e["type"] == "budget_exhausted" && e["budget"] == budget).collect();
    let [event] = found.as_slice() else {
        return Err(format!("expected one budget_exhausted event for \"{budget}\", found {}", found.len()));
    };
    let fine = event["limit"].as_f64() == Some(limit)
        && event["spent"].as_f64().is_some_and(|s| s >= limit)
        && event["resets_at_ms"].as_u64().is_some()
        && matches!(event["unit"].as_str(), Some("tokens" | "usd"));
    if !fine {
        return Err(format!(
            "the budget_exhausted event of \"{budget}\" does not show its limit {limit}, a spend at it, a unit and a reset: {event}"
        ));
    }
    Ok(())
}
