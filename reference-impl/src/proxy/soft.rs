//! Reading a successful chat answer, and its request, for the soft-failure
//! judgement (`policy.soft_failures`, capability `soft-failures`).
//!
//! The policy judges (`failover_policy::soft`); this reads what it needs:
//! from the request, its messages' text (what citations must come from),
//! whether it set a token limit and whether it asked for JSON; from the
//! answer, its first choice's text, `refusal`, `finish_reason` and tool
//! calls. Only whole (non-streaming) answers are judged.
use failover_policy::Decide;
use failover_policy::soft::{Asked, Finding, Reading, SoftConfig, Why};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// The parts of a chat request the judgement reads.
#[derive(Default, Deserialize)]
struct Request {
    #[serde(default)]
    messages: Vec<Message>,
    max_tokens: Option<IgnoredAny>,
    max_completion_tokens: Option<IgnoredAny>,
    response_format: Option<Format>,
}

#[derive(Deserialize)]
struct Message {
    content: Option<Content>,
}

/// A message's content: a string, or parts of which the text ones count.
#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Deserialize)]
struct Part {
    text: Option<String>,
}

#[derive(Deserialize)]
struct Format {
    #[serde(rename = "type")]
    kind: String,
}

/// The parts of a chat answer the judgement reads.
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<AnswerMessage>,
    finish_reason: Option<String>,
}

#[derive(Default, Deserialize)]
struct AnswerMessage {
    content: Option<String>,
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCall>,
}

#[derive(Deserialize)]
struct ToolCall {
    function: Option<Function>,
}

#[derive(Deserialize)]
struct Function {
    arguments: Option<String>,
}

impl Request {
    /// Every message's text, one per line.
    fn context(&self) -> String {
        let mut out = String::new();
        for message in &self.messages {
            match &message.content {
                Some(Content::Text(text)) => out.push_str(text),
                Some(Content::Parts(parts)) => {
                    for text in parts.iter().filter_map(|p| p.text.as_deref()) {
                        out.push_str(text);
                        out.push('\n');
                    }
                }
                None => {}
            }
            out.push('\n');
        }
        out
    }

    fn asks_json(&self) -> bool {
        self.response_format.as_ref().is_some_and(|f| matches!(f.kind.as_str(), "json_object" | "json_schema"))
    }
}

/// What is wrong with the JSON of an answer, if the request asked for JSON
/// or the answer calls tools (whose arguments are JSON).
fn format_problem(json_asked: bool, message: &AnswerMessage) -> Option<String> {
    for call in &message.tool_calls {
        let arguments = call.function.as_ref().and_then(|f| f.arguments.as_deref()).unwrap_or_default();
        if let Err(e) = serde_json::from_str::<IgnoredAny>(arguments) {
            return Some(format!("a tool call's arguments are not JSON: {e}"));
        }
    }
    let content = message.content.as_deref()?;
    if !json_asked || !message.tool_calls.is_empty() {
        return None;
    }
    match serde_json::from_str::<serde_json::Value>(content) {
        Ok(value) if value.is_object() => None,
        Ok(_) => Some("the JSON asked for is an object; the answer is another JSON value".to_owned()),
        Err(e) => Some(format!("JSON was asked for; the answer is not JSON: {e}")),
    }
}

/// The soft failure in a successful chat answer `answer` to `request`, if
/// the policy finds one. A body it cannot read is not judged: an unreadable
/// success is a hard failure, caught before.
pub(crate) fn judged<D: Decide>(decide: &D, config: &SoftConfig, request: &[u8], answer: &[u8]) -> Option<Finding> {
    let asked: Request = serde_json::from_slice(request).unwrap_or_default();
    let mut answer: Answer = serde_json::from_slice(answer).ok()?;
    let (message, finish_reason) = match answer.choices.first_mut() {
        Some(choice) => (choice.message.take().unwrap_or_default(), choice.finish_reason.take()),
        None => (AnswerMessage::default(), None),
    };
    let json_asked = asked.asks_json();
    let wrong = format_problem(json_asked, &message);
    let format = match &wrong {
        Some(wrong) => Some(Err(wrong.as_str())),
        None => (json_asked || !message.tool_calls.is_empty()).then_some(Ok(())),
    };
    // Only citations are looked for in the request's text: without them,
    // copying every message of a long conversation is work for nothing.
    let context = if config.grounding.is_some() { asked.context() } else { String::new() };
    let limit_set = asked.max_tokens.is_some() || asked.max_completion_tokens.is_some();
    let reading = Reading {
        content: message.content.as_deref().unwrap_or_default(),
        finish_reason: finish_reason.as_deref(),
        refusal: message.refusal.as_deref(),
        format,
        rate: None,
        calls_tools: !message.tool_calls.is_empty(),
    };
    decide.soft(config, &Asked { limit_set, context: &context }, &reading)
}

