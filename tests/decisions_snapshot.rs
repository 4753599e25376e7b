//! Pins the reference gateway's decision log for a canonical incident and its
//! classification table, so that a change in what it decides, or how it
//! explains it, shows up in review.
use std::time::Duration;

use failover_conformance::client::RequestKind;
use failover_conformance::draft::{self, Chain};
use failover_conformance::events;
use failover_conformance::mock::{Fault, Schedule};
use failover_conformance::scene::Scene;
use reference_gateway::policy::classify::{TransportFailure, classify_status, classify_transport};

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// The primary fails, its breaker opens, the secondary serves, the open period
/// passes, a half-open probe succeeds, and traffic fails back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_canonical_incident_is_logged_decision_by_decision() {
    let mut scene = Scene::default();
    scene.route("gpt-4o", r#""primary" then "secondary""#.parse::<Chain>().unwrap()).await.unwrap();
    {
        let policy = scene.policy().unwrap();
        policy.retry.max_attempts = 1;
        policy.breaker.min_calls = 2;
        policy.breaker.failure_rate = 1.0;
        policy.breaker.open_ms = 300;
    }
    scene.provider("primary").await.unwrap().fail(Fault::status(503), Schedule::Always).await.unwrap();
    scene.send(3, RequestKind::Chat, "gpt-4o").await.unwrap();
    scene.existing_provider("primary").unwrap().recover().await.unwrap();
    // The subject here is the open period itself: let it pass.
    tokio::time::sleep(Duration::from_millis(350)).await;
    scene.send(2, RequestKind::Chat, "gpt-4o").await.unwrap();
    let served: Vec<String> = scene.exchanges().iter().map(|e| e.served_by().unwrap_or_default()).collect();
    assert_eq!(served, ["secondary", "secondary", "secondary", "primary", "primary"]);
    let log = events::fetch(scene.admin().unwrap()).await.unwrap();
    settings().bind(|| {
        insta::assert_json_snapshot!("canonical_incident_events", log, {
            "[].at_ms" => "[ms]",
            "[].latency_ms" => "[ms]",
        });
    });
}

/// How every hard failure is classified and handled.
#[test]
fn the_taxonomy_table_is_pinned() {
    let mut table = format!("{:<32} | class              | retry same | fail over | breaker\n", "from");
    let context_overflow: &[u8] = br#"{"error":{"code":"context_length_exceeded"}}"#;
    let mut rows: Vec<(String, reference_gateway::policy::Class)> =
        [200, 204, 400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504, 301, 101]
            .into_iter()
            .map(|status| (format!("HTTP {status}"), classify_status(status, b"{}")))
            .collect();
    rows.push(("HTTP 400 context_length_exceeded".into(), classify_status(400, context_overflow)));
    for failure in [TransportFailure::Refused, TransportFailure::Reset, TransportFailure::TimedOut] {
        rows.push((format!("{failure:?}"), classify_transport(failure)));
    }
    for (from, class) in rows {
        table.push_str(&format!(
            "{from:<32} | {:<18} | {:<10} | {:<9} | {:?}\n",
            class.as_str(),
            class.retry_same_provider(),
            class.fail_over(),
            class.verdict()
        ));
    }
    settings().bind(|| insta::assert_snapshot!("taxonomy_table", table));
}

/// Case TC_R752_FAILOVER_009's decision log: a climbing latency warns, then
/// drains the primary, each with every metric's weight and threshold. The
/// measured numbers vary from run to run and are redacted; the vocabulary,
/// the configured numbers and the order of decisions are pinned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_health_drain_is_logged_with_its_numbers() {
    let mut scene = Scene::default();
    scene.route("gpt-4o", r#""primary" then "secondary""#.parse::<Chain>().unwrap()).await.unwrap();
    {
        let policy = scene.policy().unwrap();
        (policy.retry.max_attempts, policy.attempt_timeout_ms) = (1, 500);
        draft::breaker(&mut policy.breaker, 50, 10, 3_000, 5_000);
        draft::health(policy, 0.4, 10, 3_000, 5, 2_000);
        draft::health_weights(policy, [0.3, 0.15, 0.1, 0.3, 0.05, 0.1]);
    }
    scene.provider("primary").await.unwrap().set_slowing(Duration::from_millis(20), 200.0);
    scene.send_for(RequestKind::Chat, "gpt-4o", Duration::from_millis(20), Duration::from_millis(3_000)).await.unwrap();
    let log = events::fetch(scene.admin().unwrap()).await.unwrap();
    let health: Vec<&serde_json::Value> = log
        .iter()
        .filter(|e| {
            matches!(e["type"].as_str(), Some("health_warning" | "health_decision")) || e["reason"] == "health_score"
        })
        .collect();
    settings().bind(|| {
        insta::assert_json_snapshot!("health_drain_events", health, {
            "[].seq" => "[seq]",
            "[].at_ms" => "[ms]",
            "[].metrics[].value" => "[measured]",
            "[].metrics[].badness" => "[measured]",
            "[].score" => "[measured]",
            "[].samples" => "[measured]",
            "[].baseline_ms" => "[measured]",
            "[].breach_in_ms" => "[measured]",
            "[].failures" => "[measured]",
            "[].calls" => "[measured]",
        });
    });
}

