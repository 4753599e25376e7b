//! Guardrails in the request path (`guardrails`): the input guardrails run
//! before any provider is called, the output guardrail on a whole chat
//! answer before the client gets it. What each finds and whether it blocks
//! is the policy's (`failover_policy::guard`); this module finds the texts,
//! counts tokens, rewrites what is redacted and times each guardrail.
use std::time::Instant;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use failover_contract::GuardrailsConfig;
use failover_policy::Decide;
use failover_policy::guard::{self, Author, Found, Guardrail, Injection, PiiAction, PiiConfig, PiiKind, Text};
use http::{HeaderMap, HeaderValue};
use serde_json::Value;
use subtle::ConstantTimeEq;
use tiktoken_rs::CoreBPE;

use super::error::ApiError;
use super::forward::Endpoint;
use super::request::Inbound;
use crate::Gateway;
use crate::events::EventKind;

/// Request header that skips every guardrail when it carries the admin token.
pub const BYPASS: &str = "x-failover-guardrail-bypass";
/// Response header naming the guardrail that blocked, redacted or was bypassed.
pub const GUARDRAIL: &str = "x-failover-guardrail";

/// The configured guardrails, ready to run.
pub struct Guards {
    prompt_length: Option<(u64, &'static CoreBPE)>,
    injection: Option<Injection>,
    pii: Option<PiiConfig>,
    output_pii: Option<PiiConfig>,
}

impl std::fmt::Debug for Guards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guards").field("injection", &self.injection).field("pii", &self.pii).finish_non_exhaustive()
    }
}

fn pii_config(config: &failover_contract::PiiGuardConfig) -> PiiConfig {
    let action = match config.action {
        failover_contract::PiiAction::Block => PiiAction::Block,
        failover_contract::PiiAction::Redact => PiiAction::Redact,
    };
    let kinds = config
        .kinds
        .iter()
        .map(|k| match k {
            failover_contract::PiiKind::Email => PiiKind::Email,
            failover_contract::PiiKind::Phone => PiiKind::Phone,
            failover_contract::PiiKind::Card => PiiKind::Card,
        })
        .collect();
    PiiConfig { action, kinds }
}

impl Guards {
    /// The guardrails `config` turns on; `None` when it turns on none. The
    /// tokenizer is loaded here, once per process, so that no request waits
    /// for it.
    pub fn new(config: &GuardrailsConfig) -> Result<Option<Self>, failover_contract::ConfigError> {
        let prompt_length = config.prompt_length.as_ref().map(|l| (l.max_tokens, super::tokens::encoding(&l.encoding)));
        let injection = match &config.prompt_injection {
            None => None,
            Some(i) => Some(Injection::new(&i.patterns).map_err(|(at, e)| {
                let path = format!("guardrails.prompt_injection.patterns[{at}]");
                failover_contract::ConfigError { path, message: format!("is not a valid regular expression: {e}") }
            })?),
        };
        let guards = Self {
            prompt_length,
            injection,
            pii: config.pii.as_ref().map(pii_config),
            output_pii: config.output_pii.as_ref().map(pii_config),
        };
        let any = guards.prompt_length.is_some()
            || guards.injection.is_some()
            || guards.pii.is_some()
            || guards.output_pii.is_some();
        Ok(any.then_some(guards))
    }

    /// The guardrails on, in the order a request meets them.
    pub fn on(&self) -> Vec<Guardrail> {
        let on =
            [self.prompt_length.is_some(), self.injection.is_some(), self.pii.is_some(), self.output_pii.is_some()];
        guard::ALL_GUARDRAILS.into_iter().zip(on).filter_map(|(g, on)| on.then_some(g)).collect()
    }
}

/// Where a text sits in the request body, to write it back redacted.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// `messages[i].content`, a string.
    Message(usize),
    /// `messages[i].content[j].text`.
    Part(usize, usize),
    /// `input`, a string.
    Input,
    /// `input[k]`.
    InputItem(usize),
}

