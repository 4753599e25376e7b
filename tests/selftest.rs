//! The suite's self-test: runs every feature against deliberately broken
//! variants of the reference gateway, each lacking exactly one behaviour, and
//! checks that exactly the scenarios encoding that behaviour fail. A suite that
//! passes a gateway that does not fail over is broken; so is one whose scenarios
//! fail for a defect they are not about.
//!
//! The table below is the suite's claim about itself: for each defect, the
//! scenarios that catch it (`case: scenario name`). When a feature changes,
//! update the table and say why in the commit.
#[path = "../steps/mod.rs"]
mod steps;

use std::collections::BTreeSet;
use std::process::ExitCode;

use failover_conformance::context::Target;
use failover_conformance::run::{self, Plan, RunRecord, RunSettings, ScenarioRecord, Status};
use futures::StreamExt;
use reference_gateway::Sabotage;

/// For each defect, the scenarios that must fail, and no others.
const EXPECTED: &[(Sabotage, &[&str])] = &[
    (
        Sabotage::NeverFailOver,
        &[
            "TC_R752_FAILOVER_001: an error rate below the threshold keeps traffic on the primary",
            "TC_R752_FAILOVER_001: latency past the attempt timeout counts as failure",
            "TC_R752_FAILOVER_001: persistent server errors move chat completions to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: persistent server errors move embeddings requests to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: the failover decision is logged with the numbers behind it",
            "TC_R752_FAILOVER_002: a chain entry that maps the model name changes only the model field",
            "TC_R752_FAILOVER_002: chat completions fail over to the secondary when the primary fails with a refused connection",
            "TC_R752_FAILOVER_002: chat completions fail over to the secondary when the primary fails with a timeout",
            "TC_R752_FAILOVER_002: chat completions fail over to the secondary when the primary fails with status 503",
            "TC_R752_FAILOVER_002: embeddings requests fail over to the secondary when the primary fails with a refused connection",
            "TC_R752_FAILOVER_002: embeddings requests fail over to the secondary when the primary fails with status 503",
            "TC_R752_FAILOVER_002: intermittent primary failures never reach the client",
            "TC_R752_FAILOVER_002: the secondary is chosen before the third provider of the chain",
            "TC_R752_FAILOVER_002: the third provider serves when the first two fail",
            "TC_R752_FAILOVER_003: failover after a refused connection costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after a timeout costs at most 150 ms plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 429 with Retry-After 30 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 500 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_004: a repeat gets the first answer also when the first was served after failover",
            "TC_R752_FAILOVER_004: a request that must not run twice still fails over when the primary surely did not run it (a refused connection)",
            "TC_R752_FAILOVER_004: a request that must not run twice still fails over when the primary surely did not run it (status 503)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a reset after headers)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a reset before answering)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a timeout)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (status 503)",
            "TC_R752_FAILOVER_004: failed attempts are logged as failures, never as served completions",
            "TC_R752_FAILOVER_004: the client is billed for the completion it got, by the provider that served it",
            "TC_R752_FAILOVER_004: the response says which provider served it and after how many attempts",
            "TC_R752_FAILOVER_005: a chain entry that maps the model changes only the model field of the conversation",
            "TC_R752_FAILOVER_005: a long conversation continues on the secondary with its whole history",
            "TC_R752_FAILOVER_005: a short conversation continues on the secondary with its whole history",
            "TC_R752_FAILOVER_005: parameters that change the answer reach the secondary unchanged",
            "TC_R752_FAILOVER_005: tool calls and tool results survive the failover",
            "TC_R752_FAILOVER_006: alternating bad and good periods switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: error bursts just over the threshold switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: error bursts just under the threshold never move traffic off the primary",
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with a refused connection",
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with status 429 with Retry-After 0",
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with status 500",
            "TC_R752_FAILOVER_007: a hanging provider does not hold the client past the request deadline",
            "TC_R752_FAILOVER_007: an embeddings request for a model with one provider gets 503 when it fails with status 401",
            "TC_R752_FAILOVER_007: an embeddings request for a model with one provider gets 503 when it fails with status 500",
            "TC_R752_FAILOVER_007: every provider of the chain failing gives 503 too",
            "TC_R752_FAILOVER_007: once the breaker is open the 503 comes at once and says when to retry",
            "TC_R752_FAILOVER_007: the gateway stays up and keeps serving other models",
            "TC_R752_FAILOVER_008: a primary still failing when probed stays out for another open period",
            "TC_R752_FAILOVER_008: chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: embeddings requests return to the recovered primary after its open period, not before",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a first chunk delayed by 3000 ms)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a reset after headers)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a stream reset after 0 chunks)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (status 503)",
            "TAXONOMY_HARD_FAILURES: a refused connection from the primary is failed over",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary is failed over at once",
            "TAXONOMY_HARD_FAILURES: retries stop when the retry budget is spent, and requests fail over instead",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 403 from the primary is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 408 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 502 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 504 from the primary is retried then failed over",
        ],
    ),
    (
        Sabotage::ExhaustedAs500,
        &[
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with a refused connection",
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with status 429 with Retry-After 0",
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with status 500",
            "TC_R752_FAILOVER_007: a hanging provider does not hold the client past the request deadline",
            "TC_R752_FAILOVER_007: an embeddings request for a model with one provider gets 503 when it fails with status 401",
            "TC_R752_FAILOVER_007: an embeddings request for a model with one provider gets 503 when it fails with status 500",
            "TC_R752_FAILOVER_007: every provider of the chain failing gives 503 too",
            "TC_R752_FAILOVER_007: once the breaker is open the 503 comes at once and says when to retry",
            "TC_R752_FAILOVER_007: the gateway stays up and keeps serving other models",
        ],
    ),
    (
        Sabotage::NoBreaker,
        &[
            "TC_R752_FAILOVER_001: latency past the attempt timeout counts as failure",
            "TC_R752_FAILOVER_001: persistent server errors move chat completions to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: persistent server errors move embeddings requests to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: the failover decision is logged with the numbers behind it",
            "TC_R752_FAILOVER_003: failover after a timeout costs at most 150 ms plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 429 with Retry-After 30 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 500 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_007: once the breaker is open the 503 comes at once and says when to retry",
            "TC_R752_FAILOVER_008: a primary still failing when probed stays out for another open period",
            "TC_R752_FAILOVER_008: chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: embeddings requests return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: the failback decision is logged",
            "TAXONOMY_HARD_FAILURES: a timeout counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 401 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 500 counts against the primary's breaker",
        ],
    ),
    (
        Sabotage::NoCooldown,
        &[
            "TC_R752_FAILOVER_001: latency past the attempt timeout counts as failure",
            "TC_R752_FAILOVER_001: persistent server errors move chat completions to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: persistent server errors move embeddings requests to the secondary within the minimum call count",
            "TC_R752_FAILOVER_006: alternating bad and good periods switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: error bursts just over the threshold switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: the gateway's decision log agrees with the switches the client saw",
            "TC_R752_FAILOVER_007: once the breaker is open the 503 comes at once and says when to retry",
            "TC_R752_FAILOVER_008: a primary still failing when probed stays out for another open period",
            "TC_R752_FAILOVER_008: chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: embeddings requests return to the recovered primary after its open period, not before",
        ],
    ),
    (
        Sabotage::ClientErrorsFailOver,
        &[
            "TAXONOMY_HARD_FAILURES: status 400 does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 400 from the primary is returned unchanged",
            "TAXONOMY_HARD_FAILURES: status 404 does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 404 from the primary is returned unchanged",
            "TAXONOMY_HARD_FAILURES: status 422 from the primary is returned unchanged",
        ],
    ),
    (
        Sabotage::CountsEverything,
        &[
            "TAXONOMY_HARD_FAILURES: context overflow does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 400 does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 404 does not count against the primary's breaker",
        ],
    ),
    (
        Sabotage::HairTrigger,
        &[
            "TC_R752_FAILOVER_001: an error rate below the threshold keeps traffic on the primary",
            "TC_R752_FAILOVER_001: the failover decision is logged with the numbers behind it",
            "TC_R752_FAILOVER_006: error bursts just under the threshold never move traffic off the primary",
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: a timeout counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: retries stop when the retry budget is spent, and requests fail over instead",
            "TAXONOMY_HARD_FAILURES: status 401 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 408 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 500 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 502 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 504 from the primary is retried then failed over",
        ],
    ),
    (
        Sabotage::NoRetry,
        &[
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: retries stop when the retry budget is spent, and requests fail over instead",
            "TAXONOMY_HARD_FAILURES: status 408 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 502 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 504 from the primary is retried then failed over",
        ],
    ),
    (
        Sabotage::RetriesEverything,
        &[
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 403 from the primary is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary is failed over at once",
        ],
    ),
    (
        Sabotage::IgnoresRetryAfter,
        &[
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary is failed over at once",
        ],
    ),
    (
        Sabotage::SplicesStreams,
        &[
            "TC_R752_FAILOVER_004: a stream that failed after partial output is not replayed",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a malformed chunk after 2 chunks)",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a stream cut after 2 chunks)",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a stream reset after 2 chunks)",
            "CONTRACT_STREAMING: a stream that stalls is ended with an error event within the idle timeout, and the gateway carries on",
        ],
    ),
    (
        Sabotage::CutStreamAsCleanEnd,
        &[
            "TC_R752_FAILOVER_004: a stream that failed after partial output is not replayed",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a malformed chunk after 2 chunks)",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a stream cut after 2 chunks)",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a stream reset after 2 chunks)",
            "CONTRACT_STREAMING: a stream that stalls is ended with an error event within the idle timeout, and the gateway carries on",
        ],
    ),
    (Sabotage::BuffersStreams, &["CONTRACT_STREAMING: events are relayed one by one as they arrive, then [DONE]"]),
    (
        Sabotage::WaitsForMissingDone,
        &["CONTRACT_STREAMING: a stream that ends complete but without [DONE] is finalised at once"],
    ),
    (
        Sabotage::DropsHistoryOnFailover,
        &[
            "TC_R752_FAILOVER_005: a chain entry that maps the model changes only the model field of the conversation",
            "TC_R752_FAILOVER_005: a long conversation continues on the secondary with its whole history",
            "TC_R752_FAILOVER_005: a short conversation continues on the secondary with its whole history",
            "TC_R752_FAILOVER_005: parameters that change the answer reach the secondary unchanged",
            "TC_R752_FAILOVER_005: tool calls and tool results survive the failover",
        ],
    ),
    (
        Sabotage::ReplaysNonIdempotent,
        &[
            "TC_R752_FAILOVER_004: a model configured as not idempotent is not replayed when the primary may have run it",
            "TC_R752_FAILOVER_004: a request that stores its result is not replayed when the primary may have run it (a reset after headers)",
            "TC_R752_FAILOVER_004: a request that stores its result is not replayed when the primary may have run it (a timeout)",
        ],
    ),
    (
        Sabotage::IgnoresIdempotencyKey,
        &[
            "TC_R752_FAILOVER_004: a repeat gets the first answer also when the first was served after failover",
            "TC_R752_FAILOVER_004: a request repeated with its Idempotency-Key gets the first answer, with no second upstream call",
            "TC_R752_FAILOVER_004: an Idempotency-Key reused with a different body is rejected with 422",
        ],
    ),
    (
        Sabotage::IgnoresRetryBudget,
        &["TAXONOMY_HARD_FAILURES: retries stop when the retry budget is spent, and requests fail over instead"],
    ),
    (
        Sabotage::ForgetsTransitions,
        &[
            "TC_R752_FAILOVER_001: the failover decision is logged with the numbers behind it",
            "TC_R752_FAILOVER_006: the gateway's decision log agrees with the switches the client saw",
            "TC_R752_FAILOVER_008: the failback decision is logged",
        ],
    ),
    (
        Sabotage::AcceptsAnyBody,
        &[
            "CONTRACT_BAD_INPUT: a JSON array is rejected with 400",
            "CONTRACT_BAD_INPUT: a body over the limit is rejected with 413",
            "CONTRACT_BAD_INPUT: a missing model is rejected with 400",
            "CONTRACT_BAD_INPUT: a non-string model is rejected with 400",
            "CONTRACT_BAD_INPUT: an unknown model is rejected with 404",
            "CONTRACT_BAD_INPUT: malformed JSON is rejected with 400",
        ],
    ),
];

