//! The gateway's failover analytics (capability `analytics`, case
//! TC_R752_FAILOVER_016): `GET /admin/analytics`, and traffic sent until it
//! lists the episodes a scenario caused.
use std::time::Duration;

use serde_json::Value;

use crate::client::RequestKind;
use crate::scene::Scene;

/// `GET /admin/analytics`.
pub async fn fetch(scene: &Scene) -> Result<Value, String> {
    scene.admin()?.get("/admin/analytics").await
}

/// The finished episodes of `provider` for `model`, oldest first.
pub fn episodes<'a>(report: &'a Value, model: &str, provider: &str) -> Result<Vec<&'a Value>, String> {
    let all =
        report.get("episodes").and_then(Value::as_array).ok_or_else(|| format!("no \"episodes\" list: {report}"))?;
    Ok(all
        .iter()
        .filter(|e| e.get("model").and_then(Value::as_str) == Some(model))
        .filter(|e| e.get("provider").and_then(Value::as_str) == Some(provider))
        .collect())
}

/// The per-provider entry of `provider` for `model`.
pub fn entry<'a>(report: &'a Value, model: &str, provider: &str) -> Result<&'a Value, String> {
    let providers =
        report.get("providers").and_then(Value::as_array).ok_or_else(|| format!("no \"providers\" list: {report}"))?;
    providers
        .iter()
        .find(|e| {
            e.get("model").and_then(Value::as_str) == Some(model)
                && e.get("provider").and_then(Value::as_str) == Some(provider)
        })
        .ok_or_else(|| format!("no entry for \"{provider}\" of \"{model}\": {report}"))
}

/// Sends a chat completion for `model` every `every` until the analytics
/// list `n` finished episodes of `provider`, failing if `within` passes
/// first; keeps the report it ended on.
pub async fn send_until_episodes(
    scene: &mut Scene,
    model: &str,
    provider: &str,
    n: usize,
    every: Duration,
    within: Duration,
) -> Result<Value, String> {
    let mut report = Value::Null;
    let listed = async |s: &Scene| {
        report = fetch(s).await?;
        Ok(episodes(&report, model, provider)?.len() >= n)
    };
    match scene.send_until_checked(RequestKind::Chat, model, every, within, listed).await {
        Ok(()) => Ok(report),
        Err(e) => Err(format!("{e}; expected {n} finished episodes of \"{provider}\" for \"{model}\": {report}")),
    }
}
