//! Steps of failover timing and warm connections (case TC_R752_FAILOVER_012).
use std::time::Duration;

use cucumber::{given, then, when};
use failover_conformance::checks::sla;
use failover_conformance::{context, wait};

use super::FailoverWorld;

#[given(expr = "the gateway keeps {int} warm connection(s) to every provider, refreshed every {int} ms")]
async fn prewarm(w: &mut FailoverWorld, connections: u32, interval_ms: u64) -> Result<(), String> {
    w.scene.prewarm(connections, interval_ms)
}

#[when(expr = "the gateway has warmed its connection to {string}, within {int} ms")]
async fn warmed(w: &mut FailoverWorld, provider: String, ms: u64) -> Result<(), String> {
    w.scene.start_gateway().await?;
    let mock = w.scene.existing_provider(&provider)?;
    let connected = || async {
        let none = format!("the gateway opened no connection to \"{provider}\" before any request needed one");
        (!mock.accepted().is_empty()).then_some(()).ok_or(none)
    };
    wait::until(context::tolerance(ms), Duration::from_millis(5), connected).await
}

#[then(
    expr = "every failover of {string} from {string} to {string} was decided within {int} ms of the failed answer and reached the fallback within {int} ms of the decision"
)]
async fn timed(
    w: &mut FailoverWorld,
    model: String,
    from: String,
    to: String,
    detect: u64,
    route: u64,
) -> Result<(), String> {
    let events = w.scene.events().await?;
    let (from_journal, to_journal) =
        (w.scene.existing_provider(&from)?.journal(), w.scene.existing_provider(&to)?.journal());
    let timings =
        sla::failover_timings(w.scene.exchanges(), &events, &model, (&from, &from_journal), (&to, &to_journal))?;
    for (name, figure) in [
        ("detection", (|f| f.detection) as fn(&sla::Failover) -> f64),
        ("routing_update", |f| f.routing),
        ("first_success", |f| f.first_success),
    ] {
        let (p50, max) = sla::summary(&timings, figure);
        w.scene.measure(&format!("{name}_median"), p50, "ms");
        w.scene.measure(&format!("{name}_max"), max, "ms");
    }
    w.scene.measure("clock_alignment", timings.uncertainty, "ms");
    sla::within(&timings, Duration::from_millis(detect), Duration::from_millis(route))
}

#[then(expr = "provider {string} accepted no new connection for its first request once {string} began failing")]
async fn warm_at_failover(w: &mut FailoverWorld, provider: String, failing: String) -> Result<(), String> {
    let failed_at = w.scene.existing_provider(&failing)?.journal().iter().find(|r| r.faulted).map(|r| r.at);
    let failed_at = failed_at.ok_or_else(|| format!("provider \"{failing}\" failed no request"))?;
    let mock = w.scene.existing_provider(&provider)?;
    sla::warm_at_failover(&provider, &mock.accepted(), &mock.journal(), failed_at)
}

#[then(
    expr = "the first response served by {string} arrived within twice the median of the first {int} responses, plus {int} ms"
)]
async fn first_fallback(w: &mut FailoverWorld, provider: String, baseline: usize, slack: u64) -> Result<(), String> {
    let latency = sla::first_fallback_within(w.scene.exchanges(), &provider, baseline, context::tolerance(slack))?;
    w.scene.measure("first_fallback_latency", latency.as_secs_f64() * 1e3, "ms");
    Ok(())
}
