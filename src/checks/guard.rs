//! Assertions on guardrails: what the gateway refused to carry to a
//! provider or back, and how it said so.
use serde_json::Value;

use crate::client::Exchange;
use crate::events::matching;
use crate::metrics::Scrape;
use crate::mock::MockProvider;

/// The response header naming the guardrail that acted.
pub const HEADER: &str = "x-failover-guardrail";

/// The guardrails, as the contract names them.
pub const GUARDRAILS: [&str; 4] = ["prompt_length", "prompt_injection", "pii", "output_pii"];

fn known(guardrail: &str) -> Result<(), String> {
    if GUARDRAILS.contains(&guardrail) {
        Ok(())
    } else {
        Err(format!("\"{guardrail}\" is not a guardrail; one of {GUARDRAILS:?}"))
    }
}

/// The guardrails `exchange`'s response names in its header.
fn named(exchange: &Exchange) -> Vec<String> {
    exchange.headers.get_all(HEADER).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
}

/// The response is an OpenAI error of `status` with `code` that names
/// `guardrail` in its header and its message.
fn refused(exchange: &Exchange, status: u16, code: &str, guardrail: &str) -> Result<(), String> {
    known(guardrail)?;
    let error = super::openai_error(exchange, code)?;
    if exchange.status != status {
        return Err(format!(
            "expected {status} with code {code} from the {guardrail} guardrail, got {}",
            exchange.describe()
        ));
    }
    let message = error.get("message").and_then(Value::as_str).unwrap_or_default();
    if !named(exchange).iter().any(|g| g == guardrail) || !message.contains(guardrail) {
        return Err(format!(
            "the refusal must name the {guardrail} guardrail in the {HEADER} header and its message; header {:?}, message \"{message}\"",
            named(exchange)
        ));
    }
    Ok(())
}

/// The client got a 400 `guardrail_blocked` naming `guardrail`.
pub fn blocked(exchange: &Exchange, guardrail: &str) -> Result<(), String> {
    refused(exchange, 400, "guardrail_blocked", guardrail)
}

/// The client got a 502 `guardrail_blocked` from the output guardrail, and
/// nothing of the answer's personal data.
pub fn withheld(exchange: &Exchange, data: &[&str]) -> Result<(), String> {
    refused(exchange, 502, "guardrail_blocked", "output_pii")?;
    leaks(exchange, data)
}

/// The client got a 403 `guardrail_bypass_denied` that does not echo what
/// it sent.
pub fn bypass_denied(exchange: &Exchange, sent: &str) -> Result<(), String> {
    super::openai_error(exchange, "guardrail_bypass_denied")?;
    if exchange.status != 403 {
        return Err(format!("expected 403 with code guardrail_bypass_denied, got {}", exchange.describe()));
    }
    if String::from_utf8_lossy(&exchange.body).contains(sent) {
        return Err("the refusal echoes the token the client sent".into());
    }
    Ok(())
}

fn leaks(exchange: &Exchange, data: &[&str]) -> Result<(), String> {
    let body = String::from_utf8_lossy(&exchange.body);
    match data.iter().find(|d| body.contains(*d)) {
        Some(d) => Err(format!("the client got \"{d}\", which the guardrail should have kept back: {body}")),
        None => Ok(()),
    }
}

/// The text of a whole chat answer's first choice.
fn content(exchange: &Exchange) -> Result<String, String> {
    exchange
        .json()
        .and_then(|b| b.pointer("/choices/0/message/content").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| format!("expected a chat answer with text, got {}", exchange.describe()))
}

/// The client got a 200 whose text has `placeholders` where the answer's
/// personal `data` was, and the header names `output_pii`.
pub fn answer_redacted(exchange: &Exchange, data: &[&str], placeholders: &[&str]) -> Result<(), String> {
    if exchange.status != 200 {
        return Err(format!("expected the redacted answer with 200, got {}", exchange.describe()));
    }
    leaks(exchange, data)?;
    let text = content(exchange)?;
    if let Some(p) = placeholders.iter().find(|p| !text.contains(*p)) {
        return Err(format!("the answer's text has no {p} where its personal data was: \"{text}\""));
    }
    if !named(exchange).iter().any(|g| g == "output_pii") {
        return Err(format!("a redacted answer must say so: {HEADER}: output_pii; got {:?}", named(exchange)));
    }
    Ok(())
}

/// The client got a 200 with the answer's personal `data` as the provider
/// sent it.
pub fn answer_intact(exchange: &Exchange, data: &[&str]) -> Result<(), String> {
    let text = content(exchange)?;
    match data.iter().find(|d| !text.contains(*d)) {
        Some(d) => Err(format!("the answer lost \"{d}\", which nothing should have touched: \"{text}\"")),
        None => Ok(()),
    }
}

/// Every request `provider` received has `placeholders` and none of `data`,
/// and it received at least one.
pub fn received_redacted(provider: &MockProvider, data: &[&str], placeholders: &[&str]) -> Result<(), String> {
    let journal = provider.journal();
    if journal.is_empty() {
        return Err(format!("provider \"{}\" received no request", provider.id()));
    }
    for received in &journal {
        let body = String::from_utf8_lossy(&received.body);
        if let Some(d) = data.iter().find(|d| body.contains(*d)) {
            return Err(format!("provider \"{}\" received \"{d}\": {body}", provider.id()));
        }
        if let Some(p) = placeholders.iter().find(|p| !body.contains(*p)) {
            return Err(format!("provider \"{}\" received no {p} where the personal data was: {body}", provider.id()));
        }
    }
    Ok(())
}

/// The log has a `guardrail` event of `guardrail` with `action` for `model`,
/// saying in words what it found, without the text itself (`secret`).
pub fn logged(events: &[Value], guardrail: &str, action: &str, model: &str, secret: &str) -> Result<(), String> {
    known(guardrail)?;
    let found = matching(events, "guardrail", &[("guardrail", guardrail), ("action", action), ("model", model)]);
    let Some(event) = found.first() else {
        let any = matching(events, "guardrail", &[]);
        return Err(format!("no guardrail event {guardrail} {action} for \"{model}\"; guardrail events: {any:?}"));
    };
    match event.get("detail").and_then(Value::as_str) {
        Some(detail) if detail.contains(secret) => Err(format!("the event repeats what the client sent: {event}")),
        Some(detail) if !detail.trim().is_empty() => Ok(()),
        _ => Err(format!("the guardrail event does not say what it found (detail): {event}")),
    }
}

/// `failover_guardrail_actions_total` counts `n` of `action` for `guardrail`.
pub fn counted(scrape: &Scrape, guardrail: &str, action: &str, n: f64) -> Result<(), String> {
    known(guardrail)?;
    super::metrics::counted(scrape, "guardrail_actions", &[("guardrail", guardrail), ("action", action)], n)
}

/// `failover_guardrail_duration_seconds` timed `guardrail` `n` times.
pub fn timed(scrape: &Scrape, guardrail: &str, n: f64) -> Result<(), String> {
    known(guardrail)?;
    let name = "failover_guardrail_duration_seconds";
    let labels = [("guardrail", guardrail)];
    let count = scrape.value(&format!("{name}_count"), &labels).or_else(|_| scrape.value(name, &labels))?;
    if count == n { Ok(()) } else { Err(format!("{name}{{guardrail=\"{guardrail}\"}} counted {count}, expected {n}")) }
}
