//! Steps on the secrets a gateway holds: provider API keys and the admin token
//! never shown to anyone (feature `security/secrets`).
use cucumber::then;
use failover_conformance::checks;

use super::FailoverWorld;

#[then(expr = "provider {string} gave its API key back in at least {int} answer(s)")]
async fn given_back(w: &mut FailoverWorld, provider: String, at_least: usize) -> Result<(), String> {
    let n = w.scene.key_given_back(&provider)?;
    checks::secrets::given_back(&provider, n, at_least)
}

#[then(expr = "no provider's API key and not the admin token appear in anything the gateway showed")]
async fn none_shown(w: &mut FailoverWorld) -> Result<(), String> {
    let searched = checks::secrets::none_shown(&w.scene.secrets(), &w.scene.everything_shown().await?)?;
    w.scene.measure("secrets_searched", searched as f64, "bytes");
    Ok(())
}
