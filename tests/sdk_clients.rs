//! The official OpenAI client libraries, unchanged, against the reference
//! gateway: the Python SDK (`openai` 3.63.0 from PyPI, in
//! `clients/python/.venv`) and the Node SDK (`openai` 7.60.0 from the npm
//! registry, in `clients/node`). Each drives plain and streamed chat
//! completions, embeddings and a tool call through a chain whose primary
//! fails (the failover shows only in the documented headers), and every
//! error status the gateway answers a client, each of which must surface as
//! the SDK's own exception type carrying the gateway's message.
//!
//! Set-up: `adapters/common/setup-venv.sh clients/python openai` and
//! `npm ci --prefix clients/node`. Without it the test says it was not run
//! and passes, unless `FAILOVER_REQUIRE_SDKS=1` (as `.ci/run` sets).
#[path = "vendor/python.rs"]
mod python;

use std::path::PathBuf;
use std::time::Duration;

use failover_conformance::mock::{Fault, MockProvider, Schedule};
use reference_gateway::{Gateway, Options, serve};
use serde_json::{Value, json};
use tokio::net::TcpListener;

const PYTHON_SDK: &str = "3.63.0";
const NODE_SDK: &str = "7.60.0";
/// The tool call the `tools` model's provider answers.
const TOOL_ANSWER: &str = r#"{"id":"chatcmpl-tools-1","object":"chat.completion","created":1700000001,"model":"tools","system_fingerprint":"mock:toolsmith","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}}],"usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}}"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The providers behind the gateway, one per behaviour.
struct Providers {
    primary: MockProvider,
    secondary: MockProvider,
    down: MockProvider,
    toolsmith: MockProvider,
    stuck: MockProvider,
}

impl Providers {
    async fn start() -> Self {
        let start = |id: &'static str| async move { MockProvider::start(id).await.expect("a mock provider starts") };
        let providers = Self {
            primary: start("primary").await,
            secondary: start("secondary").await,
            down: start("down").await,
            toolsmith: start("toolsmith").await,
            stuck: start("stuck").await,
        };
        providers.primary.fail(Fault::status(503), Schedule::Always).await.unwrap();
        providers.down.fail(Fault::status(500), Schedule::Always).await.unwrap();
        let tool_call = Fault::Status { code: 200, headers: vec![], body: Some(TOOL_ANSWER.into()) };
        providers.toolsmith.fail(tool_call, Schedule::Always).await.unwrap();
        providers.stuck.fail(Fault::Hang, Schedule::Always).await.unwrap();
        providers
    }

    fn config(&self) -> failover_contract::GatewayConfig {
        let provider = |p: &MockProvider| json!({"id": p.id(), "base_url": p.base_url(), "api_key": p.api_key()});
        let text = json!({
            "schema": "conformance/v1",
            "providers": [provider(&self.primary), provider(&self.secondary), provider(&self.down),
                          provider(&self.toolsmith), provider(&self.stuck)],
            "models": [
                {"name": "gpt-4o", "backend_map": [{"provider": "primary"}, {"provider": "secondary"}]},
                {"name": "solo", "backend_map": [{"provider": "down"}]},
                {"name": "tools", "backend_map": [{"provider": "toolsmith"}]},
                {"name": "hang", "backend_map": [{"provider": "stuck"}]}
            ],
            "policy": {"retry": {"max_attempts": 1}, "attempt_timeout_ms": 300, "request_timeout_ms": 2000},
            "limits": {"max_body_bytes": 65536},
            // One token: no request of key sk-spent fits, each is refused with 429.
            "budgets": [{"id": "sdk-budget", "api_key": "sk-spent", "tokens": 1, "window_ms": 3_600_000}]
        });
        failover_contract::GatewayConfig::from_json(&text.to_string()).expect("a valid config")
    }
}

