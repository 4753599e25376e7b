//! Soft failures: answers that arrive as a success but are wrong.
//!
//! A provider can answer 200 with a refusal, with JSON that is not JSON, with
//! text that ignores the route's rules, with an empty or looping answer, or
//! with citations found nowhere in what it was given. The HTTP status says
//! nothing about any of these; this module judges the answer itself, from
//! what the shell read out of it ([`Reading`]) and what the request asked
//! ([`Asked`]).
//!
//! What a gateway can check is limited: it sees the words, not the world. It
//! catches a refusal the provider marks or phrases as configured, JSON that
//! does not parse or match the requested schema, a rule of the route broken,
//! an answer empty, repetitive, cut short or far slower than the provider's
//! usual, and citations (URLs, document ids, long quotations) that appear
//! nowhere in the request. It does not catch a fluent, uncited falsehood,
//! unless a judge provider, another model asked to score the answer against
//! its context ([`score`], [`scored`]), does: a judge is a model too, and
//! wrong at times.
//!
//! A provider can also change the model behind a name without notice. Where
//! the config pins the version a chain entry must be served by, an answer
//! naming another model is a model substitution, whatever its words.
//!
//! When several classes apply, the first in this order is reported: model
//! substitution (it says why everything else may be off), refusal, format
//! violation, instruction drift, quality degradation, hallucination, most
//! specific first (a refusal is also off-instruction and short).
use std::time::Duration;

use regex::Regex;

use crate::Class;

/// The six classes of failure that arrive as a successful answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(into = "&'static str"))]
pub enum SoftClass {
    /// The provider declined to answer.
    Refusal,
    /// The request asked for JSON and the answer is not that JSON.
    FormatViolation,
    /// The answer breaks a rule configured for the route.
    InstructionDrift,
    /// Empty, repetitive, cut short or far slower than usual.
    QualityDegradation,
    /// Citations that appear nowhere in what the provider was given.
    Hallucination,
    /// The answer names a model other than the version its chain entry pins.
    ModelSubstitution,
}

/// Every soft class, for tables and exhaustive tests.
pub const ALL_SOFT: [SoftClass; 6] = [
    SoftClass::Refusal,
    SoftClass::FormatViolation,
    SoftClass::InstructionDrift,
    SoftClass::QualityDegradation,
    SoftClass::Hallucination,
    SoftClass::ModelSubstitution,
];

impl SoftClass {
    /// The name in events, headers and metrics.
    pub fn name(self) -> &'static str {
        match self {
            SoftClass::Refusal => "refusal",
            SoftClass::FormatViolation => "format_violation",
            SoftClass::InstructionDrift => "instruction_drift",
            SoftClass::QualityDegradation => "quality_degradation",
            SoftClass::Hallucination => "hallucination",
            SoftClass::ModelSubstitution => "model_substitution",
        }
    }
}

impl From<SoftClass> for &'static str {
    fn from(class: SoftClass) -> Self {
        class.name()
    }
}

/// Why an answer was judged a soft failure.
#[derive(Clone, Debug, PartialEq)]
pub enum Why {
    /// The message's `refusal` field is set.
    RefusalField,
    /// `finish_reason` is `content_filter`.
    ContentFilter,
    /// The answer starts with the configured refusal phrase at this index.
    RefusalPhrase(usize),
    /// The JSON asked for does not parse, or is not an object: the shell's words.
    Format(String),
    /// The JSON does not match the JSON Schema the request gave: the shell's
    /// words, naming where it departs.
    Schema(String),
    /// The route's required pattern at this index is missing.
    Missing(usize),
    /// The route's forbidden pattern at this index is present.
    Forbidden(usize),
    /// The answer is longer than the route allows, in characters.
    TooLong {
        /// Its length.
        chars: usize,
        /// The route's limit.
        max: usize,
    },
    /// Fewer visible characters than the configured minimum.
    Empty,
    /// This share of the answer's word n-grams repeats an earlier one.
    Repetitive(f64),
    /// `finish_reason` is `length` although the client set no limit.
    Truncated,
    /// Tokens per second below the configured share of the provider's baseline.
    Slow {
        /// This answer's rate.
        rate: f64,
        /// The provider's usual rate.
        baseline: f64,
    },
    /// A citation that appears nowhere in the request.
    Ungrounded(String),
    /// The answer names this model, not the version its entry pins.
    Substituted(String),
    /// The judge provider scored the answer below the minimum.
    Scored {
        /// Its score, in [0, 1].
        score: f64,
        /// The minimum.
        min: f64,
    },
}

