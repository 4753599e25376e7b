//! Steps of the guardrails: what the gateway will not carry to a provider or back.
use cucumber::{given, then, when};
use failover_conformance::checks::guard as check;
use failover_conformance::client::CONTACT;
use failover_conformance::mock::fault::PERSONAL_DATA;
use failover_contract::{PiiAction, PiiGuardConfig, PiiKind, PromptLengthConfig};

use super::FailoverWorld;
use super::params::Asking;

fn action(word: &str) -> Result<PiiAction, String> {
    match word {
        "blocked" => Ok(PiiAction::Block),
        "redacted" => Ok(PiiAction::Redact),
        _ => Err(format!("personal data is \"blocked\" or \"redacted\", not \"{word}\"")),
    }
}

fn pii(word: &str) -> Result<Option<PiiGuardConfig>, String> {
    Ok(Some(PiiGuardConfig { action: action(word)?, kinds: vec![PiiKind::Email, PiiKind::Phone, PiiKind::Card] }))
}

#[given(expr = "prompts are limited to {int} tokens")]
async fn prompt_length(w: &mut FailoverWorld, max: u64) -> Result<(), String> {
    w.scene.guardrails()?.prompt_length = Some(PromptLengthConfig { max_tokens: max, encoding: "o200k_base".into() });
    Ok(())
}

#[given(expr = "prompt injections are blocked")]
async fn injections(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.guardrails()?.prompt_injection = Some(Default::default());
    Ok(())
}

#[given(expr = "personal data in requests is {word}")]
async fn pii_in(w: &mut FailoverWorld, word: String) -> Result<(), String> {
    w.scene.guardrails()?.pii = pii(&word)?;
    Ok(())
}

#[given(expr = "personal data in answers is {word}")]
async fn pii_out(w: &mut FailoverWorld, word: String) -> Result<(), String> {
    w.scene.guardrails()?.output_pii = pii(&word)?;
    Ok(())
}

#[when(expr = "the client sends a chat completion for {string} whose messages come to {int} tokens")]
async fn of_tokens(w: &mut FailoverWorld, model: String, tokens: usize) -> Result<(), String> {
    w.scene.send_of_tokens(&model, tokens).await.map(drop)
}

#[when(
    expr = "the client sends a chat completion for {string} {asking}, bypassing the guardrails with the admin token"
)]
async fn bypassing(w: &mut FailoverWorld, model: String, asking: Asking) -> Result<(), String> {
    let token = w.scene.admin_token().ok_or("the scenario set no admin token")?.to_owned();
    w.scene.send_bypassing(&model, asking.0, token).await
}

#[when(expr = "the client sends a chat completion for {string} {asking}, bypassing the guardrails with a wrong token")]
async fn bypassing_wrongly(w: &mut FailoverWorld, model: String, asking: Asking) -> Result<(), String> {
    let token = format!("{}-wrong", w.scene.admin_token().ok_or("the scenario set no admin token")?);
    w.scene.send_bypassing(&model, asking.0, token).await
}

#[then(expr = "the request was blocked by the {word} guardrail")]
async fn blocked(w: &mut FailoverWorld, guardrail: String) -> Result<(), String> {
    check::blocked(w.scene.last()?, &guardrail)
}

#[then(expr = "the answer was withheld by the output guardrail")]
async fn withheld(w: &mut FailoverWorld) -> Result<(), String> {
    check::withheld(w.scene.last()?, &PERSONAL_DATA)
}

#[then(expr = "the bypass was refused")]
async fn bypass_denied(w: &mut FailoverWorld) -> Result<(), String> {
    check::bypass_denied(w.scene.last()?, w.scene.admin_token().unwrap_or("-"))
}

#[then(
    expr = "provider {string} received the prompt with its e-mail address and phone number replaced by placeholders"
)]
async fn received_redacted(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    check::received_redacted(w.scene.existing_provider(&provider)?, &CONTACT, &["[EMAIL]", "[PHONE]"])
}

#[then(expr = "the client got the answer with its personal data replaced by placeholders")]
async fn answer_redacted(w: &mut FailoverWorld) -> Result<(), String> {
    check::answer_redacted(w.scene.last()?, &PERSONAL_DATA, &["[EMAIL]", "[PHONE]"])
}

#[then(expr = "the client got the answer with its personal data as the provider sent it")]
async fn answer_intact(w: &mut FailoverWorld) -> Result<(), String> {
    check::answer_intact(w.scene.last()?, &PERSONAL_DATA)
}

#[then(expr = "the gateway's events show the {word} guardrail {word} a request for {string}")]
async fn logged(w: &mut FailoverWorld, guardrail: String, action: String, model: String) -> Result<(), String> {
    check::logged(&w.scene.events().await?, &guardrail, &action, &model, CONTACT[0])
}

#[then(expr = "the metrics count {int} request(s) {word} by the {word} guardrail")]
async fn counted(w: &mut FailoverWorld, n: u32, action: String, guardrail: String) -> Result<(), String> {
    check::counted(&w.scene.scrape().await?, &guardrail, &action, f64::from(n))
}

#[then(expr = "the metrics show the time the {word} guardrail took for {int} request(s)")]
async fn timed(w: &mut FailoverWorld, guardrail: String, n: u32) -> Result<(), String> {
    check::timed(&w.scene.scrape().await?, &guardrail, f64::from(n))
}
