//! Assertions on what the client got and what the providers received. Each
//! returns an error that states the expectation and what was actually seen.
use std::time::Duration;

use serde_json::Value;

use crate::client::Exchange;
use crate::mock::{MockProvider, Received};

/// How many of something are expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// Exactly this many.
    Exactly(usize),
    /// No more than this many.
    AtMost(usize),
    /// No fewer than this many.
    AtLeast(usize),
}

impl Count {
    fn holds(self, n: usize) -> bool {
        match self {
            Count::Exactly(k) => n == k,
            Count::AtMost(k) => n <= k,
            Count::AtLeast(k) => n >= k,
        }
    }

    fn describe(self) -> String {
        match self {
            Count::Exactly(k) => format!("exactly {k}"),
            Count::AtMost(k) => format!("at most {k}"),
            Count::AtLeast(k) => format!("at least {k}"),
        }
    }
}

/// Fails when a check would look at nothing: an assertion over zero samples
/// proves nothing, so it says that nothing was observed.
pub fn observed<T>(items: &[T], what: &str) -> Result<(), String> {
    if items.is_empty() { Err(format!("nothing was observed: {what}")) } else { Ok(()) }
}

fn statuses(exchanges: &[Exchange]) -> String {
    let list: Vec<String> = exchanges.iter().map(|e| e.status.to_string()).collect();
    format!("[{}]", list.join(", "))
}

fn served_list(exchanges: &[Exchange]) -> String {
    let list: Vec<String> = exchanges.iter().map(|e| e.served_by().unwrap_or_else(|| "-".into())).collect();
    format!("[{}]", list.join(", "))
}

/// The batch holds `expected` exchanges.
pub fn batch_size(exchanges: &[Exchange], expected: usize) -> Result<(), String> {
    if exchanges.len() == expected {
        Ok(())
    } else {
        Err(format!("expected {expected} responses in the latest step, got {}", exchanges.len()))
    }
}

/// Every exchange answered `status`.
pub fn all_status(exchanges: &[Exchange], status: u16) -> Result<(), String> {
    observed(exchanges, "no response to check the status of")?;
    match exchanges.iter().find(|e| e.status != status) {
        None => Ok(()),
        Some(bad) => Err(format!(
            "expected every response to have status {status}, got {}; first mismatch: {}",
            statuses(exchanges),
            bad.describe()
        )),
    }
}

/// Every exchange carries `provider`'s stamp.
pub fn all_served_by(exchanges: &[Exchange], provider: &str) -> Result<(), String> {
    observed(exchanges, "no response to check who served it")?;
    if exchanges.iter().all(|e| e.served_by().as_deref() == Some(provider)) {
        Ok(())
    } else {
        Err(format!("expected every response to be served by \"{provider}\", got {}", served_list(exchanges)))
    }
}

/// The last `n` exchanges (there are at least `n`) carry `provider`'s stamp.
pub fn last_served_by(exchanges: &[Exchange], n: usize, provider: &str) -> Result<(), String> {
    if exchanges.len() < n || n == 0 {
        return Err(format!("expected at least {n} responses (and more than 0), got {}", exchanges.len()));
    }
    all_served_by(&exchanges[exchanges.len() - n..], provider)
}

/// At least `percent` % of the exchanges carry `provider`'s stamp.
pub fn share_served_by(exchanges: &[Exchange], provider: &str, percent: u32) -> Result<(), String> {
    observed(exchanges, "no response to count who served")?;
    let served = exchanges.iter().filter(|e| e.served_by().as_deref() == Some(provider)).count();
    if served * 100 >= percent as usize * exchanges.len() {
        Ok(())
    } else {
        Err(format!(
            "expected at least {percent}% of {} responses served by \"{provider}\", got {served}: {}",
            exchanges.len(),
            served_list(exchanges)
        ))
    }
}

/// The last `n` exchanges all carry `provider`'s stamp.
pub fn last_in_a_row(exchanges: &[Exchange], n: usize, provider: &str) -> bool {
    exchanges.len() >= n && exchanges[exchanges.len() - n..].iter().all(|e| e.served_by().as_deref() == Some(provider))
}

