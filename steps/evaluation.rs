//! Steps on continuous evaluation (capability `continuous-eval`).
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use failover_conformance::checks::evaluation as check;
use failover_conformance::context::tolerance;
use failover_conformance::scene::evaluation::Expect;

use super::FailoverWorld;

#[given(
    expr = "the gateway evaluates {string} every {int} ms over its latest {int} rounds, marking a provider below a pass rate of {float}, with the golden set:"
)]
async fn golden_set(
    w: &mut FailoverWorld,
    model: String,
    ms: u64,
    rounds: u32,
    min: f64,
    step: &Step,
) -> Result<(), String> {
    let rows = columns(step, &["case", "prompt", "expect"])?;
    let cases = rows
        .into_iter()
        .map(|r| Ok((r[0].clone(), r[1].clone(), r[2].parse::<Expect>()?)))
        .collect::<Result<_, String>>()?;
    w.scene.golden_set(&model, (ms, rounds, min), cases)
}

#[given(expr = "every provider answers:")]
async fn every_provider_answers(w: &mut FailoverWorld, step: &Step) -> Result<(), String> {
    w.scene.every_provider_knows(&answers(step)?).await
}

#[when(expr = "provider {string} starts answering:")]
async fn starts_answering_all(w: &mut FailoverWorld, provider: String, step: &Step) -> Result<(), String> {
    let provider = w.scene.existing_provider(&provider)?;
    answers(step)?.iter().for_each(|(prompt, answer)| provider.knows(prompt, answer));
    Ok(())
}

#[when(expr = "provider {string} starts answering {string} with {string}")]
async fn starts_answering(
    w: &mut FailoverWorld,
    provider: String,
    prompt: String,
    answer: String,
) -> Result<(), String> {
    w.scene.existing_provider(&provider)?.knows(&prompt, &answer);
    Ok(())
}

#[when(expr = "the gateway has evaluated every provider of {string} {int} times, within {int} ms")]
async fn evaluated(w: &mut FailoverWorld, model: String, rounds: usize, ms: u64) -> Result<(), String> {
    w.scene.evaluated(&model, rounds, tolerance(ms)).await
}

#[then(expr = "the admin API shows {string} of {string} passing its golden set over at least {int} rounds")]
async fn passing(w: &mut FailoverWorld, provider: String, model: String, rounds: u64) -> Result<(), String> {
    check::passing(&w.scene.listing().await?, &model, &provider, rounds)
}

#[then(expr = "within {int} ms the admin API shows {string} of {string} passing its golden set again")]
async fn passing_again(w: &mut FailoverWorld, ms: u64, provider: String, model: String) -> Result<(), String> {
    w.scene.listing_within(tolerance(ms), |l| check::unmarked(l, &model, &provider)).await
}

#[then(
    expr = "the admin API shows {string} of {string} degraded after at most {int} rounds answering case {string} with {string}, allowing {int} more while it polls within {int} ms"
)]
// Cucumber passes each of the step's parameters as an argument.
#[allow(clippy::too_many_arguments)]
async fn degraded(
    w: &mut FailoverWorld,
    provider: String,
    model: String,
    rounds: usize,
    case: String,
    answer: String,
    slack: usize,
    ms: u64,
) -> Result<(), String> {
    w.scene.listing_within(tolerance(ms), |l| check::degraded_with(l, &model, &provider, &case, &answer)).await?;
    let wrong = w.scene.golden_answers(&model, &provider, &case, &answer)?;
    check::caught_within(&provider, wrong, rounds, slack)
}

#[then(expr = "the gateway's events show no evaluation decision")]
async fn never_marked(w: &mut FailoverWorld) -> Result<(), String> {
    check::never_marked(&w.scene.events().await?)
}

#[then(
    expr = "the gateway's events show evaluation decisions {string} for {string} of {string}, the first with case {string} answered {string}"
)]
async fn decided(
    w: &mut FailoverWorld,
    list: String,
    provider: String,
    model: String,
    case: String,
    answer: String,
) -> Result<(), String> {
    let expected: Vec<&str> = list.split(", ").collect();
    check::decided(&w.scene.events().await?, (&model, &provider), &expected, (&case, &answer))
}

#[then(
    expr = "the dashboard stream showed {string} of {string} degraded by its golden set, with the evaluation's decision, within {int} ms"
)]
async fn dashboard_marked(w: &mut FailoverWorld, provider: String, model: String, ms: u64) -> Result<(), String> {
    let watch = w.dashboard.as_ref().ok_or("the dashboard stream is not watched")?;
    watch.until(tolerance(ms), |got| failover_conformance::dashboard::marked(got, (&model, &provider))).await
}

/// The step's | prompt | answer | table.
fn answers(step: &Step) -> Result<Vec<(String, String)>, String> {
    Ok(columns(step, &["prompt", "answer"])?.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect())
}

/// The step's table rows under a header of exactly `names`.
fn columns(step: &Step, names: &[&str]) -> Result<Vec<Vec<String>>, String> {
    let table = step.table.as_ref().ok_or(format!("the step needs a table: | {} |", names.join(" | ")))?;
    let (header, rows) = table.rows.split_first().ok_or("the table is empty")?;
    if header.iter().map(|h| h.trim()).ne(names.iter().copied()) {
        return Err(format!("the table's header must be | {} |, found {header:?}", names.join(" | ")));
    }
    if rows.is_empty() {
        return Err("the table has a header and no row".into());
    }
    Ok(rows.iter().map(|r| r.iter().map(|c| c.trim().to_owned()).collect()).collect())
}
