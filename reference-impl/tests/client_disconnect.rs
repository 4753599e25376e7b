//! A client that hangs up cancels the provider call it was waiting for: the
//! provider sees its connection closed within a bound, and the cancelled
//! attempt is not judged: a breaker that opens on a single failure stays
//! closed, so the next request is served by the same provider.
mod common;
#[path = "common/provider.rs"]
mod provider;

use std::time::{Duration, Instant};

use provider::{Answer, provider};
use reference_gateway::{Gateway, Options, serve};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const REQUEST: &str = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#;

fn post(body: &str) -> String {
    format!(
        "POST /api/v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_cancels_the_provider_call_and_is_not_a_provider_failure() {
    const HANG_UPS: usize = 3;
    let (primary, mut heard) = provider(Answer::NeverFirst(HANG_UPS)).await;
    let (secondary, _) = provider(Answer::After(Duration::ZERO)).await;
    let config = serde_json::json!({
        "schema": "conformance/v1",
        "providers": [
            {"id": "primary", "base_url": format!("http://{primary}"), "api_key": "sk-p"},
            {"id": "secondary", "base_url": format!("http://{secondary}"), "api_key": "sk-s"}
        ],
        "models": [{"name": "gpt-4o", "backend_map": [{"provider": "primary"}, {"provider": "secondary"}]}],
        "policy": {
            "retry": {"max_attempts": 1}, "attempt_timeout_ms": 20000, "request_timeout_ms": 30000,
            // One failure in the window opens the breaker for a minute.
            "breaker": {"window_ms": 60000, "min_calls": 1, "failure_rate": 0.5, "open_ms": 60000, "open_max_ms": 60000}
        }
    });
    let config = failover_contract::GatewayConfig::from_json(&config.to_string()).unwrap();
    let gateway = Gateway::new(&config, Options::default()).unwrap();
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    for n in 1..=HANG_UPS {
        let mut client = TcpStream::connect(running.addr).await.unwrap();
        client.write_all(post(REQUEST).as_bytes()).await.unwrap();
        let arrived = tokio::time::timeout(Duration::from_secs(10), heard.recv()).await.ok().flatten();
        assert_eq!(arrived, Some("request"), "request {n} reached the primary");
        let hung_up = Instant::now();
        drop(client);
        // The gateway hangs up on the provider too, within 500 ms (a loaded
        // machine's tolerance) of the client's going.
        let closed = tokio::time::timeout(Duration::from_millis(500), heard.recv()).await.ok().flatten();
        assert_eq!(closed, Some("closed"), "request {n}: the provider call was cancelled within 500 ms");
        assert!(hung_up.elapsed() < Duration::from_millis(500));
    }
    // Not judged: the primary's breaker is closed, so it serves the next request.
    let (status, body) = common::exchange(running.addr, &post(REQUEST)).await;
    assert_eq!(status, 200, "{body}");
    let asked = tokio::time::timeout(Duration::from_secs(5), heard.recv()).await.ok().flatten();
    assert_eq!(asked, Some("request"), "the primary was asked again after {HANG_UPS} hang-ups: {body}");
}