/// A soft failure found in an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Its class.
    pub class: SoftClass,
    /// What gave it away.
    pub why: Why,
}

/// Quality thresholds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quality {
    /// An answer with fewer visible (non-whitespace) characters is empty.
    pub min_chars: usize,
    /// Words per n-gram for the repetition measure.
    pub ngram: usize,
    /// Share of repeated n-grams above which an answer is repetitive, in (0, 1].
    pub max_repeated: f64,
    /// Answers with fewer n-grams than this are too short to judge repetitive.
    pub min_ngrams: usize,
    /// A rate below this share of the provider's baseline is degraded, in [0, 1).
    pub min_rate_share: f64,
}

impl Default for Quality {
    fn default() -> Self {
        Self { min_chars: 1, ngram: 3, max_repeated: 0.5, min_ngrams: 10, min_rate_share: 0.1 }
    }
}

/// A route's rules for its answers.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// Patterns every answer must contain.
    pub required: Vec<Regex>,
    /// Patterns no answer may contain.
    pub forbidden: Vec<Regex>,
    /// Longest answer allowed, in characters.
    pub max_chars: Option<usize>,
}

/// What counts as a citation that must be grounded.
#[derive(Clone, Debug)]
pub struct Grounding {
    /// Document ids, e.g. `\[doc-\d+\]`; URLs always count.
    pub ids: Option<Regex>,
    /// A double-quoted span of at least this many words must appear in the
    /// request; `None` leaves quotations alone.
    pub quote_words: Option<usize>,
}

/// How streams' generation rates are measured against their provider's usual.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateWatch {
    /// Measured streams whose mean rate is the provider's usual rate.
    pub baseline_streams: u32,
    /// Streams with fewer content chunks are not measured.
    pub min_tokens: u32,
}

/// Spans shorter than this say nothing about a rate: the chunks arrived
/// together, read in one go.
const MIN_SPAN: Duration = Duration::from_millis(1);

/// A stream's generation rate in tokens (content chunks) per second: the
/// chunks after the first over `span`, the time from the first to the last.
/// Time to the first chunk is latency, which health scoring judges, not
/// rate. `None` when fewer than `min_tokens` (at least 2) came, or they
/// came within a millisecond.
pub fn stream_rate(tokens: u32, span: Duration, min_tokens: u32) -> Option<f64> {
    (tokens >= min_tokens.max(2) && span >= MIN_SPAN).then(|| f64::from(tokens - 1) / span.as_secs_f64())
}

/// How answers are judged.
#[derive(Clone, Debug, Default)]
pub struct SoftConfig {
    /// Lower-case phrases that, opening an answer, make it a refusal.
    pub refusal_phrases: Vec<String>,
    /// The route's rules.
    pub rules: Rules,
    /// Quality thresholds.
    pub quality: Quality,
    /// Citation checking; `None` checks none.
    pub grounding: Option<Grounding>,
    /// Stream rate measuring; `None` measures none.
    pub rate: Option<RateWatch>,
    /// The score below which a judge provider's score makes an answer a
    /// hallucination; `None` when no judge is asked.
    pub judge_min_score: Option<f64>,
    /// The classes acted on: a non-streamed answer of one of these is a
    /// failed attempt, and the request moves on. The rest are only flagged.
    pub fail_over_on: Vec<SoftClass>,
}

/// Whether a finding counts against its provider's breaker as a failed
/// call: its class is acted on (see [`SoftConfig::fail_over_on`]). A streamed
/// answer is counted too, though it cannot be taken back.
pub fn counts(config: &SoftConfig, finding: &Finding) -> bool {
    config.fail_over_on.contains(&finding.class)
}