/// Runs the SDK's script against a fresh gateway; returns what it printed
/// and the providers, to check what reached them.
async fn drive(program: &str, script: &str) -> (Value, Providers) {
    let providers = Providers::start().await;
    let gateway = Gateway::new(&providers.config(), Options::default()).expect("the gateway starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    let base = format!("http://{}", running.addr);
    let run = tokio::process::Command::new(program).arg(root().join(script)).arg(&base).kill_on_drop(true).output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .unwrap_or_else(|_| panic!("{script} did not finish within 120 s"))
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{script} failed ({}):\n{stderr}", output.status);
    let printed = String::from_utf8_lossy(&output.stdout);
    let value = serde_json::from_str(printed.trim())
        .unwrap_or_else(|e| panic!("{script} printed no JSON object ({e}):\n{printed}\n{stderr}"));
    println!("{script}: {value}");
    (value, providers)
}

/// The same judgement for both SDKs.
fn judge(out: &Value, providers: &Providers) {
    let sdk = out["sdk"].as_str().unwrap_or("?");
    let chat = &out["chat"];
    assert!(chat["content"].as_str().is_some_and(|c| c.contains("secondary")), "{sdk}: chat answer {chat}");
    assert_eq!(chat["fingerprint"], "mock:secondary", "{sdk}: the provider's fingerprint is relayed: {chat}");
    assert_eq!(chat["served_by"], "secondary", "{sdk}: x-failover-served-by names the secondary: {chat}");
    let attempts = chat["attempts"].as_str().and_then(|a| a.parse::<u32>().ok());
    assert!(attempts.is_some_and(|a| a >= 1), "{sdk}: x-failover-attempts is a count: {chat}");
    assert!(providers.primary.received() >= 1, "{sdk}: the primary was tried, so the chain failed over");

    let stream = &out["stream"];
    assert!(stream["chunks"].as_u64().is_some_and(|n| n >= 2), "{sdk}: a stream of several chunks: {stream}");
    assert!(stream["text"].as_str().is_some_and(|t| t.contains("[secondary#")), "{sdk}: streamed text: {stream}");

    assert_eq!(out["embeddings"], json!({"count": 1, "dimensions": 4}), "{sdk}: embeddings");

    let tools = &out["tools"];
    assert_eq!(
        *tools,
        json!({"finish_reason": "tool_calls", "name": "get_weather", "arguments": {"city": "Paris"}}),
        "{sdk}: the tool call"
    );
    let sent = providers.toolsmith.journal();
    let request = sent.first().and_then(|r| r.json()).expect("the tool request reached its provider");
    assert_eq!(request["tools"][0]["function"]["name"], "get_weather", "{sdk}: the tools reach the provider");

    // Each error status the gateway answers, as the SDK's own exception with
    // the gateway's message: (case, class, status, words of the message).
    let expected = [
        ("unknown_model", "NotFoundError", 404, "nope"),
        ("no_provider", "InternalServerError", 503, "solo"),
        ("no_provider_stream", "InternalServerError", 503, "solo"),
        ("budget", "RateLimitError", 429, "sdk-budget"),
        ("too_large", "APIError", 413, "65536"),
        ("bad_request", "BadRequestError", 400, "session"),
        ("unknown_outcome", "InternalServerError", 504, "not retried"),
        ("key_reused", "UnprocessableEntityError", 422, "Idempotency-Key"),
    ];
    for (case, class, status, words) in expected {
        let error = &out["errors"][case];
        // The Python SDK names a status without a class of its own APIStatusError.
        let class_ok = error["class"] == class || (class == "APIError" && error["class"] == "APIStatusError");
        assert!(class_ok, "{sdk}: {case}: expected {class}, got {error}");
        assert_eq!(error["status"], status, "{sdk}: {case}: {error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{sdk}: {case}: the gateway's message mentions {words:?}: {error}");
    }
}

/// Whether the SDK is set up; says plainly when not, and fails when required.
fn set_up(installed: Result<(), String>) -> bool {
    let Err(why) = installed else { return true };
    assert!(std::env::var_os("FAILOVER_REQUIRE_SDKS").is_none(), "{why} (FAILOVER_REQUIRE_SDKS is set)");
    println!("sdk_clients: NOT RUN: {why}");
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_works_unchanged_through_the_gateway() {
    let python = root().join("clients/python/.venv/bin/python");
    if !set_up(python::check_installed(
        &python,
        "openai",
        PYTHON_SDK,
        "adapters/common/setup-venv.sh clients/python openai",
    )) {
        return;
    }
    let (out, providers) = drive(python.to_str().unwrap(), "clients/python/sdk_client.py").await;
    assert_eq!(out["version"], PYTHON_SDK);
    judge(&out, &providers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_sdk_works_unchanged_through_the_gateway() {
    let package = root().join("clients/node/node_modules/openai/package.json");
    let version = std::fs::read_to_string(package)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned));
    let installed = match version {
        Some(found) if found == NODE_SDK => Ok(()),
        found => Err(format!(
            "the Node SDK {NODE_SDK} is not installed (found {found:?}): run `npm ci --prefix clients/node`"
        )),
    };
    if !set_up(installed) {
        return;
    }
    let (out, providers) = drive("node", "clients/node/sdk_client.mjs").await;
    assert_eq!(out["version"], NODE_SDK);
    judge(&out, &providers);
}
