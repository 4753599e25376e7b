//! Reading a successful chat answer, and its request, for the soft-failure
//! judgement (`policy.soft_failures`, capabilities `soft-failures` and
//! `soft-failures-streaming`).
//!
//! The policy judges (`failover_policy::soft`); this reads what it needs:
//! from the request, its messages' text (what citations must come from),
//! whether it set a token limit and whether it asked for JSON; from the
//! answer, its first choice's text, `refusal`, `finish_reason` and tool
//! calls. A whole answer is read at once; a stream's deltas are added up
//! as they are relayed ([`Transcript`]) and judged when it is complete.
use bytes::Bytes;
use failover_policy::Decide;
use std::sync::Arc;
use std::time::Instant;

use failover_policy::soft::{Asked, Finding, RateWatch, Reading, SoftConfig, Why};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;

use super::schemas::Schemas;
use crate::Gateway;

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
    json_schema: Option<SchemaFormat>,
}

/// `response_format.json_schema`: the schema answers must match.
#[derive(Deserialize)]
struct SchemaFormat {
    schema: Option<Box<serde_json::value::RawValue>>,
}

/// The parts of a chat answer the judgement reads.
#[derive(Deserialize)]
struct Answer {
    model: Option<String>,
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
    name: Option<String>,
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

    /// The JSON Schema asked for, if the request gave one the gateway can
    /// compile. One it cannot is the client's to fix, not the provider's:
    /// its answers are judged as JSON only. Remote references are never
    /// fetched (the crate is built without), so a schema is never a way to
    /// make the gateway call out.
    fn schema(&self, schemas: &Schemas) -> Option<Arc<jsonschema::Validator>> {
        let format = self.response_format.as_ref().filter(|f| f.kind == "json_schema")?;
        schemas.compiled(format.json_schema.as_ref()?.schema.as_deref()?)
    }
}

/// What a request asked, as the judgement of its answer needs it.
pub(crate) struct Question {
    json: bool,
    schema: Option<Arc<jsonschema::Validator>>,
    limit_set: bool,
    /// The request's text, read only when citations are checked or a judge
    /// is asked: else copying every message of a long conversation is work
    /// for nothing.
    pub(crate) context: String,
}

impl Question {
    /// Reads `request` (a chat request's body) for answers judged by
    /// `config`, its JSON Schema compiled by `schemas`.
    pub(crate) fn read(config: &SoftConfig, request: &[u8], schemas: &Schemas) -> Self {
        let asked: Request = serde_json::from_slice(request).unwrap_or_default();
        let needs_context = config.grounding.is_some() || config.judge_min_score.is_some();
        let context = if needs_context { asked.context() } else { String::new() };
        let limit_set = asked.max_tokens.is_some() || asked.max_completion_tokens.is_some();
        Question { json: asked.asks_json(), schema: asked.schema(schemas), limit_set, context }
    }
}

/// What an answer's first choice said, whole or added up from a stream,
/// and the model it names.
struct Said<'a> {
    model: Option<&'a str>,
    content: Option<&'a str>,
    refusal: Option<&'a str>,
    finish_reason: Option<&'a str>,
    /// Each tool call's arguments.
    arguments: Vec<&'a str>,
}

/// How an answer's JSON stands, each `None` when not judged: `format`,
/// whether it is the JSON asked for (and each tool call's arguments JSON);
/// `schema`, whether that JSON matches the request's JSON Schema.
struct Json {
    format: Option<Result<(), String>>,
    schema: Option<Result<(), String>>,
}

/// Judges the JSON of an answer, if the request asked for JSON or the
/// answer calls tools (whose arguments are JSON).
fn json_problems(question: &Question, said: &Said<'_>) -> Json {
    let judged = |format| Json { format: Some(format), schema: None };
    for arguments in &said.arguments {
        if let Err(e) = serde_json::from_str::<IgnoredAny>(arguments) {
            return judged(Err(format!("a tool call's arguments are not JSON: {e}")));
        }
    }
    let calls_tools = !said.arguments.is_empty();
    if !question.json || calls_tools {
        return Json { format: calls_tools.then_some(Ok(())), schema: None };
    }
    let Some(content) = said.content else { return judged(Ok(())) };
    let value = match serde_json::from_str::<serde_json::Value>(content) {
        Ok(value) if value.is_object() => value,
        Ok(_) => return judged(Err("the JSON asked for is an object; the answer is another JSON value".to_owned())),
        Err(e) => return judged(Err(format!("JSON was asked for; the answer is not JSON: {e}"))),
    };
    let schema = question.schema.as_ref().map(|validator| match validator.validate(&value) {
        Ok(()) => Ok(()),
        Err(e) => Err(format!("the answer does not match the JSON Schema asked for: {e}")),
    });
    Json { format: Some(Ok(())), schema }
}