/// Runs every feature against the bundled gateway with `sabotage`.
async fn against(sabotage: Sabotage, features: Option<&str>) -> RunRecord {
    let mut settings = RunSettings::quiet(Plan::bundled(Target::Bundled { sabotage }));
    if let Some(dir) = features {
        settings.features = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    }
    run::run::<steps::FailoverWorld>(&settings).await.expect("the bundled plan is valid").record
}

/// An undefined step and a feature that does not parse each fail the run,
/// rather than being skipped quietly.
async fn bad_features_fail_the_run() -> bool {
    let record = against(Sabotage::None, Some("tests/fixtures/undefined")).await;
    let undefined_fails = record.has_failed()
        && record.scenarios().iter().any(|s| s.failed_step.as_deref().is_some_and(|f| f.contains("right now")));
    let malformed_fails = against(Sabotage::None, Some("tests/fixtures/malformed")).await.has_failed();
    println!(
        "an undefined step fails the run: {}; a malformed feature fails the run: {}",
        if undefined_fails { "ok" } else { "MISMATCH" },
        if malformed_fails { "ok" } else { "MISMATCH" }
    );
    undefined_fails && malformed_fails
}

fn key(s: &ScenarioRecord) -> String {
    format!("{}: {}", s.case_id(), s.name)
}

