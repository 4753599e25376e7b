//! Steps on failover analytics (`/admin/analytics`, capability `analytics`)
//! and the store that keeps them.
use std::time::Duration;

use cucumber::{given, then, when};
use failover_conformance::checks::analytics::{self as check, Expected};
use failover_conformance::context::tolerance;
use failover_conformance::store::{GARBAGE, Prepared};

use super::FailoverWorld;

#[given(expr = "the gateway keeps its episodes in a new store")]
async fn new_store(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.keep_store(Prepared::New)
}

#[given(expr = "the gateway's store holds something that is not a store")]
async fn garbage_store(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.keep_store(Prepared::Garbage)
}

#[given(expr = "the gateway's store is missing and may not be created")]
async fn missing_store(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.keep_store(Prepared::Missing)
}

#[when(
    expr = "the client keeps sending chat completions for {string} every {int} ms until the analytics list {int} episode(s) of {string}, within {int} ms"
)]
async fn until_episodes(
    w: &mut FailoverWorld,
    model: String,
    every: u64,
    n: usize,
    provider: String,
    within: u64,
) -> Result<(), String> {
    let (every, within) = (Duration::from_millis(every), tolerance(within));
    w.analytics_seen = Some(
        failover_conformance::analytics::send_until_episodes(&mut w.scene, &model, &provider, n, every, within).await?,
    );
    Ok(())
}

#[when(expr = "the gateway restarts")]
async fn restarts(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.restart_gateway().await
}

#[then(
    expr = "the analytics list {int} episode(s) of {string} for {string}, each of class {string}, detected within {int} ms, first served by a fallback at depth {int} within {int} ms, lasting {int} to {int} ms"
)]
#[allow(clippy::too_many_arguments)]
async fn episodes(
    w: &mut FailoverWorld,
    n: usize,
    provider: String,
    model: String,
    class: String,
    detect: u64,
    depth: u64,
    first: u64,
    shortest: u64,
    longest: u64,
) -> Result<(), String> {
    let ms = |n: u64| tolerance(n).as_secs_f64() * 1e3;
    let expected = Expected {
        class: &class,
        detect_max_ms: ms(detect),
        first_success_max_ms: ms(first),
        depth,
        duration_ms: (shortest as f64, ms(longest)),
    };
    check::episodes_as(&failover_conformance::analytics::fetch(&w.scene).await?, &model, &provider, n, &expected)
}

#[then(
    expr = "the analytics summary of {string} for {string} adds up from its episodes, all of class {string}, its flaps counted within {int} ms of a recovery"
)]
async fn summary(
    w: &mut FailoverWorld,
    provider: String,
    model: String,
    class: String,
    gap: u64,
) -> Result<(), String> {
    check::summary_adds_up(
        &failover_conformance::analytics::fetch(&w.scene).await?,
        &model,
        &provider,
        &class,
        gap as f64,
    )
}

#[then(expr = "the analytics suggest changing {word} of {string} for {string} to between {float} and {float}")]
async fn suggests(
    w: &mut FailoverWorld,
    setting: String,
    provider: String,
    model: String,
    lo: f64,
    hi: f64,
) -> Result<(), String> {
    let report = failover_conformance::analytics::fetch(&w.scene).await?;
    let suggested = check::suggests(&report, &model, &provider, &setting, lo, hi)?;
    // The report carries what the history suggested.
    w.scene.measure(&format!("suggested_{setting}"), suggested, if setting.ends_with("_ms") { "ms" } else { "count" });
    Ok(())
}

#[then(expr = "the analytics list the same episodes of {string} for {string} as before the restart")]
async fn same_after_restart(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    let before = w.analytics_seen.as_ref().ok_or("no analytics were read before the restart")?;
    check::same_episodes(before, &failover_conformance::analytics::fetch(&w.scene).await?, &model, &provider)
}

#[then(expr = "the store file is left as it was")]
async fn left_alone(w: &mut FailoverWorld) -> Result<(), String> {
    check::file_unchanged(w.scene.store_file()?.contents(), Some(GARBAGE))
}

#[then(expr = "no store file was created")]
async fn not_created(w: &mut FailoverWorld) -> Result<(), String> {
    check::file_unchanged(w.scene.store_file()?.contents(), None)
}