/// The policy's judgement of what an answer said to `question`, from a
/// chain entry pinned to `version`, if it is; `rate`, a stream's token rate
/// and its provider's usual, when both are known.
fn judge_said<D: Decide>(
    decide: &D,
    config: &SoftConfig,
    (question, version): (&Question, Option<&str>),
    said: &Said<'_>,
    rate: Option<(f64, f64)>,
) -> Option<Finding> {
    let json = json_problems(question, said);
    let reading = Reading {
        content: said.content.unwrap_or_default(),
        finish_reason: said.finish_reason,
        refusal: said.refusal,
        format: json.format.as_ref().map(|r| r.as_ref().map(|_| ()).map_err(String::as_str)),
        schema: json.schema.as_ref().map(|r| r.as_ref().map(|_| ()).map_err(String::as_str)),
        rate,
        calls_tools: !said.arguments.is_empty(),
        model: said.model,
    };
    decide.soft(config, &Asked { limit_set: question.limit_set, context: &question.context, version }, &reading)
}

/// A whole answer's judgement.
#[derive(Debug, PartialEq)]
pub(crate) enum Judged {
    /// The policy found this soft failure.
    Found(Finding),
    /// Nothing wrong that the gateway can see, and no judge to ask.
    Clean,
    /// Nothing wrong that the gateway can see; the judge provider is to
    /// score the answer's text against the request's.
    ToScore {
        /// The request's message texts.
        context: String,
        /// The answer's text.
        answer: String,
    },
}

#[cfg(test)]
impl Judged {
    /// The soft failure found, if any.
    pub(crate) fn found(self) -> Option<Finding> {
        match self {
            Judged::Found(finding) => Some(finding),
            _ => None,
        }
    }
}

/// The judgement of a successful chat answer `answer` to `request`, from a
/// chain entry pinned to `version`, if it is. A body that cannot be read is
/// not judged: an unreadable success is a hard failure, caught before. An
/// answer without text (tool calls only) gives a judge nothing to score.
pub(crate) fn judged<D: Decide>(
    decide: &D,
    config: &SoftConfig,
    (request, schemas, version): (&[u8], &Schemas, Option<&str>),
    answer: &[u8],
) -> Judged {
    let question = Question::read(config, request, schemas);
    let Ok(answer) = serde_json::from_slice::<Answer>(answer) else { return Judged::Clean };
    let choice = answer.choices.first();
    let message = choice.and_then(|c| c.message.as_ref());
    let said = Said {
        model: answer.model.as_deref(),
        content: message.and_then(|m| m.content.as_deref()),
        refusal: message.and_then(|m| m.refusal.as_deref()),
        finish_reason: choice.and_then(|c| c.finish_reason.as_deref()),
        arguments: message.map_or_else(Vec::new, |m| {
            m.tool_calls
                .iter()
                .map(|c| c.function.as_ref().and_then(|f| f.arguments.as_deref()).unwrap_or_default())
                .collect()
        }),
    };
    if let Some(finding) = judge_said(decide, config, (&question, version), &said, None) {
        return Judged::Found(finding);
    }
    match said.content.filter(|text| config.judge_min_score.is_some() && !text.trim().is_empty()) {
        Some(text) => Judged::ToScore { context: question.context, answer: text.to_owned() },
        None => Judged::Clean,
    }
}

/// The text of a whole chat answer's first choice, if it has one.
pub(crate) fn answer_text(body: &[u8]) -> Option<String> {
    let answer: Answer = serde_json::from_slice(body).ok()?;
    answer.choices.into_iter().next()?.message?.content
}

/// A stream's `rate` against the usual rate of chain position `hop` of
/// `route`: `None` while that is still being learned, from this rate among
/// others.
pub(crate) fn against_usual<D: Decide>(
    gateway: &Gateway<D>,
    route: usize,
    hop: usize,
    rate: f64,
) -> Option<(f64, f64)> {
    let mut rates = crate::lock(gateway.rates.get(route)?);
    let usual = rates.get_mut(hop)?;
    let known = usual.known();
    usual.learn(rate);
    known.map(|usual| (rate, usual))
}

