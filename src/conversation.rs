//! A multi-turn chat as a client keeps it: the whole history goes with every
//! request, and each answer joins the history before the next question.
use serde_json::{Value, json};

/// What the conversation holds besides its messages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extras {
    /// A tool call and its result among the earlier turns.
    pub tool_call: bool,
    /// Parameters that change the answer: temperature, max_tokens, tools,
    /// response_format.
    pub parameters: bool,
}

/// A conversation in progress.
#[derive(Clone, Debug)]
pub struct Conversation {
    messages: Vec<Value>,
    extras: Extras,
    turn: usize,
}

impl Conversation {
    /// A system prompt and `earlier` question/answer turns, plus `extras`.
    pub fn new(earlier: usize, extras: Extras) -> Self {
        let mut messages = vec![json!({"role": "system", "content": "You are a travel assistant. Answer briefly."})];
        for i in 1..=earlier {
            messages.push(
                json!({"role": "user", "content": format!("Earlier question {i}: what is worth seeing in city {i}?")}),
            );
            messages.push(
                json!({"role": "assistant", "content": format!("Earlier answer {i}: the old town of city {i}.")}),
            );
        }
        if extras.tool_call {
            messages.push(json!({"role": "user", "content": "What is the weather in Paris?"}));
            messages.push(json!({
                "role": "assistant",
                "content": null,
                "tool_calls": [{"id": "call_weather_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]
            }));
            messages.push(json!({"role": "tool", "tool_call_id": "call_weather_1", "content": "{\"temp_c\":18,\"sky\":\"clear\"}"}));
            messages.push(json!({"role": "assistant", "content": "It is 18 °C and clear in Paris."}));
        }
        Self { messages, extras, turn: 0 }
    }

    /// Sends parameters that change the answer from now on.
    pub fn set_parameters(&mut self) {
        self.extras.parameters = true;
    }

    /// The next request, the client's `n`-th: the whole history plus a new
    /// question, tagged with `n` (see [`crate::attribution`]).
    pub fn next_request(&mut self, model: &str, n: usize) -> Value {
        self.turn += 1;
        let question = format!("Follow-up {}: and what about tomorrow? {}", self.turn, crate::attribution::tag(n));
        self.messages.push(json!({"role": "user", "content": question}));
        let mut body = json!({"model": model, "messages": self.messages});
        if self.extras.parameters {
            body["temperature"] = json!(0.3);
            body["max_tokens"] = json!(256);
            body["response_format"] = json!({"type": "json_object"});
            body["tools"] = json!([{"type": "function", "function": {
                "name": "get_weather",
                "description": "Current weather in a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
            }}]);
            body["tool_choice"] = json!("auto");
        }
        body
    }

    /// Adds the assistant's answer from a chat completion to the history.
    pub fn absorb(&mut self, answer: &Value) -> Result<(), String> {
        let message = answer
            .pointer("/choices/0/message")
            .cloned()
            .ok_or_else(|| format!("the answer has no choices[0].message: {answer}"))?;
        self.messages.push(message);
        Ok(())
    }
}