/// Every exchange took at most `bound + tolerance`.
pub fn latency_within(exchanges: &[Exchange], bound: Duration, tolerance: Duration) -> Result<(), String> {
    observed(exchanges, "no response to time")?;
    match exchanges.iter().max_by_key(|e| e.latency) {
        Some(slowest) if slowest.latency > bound + tolerance => Err(format!(
            "expected every response within {} ms (+{} ms tolerance), the slowest took {:.1} ms: {}",
            bound.as_millis(),
            tolerance.as_millis(),
            slowest.latency.as_secs_f64() * 1e3,
            slowest.describe()
        )),
        _ => Ok(()),
    }
}

/// The exchange is an error in OpenAI's shape with `code`; returns the error object.
pub fn openai_error(exchange: &Exchange, code: &str) -> Result<Value, String> {
    let error = exchange
        .json()
        .and_then(|body| body.get("error").cloned())
        .filter(|e| e.get("message").is_some_and(Value::is_string) && e.get("type").is_some_and(Value::is_string))
        .ok_or_else(|| {
            format!(
                "expected an OpenAI error body {{\"error\": {{\"message\", \"type\", ...}}}}, got {}",
                exchange.describe()
            )
        })?;
    match error.get("code").and_then(Value::as_str) {
        Some(c) if c == code => Ok(error),
        other => Err(format!("expected error code \"{code}\", got {other:?}: {}", exchange.describe())),
    }
}

/// The exchange's error message mentions each of `words`.
pub fn error_mentions(exchange: &Exchange, words: &[&str]) -> Result<(), String> {
    let message = exchange
        .json()
        .and_then(|b| b.pointer("/error/message").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| format!("expected an OpenAI error with a message, got {}", exchange.describe()))?;
    match words.iter().find(|w| !message.contains(**w)) {
        None => Ok(()),
        Some(missing) => Err(format!("expected the error message to mention \"{missing}\", it says: {message}")),
    }
}

/// The exchange has a numeric `Retry-After` within `[min, max]` seconds.
pub fn retry_after_between(exchange: &Exchange, min: u64, max: u64) -> Result<(), String> {
    match exchange.retry_after_secs() {
        Some(s) if (min..=max).contains(&s) => Ok(()),
        other => Err(format!(
            "expected a Retry-After header between {min} and {max} seconds, got {other:?}: {}",
            exchange.describe()
        )),
    }
}

/// `provider` received a number of requests.
pub fn received(provider: &MockProvider, count: Count) -> Result<(), String> {
    let n = provider.received();
    if count.holds(n) {
        Ok(())
    } else {
        Err(format!(
            "expected provider \"{}\" to receive {} requests, it received {n}",
            provider.id(),
            count.describe()
        ))
    }
}

/// The providers received `n` requests in all (`counts`: per provider id).
pub fn received_in_total(counts: &[(String, usize)], n: usize) -> Result<(), String> {
    let sum: usize = counts.iter().map(|(_, n)| n).sum();
    if sum == n {
        Ok(())
    } else {
        Err(format!("expected {n} requests across all providers, they received {sum}: {counts:?}"))
    }
}

/// Every request `provider` received is JSON-equal to a body the client sent,
/// with the `model` field replaced by `model` if given.
pub fn forwarded_as_sent(provider: &MockProvider, sent: &[Exchange], model: Option<&str>) -> Result<(), String> {
    let journal = provider.journal();
    if journal.is_empty() {
        return Err(format!("provider \"{}\" received no request", provider.id()));
    }
    let expected: Vec<Value> = sent
        .iter()
        .filter_map(|e| serde_json::from_slice::<Value>(&e.sent).ok())
        .map(|mut body| {
            if let Some(model) = model {
                body["model"] = Value::from(model);
            }
            body
        })
        .collect();
    for received in &journal {
        let got = received.json();
        if !got.as_ref().is_some_and(|g| expected.contains(g)) {
            return Err(format!(
                "provider \"{}\" received request #{} that differs from what the client sent{}: {}",
                provider.id(),
                received.seq,
                model.map(|m| format!(" (with only the model changed to \"{m}\")")).unwrap_or_default(),
                String::from_utf8_lossy(&received.body)
            ));
        }
    }
    Ok(())
}

/// Every request `provider` received carried its own API key.
pub fn used_own_key(provider: &MockProvider) -> Result<(), String> {
    observed(&provider.journal(), &format!("provider \"{}\" received no request", provider.id()))?;
    let expected = format!("Bearer {}", provider.api_key());
    match provider.journal().iter().find(|r| r.header("authorization") != Some(expected.as_str())) {
        None => Ok(()),
        Some(r) => Err(format!(
            "provider \"{}\" received request #{} with Authorization {:?}, not its own key",
            provider.id(),
            r.seq,
            r.header("authorization")
        )),
    }
}

