//! The admin API's token and the provider listing, end to end over a socket:
//! a request without the token, or with a wrong one, gets 401 and never sees
//! the token; with it, the listing names every chain entry. The dashboard
//! page needs no token, its stream does, and stopping the gateway ends it.
use failover_contract::GatewayConfig;
use reference_gateway::{Gateway, Options, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod common;

const TOKEN: &str = "s3cret-admin-token";

fn config(admin: &str) -> GatewayConfig {
    let text = format!(
        r#"{{"schema": "conformance/v1",
            "providers": [{{"id": "a", "base_url": "http://127.0.0.1:9", "api_key": "k"}},
                          {{"id": "b", "base_url": "http://127.0.0.1:9", "api_key": "k"}}],
            "models": [{{"name": "m", "backend_map": [{{"provider": "a"}}, {{"provider": "b"}}]}}],
            "policy": {{"health": {{}}}},
            "admin": {admin}}}"#
    );
    GatewayConfig::from_json(&text).expect("a valid config")
}

/// One GET over a fresh connection: the status and the body.
async fn get(addr: std::net::SocketAddr, path: &str, token: Option<&str>) -> (u16, String) {
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    common::exchange(addr, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n")).await
}

#[tokio::test]
async fn the_admin_api_takes_its_token_and_never_shows_it() {
    let gateway = Gateway::new(&config(&format!(r#"{{"token": "{TOKEN}"}}"#)), Options::default()).expect("starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    for path in ["/admin/providers", "/admin/events"] {
        for token in [None, Some("wrong"), Some("s3cret-admin-tokenx"), Some("")] {
            let (status, body) = get(running.addr, path, token).await;
            assert_eq!(status, 401, "{path} with {token:?}: {body}");
            assert!(body.contains("invalid_admin_token") && !body.contains(TOKEN), "{body}");
        }
        assert_eq!(get(running.addr, path, Some(TOKEN)).await.0, 200, "{path} with the token");
    }
    let (_, listing) = get(running.addr, "/admin/providers", Some(TOKEN)).await;
    let listing: serde_json::Value = serde_json::from_str(&listing).unwrap();
    let entries: Vec<(String, String, u64)> = listing["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["provider"].as_str().unwrap().into(),
                e["state"].as_str().unwrap().into(),
                e["samples"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(entries, [("a".into(), "closed".into(), 0), ("b".into(), "closed".into(), 0)]);
    assert_eq!(listing["providers"][0]["components"].as_array().map(Vec::len), Some(6));
    // The rest of the gateway needs no token; Prometheus scrapes without one.
    assert_eq!(get(running.addr, "/healthz", None).await.0, 200);
    let (status, metrics) = get(running.addr, "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(metrics.contains("failover_breaker_state{") && !metrics.contains(TOKEN), "{metrics}");
}

#[tokio::test]
async fn without_a_token_the_admin_api_is_open() {
    let gateway = Gateway::new(&config("{}"), Options::default()).expect("starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    assert_eq!(get(running.addr, "/admin/providers", None).await.0, 200);
}

#[test]
fn a_token_variable_that_is_not_set_is_a_config_error_naming_it() {
    let config = config(r#"{"token_env": "FAILOVER_TEST_ADMIN_TOKEN_NEVER_SET"}"#);
    let error = Gateway::new(&config, Options::default()).err().expect("refused").to_string();
    assert!(error.contains("admin.token_env") && error.contains("FAILOVER_TEST_ADMIN_TOKEN_NEVER_SET"), "{error}");
}

#[test]
fn a_budget_key_variable_that_is_not_set_is_a_config_error_naming_it() {
    let mut config = config("{}");
    let budget = r#"{"id": "b", "api_key_env": "FAILOVER_TEST_BUDGET_KEY_NEVER_SET", "tokens": 10, "window_ms": 1000}"#;
    config.budgets = vec![serde_json::from_str(budget).expect("a budget")];
    let error = Gateway::new(&config, Options::default()).err().expect("refused").to_string();
    assert!(
        error.contains("budgets[0].api_key_env") && error.contains("FAILOVER_TEST_BUDGET_KEY_NEVER_SET"),
        "{error}"
    );
}

/// `POST path` with `body` and the token: the status and the answer.
async fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("reads");
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    (status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default())
}

#[tokio::test]
async fn a_drill_that_is_not_one_gets_400_naming_what_to_fix() {
    let gateway = Gateway::new(&config(&format!(r#"{{"token": "{TOKEN}"}}"#)), Options::default()).expect("starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    let cases = [
        (r#"{"provider": "z", "class": "server_error", "duration_ms": 10}"#, "no provider \\\"z\\\""),
        (r#"{"provider": "a", "class": "meltdown", "duration_ms": 10}"#, "not a drill class"),
        (r#"{"provider": "a", "class": "timeout", "share": 0, "duration_ms": 10}"#, "share must be in (0, 1]"),
        (r#"{"provider": "a", "class": "timeout", "duration_ms": 0}"#, "duration_ms must be from 1"),
        (r#"{"provider": "a", "class": "timeout", "duration_ms": 10, "extra": 1}"#, "unknown field"),
        ("not json", "not a drill"),
    ];
    for (body, says) in cases {
        let (status, answer) = post(running.addr, "/admin/drills", body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.contains(says), "{body}: {answer}");
    }
    let (status, answer) =
        post(running.addr, "/admin/drills", r#"{"provider": "a", "class": "timeout", "duration_ms": 50}"#).await;
    assert_eq!(status, 201, "{answer}");
    let drill: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!((drill["state"].as_str(), drill["report"]["requests"].as_u64()), (Some("running"), Some(0)));
    let (status, _) = get(running.addr, "/admin/drills/999", Some(TOKEN)).await;
    assert_eq!(status, 404);
    let (status, listing) = get(running.addr, "/admin/drills", Some(TOKEN)).await;
    assert!(status == 200 && listing.contains(r#""provider":"a""#), "{listing}");
}

#[test]
fn a_schedule_that_is_not_cron_is_a_config_error_naming_it() {
    let text = r#"{"schema": "conformance/v1",
        "providers": [{"id": "a", "base_url": "http://127.0.0.1:9", "api_key": "k"}],
        "models": [{"name": "m", "backend_map": [{"provider": "a"}]}],
        "drills": [{"provider": "a", "class": "timeout", "duration_ms": 10, "schedule": "every tuesday"}]}"#;
    let config = GatewayConfig::from_json(text).expect("the contract admits it");
    let error = Gateway::new(&config, Options::default()).err().expect("refused").to_string();
    assert!(error.contains("drills[0].schedule") && error.contains("cron"), "{error}");
}

#[tokio::test]
async fn the_dashboard_page_is_open_its_stream_takes_the_token_and_stopping_ends_it() {
    let gateway = Gateway::new(&config(&format!(r#"{{"token": "{TOKEN}"}}"#)), Options::default()).expect("starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    let (status, page) = get(running.addr, "/admin/dashboard", None).await;
    assert!(status == 200 && page.contains("/admin/dashboard/app.js") && !page.contains(TOKEN), "{page}");
    assert_eq!(get(running.addr, "/admin/dashboard/app.js", None).await.0, 200);
    assert_eq!(get(running.addr, "/admin/dashboard/stream", None).await.0, 401, "the data takes the token");
    // A stream left open: its first snapshot comes, and stopping the gateway ends it.
    let mut stream = TcpStream::connect(running.addr).await.expect("connects");
    let request = format!("GET /admin/dashboard/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut head = String::new();
    let first = async {
        let mut buffer = vec![0; 4096];
        while !head.contains(r#""providers":"#) {
            let n = stream.read(&mut buffer).await.expect("reads");
            assert!(n > 0, "the stream ended before its first snapshot: {head}");
            head.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), first).await.expect("a first snapshot");
    assert!(head.contains("text/event-stream") && head.contains("event: snapshot"), "{head}");
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), running.stop()).await;
    assert!(stopped.is_ok(), "stopping waited on the open dashboard stream");
    let mut rest = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the stream was not ended by the stop");
    assert!(String::from_utf8_lossy(&rest).ends_with("0\r\n\r\n"), "the stream ended cleanly");
}