/// Whether a finding makes its attempt a failed one, so the request moves
/// on; a streamed answer has reached the client and is never taken back.
pub fn fails_over(config: &SoftConfig, finding: &Finding, streamed: bool) -> bool {
    !streamed && counts(config, finding)
}

/// Whether an answer of `class`, with the soft judgement's `finding` (if
/// answers are judged), is a provider's content policy refusing the
/// request: an error status of class [`Class::ContentFiltered`], or a success
/// that ended with `finish_reason: content_filter`.
pub fn content_filtered(class: Class, finding: Option<&Finding>) -> bool {
    match class {
        Class::ContentFiltered => true,
        Class::Success => finding.is_some_and(|f| f.why == Why::ContentFilter),
        _ => false,
    }
}

/// What the request asked for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Asked<'a> {
    /// Whether the client set a token limit (`max_tokens` or
    /// `max_completion_tokens`): then a `length` finish is what it asked for.
    pub limit_set: bool,
    /// The request's own text (every message's content), which citations
    /// must come from.
    pub context: &'a str,
    /// The model version the attempt's chain entry pins (`model_version`):
    /// the answer must name exactly it.
    pub version: Option<&'a str>,
}

/// What the shell read out of a successful answer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reading<'a> {
    /// The answer's text (a stream's, concatenated).
    pub content: &'a str,
    /// `finish_reason`.
    pub finish_reason: Option<&'a str>,
    /// The message's `refusal` field.
    pub refusal: Option<&'a str>,
    /// When the request asked for JSON (a `response_format`, or tool calls):
    /// `Err` with what is wrong when the answer is not that JSON.
    pub format: Option<Result<(), &'a str>>,
    /// When the request gave a JSON Schema and the answer is JSON: `Err`
    /// with where the answer departs from the schema.
    pub schema: Option<Result<(), &'a str>>,
    /// This answer's completion tokens per second, and the provider's usual.
    pub rate: Option<(f64, f64)>,
    /// Whether the answer calls tools: then an empty text is no degradation.
    pub calls_tools: bool,
    /// The model the answer says served it (its `model` field; a stream's
    /// first chunk's).
    pub model: Option<&'a str>,
}

/// Judges one successful answer; `None` when nothing is wrong with it that
/// a gateway can see.
pub fn judge(config: &SoftConfig, asked: &Asked<'_>, answer: &Reading<'_>) -> Option<Finding> {
    let found = |class, why| Some(Finding { class, why });
    if let Some(model) = substituted(asked.version, answer.model) {
        return found(SoftClass::ModelSubstitution, Why::Substituted(model.to_owned()));
    }
    if let Some(why) = refusal(config, answer) {
        return found(SoftClass::Refusal, why);
    }
    if let Some(Err(wrong)) = answer.format {
        return found(SoftClass::FormatViolation, Why::Format(wrong.to_owned()));
    }
    if let Some(Err(wrong)) = answer.schema {
        return found(SoftClass::FormatViolation, Why::Schema(wrong.to_owned()));
    }
    if let Some(why) = drift(&config.rules, answer.content) {
        return found(SoftClass::InstructionDrift, why);
    }
    if let Some(why) = quality(&config.quality, asked, answer) {
        return found(SoftClass::QualityDegradation, why);
    }
    let citation = ungrounded(config.grounding.as_ref()?, asked.context, answer.content)?;
    found(SoftClass::Hallucination, Why::Ungrounded(citation))
}

/// The model an answer names when it is not the pinned `version`. An answer
/// naming no model contradicts nothing; names are compared exactly, for a
/// dated version is the whole point of pinning one.
fn substituted<'a>(version: Option<&str>, model: Option<&'a str>) -> Option<&'a str> {
    model.filter(|m| version.is_some_and(|v| v != *m))
}

fn refusal(config: &SoftConfig, answer: &Reading<'_>) -> Option<Why> {
    if answer.refusal.is_some_and(|r| !r.trim().is_empty()) {
        return Some(Why::RefusalField);
    }
    if answer.finish_reason == Some("content_filter") {
        return Some(Why::ContentFilter);
    }
    let opening = answer.content.trim_start().to_lowercase();
    config.refusal_phrases.iter().position(|p| !p.is_empty() && opening.starts_with(p.as_str())).map(Why::RefusalPhrase)
}