/// Defects run at once: the runs mostly wait on timeouts, and a process-wide
/// lock keeps `@serial` scenarios alone across runs.
const AT_ONCE: usize = 3;

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    let runs = futures::stream::iter(EXPECTED.iter().map(|&(sabotage, expected)| async move {
        let started = std::time::Instant::now();
        let record = against(sabotage, None).await;
        (sabotage, expected, record, started.elapsed())
    }))
    .buffered(AT_ONCE)
    .collect::<Vec<_>>()
    .await;
    let mut mismatches = 0;
    let mut caught_by_some: BTreeSet<String> = BTreeSet::new();
    let mut all: BTreeSet<String> = BTreeSet::new();
    for (sabotage, expected, record, took) in runs {
        let failed: BTreeSet<String> =
            record.scenarios().iter().filter(|s| s.status != Status::Passed).map(key).collect();
        let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        all.extend(record.scenarios().iter().map(key));
        caught_by_some.extend(failed.iter().cloned());
        let missed: Vec<&String> = expected.difference(&failed).collect();
        let spurious: Vec<&ScenarioRecord> =
            record.scenarios().iter().filter(|s| s.status != Status::Passed && !expected.contains(&key(s))).collect();
        let verdict =
            if missed.is_empty() && spurious.is_empty() && record.parse_errors.is_empty() { "ok" } else { "MISMATCH" };
        println!(
            "defect {:<26} {verdict}: {} of {} scenarios failed as expected ({:.1} s)",
            sabotage.name(),
            failed.len() - spurious.len(),
            record.scenarios().len(),
            took.as_secs_f64()
        );
        for m in &missed {
            println!("  should have failed but passed: {m}");
        }
        for s in &spurious {
            println!("  failed but is not about this defect: {}", key(s));
            println!("    at: {}", s.failed_step.as_deref().unwrap_or("-"));
            println!("    because: {}", s.error.as_deref().unwrap_or("-"));
        }
        for e in &record.parse_errors {
            println!("  feature error: {e}");
        }
        if verdict != "ok" {
            mismatches += 1;
        }
    }
    mismatches += usize::from(!bad_features_fail_the_run().await);
    let uncaught: Vec<&String> = all.difference(&caught_by_some).collect();
    println!("{} scenarios are caught by no defect listed here:", uncaught.len());
    for u in uncaught {
        println!("  {u}");
    }
    let checks = EXPECTED.len() + 1;
    println!("{} passed, {mismatches} failed, 0 skipped", checks - mismatches);
    if mismatches == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
