//! Typed step parameters: each parses the words a feature uses and says what is
//! understood when it cannot.
use std::str::FromStr;

use bytes::Bytes;
use cucumber::Parameter;
use failover_conformance::client::RequestKind;
use failover_conformance::draft;
use failover_conformance::mock::Fault;

/// A fault: `status 503`, `a timeout`, ...
#[derive(Debug, Parameter)]
#[param(
    name = "fault",
    regex = r"status \d+ echoing its API key|status \d+(?: with [A-Za-z-]+ [^ ]+)*(?: and body `[^`]*`)?|context overflow|a content-filter rejection|a timeout|a hang after headers|a refused connection|a reset before answering|a reset after headers|a stream (?:cut|reset|stalled) after \d+ chunks?|a malformed chunk after \d+ chunks?|a first chunk delayed by \d+ ms|a stream without \[DONE\]|an answer cut short|an answer that is not JSON|an answer that stalls halfway|a refusal(?: in words)?|an answer stopped by its content filter|an answer that is not the JSON asked for|JSON that does not match the schema asked for|an answer off its instructions|an empty answer|a repetitive answer|an answer cut at its length limit|an answer citing a source it was not given|an answer giving out personal data|random text instead of the answer"
)]
pub struct FaultWords(pub Fault);

impl FromStr for FaultWords {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse().map(FaultWords)
    }
}

/// What a chat request asks: `asking a short question`, `asking for JSON`,
/// `asking for JSON matching a schema`,
/// `setting no token limit`, `giving its sources`, or for guardrails `with a
/// card number in its prompt`, `with a number failing the Luhn check in its
/// prompt`, `with an e-mail address and a phone number in its prompt`,
/// `trying a prompt injection`, `asking which instructions came with a printer`,
/// `trying the known injection <name>` (see `client::ADVERSARIAL`).
#[derive(Debug, Parameter)]
#[param(
    name = "asking",
    regex = r"asking a short question|asking for JSON matching a schema|asking for JSON|setting no token limit|giving its sources|with a card number in its prompt|with a number failing the Luhn check in its prompt|with an e-mail address and a phone number in its prompt|trying a prompt injection|trying the known injection [a-z-]+|asking which instructions came with a printer|asking for variety at temperature 0.7"
)]
pub struct Asking(pub failover_conformance::client::Asking);

impl FromStr for Asking {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse().map(Asking)
    }
}

/// `chat completion(s)`, `streamed chat completion(s)` or `embeddings request(s)`.
#[derive(Debug, Parameter)]
#[param(name = "kind", regex = r"(?:streamed )?chat completions?|embeddings requests?")]
pub struct Kind(pub RequestKind);

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim_end_matches('s') {
            "chat completion" => Ok(Kind(RequestKind::Chat)),
            "streamed chat completion" => Ok(Kind(RequestKind::StreamedChat)),
            "embeddings request" => Ok(Kind(RequestKind::Embeddings)),
            _ => Err(format!(
                "unknown request kind \"{s}\"; say \"chat completions\", \"streamed chat completions\" or \"embeddings requests\""
            )),
        }
    }
}

/// `a`, `an` or a number.
#[derive(Debug, Parameter)]
#[param(name = "count", regex = r"an?|\d+")]
pub struct Count(pub usize);

impl FromStr for Count {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "a" | "an" => Ok(Count(1)),
            n => n.parse().map(Count).map_err(|_| format!("\"{n}\" is not a count")),
        }
    }
}

/// A provider chain: `"a" then "b" as "model-b"`, or `"a" only`; `"a" or
/// "b"` for entries of one priority level.
#[derive(Debug, Parameter)]
#[param(name = "chain", regex = r#""[^"]+"(?: as "[^"]+")?(?: (?:then|or) "[^"]+"(?: as "[^"]+")?)*(?: only)?"#)]
pub struct Chain(pub draft::Chain);

impl FromStr for Chain {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse().map(Chain)
    }
}

/// A request body: a JSON text between backticks, or `a body of N bytes`.
#[derive(Debug, Parameter)]
#[param(name = "body", regex = r"`[^`]*`|a body of \d+ bytes")]
pub struct Body(pub Bytes);

impl FromStr for Body {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(text) = s.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
            return Ok(Body(Bytes::from(text.to_owned())));
        }
        let n: usize = s
            .trim_start_matches("a body of ")
            .trim_end_matches(" bytes")
            .parse()
            .map_err(|_| format!("\"{s}\" is not `json` or \"a body of N bytes\""))?;
        // A valid request, padded to exactly n bytes, so only its size is wrong.
        let head = r#"{"model": "gpt-4o", "input": ""#;
        let tail = r#""}"#;
        let padding =
            n.checked_sub(head.len() + tail.len()).ok_or_else(|| format!("a body of {n} bytes is too small"))?;
        Ok(Body(Bytes::from(format!("{head}{}{tail}", "x".repeat(padding)))))
    }
}

/// An upper bound on a latency: `<n> ms`, or `the baseline` the scenario measured.
#[derive(Debug, Parameter)]
#[param(name = "bound", regex = r"\d+ ms|the baseline")]
pub enum Bound {
    /// A fixed number of milliseconds.
    Fixed(std::time::Duration),
    /// The scenario's measured baseline.
    Baseline,
}

impl FromStr for Bound {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "the baseline" => Ok(Bound::Baseline),
            ms => ms
                .trim_end_matches(" ms")
                .parse()
                .map(|ms| Bound::Fixed(std::time::Duration::from_millis(ms)))
                .map_err(|_| format!("\"{s}\" is not \"<n> ms\" or \"the baseline\"")),
        }
    }
}

impl Bound {
    /// The bound in the scene's terms.
    pub fn of(&self, scene: &failover_conformance::scene::Scene) -> Result<std::time::Duration, String> {
        match self {
            Bound::Fixed(d) => Ok(*d),
            Bound::Baseline => scene.baseline(),
        }
    }
}

/// A list of numbers: `8192, 8192 and 128000`.
#[derive(Debug, Parameter)]
#[param(name = "numbers", regex = r"\d+(?:, \d+)*(?: and \d+)?")]
pub struct Numbers(pub Vec<u64>);

impl FromStr for Numbers {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.replace(" and ", ", ")
            .split(", ")
            .map(|n| n.parse().map_err(|_| format!("\"{n}\" in \"{s}\" is not a number")))
            .collect::<Result<_, _>>()
            .map(Numbers)
    }
}

/// An SLO's targets: `availability 0.9 and a time-to-first-token p95 of 150 ms`.
#[derive(Debug, Parameter)]
#[param(
    name = "slo_targets",
    regex = r"(?:availability |goodput |a soft-failure rate |a time-to-first-token p95 |a cost per useful answer )[^,]*?(?:(?:, | and )(?:availability |goodput |a soft-failure rate |a time-to-first-token p95 |a cost per useful answer )[^,]*?)*"
)]
pub struct SloTargets(pub failover_conformance::scene::SloTargets);

impl FromStr for SloTargets {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse().map(SloTargets)
    }
}

/// Whether an SLO objective is breached: `breached` or `not breached`.
#[derive(Debug, Parameter)]
#[param(name = "breach", regex = r"breached|not breached")]
pub struct Breach(pub bool);

impl FromStr for Breach {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(Breach(s == "breached"))
    }
}