fn drift(rules: &Rules, content: &str) -> Option<Why> {
    if let Some(i) = rules.required.iter().position(|r| !r.is_match(content)) {
        return Some(Why::Missing(i));
    }
    if let Some(i) = rules.forbidden.iter().position(|r| r.is_match(content)) {
        return Some(Why::Forbidden(i));
    }
    let chars = content.chars().count();
    rules.max_chars.filter(|&max| chars > max).map(|max| Why::TooLong { chars, max })
}

fn quality(quality: &Quality, asked: &Asked<'_>, answer: &Reading<'_>) -> Option<Why> {
    if !answer.calls_tools && answer.content.chars().filter(|c| !c.is_whitespace()).count() < quality.min_chars {
        return Some(Why::Empty);
    }
    if answer.finish_reason == Some("length") && !asked.limit_set {
        return Some(Why::Truncated);
    }
    if let Some(share) = repeated_share(answer.content, quality.ngram, quality.min_ngrams) {
        if share > quality.max_repeated {
            return Some(Why::Repetitive(share));
        }
    }
    let (rate, baseline) = answer.rate?;
    (rate < quality.min_rate_share * baseline).then_some(Why::Slow { rate, baseline })
}

/// The share of the text's word `n`-grams that repeat an earlier one, or
/// `None` when it has fewer than `min_ngrams` of them.
pub fn repeated_share(text: &str, n: usize, min_ngrams: usize) -> Option<f64> {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let n = n.max(1);
    let total = words.len().checked_sub(n - 1)?;
    if total < min_ngrams.max(1) {
        return None;
    }
    let distinct: std::collections::HashSet<&[String]> = words.windows(n).collect();
    Some((total - distinct.len()) as f64 / total as f64)
}

/// The score in a judge provider's reply: its first word that is a number
/// in [0, 1], the punctuation a sentence puts around it aside. A reply
/// without one scores nothing: the answer goes unjudged rather than being
/// blamed for its judge's words.
pub fn score(reply: &str) -> Option<f64> {
    reply
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| "()[]{}<>,;:!?\"'*_`".contains(c)).trim_end_matches('.'))
        .find_map(|word| word.parse::<f64>().ok().filter(|s| (0.0..=1.0).contains(s)))
}

/// The finding for an answer its judge scored `score`: a hallucination
/// below `min`.
pub fn scored(score: f64, min: f64) -> Option<Finding> {
    (score < min).then_some(Finding { class: SoftClass::Hallucination, why: Why::Scored { score, min } })
}

/// The first citation in `answer` that appears nowhere in `context`.
pub fn ungrounded(grounding: &Grounding, context: &str, answer: &str) -> Option<String> {
    let urls = answer.split_whitespace().filter_map(url);
    let ids = grounding.ids.iter().flat_map(|r| r.find_iter(answer).map(|m| m.as_str()));
    let quotes = grounding.quote_words.into_iter().flat_map(|words| quotations(answer, words));
    urls.chain(ids).chain(quotes).find(|c| !context.contains(c)).map(str::to_owned)
}

/// A URL in one whitespace-separated word, without the punctuation a
/// sentence puts around it.
fn url(word: &str) -> Option<&str> {
    let start = word.find("https://").or_else(|| word.find("http://"))?;
    let url = word[start..].trim_end_matches(|c: char| ".,;:!?)]}>'\"".contains(c));
    (url.len() > "https://".len()).then_some(url)
}

