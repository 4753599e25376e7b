//! Steps on the end of the fallback chain (capability `fallback-tail`).
use std::time::Duration;

use cucumber::{given, then, when};
use failover_conformance::checks::tail as check;

use super::FailoverWorld;

#[given(expr = "the gateway keeps answers to requests at temperature {float} or below for {int} ms")]
async fn keeps_answers(w: &mut FailoverWorld, temperature: f64, ms: u64) -> Result<(), String> {
    w.scene.keep_answers(temperature, ms)
}

#[given(expr = "model {string} has the default answer {string}")]
async fn default_answer(w: &mut FailoverWorld, model: String, content: String) -> Result<(), String> {
    w.scene.default_answer(&model, &content)
}

/// The time passing is the stimulus here, not a wait for something to happen.
#[when(expr = "{int} ms pass")]
async fn time_passes(_w: &mut FailoverWorld, ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[then(expr = "the response is the answer the same request got before, from the cache, no older than the time since")]
async fn from_cache(w: &mut FailoverWorld) -> Result<(), String> {
    check::from_cache(w.scene.exchanges())
}

#[then(expr = "the response is the default answer {string}")]
async fn is_default(w: &mut FailoverWorld, content: String) -> Result<(), String> {
    check::default_answer(w.scene.exchanges(), &content)
}
