//! The gateway's dashboard stream (`GET /admin/dashboard/stream`, capability
//! `dashboard`) watched from the side: a task reads its `snapshot` events as
//! they come, with the time each arrived, while the scenario goes on.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::scene::Scene;

/// Snapshots received so far, each with when it arrived.
type Received = Arc<Mutex<Vec<(Instant, Value)>>>;

/// A dashboard stream being read; stops reading when dropped.
#[derive(Debug)]
pub struct Watch {
    snapshots: Received,
    error: Arc<Mutex<Option<String>>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Watch {
    /// Opens the stream with the scenario's admin token (starting the
    /// gateway if it has not started) and waits for its first snapshot.
    pub async fn open(scene: &mut Scene, within: Duration) -> Result<Self, String> {
        scene.start_gateway().await?;
        let url = format!("{}/admin/dashboard/stream", scene.gateway_url()?);
        let mut request = reqwest::Client::new().get(&url).header("accept", "text/event-stream");
        if let Some(token) = scene.admin_token() {
            request = request.bearer_auth(token);
        }
        let mut response = match tokio::time::timeout(within, request.send()).await {
            Ok(sent) => sent.map_err(|e| format!("GET /admin/dashboard/stream failed: {e}"))?,
            Err(_) => {
                return Err(format!("GET /admin/dashboard/stream sent no headers within {} ms", within.as_millis()));
            }
        };
        let status = response.status().as_u16();
        let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        if status != 200 || !kind.starts_with("text/event-stream") {
            return Err(format!("GET /admin/dashboard/stream answered {status} ({kind}), expected an event stream"));
        }
        let (snapshots, error): (Received, _) = Default::default();
        let (into, failed) = (snapshots.clone(), Arc::clone(&error));
        let reader = tokio::spawn(async move {
            let mut buffer = String::new();
            loop {
                match response.chunk().await {
                    Ok(Some(bytes)) => buffer.push_str(&String::from_utf8_lossy(&bytes)),
                    Ok(None) => return,
                    Err(e) => {
                        *lock(&failed) = Some(format!("the dashboard stream broke: {e}"));
                        return;
                    }
                }
                for data in crate::sse::take_events(&mut buffer) {
                    match serde_json::from_str::<Value>(&data) {
                        Ok(snapshot) => lock(&into).push((Instant::now(), snapshot)),
                        Err(e) => *lock(&failed) = Some(format!("a snapshot that is not JSON ({e}): {data}")),
                    }
                }
            }
        });
        let watch = Self { snapshots, error, reader };
        let first = |received: &[(Instant, Value)]| match received.is_empty() {
            true => Err(format!("no snapshot within {} ms", within.as_millis())),
            false => Ok(()),
        };
        watch.until(within, first).await?;
        Ok(watch)
    }

    /// Waits until the snapshots received so far satisfy `check` (which
    /// answers what it found), for at most `within`; or the last reason
    /// `check` gave.
    pub async fn until<T>(
        &self,
        within: Duration,
        check: impl Fn(&[(Instant, Value)]) -> Result<T, String>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + within;
        loop {
            let received = lock(&self.snapshots).clone();
            let why = match check(&received) {
                Ok(found) => return Ok(found),
                Err(why) => why,
            };
            if let Some(e) = lock(&self.error).clone() {
                return Err(e);
            }
            if Instant::now() >= deadline {
                return Err(why);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// What a snapshot shows of `provider` of `model`: its state.
fn state<'a>(snapshot: &'a Value, model: &str, provider: &str) -> Option<&'a str> {
    crate::checks::admin::entry(snapshot, model, provider).ok()?["state"].as_str()
}

/// Whether a snapshot carries a `breaker_transition` of `provider` of `model` to `to`.
fn decided(snapshot: &Value, model: &str, provider: &str, to: &str) -> bool {
    snapshot["decisions"].as_array().is_some_and(|list| {
        list.iter().any(|e| {
            e["type"] == "breaker_transition" && e["model"] == model && e["provider"] == provider && e["to"] == to
        })
    })
}

/// The first snapshot received after `from` that shows `provider` of
/// `model` in `to`, with the breaker transition to it carried by it or an
/// earlier one, arrived within `bound` of `from`: how long after `from` it
/// arrived.
pub fn shown(
    received: &[(Instant, Value)],
    from: Instant,
    bound: Duration,
    (model, provider, to): (&str, &str, &str),
) -> Result<Duration, String> {
    let mut transition = false;
    let mut last = None;
    for (at, snapshot) in received {
        transition |= decided(snapshot, model, provider, to);
        let showing = state(snapshot, model, provider);
        if *at < from {
            continue;
        }
        last = Some(showing);
        if showing == Some(to) && transition {
            let after = at.saturating_duration_since(from);
            return match after <= bound {
                true => Ok(after),
                false => Err(format!(
                    "the dashboard showed \"{provider}\" {to} {} ms after, allowed {} ms",
                    after.as_millis(),
                    bound.as_millis()
                )),
            };
        }
    }
    Err(format!(
        "no snapshot showed \"{provider}\" of \"{model}\" {to} with its breaker_transition (last shown: {last:?}, transition seen: {transition})"
    ))
}

/// Whether some snapshot shows `provider` of `model` marked degraded by its
/// golden set and carries (it or an earlier one) the `evaluation` decision
/// that marked it.
pub fn marked(received: &[(Instant, Value)], (model, provider): (&str, &str)) -> Result<(), String> {
    let mut decision = false;
    for (_, snapshot) in received {
        decision |= snapshot["decisions"].as_array().is_some_and(|list| {
            list.iter().any(|e| {
                e["type"] == "evaluation"
                    && e["model"] == model
                    && e["provider"] == provider
                    && e["decision"] == "degraded"
            })
        });
        let entry = crate::checks::admin::entry(snapshot, model, provider).ok();
        if decision && entry.is_some_and(|e| e["evaluation"]["degraded"] == true) {
            return Ok(());
        }
    }
    Err(format!(
        "no snapshot of {} showed \"{provider}\" of \"{model}\" degraded by its golden set with its evaluation decision (decision seen: {decision})",
        received.len()
    ))
}
