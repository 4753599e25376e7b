//! Checks on gateway-side sessions (capability `sessions`): what each
//! provider was sent against the whole context the client's session stands for.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::attribution;
use crate::client::Exchange;
use crate::mock::MockProvider;
use crate::session::{DROPPED, tokens};

/// The whole body request `n` stands for, and what `provider` got for it.
fn pairs<'a>(
    provider: &MockProvider,
    expected: &'a BTreeMap<usize, Value>,
) -> Result<Vec<(usize, usize, &'a Value, Value)>, String> {
    let journal: Vec<_> = provider.journal().into_iter().filter(|r| !attribution::is_probe(r)).collect();
    if journal.is_empty() {
        return Err(format!("provider \"{}\" received no request", provider.id()));
    }
    journal
        .iter()
        .map(|received| {
            let n = attribution::latest(&received.body).ok_or_else(|| {
                format!("provider \"{}\" received request #{} carrying no client request", provider.id(), received.seq)
            })?;
            let whole = expected.get(&n).ok_or_else(|| {
                format!(
                    "provider \"{}\" received request #{} for client request {n}, not a session turn",
                    provider.id(),
                    received.seq
                )
            })?;
            let got = received.json().ok_or_else(|| {
                format!("provider \"{}\" received request #{} that is not JSON", provider.id(), received.seq)
            })?;
            Ok((n, received.seq, whole, got))
        })
        .collect()
}

/// `got` is `whole` with `messages` replaced by `messages` and the model by `model` (if given).
fn same_but_messages(got: &Value, whole: &Value, messages: &[Value], model: Option<&str>) -> Result<(), String> {
    let mut wanted = whole.clone();
    wanted["messages"] = Value::from(messages.to_vec());
    if let Some(model) = model {
        wanted["model"] = Value::from(model);
    }
    if *got == wanted {
        return Ok(());
    }
    let got_messages = got["messages"].as_array().map(Vec::as_slice).unwrap_or_default();
    let first = (0..messages.len().max(got_messages.len())).find(|&i| got_messages.get(i) != messages.get(i));
    Err(match first {
        Some(i) => format!(
            "message {i} differs: expected {}, got {} ({} messages expected, {} got)",
            messages.get(i).map_or("nothing".into(), Value::to_string),
            got_messages.get(i).map_or("nothing".into(), Value::to_string),
            messages.len(),
            got_messages.len()
        ),
        None => format!("the fields beside the messages differ: expected {wanted}, got {got}"),
    })
}

/// Every request `provider` received held the whole context of the session
/// turn it carried, JSON-equal, with only the model mapped to `model`.
pub fn whole_context(
    provider: &MockProvider,
    expected: &BTreeMap<usize, Value>,
    model: Option<&str>,
) -> Result<(), String> {
    for (n, seq, whole, got) in pairs(provider, expected)? {
        let messages = whole["messages"].as_array().cloned().unwrap_or_default();
        same_but_messages(&got, whole, &messages, model).map_err(|why| {
            format!("provider \"{}\" received request #{seq} for session turn {n} without the session's whole context: {why}", provider.id())
        })?;
    }
    Ok(())
}

/// Where each turn of `messages` starts, after the system prompt: at each
/// `user` message.
fn turn_starts(messages: &[Value]) -> Vec<usize> {
    messages.iter().enumerate().filter(|(_, m)| m["role"] == "user").map(|(i, _)| i).collect()
}

/// Every request `provider` received held the session's system prompt and
/// its newest whole turns, the current one always, within `window` tokens
/// (as the contract counts them), leaving out the fewest oldest turns that
/// makes it fit; the answer says how many it left out; and at least one
/// request left some out.
pub fn newest_turns_within(
    provider: &MockProvider,
    expected: &BTreeMap<usize, Value>,
    exchanges: &[Exchange],
    window: u64,
) -> Result<(), String> {
    let mut any_dropped = false;
    for (n, seq, whole, got) in pairs(provider, expected)? {
        let all = whole["messages"].as_array().cloned().unwrap_or_default();
        let starts = turn_starts(&all);
        let system = &all[..starts.first().copied().unwrap_or(all.len())];
        let count = |from: usize| system.iter().chain(&all[from..]).map(tokens).sum::<u64>();
        let Some(dropped) = (0..starts.len()).find(|&d| count(starts[d]) <= window) else {
            return Err(format!(
                "session turn {n} cannot fit {window} tokens even alone, yet provider \"{}\" got it",
                provider.id()
            ));
        };
        let sent: Vec<Value> = system.iter().chain(&all[starts[dropped]..]).cloned().collect();
        same_but_messages(&got, whole, &sent, got["model"].as_str()).map_err(|why| {
            format!(
                "provider \"{}\" received request #{seq} for session turn {n} not as the system prompt and the newest turns within {window} tokens ({dropped} oldest left out, {} tokens): {why}",
                provider.id(),
                count(starts[dropped])
            )
        })?;
        let exchange =
            exchanges.iter().find(|e| e.reference() == Some(n)).ok_or(format!("no answer to session turn {n}"))?;
        if exchange.status == 200 {
            let said = exchange
                .headers
                .get(DROPPED)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if said != dropped {
                return Err(format!(
                    "the answer to session turn {n} says {DROPPED}: {said}, but {dropped} turns were left out"
                ));
            }
        }
        any_dropped |= dropped > 0;
    }
    if !any_dropped {
        return Err(format!(
            "provider \"{}\" got every turn whole: nothing had to be left out, so the check proves nothing",
            provider.id()
        ));
    }
    Ok(())
}

/// Provider `provider`'s later request carries the earlier one's turn and
/// its answer: the second was sent after the first was answered.
pub fn serialised(provider: &MockProvider, exchanges: &[Exchange]) -> Result<(), String> {
    let journal: Vec<_> = provider.journal().into_iter().filter(|r| !attribution::is_probe(r)).collect();
    let [first, second] = journal.as_slice() else {
        return Err(format!("provider \"{}\" received {} requests, not the 2 turns", provider.id(), journal.len()));
    };
    let n = attribution::latest(&first.body).ok_or("the first request carries no client request")?;
    let answer = exchanges
        .iter()
        .find(|e| e.reference() == Some(n))
        .and_then(Exchange::json)
        .ok_or(format!("turn {n} has no answer"))?;
    let content = answer.pointer("/choices/0/message/content").cloned().unwrap_or(Value::Null);
    let later = second.json().unwrap_or_default();
    let messages = later["messages"].as_array().cloned().unwrap_or_default();
    let carries_turn = messages.iter().any(|m| m["content"].as_str().is_some_and(|c| c.contains(&attribution::tag(n))));
    let carries_answer = messages.iter().any(|m| m["role"] == "assistant" && m["content"] == content);
    if carries_turn && carries_answer {
        Ok(())
    } else {
        Err(format!(
            "provider \"{}\"'s second request does not carry the first turn {} its answer: the turns were not serialised",
            provider.id(),
            if carries_turn { "with" } else { "nor" }
        ))
    }
}
