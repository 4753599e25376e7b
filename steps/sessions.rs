//! Steps on gateway-side sessions (capability `sessions`, case
//! TC_R752_FAILOVER_014).
use cucumber::{given, then, when};
use failover_conformance::checks::session as check;
use failover_contract::{ConcurrentConfig, ContextPolicyConfig};

use super::FailoverWorld;

#[given(expr = "the gateway keeps sessions in its store")]
async fn keeps_sessions(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.keep_sessions(|_| {})
}

#[given(expr = "sessions expire after {int} ms idle")]
async fn idle_expiry(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    w.scene.keep_sessions(|s| s.idle_timeout_ms = ms)
}

#[given(expr = "a session's context that does not fit is an error")]
async fn overflow_is_error(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.keep_sessions(|s| s.context = ContextPolicyConfig::Error)
}

#[given(expr = "a second request on a busy session waits its turn")]
async fn busy_waits(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.keep_sessions(|s| s.concurrent = ConcurrentConfig::Wait)
}

#[given(expr = "a session {string} with a system prompt")]
async fn session(w: &mut FailoverWorld, id: String) {
    w.scene.open_session(&id, 0);
}

#[given(expr = "a session {string} with a system prompt and questions of {int} words")]
async fn long_session(w: &mut FailoverWorld, id: String, words: usize) {
    w.scene.open_session(&id, words);
}

#[given(expr = "the session's first turn carries a tool call and its result")]
async fn tool_exchange(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.session().map(|s| s.with_tool_exchange())
}

#[given(expr = "the client talks in the session for {string} for {int} turn(s)")]
#[when(expr = "the client talks in the session for {string} for {int} turn(s)")]
async fn talk(w: &mut FailoverWorld, model: String, turns: usize) -> Result<(), String> {
    w.scene.talk_in_session(&model, turns, false).await
}

#[when(expr = "the client talks in the session for {string} for {int} streamed turn(s)")]
async fn talk_streamed(w: &mut FailoverWorld, model: String, turns: usize) -> Result<(), String> {
    w.scene.talk_in_session(&model, turns, true).await
}

#[when(
    expr = "the client sends two turns of the session for {string} at once, the second once provider {string} has the first"
)]
async fn at_once(w: &mut FailoverWorld, model: String, provider: String) -> Result<(), String> {
    w.scene.two_turns_at_once(&model, &provider).await
}

#[then(expr = "every request provider {string} received held the session's whole context")]
async fn whole(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    let expected = &w.scene.session()?.expected.clone();
    check::whole_context(w.scene.existing_provider(&provider)?, expected, None)
}

#[then(
    expr = "every request provider {string} received held the session's whole context, with the model changed to {string}"
)]
async fn whole_mapped(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    let expected = &w.scene.session()?.expected.clone();
    check::whole_context(w.scene.existing_provider(&provider)?, expected, Some(&model))
}

#[then(
    expr = "every request provider {string} received held the session's system prompt and its newest turns within {int} tokens, and the answers say how many turns were left out"
)]
async fn newest(w: &mut FailoverWorld, provider: String, window: u64) -> Result<(), String> {
    let expected = &w.scene.session()?.expected.clone();
    check::newest_turns_within(w.scene.existing_provider(&provider)?, expected, w.scene.exchanges(), window)
}

#[then(expr = "provider {string} received the second turn with the first turn and its answer in its context")]
async fn serialised(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    check::serialised(w.scene.existing_provider(&provider)?, w.scene.exchanges())
}