/// Once `provider` has failed `after` requests, no request reached it sooner
/// than `min_gap` after one it failed. (The first failures may come quickly:
/// the breaker needs `after` of them to open.)
pub fn quiet_after_failures(
    journal: &[Received],
    provider: &str,
    min_gap: Duration,
    after: usize,
) -> Result<(), String> {
    let mut failed = 0;
    for pair in journal.windows(2) {
        failed += usize::from(pair[0].faulted);
        let gap = pair[1].at.duration_since(pair[0].at);
        if pair[0].faulted && failed >= after && gap < min_gap {
            return Err(format!(
                "provider \"{provider}\" received request #{} only {:.1} ms after failing request #{} (its failure number {failed}); expected no traffic for at least {} ms",
                pair[1].seq,
                gap.as_secs_f64() * 1e3,
                pair[0].seq,
                min_gap.as_millis()
            ));
        }
    }
    Ok(())
}

/// Consecutive requests to `provider` arrived at least `min_gap` apart.
pub fn spaced_at_least(journal: &[Received], provider: &str, min_gap: Duration) -> Result<(), String> {
    match journal.windows(2).find(|pair| pair[1].at.duration_since(pair[0].at) < min_gap) {
        None => Ok(()),
        Some(pair) => Err(format!(
            "provider \"{provider}\" received request #{} only {:.1} ms after request #{}; expected at least {} ms between them",
            pair[1].seq,
            pair[1].at.duration_since(pair[0].at).as_secs_f64() * 1e3,
            pair[0].seq,
            min_gap.as_millis()
        )),
    }
}

/// The exchange is exactly the answer `provider` gave last: status and body.
pub fn relayed_unchanged(exchange: &Exchange, provider: &MockProvider) -> Result<(), String> {
    let journal = provider.journal();
    let last = journal.last().ok_or_else(|| format!("provider \"{}\" received no request", provider.id()))?;
    if exchange.status == last.status && exchange.body == last.answer {
        Ok(())
    } else {
        Err(format!(
            "expected the client to get provider \"{}\"'s answer unchanged ({} {}), got {}",
            provider.id(),
            last.status,
            String::from_utf8_lossy(&last.answer),
            exchange.describe()
        ))
    }
}

pub mod admin;
pub mod analytics;
pub mod budget;
pub mod drills;
pub mod evaluation;
pub mod events;
pub mod failback;
pub mod guard;
pub mod health;
pub mod learning;
pub mod load;
pub mod metrics;
pub mod regions;
pub mod routing;
pub mod secrets;
pub mod session;
pub mod sla;
pub mod slo;
pub mod soft;
pub mod stream;
pub mod tail;

/// The median latency of the exchanges in `batch` (of the scenario's `all`)
/// that did not reach `provider` (by its journal) is within `bound`; returns
/// the median.
pub fn median_skipping_within(
    batch: &[Exchange],
    all: &[Exchange],
    journal: &[Received],
    provider: &str,
    bound: Duration,
    tolerance: Duration,
) -> Result<Duration, String> {
    crate::trace::attributed(all, journal, provider)?;
    let reached = crate::trace::correlate(batch, journal);
    let skipped: Vec<Duration> =
        batch.iter().zip(&reached).filter(|(_, hit)| hit.is_none()).map(|(e, _)| e.latency).collect();
    let median = crate::scene::median(skipped)
        .ok_or_else(|| format!("nothing was observed: no response skipped \"{provider}\" once its breaker opened"))?;
    if median <= bound + tolerance {
        Ok(median)
    } else {
        Err(format!(
            "expected the responses that skipped \"{provider}\" within {:.1} ms (+{} ms tolerance) at the median, the median was {:.1} ms",
            bound.as_secs_f64() * 1e3,
            tolerance.as_millis(),
            median.as_secs_f64() * 1e3
        ))
    }
}

/// Every exchange reached `provider` (by its journal).
pub fn reached_every(exchanges: &[Exchange], journal: &[Received], provider: &str) -> Result<(), String> {
    observed(exchanges, "no request was sent")?;
    let reached = crate::trace::reached(exchanges, journal, provider)?;
    match reached.iter().filter(|hit| !**hit).count() {
        0 => Ok(()),
        missed => {
            Err(format!("expected every request to reach \"{provider}\", {missed} of {} skipped it", reached.len()))
        }
    }
}

