//! Assertions on soft failures: answers that arrive as a 200 but are wrong,
//! flagged by the gateway in a header, an event and a metric.
use serde_json::Value;

use crate::client::Exchange;
use crate::events::matching;

/// The response header that names an answer's soft-failure class.
pub const HEADER: &str = "x-failover-soft-failure";

/// The five soft-failure classes, as the contract names them.
pub const CLASSES: [&str; 5] =
    ["refusal", "format_violation", "instruction_drift", "quality_degradation", "hallucination"];

fn known(class: &str) -> Result<(), String> {
    if CLASSES.contains(&class) {
        Ok(())
    } else {
        Err(format!("\"{class}\" is not a soft-failure class; one of {CLASSES:?}"))
    }
}

fn flag(exchange: &Exchange) -> Result<Option<&str>, String> {
    if exchange.status != 200 {
        return Err(format!("expected the provider's 200 to reach the client, got {}", exchange.status));
    }
    exchange
        .headers
        .get(HEADER)
        .map(|v| v.to_str().map_err(|_| format!("the {HEADER} header is not text: {v:?}")))
        .transpose()
}

/// The client got a 200 flagged with soft-failure class `class`.
pub fn flagged(exchange: &Exchange, class: &str) -> Result<(), String> {
    known(class)?;
    match flag(exchange)? {
        Some(found) if found == class => Ok(()),
        Some(found) => Err(format!("the answer is flagged {found}, expected {class}")),
        None => Err(format!(
            "the answer is not flagged: no {HEADER} header, expected {class}; its body: {}",
            String::from_utf8_lossy(&exchange.body[..exchange.body.len().min(300)])
        )),
    }
}

/// The client got a 200 with no soft-failure flag.
pub fn not_flagged(exchange: &Exchange) -> Result<(), String> {
    match flag(exchange)? {
        None => Ok(()),
        Some(found) => Err(format!("an answer with nothing wrong a gateway can see is flagged {found}")),
    }
}

/// The log has a `soft_failure` event of `class` for `provider`, saying
/// in words what gave it away.
pub fn logged(events: &[Value], provider: &str, class: &str) -> Result<(), String> {
    known(class)?;
    let found = matching(events, "soft_failure", &[("provider", provider), ("class", class)]);
    let Some(event) = found.first() else {
        let any: Vec<&Value> = matching(events, "soft_failure", &[]);
        return Err(format!("no soft_failure event of class {class} for \"{provider}\"; soft_failure events: {any:?}"));
    };
    match event.get("detail").and_then(Value::as_str) {
        Some(detail) if !detail.trim().is_empty() => Ok(()),
        _ => Err(format!("the soft_failure event does not say what gave it away (detail): {event}")),
    }
}
