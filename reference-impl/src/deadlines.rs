//! What time alone decides. A half-open breaker whose probes have not answered
//! by its deadline reopens, and a failback ramp ends, whether or not a request
//! comes along. This task sleeps until the earliest deadline any breaker asks
//! for ([`Breaker::next_deadline`](failover_policy::Breaker::next_deadline)),
//! polls the breakers then, and logs what changed. A transition may bring an
//! earlier deadline: the request path wakes the task when one happens.
use std::sync::Arc;
use std::time::Instant;

use failover_policy::Decide;

use crate::proxy::trail::log_transition;
use crate::{Gateway, lock};

pub(crate) async fn drive<D: Decide>(gateway: Arc<Gateway<D>>) {
    let mut polled_at: Option<Instant> = None;
    loop {
        // A deadline not after the last poll has been handled (or cannot be):
        // wait to be woken rather than spin on it.
        let next = earliest(&gateway).filter(|at| polled_at.is_none_or(|p| *at > p));
        match next {
            Some(at) => tokio::select! {
                () = tokio::time::sleep_until(at.into()) => {}
                () = gateway.deadlines.notified() => continue,
            },
            None => {
                gateway.deadlines.notified().await;
                continue;
            }
        }
        let now = Instant::now();
        polled_at = Some(now);
        for (route, chain) in gateway.breakers.iter().enumerate() {
            let changed: Vec<_> = {
                let mut chain = lock(chain);
                chain.iter_mut().enumerate().filter_map(|(hop, b)| b.poll(now).map(|t| (hop, t))).collect()
            };
            for (hop, transition) in changed {
                log_transition(&gateway, route, hop, transition);
            }
        }
    }
}

fn earliest<D: Decide>(gateway: &Gateway<D>) -> Option<Instant> {
    gateway.breakers.iter().filter_map(|chain| lock(chain).iter().filter_map(|b| b.next_deadline()).min()).min()
}