/// A streamed answer's first choice, added up from the chunks relayed.
#[derive(Default)]
pub(crate) struct Transcript {
    id: Option<String>,
    model: Option<String>,
    created: Option<u64>,
    content: Option<String>,
    refusal: Option<String>,
    finish_reason: Option<String>,
    /// Each tool call's arguments, by the call's index.
    arguments: Vec<String>,
    /// Each tool call's id and function name, by the call's index.
    calls: Vec<(Option<String>, String)>,
    /// Chunks carrying text, and when the first and the last arrived: the
    /// stream's generation rate.
    tokens: u32,
    first_token: Option<Instant>,
    last_token: Option<Instant>,
}

/// The parts of a stream chunk the transcript reads.
#[derive(Deserialize)]
struct Chunk {
    id: Option<String>,
    model: Option<String>,
    created: Option<u64>,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    index: u32,
    delta: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    content: Option<String>,
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Vec<DeltaCall>,
}

#[derive(Deserialize)]
struct DeltaCall {
    #[serde(default)]
    index: usize,
    id: Option<String>,
    function: Option<Function>,
}

/// More tool calls than this in one answer are not followed (their index
/// sizes a vector).
const MAX_TOOL_CALLS: usize = 128;

impl Transcript {
    /// Adds one relayed chunk (its `data`, arrived at `now`); what is not a
    /// chunk is skipped.
    pub(crate) fn add(&mut self, data: &[u8], now: Instant) {
        let Ok(chunk) = serde_json::from_slice::<Chunk>(data) else { return };
        self.id = self.id.take().or(chunk.id);
        self.model = self.model.take().or(chunk.model);
        self.created = self.created.or(chunk.created);
        for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
            if choice.finish_reason.is_some() {
                self.finish_reason = choice.finish_reason;
            }
            let Some(delta) = choice.delta else { continue };
            if let Some(text) = delta.content {
                if !text.is_empty() {
                    self.tokens = self.tokens.saturating_add(1);
                    self.first_token.get_or_insert(now);
                    self.last_token = Some(now);
                }
                self.content.get_or_insert_with(String::new).push_str(&text);
            }
            if let Some(text) = delta.refusal {
                self.refusal.get_or_insert_with(String::new).push_str(&text);
            }
            for call in delta.tool_calls.into_iter().filter(|c| c.index < MAX_TOOL_CALLS) {
                if self.arguments.len() <= call.index {
                    self.arguments.resize(call.index + 1, String::new());
                    self.calls.resize(call.index + 1, (None, String::new()));
                }
                let (id, name) = &mut self.calls[call.index];
                *id = id.take().or(call.id);
                let function = call.function.unwrap_or(Function { name: None, arguments: None });
                name.push_str(function.name.as_deref().unwrap_or_default());
                if let Some(arguments) = function.arguments {
                    self.arguments[call.index].push_str(&arguments);
                }
            }
        }
    }

    /// The stream's generation rate, if `watch` measures it (see
    /// [`failover_policy::soft::stream_rate`]).
    pub(crate) fn rate(&self, watch: &RateWatch) -> Option<f64> {
        let span = self.last_token?.saturating_duration_since(self.first_token?);
        failover_policy::soft::stream_rate(self.tokens, span, watch.min_tokens)
    }

    /// The policy's judgement of the whole stream, as an answer to
    /// `question` from a chain entry pinned to `version`, if it is; `rate`,
    /// its rate and its provider's usual, when known.
    pub(crate) fn judged<D: Decide>(
        &self,
        decide: &D,
        config: &SoftConfig,
        asked: (&Question, Option<&str>),
        rate: Option<(f64, f64)>,
    ) -> Option<Finding> {
        let said = Said {
            model: self.model.as_deref(),
            content: self.content.as_deref(),
            refusal: self.refusal.as_deref(),
            finish_reason: self.finish_reason.as_deref(),
            arguments: self.arguments.iter().map(String::as_str).collect(),
        };
        judge_said(decide, config, asked, &said, rate)
    }

    /// The assistant's message the stream added up to, as a whole answer
    /// would have carried it.
    pub(crate) fn message(&self) -> serde_json::Value {
        let mut message = serde_json::Map::new();
        message.insert("role".into(), "assistant".into());
        message.insert("content".into(), self.content.clone().map_or(serde_json::Value::Null, Into::into));
        if !self.calls.is_empty() {
            let calls = self.calls.iter().zip(&self.arguments).map(|((id, name), arguments)| {
                json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
            });
            message.insert("tool_calls".into(), calls.collect());
        }
        if let Some(refusal) = &self.refusal {
            message.insert("refusal".into(), refusal.clone().into());
        }
        serde_json::Value::Object(message)
    }

    /// The `data` of the chunk that ends a stream judged a soft failure,
    /// before `[DONE]`: no choices (as OpenAI's usage chunk), and the
    /// finding under `failover`.
    pub(crate) fn flag(&self, finding: &Finding, detail: &str) -> Bytes {
        let chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [],
            "failover": {"soft_failure": {"class": finding.class.name(), "detail": detail}},
        });
        Bytes::from(chunk.to_string())
    }
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
        Why::Format(wrong) | Why::Schema(wrong) => wrong.clone(),
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
        Why::Substituted(model) => format!("the answer names model {model}, not the version its chain entry pins"),
        Why::Scored { score, min } => {
            format!("the judge provider scored the answer {score} against a minimum of {min}")
        }
    }
}