/// The texts of a request body, each with its author and place.
fn texts(body: &Value, endpoint: Endpoint) -> Vec<(Place, Author, &str)> {
    let mut out = Vec::new();
    match endpoint {
        Endpoint::Chat => {
            for (i, m) in body["messages"].as_array().into_iter().flatten().enumerate() {
                let author = match m["role"].as_str() {
                    Some("system" | "developer") => Author::Operator,
                    _ => Author::Client,
                };
                match &m["content"] {
                    Value::String(s) => out.push((Place::Message(i), author, s.as_str())),
                    Value::Array(parts) => {
                        for (j, part) in parts.iter().enumerate() {
                            if let Some(s) = part["text"].as_str() {
                                out.push((Place::Part(i, j), author, s));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Endpoint::Embeddings => match &body["input"] {
            Value::String(s) => out.push((Place::Input, Author::Client, s.as_str())),
            Value::Array(items) => {
                for (k, item) in items.iter().enumerate() {
                    if let Some(s) = item.as_str() {
                        out.push((Place::InputItem(k), Author::Client, s));
                    }
                }
            }
            _ => {}
        },
    }
    out
}

fn slot(body: &mut Value, place: Place) -> Option<&mut Value> {
    match place {
        Place::Message(i) => body.get_mut("messages")?.get_mut(i)?.get_mut("content"),
        Place::Part(i, j) => body.get_mut("messages")?.get_mut(i)?.get_mut("content")?.get_mut(j)?.get_mut("text"),
        Place::Input => body.get_mut("input"),
        Place::InputItem(k) => body.get_mut("input")?.get_mut(k),
    }
}

/// Runs the input guardrails on `inbound`: `Ok` to go on (with personal
/// data redacted if so configured), or the client's error.
pub fn input<D: Decide>(
    gateway: &Gateway<D>,
    guards: &Guards,
    headers: &HeaderMap,
    endpoint: Endpoint,
    inbound: &mut Inbound,
) -> Result<(), Box<Response>> {
    if let Some(offered) = headers.get(BYPASS) {
        let token = gateway.settings.admin_token.as_deref();
        let matches = token.is_some_and(|t| bool::from(offered.as_bytes().ct_eq(t.as_bytes())));
        if !matches {
            return Err(Box::new(ApiError::bypass_denied(token.is_some()).into_response()));
        }
        inbound.unguarded = true;
        for g in guards.on() {
            note(gateway, &inbound.model, g, "bypassed", "skipped for a request carrying the admin token".into());
        }
        return Ok(());
    }
    if guards.prompt_length.is_none() && guards.injection.is_none() && guards.pii.is_none() {
        return Ok(());
    }
    let bad = |e: String| Box::new(ApiError::bad_request(e, None).into_response());
    let mut body: Value = serde_json::from_slice(&inbound.body).map_err(|e| bad(e.to_string()))?;
    let found = texts(&body, endpoint);
    let plain: Vec<Text<'_>> = found.iter().map(|&(_, author, text)| Text { author, text }).collect();
    let decide = &gateway.decide;
    if let Some((max, bpe)) = guards.prompt_length {
        let started = Instant::now();
        let tokens: u64 = plain.iter().map(|t| bpe.encode_ordinary(t.text).len() as u64).sum();
        let over = decide.prompt_too_long(max, tokens, &plain);
        gateway.metrics.guardrail(Guardrail::PromptLength, started.elapsed().as_secs_f64());
        if over {
            let what = format!("the prompt is {tokens} tokens long, over the limit of {max}");
            return Err(Box::new(blocked(gateway, &inbound.model, Guardrail::PromptLength, what)));
        }
    }
    if let Some(injection) = &guards.injection {
        let started = Instant::now();
        let matched = decide.injected(injection, &plain);
        gateway.metrics.guardrail(Guardrail::PromptInjection, started.elapsed().as_secs_f64());
        if let Some(pattern) = matched {
            let what = format!("a message matches the prompt-injection pattern {pattern}");
            return Err(Box::new(blocked(gateway, &inbound.model, Guardrail::PromptInjection, what)));
        }
    }
    let Some(pii) = &guards.pii else { return Ok(()) };
    let started = Instant::now();
    let hits = decide.pii(pii, &plain);
    gateway.metrics.guardrail(Guardrail::Pii, started.elapsed().as_secs_f64());
    if hits.is_empty() {
        return Ok(());
    }
    let kinds = guard::describe(&hits);
    if pii.action == PiiAction::Block {
        let what = format!("the request contains personal data ({kinds}); remove it, or ask the operator to redact it");
        return Err(Box::new(blocked(gateway, &inbound.model, Guardrail::Pii, what)));
    }
    let redacted: Vec<(Place, String)> =
        hits.iter().map(|(i, f)| (found[*i].0, guard::redact(found[*i].2, f))).collect();
    for (place, text) in redacted {
        if let Some(slot) = slot(&mut body, place) {
            *slot = Value::String(text);
        }
    }
    let bytes = Bytes::from(serde_json::to_vec(&body).expect("a JSON value serialises"));
    let unguarded = inbound.unguarded;
    *inbound = Inbound::parse(bytes).map_err(|_| bad("the redacted body is not valid JSON".into()))?;
    inbound.unguarded = unguarded;
    inbound.redacted = true;
    note(gateway, &inbound.model, Guardrail::Pii, "redacted", format!("redacted personal data ({kinds})"));
    Ok(())
}

/// What the output guardrail makes of a whole chat answer's body: `None`
/// to relay it as it is, `Some(Ok(body))` redacted, `Some(Err(error))`
/// withheld.
pub fn output<D: Decide>(gateway: &Gateway<D>, model: &str, body: &[u8]) -> Option<Result<Bytes, Response>> {
    let config = gateway.guards.as_ref()?.output_pii.as_ref()?;
    let started = Instant::now();
    let mut answer: Value = serde_json::from_slice(body).ok()?;
    let mut hits: Vec<(usize, Vec<Found>)> = Vec::new();
    for (i, choice) in answer["choices"].as_array().into_iter().flatten().enumerate() {
        if let Some(text) = choice["message"]["content"].as_str() {
            let found = gateway.decide.output_pii(config, text);
            if !found.is_empty() {
                hits.push((i, found));
            }
        }
    }
    gateway.metrics.guardrail(Guardrail::OutputPii, started.elapsed().as_secs_f64());
    if hits.is_empty() {
        return None;
    }
    let kinds = guard::describe(&hits);
    if config.action == PiiAction::Block {
        let what = format!("it contains personal data ({kinds})");
        note(gateway, model, Guardrail::OutputPii, "blocked", what.clone());
        let error = ApiError::guardrail_withheld(Guardrail::OutputPii.name(), &what);
        return Some(Err(named(error.into_response(), Guardrail::OutputPii)));
    }
    for (i, found) in hits {
        let content = &mut answer["choices"][i]["message"]["content"];
        if let Some(text) = content.as_str() {
            *content = Value::String(guard::redact(text, &found));
        }
    }
    note(gateway, model, Guardrail::OutputPii, "redacted", format!("redacted personal data ({kinds})"));
    Some(Ok(Bytes::from(serde_json::to_vec(&answer).expect("a JSON value serialises"))))
}

fn blocked<D: Decide>(gateway: &Gateway<D>, model: &str, guardrail: Guardrail, what: String) -> Response {
    note(gateway, model, guardrail, "blocked", what.clone());
    named(ApiError::guardrail_blocked(guardrail.name(), &what).into_response(), guardrail)
}

/// `response` with `guardrail` added to its `x-failover-guardrail` header.
pub fn named(mut response: Response, guardrail: Guardrail) -> Response {
    response.headers_mut().append(GUARDRAIL, HeaderValue::from_static(guardrail.name()));
    response
}

/// Counts and logs what a guardrail did.
fn note<D: Decide>(gateway: &Gateway<D>, model: &str, guardrail: Guardrail, action: &'static str, detail: String) {
    gateway.metrics.guardrail_action(guardrail, action);
    let kind = EventKind::Guardrail { model: model.into(), guardrail, action, detail };
    gateway.events.push(kind, Instant::now());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_are_found_in_strings_and_parts_with_their_authors() {
        let body = json!({"messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "part one"}, {"type": "image_url", "image_url": {}}]},
            {"role": "assistant", "content": null, "tool_calls": []},
            {"role": "tool", "content": "result"}
        ]});
        let found: Vec<(Author, &str)> = texts(&body, Endpoint::Chat).into_iter().map(|(_, a, t)| (a, t)).collect();
        assert_eq!(
            found,
            vec![(Author::Operator, "be brief"), (Author::Client, "part one"), (Author::Client, "result")]
        );
        let embeddings = json!({"input": ["a", 7, "b"]});
        let found: Vec<&str> = texts(&embeddings, Endpoint::Embeddings).into_iter().map(|(_, _, t)| t).collect();
        assert_eq!(found, vec!["a", "b"]);
    }

    #[test]
    fn each_place_is_written_back_where_it_was_found() {
        let mut body = json!({"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": [{"text": "y"}]}], "input": ["z"]});
        for place in [Place::Message(0), Place::Part(1, 0), Place::InputItem(0)] {
            *slot(&mut body, place).expect("the place exists") = Value::from("[EMAIL]");
        }
        assert_eq!(body["messages"][0]["content"], "[EMAIL]");
        assert_eq!(body["messages"][1]["content"][0]["text"], "[EMAIL]");
        assert_eq!(body["input"][0], "[EMAIL]");
        assert!(slot(&mut json!({"input": "s"}), Place::Input).is_some());
        assert!(slot(&mut json!({}), Place::Message(3)).is_none());
    }
}
