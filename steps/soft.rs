//! Steps of the soft-failure taxonomy: answers that arrive as a 200 but are wrong.
use cucumber::{given, then, when};
use failover_conformance::checks;
use failover_conformance::client::RequestKind;
use failover_conformance::scene::RequestOptions;
use failover_contract::TokenRateConfig;

use super::FailoverWorld;
use super::params::{Asking, Count};

#[given(expr = "answers are judged for soft failures")]
async fn judged(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.policy()?.soft_failures.get_or_insert_with(Default::default);
    Ok(())
}

#[given(expr = "answers opening with {string} are refusals")]
async fn refusal_phrase(w: &mut FailoverWorld, phrase: String) -> Result<(), String> {
    w.scene.policy()?.soft_failures.get_or_insert_with(Default::default).refusal_phrases.push(phrase);
    Ok(())
}

#[given(expr = "answers must not match {string}")]
async fn forbidden(w: &mut FailoverWorld, pattern: String) -> Result<(), String> {
    w.scene.policy()?.soft_failures.get_or_insert_with(Default::default).forbidden.push(pattern);
    Ok(())
}

#[given(expr = "the document ids an answer cites, such as [doc-1], and its URLs must appear in the request")]
async fn grounded(w: &mut FailoverWorld) -> Result<(), String> {
    w.scene.policy()?.soft_failures.get_or_insert_with(Default::default).citation_ids = Some(r"\[doc-\d+\]".into());
    Ok(())
}

#[given(
    expr = "stream rates are judged against their provider's usual, learned from {int} streams of at least {int} chunks, slow below {int}% of it"
)]
async fn token_rate(w: &mut FailoverWorld, streams: u32, tokens: u32, pct: u32) -> Result<(), String> {
    let rate = TokenRateConfig { baseline_streams: streams, min_tokens: tokens, min_share: f64::from(pct) / 100.0 };
    w.scene.policy()?.soft_failures.get_or_insert_with(Default::default).token_rate = Some(rate);
    Ok(())
}

#[given(expr = "answers of class {word} are failed attempts")]
async fn fail_over_on(w: &mut FailoverWorld, class: String) -> Result<(), String> {
    let class = serde_json::from_value(serde_json::Value::from(class.as_str()))
        .map_err(|e| format!("\"{class}\" is not a soft-failure class: {e}"))?;
    w.scene.policy()?.soft_failures.get_or_insert_with(Default::default).fail_over_on.push(class);
    Ok(())
}

#[when(expr = "the client sends {count} chat completion(s) for {string} {asking}")]
async fn send_asking(w: &mut FailoverWorld, count: Count, model: String, asking: Asking) -> Result<(), String> {
    let options = RequestOptions { asking: asking.0, ..RequestOptions::default() };
    w.scene.send_many_shaped(count.0, RequestKind::Chat, &model, &options).await
}

#[then(expr = "the response is flagged as a soft failure of class {word}")]
async fn flagged(w: &mut FailoverWorld, class: String) -> Result<(), String> {
    checks::soft::flagged(w.scene.last()?, &class)
}

#[then(expr = "the response is not flagged as a soft failure")]
async fn not_flagged(w: &mut FailoverWorld) -> Result<(), String> {
    checks::soft::not_flagged(w.scene.last()?)
}

#[then(expr = "the gateway's events show a soft failure of class {word} from {string}")]
async fn logged(w: &mut FailoverWorld, class: String, provider: String) -> Result<(), String> {
    checks::soft::logged(&w.scene.events().await?, &provider, &class)
}

#[then(expr = "the metrics count {int} soft failure(s) of class {word} from {string} for {string}")]
async fn counted(w: &mut FailoverWorld, n: u32, class: String, provider: String, model: String) -> Result<(), String> {
    let labels = [("model", model.as_str()), ("provider", provider.as_str()), ("class", class.as_str())];
    checks::metrics::counted(&w.scene.scrape().await?, "soft_failures", &labels, f64::from(n))
}

#[when(expr = "the client streams {count} chat completion(s) for {string} {asking}")]
async fn stream_asking(w: &mut FailoverWorld, count: Count, model: String, asking: Asking) -> Result<(), String> {
    let options = RequestOptions { stream: true, asking: asking.0, ..RequestOptions::default() };
    w.scene.send_many_shaped(count.0, RequestKind::Chat, &model, &options).await
}

#[then(expr = "the stream ends with a chunk flagging a soft failure of class {word}")]
async fn stream_flagged(w: &mut FailoverWorld, class: String) -> Result<(), String> {
    checks::soft::stream_flagged(w.scene.last()?, &class)
}

#[then(expr = "the stream carries no soft-failure flag")]
async fn stream_not_flagged(w: &mut FailoverWorld) -> Result<(), String> {
    checks::soft::stream_not_flagged(w.scene.last()?)
}

#[then(expr = "no stream of the batch carries a soft-failure flag")]
async fn batch_not_flagged(w: &mut FailoverWorld) -> Result<(), String> {
    checks::soft::streams_not_flagged(w.scene.batch())
}

#[given(
    expr = "answers are scored by provider {string} as model {string}, flagged below {float}, waiting {int} ms for the score"
)]
async fn judge(w: &mut FailoverWorld, provider: String, model: String, min: f64, ms: u64) -> Result<(), String> {
    w.scene.judge(&provider, &model, min, ms).await
}

#[given(expr = "provider {string} answers every request with the text {string}")]
async fn says(w: &mut FailoverWorld, provider: String, text: String) -> Result<(), String> {
    w.scene.provider(&provider).await?.say(&text).await.map_err(|e| format!("provider \"{provider}\": {e}"))
}

#[then(expr = "provider {string} was asked to score the answer against the request's text")]
async fn judge_asked(w: &mut FailoverWorld, provider: String) -> Result<(), String> {
    checks::soft::judge_asked(&w.scene.existing_provider(&provider)?.journal(), w.scene.last()?)
}

#[then(expr = "the metrics count {int} answer(s) the judge {string} did not score")]
async fn judge_failed(w: &mut FailoverWorld, n: u32, provider: String) -> Result<(), String> {
    let labels = [("provider", provider.as_str())];
    checks::metrics::counted(&w.scene.scrape().await?, "soft_judge_failures", &labels, f64::from(n))
}

#[given(expr = "the entry of {string} for {string} pins model version {string}")]
async fn pin_version(w: &mut FailoverWorld, provider: String, model: String, version: String) -> Result<(), String> {
    w.scene.pin_model_version(&model, &provider, &version)
}

#[given(expr = "provider {string} answers as model {string}")]
#[when(expr = "provider {string} starts answering as model {string}")]
async fn answers_as(w: &mut FailoverWorld, provider: String, model: String) -> Result<(), String> {
    w.scene.provider(&provider).await?.answer_as(&model);
    Ok(())
}
