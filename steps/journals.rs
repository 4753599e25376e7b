//! Steps that check what the mock providers received.
use std::time::Duration;

use cucumber::then;
use failover_conformance::checks::{self, Count};

use super::FailoverWorld;

#[then(expr = "provider {string} received {int} request(s)")]
async fn received(w: &mut FailoverWorld, provider: String, n: usize) -> Result<(), String> {
    checks::received(w.scene.existing_provider(&provider)?, Count::Exactly(n))
}

#[then(expr = "provider {string} received at most {int} request(s)")]
async fn received_at_most(w: &mut FailoverWorld, provider: String, n: usize) -> Result<(), String> {
    checks::received(w.scene.existing_provider(&provider)?, Count::AtMost(n))
}

#[then(expr = "provider {string} received no requests")]
async fn received_none(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::received(w.scene.existing_provider(&provider)?, Count::Exactly(0))
}

#[then(expr = "provider {string} received each request exactly as the client sent it")]
async fn forwarded_as_sent(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::forwarded_as_sent(w.scene.existing_provider(&provider)?, w.scene.exchanges(), None)
}

#[then(expr = "provider {string} received the client's requests with only the model changed to {string}")]
async fn forwarded_with_model(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    checks::forwarded_as_sent(w.scene.existing_provider(&provider)?, w.scene.exchanges(), Some(&model))
}

#[then(expr = "provider {string} was always called with its own API key")]
async fn own_key(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::used_own_key(w.scene.existing_provider(&provider)?)
}

#[then(expr = "provider {string} received no request sooner than {int} ms after a failed one, once it had failed {int} requests")]
async fn quiet_after_failures(w: &mut FailoverWorld, provider: String, ms: u64, after: usize) -> Result<(), String> {
    let journal = w.scene.existing_provider(&provider)?.journal();
    checks::quiet_after_failures(&journal, &provider, Duration::from_millis(ms), after)
}

#[then(expr = "provider {string} received {int} requests, at least {int} ms apart")]
async fn received_apart(w: &mut FailoverWorld, provider: String, n: usize, ms: u64) -> Result<(), String> {
    let p = w.scene.existing_provider(&provider)?;
    checks::received(p, Count::Exactly(n))?;
    checks::spaced_at_least(&p.journal(), &provider, Duration::from_millis(ms))
}
