//! The bodies mock providers answer: OpenAI-compatible, each stamped with the
//! provider's id so a response shows, black-box, who served it.
use bytes::Bytes;
use serde_json::{Value, json};

use super::fault::{Fault, Wrong};

/// The marker every successful body carries in `system_fingerprint`.
pub fn fingerprint(provider: &str) -> String {
    format!("mock:{provider}")
}

/// Reads the provider id back from a body's `system_fingerprint`.
pub fn served_by(body: &Value) -> Option<&str> {
    body.get("system_fingerprint")?.as_str()?.strip_prefix("mock:")
}

/// A successful chat completion answering request number `n`: a JSON object
/// in its text when the request asked for JSON (`json`), as a good provider
/// gives.
pub fn chat_completion(provider: &str, model: &str, n: usize, json: bool) -> Value {
    let content = match json {
        true => json!({"answer": n, "from": provider}).to_string(),
        false => format!("Answer {n} from {provider}."),
    };
    json!({
        "id": format!("chatcmpl-{provider}-{n}"),
        "object": "chat.completion",
        "created": 1_700_000_000u64 + n as u64,
        "model": model,
        "system_fingerprint": fingerprint(provider),
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
    })
}

/// A chat completion answering request number `n` with `text`.
pub fn saying(provider: &str, model: &str, n: usize, text: &str) -> Value {
    let mut body = chat_completion(provider, model, n, false);
    body["choices"][0]["message"]["content"] = text.into();
    body
}

/// A well-formed chat completion answering request number `n` wrongly.
pub fn wrong_completion(provider: &str, model: &str, n: usize, wrong: Wrong) -> Value {
    let (content, refusal, finish) = wrong.message();
    let mut body = chat_completion(provider, model, n, false);
    body["choices"][0]["message"] = json!({"role": "assistant", "content": content, "refusal": refusal});
    body["choices"][0]["finish_reason"] = finish.into();
    body
}

/// A successful embeddings answer for request number `n`.
pub fn embeddings(provider: &str, model: &str, n: usize) -> Value {
    let seed = n as f64;
    json!({
        "object": "list",
        "model": model,
        "system_fingerprint": fingerprint(provider),
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1 * seed, -0.2, 0.3, 0.05]}],
        "usage": {"prompt_tokens": 4, "total_tokens": 4}
    })
}

/// The error body for an HTTP fault, in OpenAI's shape, naming the provider.
pub fn error_body(provider: &str, fault: &Fault) -> Value {
    let (kind, code, message) = match fault {
        Fault::ContentFilter => (
            "invalid_request_error",
            "content_policy_violation".to_owned(),
            "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.".to_owned(),
        ),
        Fault::ContextOverflow => (
            "invalid_request_error",
            "context_length_exceeded".to_owned(),
            "This model's maximum context length is 8192 tokens; your messages resulted in 9001 tokens.".to_owned(),
        ),
        Fault::Status { code: 429, .. } => {
            ("rate_limit_error", "rate_limit_exceeded".to_owned(), "Rate limit reached for requests.".to_owned())
        }
        Fault::Status { code: 401, .. } => {
            ("authentication_error", "invalid_api_key".to_owned(), "Incorrect API key provided.".to_owned())
        }
        Fault::Status { code: 403, .. } => {
            ("permission_error", "forbidden".to_owned(), "You are not allowed to use this model.".to_owned())
        }
        Fault::Status { code, .. } if *code >= 500 => {
            ("server_error", format!("upstream_{code}"), "The server had an error processing your request.".to_owned())
        }
        Fault::Status { code, .. } => {
            ("invalid_request_error", format!("mock_client_error_{code}"), format!("Mock client error {code}."))
        }
        _ => ("server_error", "mock_socket_fault".to_owned(), format!("Mock socket fault: {fault}.")),
    };
    json!({"error": {"message": format!("{message} (mock provider {provider})"), "type": kind, "param": null, "code": code}})
}

/// The header in which [`Fault::EchoKey`] gives the request's `Authorization` back.
pub const ECHO_HEADER: &str = "x-request-authorization";

/// The error of [`Fault::EchoKey`]: the key the request carried, given back
/// as a real provider's 401 does ("Incorrect API key provided: sk-...").
pub fn echoing_key(provider: &str, code: u16, authorization: Option<&str>) -> Value {
    let key = authorization.map_or("", |a| a.strip_prefix("Bearer ").unwrap_or(a));
    let kind = if code == 401 { "authentication_error" } else { "server_error" };
    json!({"error": {
        "message": format!("Request with API key {key} failed (mock provider {provider}). Incorrect API key provided: {key}."),
        "type": kind, "param": null, "code": format!("echo_{code}")
    }})
}