#[cfg(test)]
mod tests {
    use failover_policy::Standard;
    use failover_policy::soft::SoftClass;

    use super::*;

    fn class(config: &SoftConfig, request: &str, answer: &str) -> Option<SoftClass> {
        judged(&Standard, config, (request.as_bytes(), &Schemas::default(), None), answer.as_bytes())
            .found()
            .map(|f| f.class)
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

    fn streamed(config: &SoftConfig, request: &str, chunks: &[&str]) -> Option<SoftClass> {
        let mut transcript = Transcript::default();
        for chunk in chunks {
            transcript.add(chunk.as_bytes(), Instant::now());
        }
        transcript
            .judged(&Standard, config, (&Question::read(config, request.as_bytes(), &Schemas::default()), None), None)
            .map(|f| f.class)
    }

    #[test]
    fn a_streams_rate_counts_the_chunks_with_text_from_the_first_to_the_last() {
        let chunk = |text: &str| format!(r#"{{"choices":[{{"index":0,"delta":{{"content":"{text}"}}}}]}}"#);
        let start = Instant::now();
        let mut transcript = Transcript::default();
        let watch = RateWatch { baseline_streams: 1, min_tokens: 3 };
        transcript.add(chunk("").as_bytes(), start);
        for i in 1..=3 {
            transcript.add(chunk("word").as_bytes(), start + std::time::Duration::from_millis(100 * i));
            assert_eq!(transcript.rate(&watch), (i == 3).then_some(10.0), "after {i} chunks with text");
        }
        transcript.add(b"not a chunk", start + std::time::Duration::from_secs(9));
        assert_eq!(
            transcript.rate(&watch),
            Some(10.0),
            "the first chunk, without text, and the rest count for nothing"
        );
    }

    #[test]
    fn a_stream_is_judged_on_its_deltas_added_up() {
        let config = SoftConfig::default();
        let plain = r#"{"model":"m","messages":[],"max_tokens":9,"stream":true}"#;
        let json = r#"{"model":"m","messages":[],"response_format":{"type":"json_object"},"stream":true}"#;
        let piece = |text: &str| format!(r#"{{"id":"c1","choices":[{{"index":0,"delta":{{"content":{text:?}}}}}]}}"#);
        let (open, close) = (piece("{\"a\": "), piece("1}"));
        let stop = r#"{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;
        let usage = r#"{"id":"c1","choices":[],"usage":{"total_tokens":3}}"#;
        assert_eq!(streamed(&config, json, &[&open, &close, stop, usage]), None, "JSON split across chunks is JSON");
        assert_eq!(streamed(&config, json, &[&open, stop]), Some(SoftClass::FormatViolation));
        let other_choice = r#"{"choices":[{"index":1,"delta":{"content":"{}"}}]}"#;
        assert_eq!(
            streamed(&config, json, &[other_choice, stop]),
            Some(SoftClass::QualityDegradation),
            "only the first choice counts"
        );
        let refusal = r#"{"choices":[{"index":0,"delta":{"refusal":"No."}}]}"#;
        assert_eq!(streamed(&config, plain, &[refusal, stop]), Some(SoftClass::Refusal));
        let cut = r#"{"choices":[{"index":0,"delta":{"content":"Half"},"finish_reason":"length"}]}"#;
        assert_eq!(streamed(&config, plain, &[cut]), None, "the client set the limit");
        let call = |i: usize, args: &str| {
            format!(
                r#"{{"choices":[{{"index":0,"delta":{{"tool_calls":[{{"index":{i},"function":{{"arguments":{args:?}}}}}]}}}}]}}"#
            )
        };
        let calls = [call(0, "{\"x\":"), call(1, "{}"), call(0, "1}")];
        let calls: Vec<&str> = calls.iter().map(String::as_str).collect();
        assert_eq!(streamed(&config, plain, &calls), None, "each call's arguments are added up by its index");
        assert_eq!(streamed(&config, plain, &calls[..2]), Some(SoftClass::FormatViolation));
        assert_eq!(streamed(&config, plain, &["not json", stop]), Some(SoftClass::QualityDegradation));
    }

    #[test]
    fn the_flag_chunk_names_the_stream_and_the_finding() {
        let mut transcript = Transcript::default();
        transcript.add(
            br#"{"id":"c1","created":7,"model":"m-1","choices":[{"index":0,"delta":{"refusal":"No."}}]}"#,
            Instant::now(),
        );
        let finding = Finding { class: SoftClass::Refusal, why: Why::RefusalField };
        let flag: serde_json::Value = serde_json::from_slice(&transcript.flag(&finding, "why")).unwrap();
        assert_eq!(
            flag,
            serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "created": 7, "model": "m-1", "choices": [],
                "failover": {"soft_failure": {"class": "refusal", "detail": "why"}}})
        );
    }

    #[test]
    fn json_asked_with_a_schema_must_match_it() {
        let config = SoftConfig::default();
        let format = |schema: &str| {
            format!(
                r#"{{"messages":[],"response_format":{{"type":"json_schema","json_schema":{{"name":"a","schema":{schema}}}}}}}"#
            )
        };
        let schema = format(r#"{"type":"object","required":["answer"],"properties":{"answer":{"type":"integer"}}}"#);
        let said = |content: &str| answer(&format!(r#"{{"role":"assistant","content":{content:?}}}"#), "stop");
        assert_eq!(class(&config, &schema, &said(r#"{"answer": 42}"#)), None);
        assert_eq!(class(&config, &schema, &said(r#"{"answer": "42"}"#)), Some(SoftClass::FormatViolation));
        assert_eq!(class(&config, &schema, &said(r#"{"other": 1}"#)), Some(SoftClass::FormatViolation));
        assert_eq!(class(&config, &schema, &said("42")), Some(SoftClass::FormatViolation), "not an object");
        let finding = judged(
            &Standard,
            &config,
            (schema.as_bytes(), &Schemas::default(), None),
            said(r#"{"answer": "42"}"#).as_bytes(),
        )
        .found()
        .unwrap();
        assert!(matches!(&finding.why, Why::Schema(w) if w.contains("integer")), "{:?}", finding.why);
        // A schema the gateway cannot compile, or cannot resolve without
        // fetching, is the client's to fix: the answer is judged as JSON only.
        let broken = format(r#"{"type":"no such type"}"#);
        assert_eq!(class(&config, &broken, &said(r#"{"answer": "42"}"#)), None);
        let remote = format(r#"{"$ref":"https://example.com/schema.json"}"#);
        assert_eq!(class(&config, &remote, &said(r#"{"answer": "42"}"#)), None);
        assert_eq!(class(&config, &remote, &said("prose")), Some(SoftClass::FormatViolation));
    }

    #[test]
    fn with_a_judge_a_text_answer_with_nothing_wrong_is_sent_to_be_scored_with_the_requests_text() {
        let config = SoftConfig { judge_min_score: Some(0.5), ..SoftConfig::default() };
        let request = r#"{"messages":[{"role":"user","content":"Per [doc-1], what is it?"}]}"#;
        let good = answer(r#"{"role":"assistant","content":"It is 42."}"#, "stop");
        let to_score = Judged::ToScore { context: "Per [doc-1], what is it?\n".into(), answer: "It is 42.".into() };
        assert_eq!(
            judged(&Standard, &config, (request.as_bytes(), &Schemas::default(), None), good.as_bytes()),
            to_score
        );
        let empty = answer(r#"{"role":"assistant","content":""}"#, "stop");
        let found = judged(&Standard, &config, (request.as_bytes(), &Schemas::default(), None), empty.as_bytes());
        assert!(matches!(found, Judged::Found(_)), "a soft failure the gateway sees is not the judge's: {found:?}");
        let call = answer(
            r#"{"role":"assistant","content":" ","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}"#,
            "tool_calls",
        );
        assert_eq!(
            judged(&Standard, &config, (request.as_bytes(), &Schemas::default(), None), call.as_bytes()),
            Judged::Clean,
            "no text to score"
        );
        let unjudged = SoftConfig::default();
        assert_eq!(
            judged(&Standard, &unjudged, (request.as_bytes(), &Schemas::default(), None), good.as_bytes()),
            Judged::Clean,
            "no judge"
        );
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
