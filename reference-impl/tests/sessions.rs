//! Gateway-side sessions at their edges, over a socket: a session record
//! the store cannot read is an error naming the session, never an empty
//! history; a gateway without `sessions` refuses `x-session-id`; an id it
//! cannot keep is refused, saying what ids it takes. (The features drive
//! sessions through failover; these are what a mock provider cannot reach.)
use failover_contract::GatewayConfig;
use reference_gateway::{Gateway, Options, serve};
use tokio::net::TcpListener;

mod common;

fn config(store: &std::path::Path, sessions: bool) -> GatewayConfig {
    let sessions = if sessions { r#", "sessions": {"idle_timeout_ms": 60000}"# } else { "" };
    let text = format!(
        r#"{{"schema": "conformance/v1",
            "providers": [{{"id": "a", "base_url": "http://127.0.0.1:9", "api_key": "k"}}],
            "models": [{{"name": "m", "backend_map": [{{"provider": "a"}}]}}],
            "store": {{"path": "{}", "create": true}}{sessions}}}"#,
        store.display()
    );
    GatewayConfig::from_json(&text).expect("a valid config")
}

/// A chat completion in session `session`: the status and the body.
async fn chat(addr: std::net::SocketAddr, session: &str) -> (u16, String) {
    let body = r#"{"model": "m", "messages": [{"role": "user", "content": "hi"}]}"#;
    let request = format!(
        "POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-session-id: {session}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    common::exchange(addr, &request).await
}

#[tokio::test]
async fn an_unreadable_session_record_is_an_error_naming_it_never_an_empty_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.store");
    {
        let gateway = Gateway::new(&config(&path, true), Options::default()).expect("creates the store");
        drop(gateway);
    }
    {
        let db = redb::Database::open(&path).expect("the gateway's store");
        let table: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("sessions");
        let tx = db.begin_write().unwrap();
        tx.open_table(table).unwrap().insert("trip-1", b"{not a record".as_slice()).unwrap();
        tx.commit().unwrap();
    }
    let gateway = Gateway::new(&config(&path, true), Options::default()).expect("starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    let (status, body) = chat(running.addr, "trip-1").await;
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("session_store_error") && body.contains("trip-1") && body.contains("unreadable"), "{body}");
    // Nothing was written over it: it is still there to be mended.
    drop(running);
}

#[tokio::test]
async fn a_gateway_without_sessions_refuses_a_session_id() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::new(&config(&dir.path().join("s"), false), Options::default()).expect("starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    let (status, body) = chat(running.addr, "trip-1").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("sessions_disabled") && body.contains("x-session-id"), "{body}");
}

#[tokio::test]
async fn a_session_id_the_gateway_cannot_keep_is_refused_saying_what_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::new(&config(&dir.path().join("s"), true), Options::default()).expect("starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    for id in ["trip/1", &"x".repeat(129)] {
        let (status, body) = chat(running.addr, id).await;
        assert_eq!(status, 400, "{id}: {body}");
        assert!(body.contains("1 to 128 characters"), "{body}");
    }
}

#[test]
fn sessions_without_a_store_are_a_config_error_naming_the_field() {
    let text = r#"{"schema": "conformance/v1",
        "providers": [{"id": "a", "base_url": "http://127.0.0.1:9", "api_key": "k"}],
        "models": [{"name": "m", "backend_map": [{"provider": "a"}]}],
        "sessions": {"idle_timeout_ms": 1000}}"#;
    let error = GatewayConfig::from_json(text).expect_err("sessions need a store");
    assert!(error.to_string().contains("sessions") && error.to_string().contains("store"), "{error}");
}