/// The 401 a provider answers a request without its own API key.
pub fn wrong_key(provider: &str, got: Option<&str>) -> Value {
    json!({"error": {
        "message": format!("mock provider {provider} expected its own API key, got {:?}", got),
        "type": "authentication_error", "param": null, "code": "invalid_api_key"
    }})
}

/// [`error_body`] as bytes.
pub fn error_json(provider: &str, fault: &Fault) -> Bytes {
    to_bytes(&error_body(provider, fault))
}

fn to_bytes(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("mock bodies serialise"))
}

/// A request the provider accepts: which endpoint, for which model, streaming or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// `/v1/chat/completions` or `/v1/embeddings`.
    pub path: String,
    /// The `model` of the body.
    pub model: String,
    /// Whether the body asks for `stream: true`.
    pub stream: bool,
    /// Whether a stream should end with a usage chunk (`stream_options.include_usage`).
    pub include_usage: bool,
    /// Whether the body asks for JSON (`response_format` `json_object` or `json_schema`).
    pub json: bool,
}

/// Checks a request as a real provider would: its own key, a JSON body with a
/// model, a known endpoint. The error is the answer to give.
pub fn accept(
    provider: &str,
    api_key: &str,
    authorization: Option<&str>,
    path: &str,
    body: &[u8],
) -> Result<Accepted, (u16, Bytes)> {
    if authorization != Some(format!("Bearer {api_key}").as_str()) {
        return Err((401, to_bytes(&wrong_key(provider, authorization))));
    }
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let Some(model) = parsed.as_ref().and_then(|b| b.get("model")).and_then(Value::as_str) else {
        return Err((400, error_json(provider, &Fault::status(400))));
    };
    if !matches!(path, "/v1/chat/completions" | "/v1/embeddings") {
        return Err((404, error_json(provider, &Fault::status(404))));
    }
    let flag =
        |pointer: &str| parsed.as_ref().and_then(|b| b.pointer(pointer)).and_then(Value::as_bool).unwrap_or(false);
    let (stream, include_usage) = (flag("/stream"), flag("/stream_options/include_usage"));
    let format = parsed.as_ref().and_then(|b| b.pointer("/response_format/type")).and_then(Value::as_str);
    let json = matches!(format, Some("json_object" | "json_schema"));
    Ok(Accepted { path: path.to_owned(), model: model.to_owned(), stream, include_usage, json })
}

/// How a provider answers the requests it accepts, beyond the model asked
/// for: the model it names instead, and the prompts it knows the answers to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Manner<'a> {
    /// The model its answers name, if not the one asked for.
    pub answers_as: Option<&'a str>,
    /// (prompt, answer): a chat completion whose last user message contains
    /// the prompt is answered with exactly that text, as a model answers a
    /// question with one right answer.
    pub knows: &'a [(String, String)],
}

/// The whole non-streaming answer to request number `seq`, or the error a real
/// provider would give.
pub fn answer(
    provider: &str,
    api_key: &str,
    (authorization, manner): (Option<&str>, Manner<'_>),
    path: &str,
    body: &[u8],
    seq: usize,
) -> (u16, Bytes) {
    let accepted = accept(provider, api_key, authorization, path, body).map(|mut a| {
        if let Some(model) = manner.answers_as {
            a.model = model.to_owned();
        }
        a
    });
    match accepted {
        Err(error) => error,
        Ok(a) if a.path == "/v1/embeddings" => (200, to_bytes(&embeddings(provider, &a.model, seq))),
        Ok(a) => match known(manner.knows, body) {
            Some(text) => (200, to_bytes(&saying(provider, &a.model, seq, text))),
            None => (200, to_bytes(&chat_completion(provider, &a.model, seq, a.json))),
        },
    }
}

/// The known answer to a chat completion's last user message, if any.
fn known<'k>(knows: &'k [(String, String)], body: &[u8]) -> Option<&'k str> {
    if knows.is_empty() {
        return None;
    }
    let parsed: Value = serde_json::from_slice(body).ok()?;
    let messages = parsed.get("messages")?.as_array()?;
    let last = messages.iter().rev().find(|m| m.get("role").and_then(Value::as_str) == Some("user"))?;
    let text = last.get("content")?.as_str()?;
    knows.iter().find(|(prompt, _)| text.contains(prompt.as_str())).map(|(_, answer)| answer.as_str())
}
