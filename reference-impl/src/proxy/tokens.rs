//! Counting a request's tokens the way providers bill them, closely enough
//! to fit a context window or hold a budget: each message's texts (content,
//! refusal, tool calls' names and arguments) and a few tokens of framing.
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tiktoken_rs::CoreBPE;

/// Tokens a message costs beyond its texts (role and framing).
const PER_MESSAGE: u64 = 4;

/// The tokenizer an encoding name from the config stands for
/// (`failover_contract::ENCODINGS`; `o200k_base` for any other).
pub fn encoding(name: &str) -> &'static CoreBPE {
    match name {
        "cl100k_base" => tiktoken_rs::cl100k_base_singleton(),
        _ => tiktoken_rs::o200k_base_singleton(),
    }
}

/// The tokens of one chat message.
pub fn message(bpe: &CoreBPE, message: &Value) -> u64 {
    let mut tokens = PER_MESSAGE;
    let mut count = |text: &str| tokens += bpe.encode_ordinary(text).len() as u64;
    match &message["content"] {
        Value::String(text) => count(text),
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).for_each(&mut count),
        _ => {}
    }
    if let Some(refusal) = message["refusal"].as_str() {
        count(refusal);
    }
    for call in message["tool_calls"].as_array().into_iter().flatten() {
        [&call["function"]["name"], &call["function"]["arguments"]]
            .into_iter()
            .filter_map(Value::as_str)
            .for_each(&mut count);
    }
    tokens
}

/// The tokens of a request body: its chat messages, or its embedding input
/// (a string or a list of strings).
pub fn request(bpe: &CoreBPE, body: &Value) -> u64 {
    let messages = body["messages"].as_array().into_iter().flatten().map(|m| message(bpe, m)).sum::<u64>();
    let input = match &body["input"] {
        Value::String(text) => bpe.encode_ordinary(text).len() as u64,
        Value::Array(items) => {
            items.iter().filter_map(Value::as_str).map(|t| bpe.encode_ordinary(t).len() as u64).sum()
        }
        _ => 0,
    };
    messages + input
}

/// Milliseconds since the Unix epoch: the wall clock that sessions and
/// budget windows are kept by, since both outlive the process.
pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_message_counts_its_texts_and_framing() {
        let bpe = encoding("o200k_base");
        let hello = bpe.encode_ordinary("hello there").len() as u64;
        assert_eq!(message(bpe, &json!({"role": "user", "content": "hello there"})), PER_MESSAGE + hello);
        let parts = json!({"role": "user", "content": [{"type": "text", "text": "hello there"}]});
        assert_eq!(message(bpe, &parts), PER_MESSAGE + hello);
        assert_eq!(message(bpe, &json!({"role": "assistant", "content": null})), PER_MESSAGE);
    }

    #[test]
    fn a_request_counts_its_messages_or_its_input() {
        let bpe = encoding("o200k_base");
        let hello = bpe.encode_ordinary("hello there").len() as u64;
        let chat = json!({"messages": [{"role": "system", "content": "hello there"}, {"role": "user", "content": "hello there"}]});
        assert_eq!(request(bpe, &chat), 2 * (PER_MESSAGE + hello));
        assert_eq!(request(bpe, &json!({"input": "hello there"})), hello);
        assert_eq!(request(bpe, &json!({"input": ["hello there", "hello there", 7]})), 2 * hello);
        assert_eq!(request(bpe, &json!({})), 0);
    }
}
