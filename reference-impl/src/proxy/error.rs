//! Errors the gateway itself answers, in OpenAI's error shape:
//! `{"error": {"message", "type", "param", "code"}}`, plus a `failover` object
//! with the numbers behind a failed failover.
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use serde::Serialize;

/// What a failed failover reports to the client.
#[derive(Debug, Serialize)]
pub struct FailoverDetail {
    /// The model asked for.
    pub model: String,
    /// Class of the last failure, or `circuit_open` when every provider was skipped.
    pub last_failure_class: &'static str,
    /// Provider of the last failure, if an attempt was made.
    pub last_provider: Option<String>,
    /// Upstream attempts made.
    pub attempts: u32,
}

/// An error answered by the gateway.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    code: &'static str,
    param: Option<&'static str>,
    message: String,
    retry_after_secs: Option<u64>,
    failover: Option<FailoverDetail>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    failover: Option<&'a FailoverDetail>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, code: &'static str, message: String) -> Self {
        Self { status, kind, code, param: None, message, retry_after_secs: None, failover: None }
    }

    /// 400: the body is not what the endpoint takes.
    pub fn bad_request(message: String, param: Option<&'static str>) -> Self {
        Self { param, ..Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", "invalid_request", message) }
    }

    /// 404: a model the config does not know.
    pub fn unknown_model(model: &str, known: &[&str]) -> Self {
        let message =
            format!("model \"{model}\" is not configured on this gateway; configured models: {}", known.join(", "));
        Self {
            param: Some("model"),
            ..Self::new(StatusCode::NOT_FOUND, "invalid_request_error", "model_not_found", message)
        }
    }

    /// 404: a path the gateway does not serve.
    pub fn unknown_path(path: &str) -> Self {
        let message = format!(
            "no endpoint at {path}; this gateway serves POST /api/v1/chat/completions, POST /api/v1/embeddings, GET /healthz, GET /admin/events and GET /admin/providers"
        );
        Self::new(StatusCode::NOT_FOUND, "invalid_request_error", "unknown_endpoint", message)
    }

    /// 401: an `/admin/` request without the configured bearer token. The
    /// message never echoes what was sent.
    pub fn unauthorized() -> Self {
        let message = "the admin API requires the header Authorization: Bearer <admin token> (admin.token in the gateway's config)".into();
        Self::new(StatusCode::UNAUTHORIZED, "authentication_error", "invalid_admin_token", message)
    }

    /// 405: a method the endpoint does not take.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        let message = format!("{method} is not allowed on {path}");
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed", message)
    }

    /// 413: a body over the configured limit.
    pub fn too_large(limit: usize) -> Self {
        let message = format!("request body exceeds the limit of {limit} bytes (limits.max_body_bytes)");
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request_error", "request_too_large", message)
    }

    /// 503: no provider of the chain could serve the request.
    pub fn exhausted(detail: FailoverDetail, retry_after_secs: u64) -> Self {
        let last = match &detail.last_provider {
            Some(p) => format!("last failure was {} from provider \"{p}\"", detail.last_failure_class),
            None => "every provider's circuit breaker is open".to_owned(),
        };
        let message = format!(
            "no provider could serve model \"{}\" after {} attempt(s): {last}; retry after {retry_after_secs} s",
            detail.model, detail.attempts
        );
        Self {
            retry_after_secs: Some(retry_after_secs),
            failover: Some(detail),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", "no_provider_available", message)
        }
    }

    /// 503: the gateway is serving as many requests as it takes on, and as
    /// many more are waiting.
    pub fn overloaded(in_flight: u32, max_queued: u32) -> Self {
        Self::shed(format!(
            "the gateway is serving its limit of {in_flight} requests at once (limits.max_in_flight), with {max_queued} more waiting (limits.max_queued); retry after 1 s"
        ))
    }

    /// 503: every provider of `model`'s chain that could take the request
    /// had its most requests in flight (`providers[].max_in_flight`).
    pub fn saturated(model: &str, attempts: u32) -> Self {
        Self::shed(format!(
            "every provider that could serve model \"{model}\" is sending its limit of requests at once (providers[].max_in_flight), after {attempts} attempt(s); retry after 1 s"
        ))
    }

    /// 503 `gateway_overloaded`, retry after a second: load beyond a bound.
    fn shed(message: String) -> Self {
        Self {
            retry_after_secs: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", "gateway_overloaded", message)
        }
    }

    /// 504 or 502: a request that must not run twice may have been acted on by
    /// `provider`, so it was neither retried nor failed over.
    pub fn not_retried(provider: &str, class: failover_policy::Class, why_not_idempotent: &str) -> Self {
        let (status, what) = match class {
            failover_policy::Class::Timeout => {
                (StatusCode::GATEWAY_TIMEOUT, "did not answer in time after the request was sent")
            }
            _ => (StatusCode::BAD_GATEWAY, "broke the connection after the request was sent"),
        };
        let message = format!(
            "provider \"{provider}\" {what}, so it may have processed the request; it was not retried and not sent to another provider because {why_not_idempotent}"
        );
        Self::new(status, "upstream_error", "not_retried_unknown_outcome", message)
    }

    /// 502: a provider's answer that the gateway could not read to the end.
    pub fn unreadable_answer(why: &str) -> Self {
        let message = format!("the provider's answer could not be read: {why}");
        Self::new(StatusCode::BAD_GATEWAY, "upstream_error", "unreadable_answer", message)
    }

    /// 422: an `Idempotency-Key` reused with a different body.
    pub fn idempotency_mismatch(key: &str) -> Self {
        let message = format!(
            "Idempotency-Key \"{key}\" was already used with a different request body; use a new key for a new request"
        );
        Self {
            param: Some("Idempotency-Key"),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request_error", "idempotency_key_reused", message)
        }
    }

    /// 409: an `Idempotency-Key` whose first request is still running.
    pub fn idempotency_in_progress(key: &str) -> Self {
        let message =
            format!("a request with Idempotency-Key \"{key}\" is still in progress; retry after it has finished");
        Self {
            param: Some("Idempotency-Key"),
            ..Self::new(StatusCode::CONFLICT, "invalid_request_error", "idempotency_key_in_progress", message)
        }
    }

    /// 400: a request an input guardrail blocked; `what` says what it found,
    /// never the text itself.
    pub fn guardrail_blocked(guardrail: &str, what: &str) -> Self {
        let message = format!("the request was blocked by the gateway's {guardrail} guardrail: {what}");
        Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", "guardrail_blocked", message)
    }

    /// 502: an answer the output guardrail withheld.
    pub fn guardrail_withheld(guardrail: &str, what: &str) -> Self {
        let message = format!("the provider's answer was withheld by the gateway's {guardrail} guardrail: {what}");
        Self::new(StatusCode::BAD_GATEWAY, "upstream_error", "guardrail_blocked", message)
    }

    /// 403: a guardrail bypass without the admin token. The message never
    /// echoes what was sent.
    pub fn bypass_denied(configured: bool) -> Self {
        let message = if configured {
            "x-failover-guardrail-bypass must carry the gateway's admin token; drop the header to have the request checked"
        } else {
            "guardrails cannot be bypassed: the gateway has no admin token (admin.token); drop the x-failover-guardrail-bypass header"
        };
        Self::new(StatusCode::FORBIDDEN, "permission_error", "guardrail_bypass_denied", message.into())
    }

    /// 429: a spend budget the request counts against is spent until it
    /// resets, `resets_in_ms` from now; `limit` and `used` in words. When
    /// requests in flight hold the rest (`held`), some may come back sooner,
    /// and the client is told to retry in a second.
    pub fn budget_exceeded(budget: &str, limit: &str, used: &str, resets_in_ms: u64, held: bool) -> Self {
        let (secs, until) = match held {
            false => (resets_in_ms.div_ceil(1_000).max(1), "it resets".to_owned()),
            true => (1, "the requests in flight end and give back what they do not use, or it resets".to_owned()),
        };
        let message = format!(
            "budget \"{budget}\" ({limit}) is spent: {used} in this window; nothing more is sent to a provider until {until} in {resets_in_ms} ms; retry after {secs} s"
        );
        Self {
            retry_after_secs: Some(secs),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "insufficient_quota", "budget_exceeded", message)
        }
    }

    /// 400: `x-session-id` on a gateway that keeps no sessions.
    pub fn sessions_off() -> Self {
        let message =
            "this gateway keeps no sessions (config \"sessions\"); drop x-session-id and send the whole conversation"
                .into();
        Self {
            param: Some("x-session-id"),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", "sessions_disabled", message)
        }
    }

    /// 409: a session still answering another request.
    pub fn session_busy(id: &str, waited: Option<std::time::Duration>) -> Self {
        let message = match waited {
            Some(d) => format!(
                "session \"{id}\" was still answering another request after {} ms; send this turn again when that one has its answer",
                d.as_millis()
            ),
            None => format!(
                "session \"{id}\" is answering another request; send one turn at a time, after the previous one has its answer"
            ),
        };
        Self {
            param: Some("x-session-id"),
            ..Self::new(StatusCode::CONFLICT, "invalid_request_error", "session_busy", message)
        }
    }

    /// 410: a session idle for longer than the gateway keeps one.
    pub fn session_expired(id: &str, idle_ms: u64) -> Self {
        let message = format!(
            "session \"{id}\" expired after more than {idle_ms} ms without a request, and its turns are gone; start a new session with a new x-session-id"
        );
        Self {
            param: Some("x-session-id"),
            ..Self::new(StatusCode::GONE, "invalid_request_error", "session_expired", message)
        }
    }

    /// 500: the store failed the session; nothing of it was changed.
    pub fn session_store(id: &str, why: &str) -> Self {
        let message = format!(
            "session \"{id}\" cannot be used: {why}; nothing of the session was changed, so this turn may be sent again once the store is mended"
        );
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "session_store_error", message)
    }

    /// 400: a session's context larger than any window of the model's chain.
    pub fn session_overflow(
        id: &str,
        model: &str,
        overflow: failover_policy::session::Overflow,
        policy: failover_policy::session::ContextPolicy,
    ) -> Self {
        use failover_policy::session::ContextPolicy;
        let least = match policy {
            ContextPolicy::Error => String::new(),
            ContextPolicy::DropOldest => {
                format!(", and {} with only its system prompt and this turn", overflow.minimum)
            }
        };
        let message = format!(
            "context overflow: session \"{id}\" holds {} tokens with this turn{least}, over the largest context window of model \"{model}\"'s chain, {} tokens; start a new session or send a shorter turn",
            overflow.tokens, overflow.window
        );
        Self {
            param: Some("messages"),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", "context_length_exceeded", message)
        }
    }

    /// The status this error is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let inner = Inner {
            message: &self.message,
            kind: self.kind,
            param: self.param,
            code: self.code,
            failover: self.failover.as_ref(),
        };
        let body = serde_json::to_vec(&Envelope { error: inner }).expect("error body serialises");
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
