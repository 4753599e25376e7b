//! Hostile input never crashes the gateway nor loses the next request:
//! property-based fuzzing of request bodies and headers sent to a running
//! gateway, and of configs. Every hostile request gets an answer in OpenAI's
//! error shape that is not a 500 (a 4xx for what the client got wrong; a
//! 502 or 503 only when the provider cannot serve it), and a plain request
//! sent after it is served. Every mutated config either loads or is refused
//! with a message, and never panics. Providers' SSE streams are fuzzed by
//! property 21 (`stream_relay.rs`).
//!
//! CI runs a fixed number of cases; `FUZZ_CASES=5000` runs longer.
mod common;
#[path = "common/provider.rs"]
mod provider;

use std::net::SocketAddr;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use provider::{Answer, provider};
use reference_gateway::{Gateway, Options, serve};
use serde_json::{Value, json};
use tokio::net::TcpListener;

const PLAIN: &str = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
}

fn config(provider: SocketAddr) -> Value {
    json!({
        "schema": "conformance/v1",
        "providers": [
            {"id": "primary", "base_url": format!("http://{provider}"), "api_key": "sk-p"},
            {"id": "secondary", "base_url": format!("http://{provider}"), "api_key": "sk-s"}
        ],
        "models": [{"name": "gpt-4o", "backend_map": [{"provider": "primary"}, {"provider": "secondary", "model": "gpt-4o-mini"}]}],
        "policy": {
            "retry": {"max_attempts": 2, "backoff_base_ms": 10, "backoff_cap_ms": 100},
            "attempt_timeout_ms": 2000, "request_timeout_ms": 5000,
            "breaker": {"window_ms": 10000, "min_calls": 5, "failure_rate": 0.5, "open_ms": 1000, "open_max_ms": 8000},
            "streaming": {"first_byte_timeout_ms": 1000, "idle_timeout_ms": 1000}
        },
        "limits": {"max_body_bytes": 65536},
        "budgets": [{"id": "b", "tokens": 1000000000, "window_ms": 60000}],
        "admin": {"token": "fuzz-admin-token"}
    })
}

fn request(body: &[u8], headers: &[(String, String)]) -> String {
    let mut head = String::from("POST /api/v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    head + &String::from_utf8_lossy(body)
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "[a-z_ 0-9-]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A request body: raw bytes, any JSON, or a valid request with one field
/// replaced by anything.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let fields = prop_oneof![
        Just("model"),
        Just("messages"),
        Just("stream"),
        Just("max_tokens"),
        Just("temperature"),
        Just("tools"),
        Just("response_format"),
        Just("stream_options"),
        Just("n"),
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (fields, json_value()).prop_map(|(field, value)| {
            let mut request: Value = serde_json::from_str(PLAIN).unwrap();
            request[field] = value;
            request.to_string().into_bytes()
        }),
    ]
}

/// Request headers: the ones the gateway reads, with any printable value,
/// and any others.
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("authorization".to_owned()),
        Just("content-type".to_owned()),
        Just("accept".to_owned()),
        Just("idempotency-key".to_owned()),
        Just("x-session-id".to_owned()),
        Just("x-failover-guardrail-bypass".to_owned()),
        "x-[a-z0-9-]{1,20}",
    ];
    proptest::collection::vec((name, "[!-~][ -~]{0,63}"), 0..6)
}

/// Whether `answer` is OpenAI's error shape: `{"error": {"message": "..."}}`.
fn error_shaped(answer: &str) -> bool {
    serde_json::from_str::<Value>(answer).is_ok_and(|v| v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()))
}

#[test]
fn hostile_requests_get_a_clear_answer_and_never_lose_the_next_request() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let addr = runtime.block_on(async {
        let (provider, _) = provider(Answer::After(std::time::Duration::ZERO)).await;
        let config = failover_contract::GatewayConfig::from_json(&config(provider).to_string()).unwrap();
        let gateway = Gateway::new(&config, Options::default()).unwrap();
        let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
        let addr = running.addr;
        std::mem::forget(running); // serves until the test ends
        addr
    });
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    runner
        .run(&(body(), headers()), |(body, headers)| {
            let (status, answer) = runtime.block_on(common::exchange(addr, &request(&body, &headers)));
            prop_assert!(status != 500, "an internal error: {status} {answer}");
            if status >= 400 {
                prop_assert!(error_shaped(&answer), "{status} not in OpenAI's error shape: {answer}");
            }
            prop_assert!(status < 500 || status == 502 || status == 503, "{status}: {answer}");
            let (next, answer) = runtime.block_on(common::exchange(addr, &request(PLAIN.as_bytes(), &[])));
            prop_assert_eq!(next, 200, "the next plain request was lost: {}", answer);
            Ok(())
        })
        .unwrap();
}

/// A path into a JSON tree, chosen by `choices`, and the value put there
/// (`None`: the field is removed).
fn mutate(at: &mut Value, choices: &[usize], replacement: Option<Value>) {
    let Some((choice, rest)) = choices.split_first() else {
        if let Some(value) = replacement {
            *at = value;
        }
        return;
    };
    match at {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(choice % map.len()).unwrap().clone();
            if rest.is_empty() && replacement.is_none() {
                map.remove(&key);
                return;
            }
            mutate(map.get_mut(&key).unwrap(), rest, replacement);
        }
        Value::Array(items) if !items.is_empty() => {
            let i = choice % items.len();
            mutate(&mut items[i], rest, replacement);
        }
        _ => {
            if let Some(value) = replacement {
                *at = value;
            }
        }
    }
}

#[test]
fn a_mutated_config_loads_or_is_refused_with_the_field_to_fix() {
    let base = config("127.0.0.1:9".parse().unwrap());
    let mutation = (proptest::collection::vec(any::<usize>(), 1..5), proptest::option::of(json_value()));
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    runner
        .run(&mutation, |(choices, replacement)| {
            let mut config = base.clone();
            mutate(&mut config, &choices, replacement);
            match failover_contract::GatewayConfig::from_json(&config.to_string()) {
                Ok(valid) => {
                    // Loads: the gateway is built from it, or says why not.
                    if let Err(e) = Gateway::new(&valid, Options::default()) {
                        prop_assert!(!e.to_string().is_empty());
                    }
                }
                Err(e) => prop_assert!(!e.message.is_empty(), "an error without a message at `{}`", e.path),
            }
            Ok(())
        })
        .unwrap();
}
