//! Warm connections (`prewarm` in the config, case TC_R752_FAILOVER_012):
//! every interval, each provider gets a few concurrent `GET /v1/models`
//! through the connection pool of the worker running this task, so that a
//! fallback's first request after a failover finds an idle connection and
//! opens none. Each worker runs its own (see [`crate::serve_workers`]).
use std::sync::Arc;
use std::time::Instant;

use failover_policy::Decide;
use futures_util::future::join_all;

use crate::Gateway;

pub(crate) async fn drive<D: Decide>(gateway: Arc<Gateway<D>>) {
    let Some((interval, connections)) = gateway.settings.prewarm else { return };
    let mut closing = gateway.closing.subscribe();
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = closing.wait_for(|closing| *closing) => return,
        }
        let deadline = Instant::now() + gateway.settings.policy.attempt_timeout.min(interval);
        let warming = gateway.settings.upstreams.iter().flat_map(|upstream| {
            (0..connections).map(|_| gateway.client.warm(&upstream.models_uri, &upstream.authorization, deadline))
        });
        join_all(warming).await;
    }
}