/// A finding in words for the decision log, naming the rule or citation.
pub(crate) fn describe(config: &SoftConfig, why: &Why) -> String {
    let pattern = |list: &[regex::Regex], i: usize| list.get(i).map_or_else(String::new, |r| r.as_str().to_owned());
    match why {
        Why::RefusalField => "the answer's refusal field is set".to_owned(),
        Why::ContentFilter => "the answer ended with finish_reason content_filter".to_owned(),
        Why::RefusalPhrase(i) => {
            let phrase = config.refusal_phrases.get(*i).map_or("", String::as_str);
            format!("the answer opens with the refusal phrase \"{phrase}\"")
        }
        Why::Format(wrong) => wrong.clone(),
        Why::Missing(i) => format!("the answer lacks the required pattern {}", pattern(&config.rules.required, *i)),
        Why::Forbidden(i) => {
            format!("the answer matches the forbidden pattern {}", pattern(&config.rules.forbidden, *i))
        }
        Why::TooLong { chars, max } => format!("the answer is {chars} characters long, over the {max} allowed"),
        Why::Empty => "the answer is empty".to_owned(),
        Why::Repetitive(share) => format!("{:.0} % of the answer's word n-grams repeat an earlier one", share * 100.0),
        Why::Truncated => "the answer was cut at its length limit, which the client did not set".to_owned(),
        Why::Slow { rate, baseline } => {
            format!("the answer came at {rate:.1} tokens/s against the provider's usual {baseline:.1}")
        }
        Why::Ungrounded(citation) => format!("the answer cites {citation}, which the request does not contain"),
    }
}

#[cfg(test)]
mod tests {
    use failover_policy::Standard;
    use failover_policy::soft::SoftClass;

    use super::*;

    fn class(config: &SoftConfig, request: &str, answer: &str) -> Option<SoftClass> {
        judged(&Standard, config, request.as_bytes(), answer.as_bytes()).map(|f| f.class)
    }

    fn answer(message: &str, finish: &str) -> String {
        format!(r#"{{"choices":[{{"index":0,"message":{message},"finish_reason":"{finish}"}}]}}"#)
    }

    #[test]
    fn the_request_and_the_answer_are_read_as_the_policy_needs() {
        let config = SoftConfig::default();
        let plain = r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#;
        let json = r#"{"model":"m","messages":[],"response_format":{"type":"json_object"}}"#;
        let good = answer(r#"{"role":"assistant","content":"{\"a\": 1}"}"#, "stop");
        let prose = answer(r#"{"role":"assistant","content":"Sure: {a: 1}"}"#, "stop");
        assert_eq!(class(&config, plain, &good), None);
        assert_eq!(class(&config, json, &good), None);
        assert_eq!(class(&config, plain, &prose), None, "JSON is judged only when asked for");
        assert_eq!(class(&config, json, &prose), Some(SoftClass::FormatViolation));
        let refused = answer(r#"{"role":"assistant","content":null,"refusal":"No."}"#, "stop");
        assert_eq!(class(&config, plain, &refused), Some(SoftClass::Refusal));
        let cut = answer(r#"{"role":"assistant","content":"Half an"}"#, "length");
        assert_eq!(class(&config, plain, &cut), Some(SoftClass::QualityDegradation));
        let limited = r#"{"model":"m","messages":[],"max_completion_tokens":5}"#;
        assert_eq!(class(&config, limited, &cut), None, "the client set the limit");
        let broken_call = answer(
            r#"{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"x\":"}}]}"#,
            "tool_calls",
        );
        assert_eq!(class(&config, plain, &broken_call), Some(SoftClass::FormatViolation));
        let call = broken_call.replace(r#"{\"x\":"#, r#"{\"x\":1}"#);
        assert_eq!(class(&config, plain, &call), None, "a tool call with JSON arguments needs no text");
    }

    #[test]
    fn citations_are_looked_for_in_every_message_text() {
        let config = SoftConfig {
            grounding: Some(failover_policy::soft::Grounding {
                ids: Some(regex::Regex::new(r"\[doc-\d+\]").unwrap()),
                quote_words: None,
            }),
            ..SoftConfig::default()
        };
        let request = r#"{"messages":[{"role":"system","content":"Sources: [doc-1]"},{"role":"user","content":[{"type":"text","text":"and [doc-2]"}]}]}"#;
        let citing = |id: &str| answer(&format!(r#"{{"role":"assistant","content":"See {id}."}}"#), "stop");
        assert_eq!(class(&config, request, &citing("[doc-2]")), None);
        assert_eq!(class(&config, request, &citing("[doc-3]")), Some(SoftClass::Hallucination));
    }
}
