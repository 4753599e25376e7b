//! Active probes (`probes` in the config, case TC_R752_FAILOVER_010): every
//! interval the gateway sends each entry of each model's chain a one-token
//! chat completion of its own. A provider no client is using still has a
//! current health, and one that comes back is found out by a probe: with
//! probes on, the breaker never makes a client's request its half-open probe
//! (see [`Breaker::admit_probe`](failover_policy::Breaker::admit_probe)).
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use failover_policy::{Admission, Class, Decide, Permit};
use serde_json::json;

use crate::Gateway;
use crate::proxy::forward::judge_whole;
use crate::proxy::health::{Attempt, observe};
use crate::proxy::trail::log_transition;
use crate::proxy::upstream::AnswerBody;

pub(crate) async fn drive<D: Decide>(gateway: Arc<Gateway<D>>) {
    let Some(probes) = &gateway.settings.probes else { return };
    let bodies: Vec<Vec<Bytes>> = gateway
        .settings
        .routes
        .iter()
        .map(|route| {
            let body = |model: &str| {
                let body = json!({
                    "model": model,
                    "messages": [{"role": "user", "content": probes.prompt}],
                    "max_tokens": 1,
                });
                Bytes::from(body.to_string())
            };
            route.hops.iter().map(|hop| body(hop.model.as_deref().unwrap_or(&route.model))).collect()
        })
        .collect();
    let mut ticks = tokio::time::interval(probes.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        for (route, hops) in bodies.iter().enumerate() {
            for (hop, body) in hops.iter().enumerate() {
                for permit in permits(&gateway, route, hop) {
                    tokio::spawn(probe(gateway.clone(), route, hop, body.clone(), permit));
                }
            }
        }
    }
}

/// The probes to send to `hop` of `route` now: one counted call to a closed
/// breaker; every half-open place of one whose open period is over; while it
/// still runs, one uncounted probe (`None`), which measures the provider and
/// changes nothing.
fn permits<D: Decide>(gateway: &Gateway<D>, route: usize, hop: usize) -> Vec<Option<Permit>> {
    let now = Instant::now();
    let mut permits = Vec::new();
    let mut transitions = Vec::new();
    {
        let mut chain = gateway.breakers(route);
        loop {
            let (admission, transition) = chain[hop].admit_probe(now);
            transitions.extend(transition);
            match admission {
                Admission::Admitted(permit) if permit.is_probe() => permits.push(Some(permit)),
                Admission::Admitted(permit) => {
                    permits.push(Some(permit));
                    break;
                }
                Admission::Rejected { .. } => break,
            }
        }
    }
    for transition in transitions {
        log_transition(gateway, route, hop, transition);
    }
    if permits.is_empty() && gateway.health_scoring() {
        permits.push(None);
    }
    permits
}

/// Sends one probe and reports it to the breaker (if it holds a permit) and
/// to the provider's health record.
async fn probe<D: Decide>(gateway: Arc<Gateway<D>>, route: usize, hop: usize, body: Bytes, permit: Option<Permit>) {
    let upstream = gateway.settings.provider_of(route, hop);
    let started = Instant::now();
    let deadline = started + gateway.settings.policy.attempt_timeout;
    let sent = gateway.client.send(&upstream.chat_uri, &upstream.authorization, body, deadline, false).await;
    let ended = Instant::now();
    let (class, utilisation) = match &sent {
        Ok(answer) => match &answer.body {
            AnswerBody::Complete(bytes) => {
                (judge_whole(&gateway.decide, answer, bytes).unwrap_or_else(|f| f.class), answer.utilisation)
            }
            AnswerBody::Streaming(_) => (Class::Success, answer.utilisation),
        },
        Err(failure) => (failover_policy::classify_transport(*failure), None),
    };
    let verdict = gateway.decide.verdict(class);
    if class == Class::Success {
        // Probes measure the entries not leading their level too.
        crate::proxy::regions::answered(&gateway, route, hop, ended - started, ended);
    }
    if let Some(permit) = permit {
        let transition = gateway.breakers(route)[hop].record_timed(permit, verdict, ended, ended - started);
        if let Some(transition) = transition {
            log_transition(&gateway, route, hop, transition);
        }
    }
    observe(&gateway, route, hop, Attempt { started, ended, class, verdict, utilisation });
}
