//! Steps on learning from failover episodes (capability `learning`).
use cucumber::{given, then};
use failover_conformance::analytics::fetch;
use failover_conformance::checks::learning::{self as check, Expected};
use failover_conformance::draft;

use super::FailoverWorld;

#[given(expr = "the gateway may learn {word} between {int} and {int}")]
async fn may_learn(w: &mut FailoverWorld, setting: String, min: u64, max: u64) -> Result<(), String> {
    draft::learning(w.scene.policy()?, &setting, min, max)
}

#[then(
    expr = "the gateway adjusted {word} of {string} for {string} from {float} to between {float} and {float}, explained by its episodes"
)]
async fn adjusted(
    w: &mut FailoverWorld,
    setting: String,
    provider: String,
    model: String,
    from: f64,
    lo: f64,
    hi: f64,
) -> Result<(), String> {
    let expected = Expected { setting: &setting, from, to: (lo, hi) };
    check::adjusted(&w.scene.events().await?, &fetch(&w.scene).await?, &model, &provider, expected)
}

#[then(expr = "the analytics show {word} of {string} for {string} in force at {float}")]
async fn in_force(
    w: &mut FailoverWorld,
    setting: String,
    provider: String,
    model: String,
    want: f64,
) -> Result<(), String> {
    check::in_force(&fetch(&w.scene).await?, &model, &provider, &setting, want)
}

#[then(
    expr = "the last {int} outages of {string} cost on average at most {int}% of the requests the costliest of its first {int} cost"
)]
async fn cheaper(
    w: &mut FailoverWorld,
    last: usize,
    provider: String,
    percent: u32,
    first: usize,
) -> Result<(), String> {
    let costs = check::outage_costs(&w.scene.existing_provider(&provider)?.journal());
    let (before, later) = check::later_outages_cheaper(&costs, first, last, f64::from(percent))?;
    w.scene.measure("earlier_outage_requests_max", before, "count");
    w.scene.measure("later_outage_requests", later, "count");
    Ok(())
}
