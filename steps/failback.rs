//! Steps on gradual failback (capability `gradual-failback`, case
//! TC_R752_FAILOVER_015): the strategies, and what the ramps did.
use cucumber::{given, then};
use failover_conformance::checks::failback as check;
use failover_conformance::draft::{gradual, step_validation};
use failover_contract::FailbackConfig;

use super::FailoverWorld;
use super::params::Numbers;

#[given(
    expr = "traffic fails back gradually through {numbers} percent, each share held {int} ms and validated on {int} calls with at most {int}% errors"
)]
async fn gradually(
    w: &mut FailoverWorld,
    percent: Numbers,
    step_ms: u64,
    calls: u32,
    errors: u32,
) -> Result<(), String> {
    w.scene.policy()?.failback = gradual(&percent.0, step_ms, step_validation(calls, errors));
    Ok(())
}

#[given(
    expr = "traffic fails back through a canary of {int} percent, held {int} ms and validated on {int} calls with at most {int}% errors"
)]
async fn canary(w: &mut FailoverWorld, percent: u32, step_ms: u64, calls: u32, errors: u32) -> Result<(), String> {
    let validation = step_validation(calls, errors);
    w.scene.policy()?.failback = FailbackConfig::Canary { percent: f64::from(percent), step_ms, validation };
    Ok(())
}

#[given(
    expr = "traffic fails back blue-green after {int} ms of probe traffic, validated on {int} calls with at most {int}% errors"
)]
async fn blue_green(w: &mut FailoverWorld, step_ms: u64, calls: u32, errors: u32) -> Result<(), String> {
    w.scene.policy()?.failback = FailbackConfig::BlueGreen { step_ms, validation: step_validation(calls, errors) };
    Ok(())
}

#[then(
    expr = "the failback of {string} for {string} rose through {numbers} percent, each share held at least {int} ms and validated on at least {int} calls"
)]
async fn rose(
    w: &mut FailoverWorld,
    provider: String,
    model: String,
    percent: Numbers,
    hold: u32,
    calls: u32,
) -> Result<(), String> {
    let ramps = check::ramps(&w.scene.events().await?, &model, &provider)?;
    check::rose_through(&ramps, &percent.0, f64::from(hold), f64::from(calls))
}

#[then(
    expr = "at each share below 100 percent, the requests {string} served for {string} lie within the share's {float}% binomial bound"
)]
async fn within_bound(w: &mut FailoverWorld, provider: String, model: String, confidence: f64) -> Result<(), String> {
    let events = w.scene.events().await?;
    for o in check::last_ramp_within_bound(&events, w.scene.exchanges(), &model, &provider, confidence / 100.0)? {
        w.scene.measure(
            &format!("served_at_{}_percent", o.share * 100.0),
            o.served as f64 / o.requests as f64,
            "ratio",
        );
    }
    Ok(())
}

#[then(
    expr = "no failback of {string} for {string} completed: at least {int} ramps failed, each reopening the breaker for longer than the one before, up to {int} ms"
)]
async fn never_completed(
    w: &mut FailoverWorld,
    provider: String,
    model: String,
    failed: usize,
    cap: u32,
) -> Result<(), String> {
    let ramps = check::ramps(&w.scene.events().await?, &model, &provider)?;
    check::never_completed(&ramps, failed, f64::from(cap))
}

#[then(
    expr = "a failback of {string} for {string} failed, reopening for longer than {int} ms, and restarted from its first share only after that open period, then completed"
)]
async fn restarted(w: &mut FailoverWorld, provider: String, model: String, first_open: u32) -> Result<(), String> {
    let ramps = check::ramps(&w.scene.events().await?, &model, &provider)?;
    check::restarted_after_failure(&ramps, f64::from(first_open))
}

#[then(expr = "the gateway lists {string} for {string} as ramping at {int} percent")]
async fn listed_ramping(w: &mut FailoverWorld, provider: String, model: String, percent: u32) -> Result<(), String> {
    check::listed_ramping(&w.scene.listing().await?, &model, &provider, f64::from(percent) / 100.0)
}
