//! The wiremock side of a mock provider: renders every ordinary HTTP answer
//! (success, status faults, latency) and journals the request. The fault was
//! already decided by the provider's front, which passes it in a header in the
//! features' own words.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use wiremock::{Request, Respond, ResponseTemplate};

use super::fault::Fault;
use super::journal::Received;
use super::responses;
use super::state::{State, lock};

/// Internal header carrying the fault the front decided, e.g. `status 503`.
pub const FAULT_HEADER: &str = "x-mock-fault";

/// Renders answers for one provider.
pub struct Responder {
    /// Provider id.
    pub id: String,
    /// The key it expects.
    pub api_key: String,
    /// Shared with the front.
    pub state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fault: Option<Fault> =
            request.headers.get(FAULT_HEADER).and_then(|v| v.to_str().ok()).and_then(|words| words.parse().ok());
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .filter(|(name, _)| name.as_str() != FAULT_HEADER)
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let mut state = lock(&self.state);
        let seq = state.journal.len() + 1;
        let authorization = request.headers.get("authorization").and_then(|v| v.to_str().ok());
        let (status, answer, delay) = match &fault {
            Some(f @ Fault::Status { code, body, .. }) => {
                let answer = body.clone().map(Bytes::from).unwrap_or_else(|| responses::error_json(&self.id, f));
                (*code, answer, state.latency_now())
            }
            Some(Fault::EchoKey(code)) => {
                let answer = responses::echoing_key(&self.id, *code, authorization);
                (*code, Bytes::from(answer.to_string()), state.latency_now())
            }
            Some(Fault::Wrong(wrong)) => {
                let body: Option<serde_json::Value> = serde_json::from_slice(&request.body).ok();
                let model = body.as_ref().and_then(|b| b.get("model")).and_then(|m| m.as_str()).unwrap_or_default();
                let answer = responses::wrong_completion(&self.id, model, seq, *wrong);
                (200, Bytes::from(answer.to_string()), state.latency_now())
            }
            Some(f) => (400, responses::error_json(&self.id, f), state.latency_now()),
            None => {
                let (status, answer) = responses::answer(
                    &self.id,
                    &self.api_key,
                    (authorization, responses::Manner { answers_as: state.answers_as.as_deref(), knows: &state.knows }),
                    request.url.path(),
                    &request.body,
                    seq,
                );
                (status, answer, state.latency_now())
            }
        };
        let rate_limit = state.rate_limit.filter(|_| status == 200);
        state.journal.push(Received {
            seq,
            at: Instant::now(),
            path: request.url.path().to_owned(),
            headers,
            body: Bytes::from(request.body.clone()),
            status,
            faulted: fault.is_some(),
            answer: answer.clone(),
        });
        let mut template = ResponseTemplate::new(status)
            .set_body_raw(answer, "application/json")
            .insert_header("x-mock-provider", self.id.as_str())
            .set_delay(delay.max(Duration::ZERO));
        if let Some((remaining, limit)) = rate_limit {
            template = template
                .insert_header("x-ratelimit-limit-requests", limit.to_string().as_str())
                .insert_header("x-ratelimit-remaining-requests", remaining.to_string().as_str());
        }
        if let Some(Fault::Status { headers, .. }) = &fault {
            for (name, value) in headers {
                template = template.insert_header(name.as_str(), value.as_str());
            }
        }
        if let (Some(Fault::EchoKey(_)), Some(authorization)) = (&fault, authorization) {
            template = template.insert_header(responses::ECHO_HEADER, authorization);
        }
        template
    }
}
