//! A conversation kept by the gateway (capability `sessions`): the client
//! sends only its new turn with `x-session-id`, and keeps, for the checks
//! only, the whole context every provider must have been sent.
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use tiktoken_rs::CoreBPE;

/// The session id header.
pub const SESSION_ID: &str = "x-session-id";
/// The gateway's count of turns left out for the serving provider.
pub const DROPPED: &str = "x-failover-session-dropped-turns";

/// A session in progress, as the client knows it.
#[derive(Clone, Debug)]
pub struct Session {
    /// Its id.
    pub id: String,
    /// The whole context so far: the system prompt, then every turn and answer.
    history: Vec<Value>,
    /// Messages the next turn sends before its question (a tool exchange).
    preamble: Vec<Value>,
    /// Words of filler in each question, to make turns long.
    filler: usize,
    turn: usize,
    /// The whole body each request (by its number) stands for.
    pub expected: BTreeMap<usize, Value>,
}

impl Session {
    /// A new session `id` whose first turn carries the system prompt, with
    /// questions of about `filler` more words each.
    pub fn new(id: &str, filler: usize) -> Self {
        let system = json!({"role": "system", "content": "You are a travel assistant. Answer briefly."});
        Self {
            id: id.into(),
            history: vec![system.clone()],
            preamble: vec![system],
            filler,
            turn: 0,
            expected: BTreeMap::new(),
        }
    }

    /// Makes the next turn carry an earlier tool call and its result.
    pub fn with_tool_exchange(&mut self) {
        self.preamble.extend([
            json!({"role": "user", "content": "What is the weather in Paris?"}),
            json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_weather_1", "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}),
            json!({"role": "tool", "tool_call_id": "call_weather_1", "content": "{\"temp_c\":18,\"sky\":\"clear\"}"}),
            json!({"role": "assistant", "content": "It is 18 °C and clear in Paris."}),
        ]);
        let system = usize::from(self.turn == 0);
        self.history.extend(self.preamble[system..].iter().cloned());
    }

    /// The body of the client's `n`-th request, the session's next turn:
    /// only its new messages.
    pub fn next_request(&mut self, model: &str, n: usize, stream: bool) -> Value {
        self.turn += 1;
        let filler = (0..self.filler).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ");
        let question =
            format!("Session turn {}: and what about tomorrow? {filler} {}", self.turn, crate::attribution::tag(n));
        let question = json!({"role": "user", "content": question});
        let mut messages = std::mem::take(&mut self.preamble);
        messages.push(question.clone());
        self.history.push(question);
        self.expected.insert(n, json!({"model": model, "messages": self.history, "stream": stream}));
        json!({"model": model, "messages": messages, "stream": stream})
    }

    /// Adds the assistant's message of a whole answer to the context.
    pub fn absorb(&mut self, answer: &Value) -> Result<(), String> {
        let message = answer
            .pointer("/choices/0/message")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("the answer has no choices[0].message: {answer}"))?;
        self.history.push(kept(message));
        Ok(())
    }

    /// Adds a streamed answer's text to the context.
    pub fn absorb_text(&mut self, text: &str) {
        self.history.push(json!({"role": "assistant", "content": text}));
    }

    /// Forgets the last question, which got no answer.
    pub fn unanswered(&mut self) {
        self.history.pop();
    }
}

/// The fields of an assistant message a session keeps (docs/contract.md):
/// `role`, `content`, and `tool_calls`, `refusal` and `name` when set.
fn kept(message: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    out.insert("role".into(), message.get("role").cloned().unwrap_or_else(|| "assistant".into()));
    out.insert("content".into(), message.get("content").cloned().unwrap_or(Value::Null));
    for field in ["tool_calls", "refusal", "name"] {
        if let Some(value) = message.get(field).filter(|v| !v.is_null()) {
            out.insert(field.into(), value.clone());
        }
    }
    Value::Object(out)
}

/// A message's tokens as the contract counts them against a context
/// window: 4, plus the `o200k_base` tokens of its content (a string, or
/// each part's `text`), its refusal, and each tool call's name and arguments.
pub fn tokens(message: &Value) -> u64 {
    let bpe: &CoreBPE = tiktoken_rs::o200k_base_singleton();
    let count = |text: &str| bpe.encode_ordinary(text).len() as u64;
    let mut texts: Vec<&str> = Vec::new();
    match &message["content"] {
        Value::String(text) => texts.push(text),
        Value::Array(parts) => texts.extend(parts.iter().filter_map(|p| p["text"].as_str())),
        _ => {}
    }
    texts.extend(message["refusal"].as_str());
    for call in message["tool_calls"].as_array().into_iter().flatten() {
        texts.extend(call["function"]["name"].as_str());
        texts.extend(call["function"]["arguments"].as_str());
    }
    4 + texts.into_iter().map(count).sum::<u64>()
}
