//! Steps on the admin API (`/admin/providers`, the admin token) and the
//! gateway's own probes and warnings (case TC_R752_FAILOVER_010).
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use failover_conformance::checks::{self, admin::Expected};
use failover_conformance::context;

use super::FailoverWorld;

#[given(expr = "the gateway probes every chain entry every {int} ms")]
async fn probes(w: &mut FailoverWorld, ms: u64) -> Result<(), String> {
    w.scene.probe_every(ms)
}

#[given(expr = "health warnings are raised at a score of {float}")]
async fn warn_score(w: &mut FailoverWorld, score: f64) -> Result<(), String> {
    w.scene.policy()?.health.get_or_insert_with(Default::default).warn_score = score;
    Ok(())
}

#[when(expr = "the admin API shows a baseline latency for every provider of {string}, within {int} ms")]
async fn baselines(w: &mut FailoverWorld, model: String, ms: u64) -> Result<(), String> {
    w.scene.start_gateway().await?;
    w.scene.listing_within(context::tolerance(ms), |l| checks::admin::baselines_known(l, &model)).await
}

#[then(expr = "within {int} ms the admin API shows, for model {string}:")]
async fn shows(w: &mut FailoverWorld, ms: u64, model: String, step: &Step) -> Result<(), String> {
    let rows = table(step)?;
    w.scene.listing_within(context::tolerance(ms), |l| checks::admin::shows(l, &model, &rows)).await
}

#[then(
    expr = "the admin API scores {string} of {string} worse than {string} of {string}, each from at least {int} samples"
)]
async fn worse(w: &mut FailoverWorld, a: String, am: String, b: String, bm: String, min: u64) -> Result<(), String> {
    checks::admin::scores_worse(&w.scene.listing().await?, (&am, &a), (&bm, &b), min)
}

#[then(expr = "the admin API turns away a request without its token or with a wrong one")]
async fn needs_token(w: &mut FailoverWorld) -> Result<(), String> {
    let admin = w.scene.admin()?;
    let token = admin.token.ok_or("the scenario set no admin token")?;
    let mut answers = Vec::new();
    for path in ["/admin/providers", "/admin/events"] {
        answers.push(admin.get_as(path, None).await?);
        answers.push(admin.get_as(path, Some(&format!("{token}x"))).await?);
    }
    checks::admin::refused_without_token("/admin/providers and /admin/events", &answers, token)
}

#[then(expr = "no answer of the admin API shows its token")]
async fn token_hidden(w: &mut FailoverWorld) -> Result<(), String> {
    let admin = w.scene.admin()?;
    let token = admin.token.ok_or("the scenario set no admin token")?;
    for path in ["/admin/providers", "/admin/events"] {
        checks::admin::token_absent(&format!("GET {path}"), &admin.get(path).await?.to_string(), token)?;
    }
    Ok(())
}

#[then(expr = "the gateway warned about {string} of model {string} before draining it")]
async fn warned(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    checks::health::warned_before_drain(&w.scene.events().await?, &provider, &model)
}

#[then(expr = "provider {string} was seen failing, and failed at most {int} client requests")]
async fn failed_at_most(w: &mut FailoverWorld, provider: String, max: usize) -> Result<(), String> {
    checks::seen_failing_at_most(w.scene.existing_provider(&provider)?, max)
}

#[then(expr = "the gateway probed provider {string} at least {int} times")]
async fn probed(w: &mut FailoverWorld, provider: String, min: usize) -> Result<(), String> {
    checks::probed_at_least(w.scene.existing_provider(&provider)?, min)
}

/// The step's table as expectations, one per row after the header.
fn table(step: &Step) -> Result<Vec<Expected>, String> {
    let table = step.table.as_ref().ok_or("the step needs a table: | provider | state | last failure | ... |")?;
    let (header, rows) = table.rows.split_first().ok_or("the table is empty")?;
    rows.iter().map(|row| Expected::from_row(header, row)).collect::<Result<_, _>>().and_then(|rows: Vec<_>| {
        if rows.is_empty() { Err("the table has a header but no row".into()) } else { Ok(rows) }
    })
}
