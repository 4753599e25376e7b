//! The judge provider (`policy.soft_failures.judge`, capability
//! `soft-judge`): another model asked to score a whole answer against the
//! request's own text, for the hallucinations a gateway cannot see in the
//! words alone (a fluent claim that cites nothing).
//!
//! Asking costs a second call before the client gets its answer, so only
//! answers with nothing else wrong are sent, and only whole ones: a stream
//! has reached the client before a judge could answer. A judge that fails,
//! is late or answers no score judges nothing: the answer goes through
//! unjudged, counted in `failover_soft_judge_failures_total`, since
//! blaming a provider for its judge's trouble would take good answers out of
//! rotation.
use std::time::Instant;

use bytes::Bytes;
use failover_policy::Decide;
use failover_policy::soft::{Finding, score};
use serde_json::json;

use super::upstream::{Answer, AnswerBody};
use crate::Gateway;

/// What the judge is told to do; the user message holds the context and the answer.
const INSTRUCTIONS: &str = "You check an answer against the context it was given. Reply with one number from 0 \
     to 1 and nothing else: 1 when every claim of the answer is supported by the context, 0 when the answer is \
     made up.";

/// The judge's request for `answer` to a request whose message texts are `context`.
fn request(model: &str, context: &str, answer: &str) -> Bytes {
    let asked = format!("Context:\n{context}\nAnswer:\n{answer}");
    let body = json!({
        "model": model,
        "temperature": 0,
        "max_tokens": 8,
        "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": asked}],
    });
    Bytes::from(body.to_string())
}

/// Asks the judge provider to score `answer`, by `deadline` at the latest
/// (the request's own): the soft failure its score makes of it, if any.
pub(crate) async fn ask<D: Decide>(
    gateway: &Gateway<D>,
    context: &str,
    answer: &str,
    deadline: Instant,
) -> Option<Finding> {
    let judge = gateway.settings.judge.as_ref()?;
    let upstream = &gateway.settings.upstreams[judge.upstream];
    let deadline = deadline.min(Instant::now() + judge.timeout);
    let body = request(&judge.model, context, answer);
    let reply = gateway.client.send(&upstream.chat_uri, &upstream.authorization, body, deadline, false).await;
    let scored = match reply {
        Ok(Answer { status, body: AnswerBody::Complete(bytes), .. }) if status.is_success() => {
            super::soft::answer_text(&bytes).as_deref().and_then(score)
        }
        _ => None,
    };
    match scored {
        Some(score) => gateway.decide.soft_scored(score, judge.min_score),
        None => {
            gateway.metrics.judge_failed();
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_judge_is_asked_for_a_number_about_the_answer_and_its_context() {
        let body: serde_json::Value =
            serde_json::from_slice(&request("judge-1", "Per [doc-1]?\n", "It is 42.")).unwrap();
        assert_eq!(body["model"], "judge-1");
        assert_eq!(body["messages"][0]["content"], INSTRUCTIONS);
        assert_eq!(body["messages"][1]["content"], "Context:\nPer [doc-1]?\n\nAnswer:\nIt is 42.");
    }
}