/// The gateway refused to start, with an error naming `field`.
pub fn refused_to_start(start_error: Option<&str>, field: &str) -> Result<(), String> {
    match start_error {
        Some(error) if error.contains(field) => Ok(()),
        Some(error) => Err(format!("expected the start error to name {field}, it says: {error}")),
        None => Err("expected the gateway to refuse its config, but it started".into()),
    }
}

/// The latest `n` exchanges have the same status and body.
pub fn identical_answers(exchanges: &[Exchange], n: usize) -> Result<(), String> {
    let last = exchanges.get(exchanges.len().saturating_sub(n)..).filter(|l| l.len() == n && n > 0);
    let last = last.ok_or_else(|| format!("expected at least {n} responses, got {}", exchanges.len()))?;
    match last.iter().find(|e| e.status != last[0].status || e.body != last[0].body) {
        None => Ok(()),
        Some(other) => Err(format!("expected identical answers, got {} and {}", last[0].describe(), other.describe())),
    }
}

/// The response came from `provider`: its success carries the provider's
/// stamp, or its error is the provider's answer, unchanged.
pub fn came_from(exchange: &Exchange, provider: &MockProvider) -> Result<(), String> {
    if (200..300).contains(&exchange.status) {
        all_served_by(std::slice::from_ref(exchange), provider.id())
    } else {
        relayed_unchanged(exchange, provider)
    }
}

/// The answer carries `x-failover-served-by: provider` and
/// `x-failover-attempts: attempts`.
pub fn attempt_headers(exchange: &Exchange, provider: &str, attempts: u32) -> Result<(), String> {
    let header = |name: &str| exchange.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let got = (header("x-failover-served-by"), header("x-failover-attempts"));
    if got == (Some(provider.to_owned()), Some(attempts.to_string())) {
        Ok(())
    } else {
        Err(format!("expected x-failover-served-by: {provider} and x-failover-attempts: {attempts}, got {got:?}"))
    }
}

/// The response's `model` and `usage` are those the provider answered for it
/// (for a stream: in its chunks and its usage chunk).
pub fn accounted_to(exchange: &Exchange, provider: &MockProvider) -> Result<(), String> {
    if exchange.stream.is_some() {
        return stream::accounted_to(exchange, provider);
    }
    let got = exchange.json().ok_or_else(|| format!("expected a JSON answer, got {}", exchange.describe()))?;
    let journal = provider.journal();
    let served = journal
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.answer).ok())
        .find(|a| a.get("id").is_some() && a.get("id") == got.get("id"))
        .ok_or_else(|| {
            format!(
                "provider \"{}\" never answered the completion the client got: {}",
                provider.id(),
                exchange.describe()
            )
        })?;
    for field in ["model", "usage"] {
        if got.get(field) != served.get(field) {
            return Err(format!(
                "expected the client's \"{field}\" to be what provider \"{}\" answered ({}), got {}",
                provider.id(),
                served.get(field).cloned().unwrap_or_default(),
                got.get(field).cloned().unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// `provider` answered some request with a fault (a client's or one of the
/// gateway's probes), and at most `max` client requests.
pub fn seen_failing_at_most(provider: &MockProvider, max: usize) -> Result<(), String> {
    let failed: Vec<usize> = provider.journal().iter().filter(|r| r.faulted).map(|r| r.seq).collect();
    // Seen failing by a client or by the gateway's own probes: which of the
    // two meets a failing provider first is a race the scenario leaves open.
    let probes_failed: Vec<usize> = provider.probes().iter().filter(|r| r.faulted).map(|r| r.seq).collect();
    let seen: Vec<usize> = failed.iter().chain(&probes_failed).copied().collect();
    observed(&seen, &format!("provider \"{}\" failed no request, a client's or a probe's", provider.id()))?;
    if failed.len() <= max {
        Ok(())
    } else {
        Err(format!(
            "provider \"{}\" failed {} client requests (#{:?}), expected at most {max}: clients' requests were spent finding out whether it had come back",
            provider.id(),
            failed.len(),
            failed
        ))
    }
}

/// The gateway probed `provider` itself at least `min` times.
pub fn probed_at_least(provider: &MockProvider, min: usize) -> Result<(), String> {
    let n = provider.probes().len();
    if n >= min {
        Ok(())
    } else {
        Err(format!(
            "expected the gateway to probe provider \"{}\" at least {min} times, it did {n} times",
            provider.id()
        ))
    }
}