/// Case TC_R752_FAILOVER_010's listing after an incident: the primary's
/// breaker open on server errors, the secondary serving. Times and measured
/// numbers are redacted; the shape, states and failure classes are pinned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_listing_is_pinned() {
    let mut scene = Scene::default();
    scene.route("gpt-4o", r#""primary" then "secondary""#.parse::<Chain>().unwrap()).await.unwrap();
    {
        let policy = scene.policy().unwrap();
        policy.retry.max_attempts = 1;
        draft::breaker(&mut policy.breaker, 100, 2, 10_000, 60_000);
        draft::health(policy, 0.9, 5, 10_000, 2, 2_000);
    }
    scene.provider("primary").await.unwrap().fail(Fault::status(500), Schedule::Always).await.unwrap();
    scene.send(4, RequestKind::Chat, "gpt-4o").await.unwrap();
    let listing = scene.listing().await.unwrap();
    settings().bind(|| {
        insta::assert_json_snapshot!("provider_listing", listing, {
            ".at_ms" => "[ms]",
            ".providers[].since_ms" => "[ms]",
            ".providers[].last_failure.at_ms" => "[ms]",
            ".providers[].components[].value" => "[measured]",
            ".providers[].components[].badness" => "[measured]",
            ".providers[].score" => "[measured]",
            ".providers[].error_rate" => "[measured]",
            ".providers[].p50_ms" => "[measured]",
            ".providers[].p95_ms" => "[measured]",
            ".providers[].baseline_ms" => "[measured]",
        });
    });
}

/// A fire drill's report, as `GET /admin/drills/{id}` gives it once the drill
/// has ended. Times and counts are redacted; the shape is pinned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_report_is_pinned() {
    let mut scene = Scene::default();
    scene.route("gpt-4o", r#""primary" then "secondary""#.parse::<Chain>().unwrap()).await.unwrap();
    scene.policy().unwrap().retry.max_attempts = 1;
    scene.start_drill("primary", "server_error", Duration::from_millis(200)).await.unwrap();
    scene.send_for(RequestKind::Chat, "gpt-4o", Duration::from_millis(20), Duration::from_millis(300)).await.unwrap();
    let path = format!("/admin/drills/{}", scene.drill().unwrap().id);
    let report = scene.admin().unwrap().get(&path).await.unwrap();
    assert_eq!(report["state"], "finished", "{report}");
    settings().bind(|| {
        insta::assert_json_snapshot!("drill_report", report, {
            ".started_ms" => "[ms]",
            ".ends_ms" => "[ms]",
            ".report.requests" => "[counted]",
            ".report.served_by_fallback" => "[counted]",
            ".report.take_over_ms" => "[ms]",
        });
    });
}

/// `GET /admin/analytics` after one outage of the primary: the episode and
/// the summary it makes. Times and measured numbers are redacted; the shape,
/// class, depth and counts are pinned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_analytics_are_pinned() {
    let mut scene = Scene::default();
    scene.route("gpt-4o", r#""primary" then "secondary""#.parse::<Chain>().unwrap()).await.unwrap();
    {
        let policy = scene.policy().unwrap();
        policy.retry.max_attempts = 1;
        draft::breaker(&mut policy.breaker, 50, 4, 200, 80);
    }
    scene.keep_store(failover_conformance::store::Prepared::New).unwrap();
    let outage = Schedule::duty(Duration::from_millis(300), Duration::from_millis(60_000));
    scene.provider("primary").await.unwrap().fail(Fault::status(503), outage).await.unwrap();
    let (every, within) = (Duration::from_millis(20), Duration::from_millis(5_000));
    let report =
        failover_conformance::analytics::send_until_episodes(&mut scene, "gpt-4o", "primary", 1, every, within)
            .await
            .unwrap();
    settings().bind(|| {
        insta::assert_json_snapshot!("analytics", report, {
            ".episodes[].started_at_ms" => "[ms]",
            ".episodes[].detect_ms" => "[ms]",
            ".episodes[].first_success_ms" => "[ms]",
            ".episodes[].duration_ms" => "[ms]",
            ".episodes[].reopens" => "[counted]",
            ".providers[].detect_mean_ms" => "[ms]",
            ".providers[].detect_p95_ms" => "[ms]",
            ".providers[].first_success_mean_ms" => "[ms]",
            ".providers[].recover_mean_ms" => "[ms]",
            ".providers[].recover_p95_ms" => "[ms]",
        });
    });
}