/// Double-quoted spans of at least `words` words.
fn quotations(answer: &str, words: usize) -> impl Iterator<Item = &str> {
    answer.split('"').skip(1).step_by(2).map(str::trim).filter(move |q| q.split_whitespace().count() >= words.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SoftConfig {
        SoftConfig {
            refusal_phrases: vec!["i can't help with".into(), "i'm sorry, but".into()],
            rules: Rules {
                required: vec![Regex::new("(?i)answer:").unwrap()],
                forbidden: vec![Regex::new("(?i)as an ai").unwrap()],
                max_chars: Some(200),
            },
            quality: Quality::default(),
            grounding: Some(Grounding { ids: Some(Regex::new(r"\[doc-\d+\]").unwrap()), quote_words: Some(4) }),
            rate: None,
            judge_min_score: None,
            fail_over_on: vec![SoftClass::FormatViolation],
        }
    }

    #[test]
    fn a_content_policy_refusal_is_a_filtered_status_or_a_filtered_ending() {
        let filtered = Finding { class: SoftClass::Refusal, why: Why::ContentFilter };
        let refused = Finding { class: SoftClass::Refusal, why: Why::RefusalField };
        assert!(content_filtered(Class::ContentFiltered, None));
        assert!(content_filtered(Class::Success, Some(&filtered)));
        assert!(!content_filtered(Class::Success, Some(&refused)), "a refusal in words is the model's, not a filter's");
        assert!(!content_filtered(Class::Success, None));
        assert!(!content_filtered(Class::ClientError, Some(&filtered)));
    }

    #[test]
    fn only_the_classes_configured_and_never_a_stream_fail_over() {
        let finding = |class| Finding { class, why: Why::Empty };
        let config = config();
        assert!(fails_over(&config, &finding(SoftClass::FormatViolation), false));
        assert!(!fails_over(&config, &finding(SoftClass::FormatViolation), true), "a stream cannot be taken back");
        assert!(counts(&config, &finding(SoftClass::FormatViolation)), "but its provider's breaker counts it");
        for class in ALL_SOFT.into_iter().filter(|c| *c != SoftClass::FormatViolation) {
            assert!(!fails_over(&config, &finding(class), false), "{class:?} is only flagged");
            assert!(!counts(&config, &finding(class)), "{class:?} is not counted");
        }
    }

    fn judged(content: &str) -> Option<(SoftClass, Why)> {
        let asked = Asked {
            limit_set: false,
            context: "see [doc-1] and https://example.com/a, \"the sky is blue today\"",
            version: None,
        };
        judge(&config(), &asked, &Reading { content, ..Reading::default() }).map(|f| (f.class, f.why))
    }

    #[test]
    fn a_stream_rate_is_the_chunks_after_the_first_over_the_span_once_there_are_enough() {
        let ms = Duration::from_millis;
        assert_eq!(stream_rate(5, ms(500), 5), Some(8.0));
        assert_eq!(stream_rate(4, ms(500), 5), None, "fewer chunks than measured");
        assert_eq!(stream_rate(2, ms(500), 0), Some(2.0), "at least two chunks, whatever the minimum");
        assert_eq!(stream_rate(1, ms(500), 0), None);
        assert_eq!(stream_rate(8, Duration::from_micros(999), 2), None, "chunks read in one go");
        assert_eq!(stream_rate(3, ms(1), 2), Some(2000.0));
    }

    #[test]
    fn a_stream_far_slower_than_its_providers_usual_is_degraded() {
        let judged = |rate| {
            let answer = Reading { content: "Answer: fine", rate: Some((rate, 100.0)), ..Reading::default() };
            judge(&config(), &Asked::default(), &answer).map(|f| (f.class, f.why))
        };
        let why = Why::Slow { rate: 9.9, baseline: 100.0 };
        assert_eq!(judged(9.9), Some((SoftClass::QualityDegradation, why)), "under a tenth of usual");
        assert_eq!(judged(10.0), None, "a tenth of usual is not under it");
    }

    #[test]
    fn a_judges_score_is_its_first_word_that_is_a_number_from_0_to_1() {
        assert_eq!(score("0.2"), Some(0.2));
        assert_eq!(score("Score: 0.75."), Some(0.75));
        assert_eq!(score("I'd say 1"), Some(1.0));
        assert_eq!(score("7 out of 10, so 0.7"), Some(0.7), "7 is no score from 0 to 1");
        assert_eq!(score("(0)"), Some(0.0));
        assert_eq!(score("-0.5 1.5 ."), None);
        assert_eq!(score("supported"), None);
        assert_eq!(score(""), None);
    }

    #[test]
    fn an_answer_scored_below_the_minimum_is_a_hallucination() {
        let found = scored(0.49, 0.5).expect("below the minimum");
        assert_eq!((found.class, found.why), (SoftClass::Hallucination, Why::Scored { score: 0.49, min: 0.5 }));
        assert_eq!(scored(0.5, 0.5), None, "the minimum itself passes");
        assert_eq!(scored(1.0, 1.0), None);
    }

    #[test]
    fn a_good_answer_is_no_soft_failure() {
        assert_eq!(judged("Answer: per [doc-1] and https://example.com/a, \"the sky is blue today\"."), None);
    }

    #[test]
    fn refusals_are_found_by_field_by_finish_reason_and_by_phrase() {
        let c = config();
        let asked = Asked::default();
        let field = Reading { content: "Answer: x", refusal: Some("no"), ..Reading::default() };
        assert_eq!(judge(&c, &asked, &field).map(|f| f.why), Some(Why::RefusalField));
        let blank = Reading { content: "Answer: x", refusal: Some(" "), ..Reading::default() };
        assert_eq!(judge(&c, &asked, &blank), None, "an empty refusal field refuses nothing");
        let filtered = Reading { content: "Answer: x", finish_reason: Some("content_filter"), ..Reading::default() };
        assert_eq!(judge(&c, &asked, &filtered).map(|f| f.why), Some(Why::ContentFilter));
        assert_eq!(judged("  I'm sorry, but no. Answer: none"), Some((SoftClass::Refusal, Why::RefusalPhrase(1))));
        assert_eq!(judged("Answer: I can't help with that"), None, "a phrase counts only at the start");
    }

    #[test]
    fn json_that_is_not_the_json_asked_for_is_a_format_violation() {
        let asked = Asked::default();
        let wrong = Reading { content: "Answer: {", format: Some(Err("expected `}`")), ..Reading::default() };
        let found = judge(&config(), &asked, &wrong).expect("a format violation");
        assert_eq!((found.class, found.why), (SoftClass::FormatViolation, Why::Format("expected `}`".into())));
        let right = Reading { content: "Answer: {}", format: Some(Ok(())), ..Reading::default() };
        assert_eq!(judge(&config(), &asked, &right), None);
        let off_schema = Reading { schema: Some(Err("\"a\" is required")), ..right };
        let found = judge(&config(), &asked, &off_schema).expect("a schema mismatch");
        assert_eq!((found.class, found.why), (SoftClass::FormatViolation, Why::Schema("\"a\" is required".into())));
        assert_eq!(judge(&config(), &asked, &Reading { schema: Some(Ok(())), ..right }), None);
    }

    #[test]
    fn the_routes_rules_catch_drift() {
        assert_eq!(judged("no marker"), Some((SoftClass::InstructionDrift, Why::Missing(0))));
        assert_eq!(judged("Answer: as an AI I think"), Some((SoftClass::InstructionDrift, Why::Forbidden(0))));
        let long = format!("Answer: {}", "x".repeat(193));
        assert_eq!(judged(&long), Some((SoftClass::InstructionDrift, Why::TooLong { chars: 201, max: 200 })));
        assert_eq!(judged(&long[..200]), None, "exactly the limit is allowed");
    }

    #[test]
    fn empty_truncated_repetitive_and_slow_answers_are_degraded() {
        let mut c = config();
        c.rules = Rules::default();
        let asked = Asked::default();
        let judge_it = |r: Reading<'_>| judge(&c, &asked, &r).map(|f| (f.class, f.why));
        assert_eq!(
            judge_it(Reading { content: " \n", ..Reading::default() }),
            Some((SoftClass::QualityDegradation, Why::Empty))
        );
        assert_eq!(judge_it(Reading { calls_tools: true, ..Reading::default() }), None, "a tool call needs no text");
        let cut = Reading { content: "half an", finish_reason: Some("length"), ..Reading::default() };
        assert_eq!(judge_it(cut), Some((SoftClass::QualityDegradation, Why::Truncated)));
        let limited = Asked { limit_set: true, context: "", version: None };
        assert_eq!(judge(&c, &limited, &cut), None, "a limit the client set is no degradation");
        let looping = "the cat sat ".repeat(10);
        let Some((SoftClass::QualityDegradation, Why::Repetitive(share))) =
            judge_it(Reading { content: &looping, ..Reading::default() })
        else {
            panic!("a looping answer is repetitive")
        };
        assert!((share - 25.0 / 28.0).abs() < 1e-9, "28 trigrams, 3 distinct: {share}");
        let slow = Reading { content: "fine", rate: Some((0.9, 10.0)), ..Reading::default() };
        assert_eq!(judge_it(slow), Some((SoftClass::QualityDegradation, Why::Slow { rate: 0.9, baseline: 10.0 })));
        assert_eq!(judge_it(Reading { content: "fine", rate: Some((1.0, 10.0)), ..Reading::default() }), None);
    }

    #[test]
    fn repetition_needs_enough_ngrams_to_judge() {
        assert_eq!(repeated_share("a b a b", 2, 4), None, "three bigrams");
        assert_eq!(repeated_share("a b a b a", 2, 4), Some(0.5), "four bigrams, two distinct");
        assert_eq!(repeated_share("one two three four five", 3, 3), Some(0.0));
        assert_eq!(repeated_share("", 3, 1), None);
    }

    #[test]
    fn citations_found_nowhere_in_the_request_are_hallucinations() {
        let hallucinated = |why: &str| Some((SoftClass::Hallucination, Why::Ungrounded(why.into())));
        assert_eq!(judged("Answer: see https://example.com/b."), hallucinated("https://example.com/b"));
        assert_eq!(judged("Answer: (https://example.com/a)."), None, "punctuation around a URL is not the URL");
        assert_eq!(judged("Answer: per [doc-2]"), hallucinated("[doc-2]"));
        assert_eq!(judged("Answer: \"the sea is green today\""), hallucinated("the sea is green today"));
        assert_eq!(judged("Answer: \"the sea\" is short"), None, "a short quotation is no citation");
    }

    #[test]
    fn the_most_specific_class_wins() {
        // A refusal that also misses the marker and cites nothing known.
        assert_eq!(judged("I can't help with https://evil.example"), Some((SoftClass::Refusal, Why::RefusalPhrase(0))));
        assert_eq!(judged("as an AI, \"\""), Some((SoftClass::InstructionDrift, Why::Missing(0))));
    }

    #[test]
    fn without_grounding_nothing_is_a_hallucination() {
        let mut c = config();
        c.grounding = None;
        let answer = Reading { content: "Answer: https://nowhere.example", ..Reading::default() };
        assert_eq!(judge(&c, &Asked::default(), &answer), None);
    }

    #[test]
    fn every_class_has_its_own_name() {
        let names: std::collections::BTreeSet<&str> = ALL_SOFT.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), ALL_SOFT.len());
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')), "{names:?}");
    }

    #[test]
    fn an_answer_naming_another_model_than_the_pinned_version_is_a_substitution_before_anything_else() {
        let pinned = Asked { version: Some("gpt-4o-2024-08-06"), ..Asked::default() };
        let refusal = Reading { content: "I can't help with that.", ..Reading::default() };
        let as_model = |model| Reading { model: Some(model), ..refusal };
        let other = judge(&config(), &pinned, &as_model("gpt-4o-mini-2024-07-18"));
        assert_eq!(
            other,
            Some(Finding {
                class: SoftClass::ModelSubstitution,
                why: Why::Substituted("gpt-4o-mini-2024-07-18".into())
            })
        );
        assert_eq!(
            judge(&config(), &pinned, &as_model("gpt-4o-2024-08-06")).map(|f| f.class),
            Some(SoftClass::Refusal)
        );
        assert_eq!(judge(&config(), &pinned, &as_model("gpt-4o")).map(|f| f.class), Some(SoftClass::ModelSubstitution));
        assert_eq!(judge(&config(), &pinned, &refusal).map(|f| f.class), Some(SoftClass::Refusal), "no model named");
        let unpinned = Asked::default();
        assert_eq!(judge(&config(), &unpinned, &as_model("anything")).map(|f| f.class), Some(SoftClass::Refusal));
    }
}
