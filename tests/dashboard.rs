//! The reference gateway's live dashboard in a real headless Chromium
//! (Debian's `chromium` and `chromium-driver`, driven over WebDriver by
//! fantoccini): the page connects with the admin token, which leaves the
//! address bar at once; it shows the primary closed; a fault is injected and
//! the page shows the primary open, the breaker's decision and the fallback
//! rate at its alert level, within a bound and without a reload, then a
//! drill that was started and the availability SLO it breaches, and the
//! secondary's golden set passing, then failing once its answer changes; a screenshot goes to
//! `target/conformance/dashboard.png`. Without the token the page says so
//! and asks for it.
//!
//! Without Chromium and ChromeDriver the test says it was not run and
//! passes, unless `FAILOVER_REQUIRE_BROWSER=1` (as `.ci/run` sets): then it
//! fails.
#[path = "dashboard/browser.rs"]
mod browser;

use std::time::{Duration, Instant};

use failover_conformance::mock::{Fault, MockProvider, Schedule};
use reference_gateway::{Gateway, Options, serve};
use tokio::net::TcpListener;

const TOKEN: &str = "dashboard-test-token";
/// The golden set's one prompt.
const GOLDEN: &str = "[conformance-probe] What is 2 + 2?";
/// The page shows a change within the snapshot period (250 ms) plus this.
const SHOWN_WITHIN: Duration = Duration::from_millis(1_750);

fn config(primary: &MockProvider, secondary: &MockProvider) -> failover_contract::GatewayConfig {
    let text = serde_json::json!({
        "schema": "conformance/v1",
        "providers": [
            {"id": "primary", "base_url": primary.base_url(), "api_key": primary.api_key()},
            {"id": "secondary", "base_url": secondary.base_url(), "api_key": secondary.api_key()},
        ],
        "models": [{"name": "gpt-4o", "backend_map": [{"provider": "primary"}, {"provider": "secondary"}]}],
        "policy": {
            "retry": {"max_attempts": 1},
            "breaker": {"window_ms": 10000, "min_calls": 3, "open_ms": 60000, "open_max_ms": 60000},
            "health": {"min_samples": 2}
        },
        "monitoring": {"fallback_rate": {"window_ms": 60000, "min_requests": 1}},
        "slos": [{"id": "chat", "model": "gpt-4o", "window_ms": 60000, "min_requests": 1, "availability": 0.9}],
        "evaluation": {"interval_ms": 50, "window": 2, "sets": [{"model": "gpt-4o", "min_pass_rate": 1.0, "cases": [
            {"name": "sum", "prompt": GOLDEN, "expect": {"exact": "4"}}
        ]}]},
        "admin": {"token": TOKEN}
    });
    failover_contract::GatewayConfig::from_json(&text.to_string()).expect("a valid config")
}

/// What the page shows: its connection status, the primary's state, and
/// the types of the decisions listed.
const READ_PAGE: &str = r#"
    const row = document.querySelector('tr[data-key="gpt-4o/primary"]');
    const second = document.querySelector('tr[data-key="gpt-4o/secondary"]');
    return {
        golden: second ? second.dataset.evaluation : null,
        status: document.getElementById('status').dataset.state,
        primary: row ? row.dataset.state : null,
        login: !document.getElementById('login').hidden,
        decisions: [...document.querySelectorAll('#decisions li')].map(li => li.dataset.type),
        level: (document.querySelector('#rates tr[data-model="gpt-4o"]') || {dataset: {}}).dataset.level || null,
        drills: [...document.querySelectorAll('#drills tr')].map(tr => tr.dataset.state),
        slo: (document.querySelector('#slos tr[data-slo="chat"][data-objective="availability"]') || {dataset: {}}).dataset.state || null,
        url: location.href,
    };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_a_provider_failing_live() {
    let Some(browser) = browser::Browser::start().await else { return };
    let (primary, secondary) =
        (MockProvider::start("primary").await.unwrap(), MockProvider::start("secondary").await.unwrap());
    secondary.knows(GOLDEN, "4");
    let gateway = Gateway::new(&config(&primary, &secondary), Options::default()).expect("starts");
    let running = serve(gateway, TcpListener::bind("127.0.0.1:0").await.unwrap()).unwrap();
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::new();
    let send = || async {
        let body = serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
        let answer = client.post(format!("{base}/api/v1/chat/completions")).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), 200, "the chain serves");
    };
    send().await;

    // Without the token: the page says so and asks for it.
    browser.client.goto(&format!("{base}/admin/dashboard")).await.unwrap();
    let page = browser.until(READ_PAGE, Duration::from_secs(10), |p| p["status"] == "unauthorized").await;
    assert_eq!(page["login"], true, "the token form shows: {page}");

    // With it, in the fragment: live, the primary closed, the token gone from the address.
    browser.client.goto(&format!("{base}/admin/dashboard#token={TOKEN}")).await.unwrap();
    let page = browser
        .until(READ_PAGE, Duration::from_secs(10), |p| {
            p["status"] == "live" && p["primary"] == "closed" && p["slo"] == "met" && p["golden"] == "passing"
        })
        .await;
    assert!(!page["url"].as_str().unwrap_or_default().contains(TOKEN), "the token left the address bar: {page}");

    primary.fail(Fault::Status { code: 503, headers: Vec::new(), body: None }, Schedule::Always).await.unwrap();
    for _ in 0..3 {
        send().await;
    }
    let opened = Instant::now();
    let page = browser.until(READ_PAGE, SHOWN_WITHIN, |p| p["primary"] == "open" && p["level"] == "alert").await;
    let shown = opened.elapsed();
    // Every request fails on the drilled secondary while the primary is open:
    // two failures among six answers breach availability's 90 %.
    let drill =
        serde_json::json!({"provider": "secondary", "class": "server_error", "share": 1.0, "duration_ms": 60000});
    let started = client.post(format!("{base}/admin/drills")).bearer_auth(TOKEN).json(&drill).send().await.unwrap();
    assert_eq!(started.status(), 201, "the drill starts");
    browser.until(READ_PAGE, SHOWN_WITHIN, |p| p["drills"] == serde_json::json!(["running"])).await;
    for _ in 0..2 {
        let body = serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
        let answer = client.post(format!("{base}/api/v1/chat/completions")).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), 503, "no provider serves during the drill");
    }
    browser.until(READ_PAGE, SHOWN_WITHIN, |p| p["slo"] == "breached").await;
    // The secondary's answer to its golden question changes: two rounds of
    // 50 ms, then a snapshot, mark it degraded on the page.
    secondary.knows(GOLDEN, "5");
    browser.until(READ_PAGE, SHOWN_WITHIN, |p| p["golden"] == "degraded").await;
    assert!(
        page["decisions"].as_array().is_some_and(|d| d.iter().any(|t| t == "breaker_transition")),
        "the breaker's decision is listed: {page}"
    );
    assert_eq!(page["status"], "live", "no reload, no reconnect: {page}");
    browser.screenshot("dashboard.png").await;
    println!("the dashboard showed the primary open {} ms after the breaker opened", shown.as_millis());
    browser.close().await;
    running.stop().await.unwrap();
}
