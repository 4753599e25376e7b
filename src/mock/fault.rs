//! The fault vocabulary of mock providers: what goes wrong, and when.
//!
//! A [`Fault`] is one kind of failure as a provider shows it on the wire; a
//! [`Schedule`] says which requests it hits. Both parse from the words the
//! features use ("status 429 with Retry-After 2", "a timeout"), so a typo in a
//! feature is an error that lists what is understood.
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How long a "hanging" provider takes: far beyond any timeout in a scenario,
/// yet finite, so a gateway without timeouts fails the scenario instead of
/// hanging the suite.
pub const HANG: Duration = Duration::from_secs(5);

/// One kind of provider failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answers this HTTP status, with these extra headers, and either the given
    /// body or an OpenAI-style error body naming the provider.
    Status {
        /// The status code.
        code: u16,
        /// Extra response headers, e.g. `Retry-After: 2`.
        headers: Vec<(String, String)>,
        /// The exact body to answer; `None` for the canned error body.
        body: Option<String>,
    },
    /// Answers this HTTP status with an error that gives back the API key the
    /// request carried, in the message and in a header, as careless
    /// providers do ("Incorrect API key provided: sk-...").
    EchoKey(u16),
    /// Answers 400 with the error code `context_length_exceeded`.
    ContextOverflow,
    /// Answers 400 with the error code `content_policy_violation`, the body
    /// OpenAI sends when its safety system rejects a request.
    ContentFilter,
    /// Accepts the request and sends nothing, not even a status line, for [`HANG`].
    Hang,
    /// Sends the status line and headers at once, then nothing for [`HANG`]
    /// (a stream: no first event).
    HangAfterHeaders,
    /// Nothing listens: connections are refused.
    Refuse,
    /// Reads the request, then drops the connection without answering.
    ResetBeforeAnswer,
    /// Sends the status line, headers and a few bytes, then resets the connection.
    ResetAfterHeaders,
    /// Streams this many chunks, then ends the response cleanly: no
    /// `finish_reason`, no `[DONE]` (a non-streaming answer: half its JSON).
    StreamCut(usize),
    /// Streams this many chunks, then resets the connection.
    StreamReset(usize),
    /// Streams this many chunks, then sends nothing more for [`HANG`].
    StreamStall(usize),
    /// Streams this many chunks, then one that is not JSON, then the rest
    /// (a non-streaming answer: a body that is not JSON).
    MalformedChunk(usize),
    /// Holds the first chunk (or the whole answer) back this long, then answers normally.
    FirstChunkDelay(Duration),
    /// Streams the whole answer, `finish_reason` included, but no `data: [DONE]`.
    MissingDone,
    /// Answers 200 with the first half of its JSON body, then ends cleanly
    /// (a stream: cut after 2 chunks).
    CutShort,
    /// Answers 200 with a body that is not JSON (a stream: a malformed chunk
    /// after 2 chunks).
    NotJson,
    /// Answers 200 with the first half of its body, then nothing for [`HANG`]
    /// (a stream: stalled after 2 chunks).
    StallHalfway,
    /// Answers 200 with a well-formed answer that is wrong (a soft failure);
    /// a stream carries the same text and ending.
    Wrong(Wrong),
}

/// A well-formed answer that is wrong: the soft failures of the taxonomy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrong {
    /// The message's `refusal` field is set, its content null.
    Refusal,
    /// The text opens with "I'm sorry, but I can't help with that".
    RefusalInWords,
    /// `finish_reason: content_filter`, the text cut off.
    ContentFiltered,
    /// Prose around something JSON-like, where JSON was asked for.
    NotTheJsonAsked,
    /// A JSON object of the wrong shape: `answer` a string, `from` missing
    /// (the suite's schema asks for an integer `answer` and a `from`).
    OffSchema,
    /// The text opens with "As an AI language model", which routes forbid.
    OffInstructions,
    /// An empty text.
    Empty,
    /// The same short phrase, over and over.
    Repetitive,
    /// `finish_reason: length`, the text cut off.
    CutAtLimit,
    /// Cites `[doc-7]` and `https://example.com/made-up-source`, which no
    /// request of the suite carries.
    UngroundedCitation,
    /// Gives out an e-mail address and a phone number.
    PersonalData,
    /// Random words in place of the answer: corruption between the model
    /// and the client that only validating the answer catches.
    RandomText,
}

/// The answer of [`Wrong::PersonalData`].
pub const PERSONAL_ANSWER: &str = "The answer is 42. Ask Jane Doe at jane.doe@example.com or on +1 415 555 0100.";
/// The personal data in [`PERSONAL_ANSWER`].
pub const PERSONAL_DATA: [&str; 2] = ["jane.doe@example.com", "+1 415 555 0100"];

impl Wrong {
    /// Every wrong answer with its words.
    pub const ALL: [(Wrong, &'static str); 12] = [
        (Wrong::Refusal, "a refusal"),
        (Wrong::RefusalInWords, "a refusal in words"),
        (Wrong::ContentFiltered, "an answer stopped by its content filter"),
        (Wrong::NotTheJsonAsked, "an answer that is not the JSON asked for"),
        (Wrong::OffSchema, "JSON that does not match the schema asked for"),
        (Wrong::OffInstructions, "an answer off its instructions"),
        (Wrong::Empty, "an empty answer"),
        (Wrong::Repetitive, "a repetitive answer"),
        (Wrong::CutAtLimit, "an answer cut at its length limit"),
        (Wrong::UngroundedCitation, "an answer citing a source it was not given"),
        (Wrong::PersonalData, "an answer giving out personal data"),
        (Wrong::RandomText, "random text instead of the answer"),
    ];

    /// The message's text, `refusal` and `finish_reason`.
    pub fn message(self) -> (Option<String>, Option<&'static str>, &'static str) {
        let text = |t: &str| Some(t.to_owned());
        match self {
            Wrong::Refusal => (None, Some("I'm sorry, but I can't help with that request."), "stop"),
            Wrong::RefusalInWords => (text("I'm sorry, but I can't help with that request."), None, "stop"),
            Wrong::ContentFiltered => (text("The answer starts here and"), None, "content_filter"),
            Wrong::NotTheJsonAsked => (text("Sure! Here is the JSON you asked for: {answer: 42}"), None, "stop"),
            Wrong::OffSchema => (text(r#"{"answer": "forty-two"}"#), None, "stop"),
            Wrong::OffInstructions => {
                (text("As an AI language model, I have no opinions, but the answer is 42."), None, "stop")
            }
            Wrong::Empty => (text(""), None, "stop"),
            Wrong::Repetitive => (Some("the answer is ".repeat(12).trim_end().to_owned()), None, "stop"),
            Wrong::CutAtLimit => (text("The answer, which takes some explaining, is"), None, "length"),
            Wrong::UngroundedCitation => {
                (text("The answer is 42, as [doc-7] and https://example.com/made-up-source show."), None, "stop")
            }
            Wrong::PersonalData => (text(PERSONAL_ANSWER), None, "stop"),
            Wrong::RandomText => (Some(random_text()), None, "stop"),
        }
    }
}

/// Forty words of random letters, drawn afresh for every answer.
fn random_text() -> String {
    let mut words = Vec::with_capacity(40);
    for _ in 0..40 {
        let len = fastrand::usize(2..10);
        words.push((0..len).map(|_| fastrand::lowercase()).collect::<String>());
    }
    words.join(" ")
}

impl Fault {
    /// The words the features use for each fault, for error messages.
    pub const VOCABULARY: &'static str = "\"status <code>\", \"status <code> with <Header-Name> <value>\" \
         (headers may repeat: \"... with Retry-After 2 with x-extra 1\"), optionally followed by \
         \" and body `<text>`\", \"status <code> echoing its API key\", \"context overflow\", \"a content-filter rejection\", \"a timeout\" (no status \
         line at all), \"a hang after headers\", \"a refused connection\", \
         \"a reset before answering\", \"a reset after headers\", \"a stream cut after <n> chunks\", \
         \"a stream reset after <n> chunks\", \"a stream stalled after <n> chunks\", \
         \"a malformed chunk after <n> chunks\", \"a first chunk delayed by <ms> ms\", \"a stream without [DONE]\", \"an answer cut short\", \
         \"an answer that is not JSON\", \"an answer that stalls halfway\", or a wrong answer: \"a refusal\", \
         \"a refusal in words\", \"an answer stopped by its content filter\", \"an answer that is not the JSON asked \
         for\", \"JSON that does not match the schema asked for\", \"an answer off its instructions\", \"an empty answer\", \"a repetitive answer\", \"an answer cut at \
         its length limit\", \"an answer citing a source it was not given\", \"an answer giving out personal data\", \
         \"random text instead of the answer\"";

    /// A status fault with the canned body and no extra headers.
    pub fn status(code: u16) -> Self {
        Fault::Status { code, headers: Vec::new(), body: None }
    }

    /// Whether wiremock renders this fault as an ordinary HTTP answer; the
    /// others need control of the socket and are served by the provider's front.
    pub fn is_http_answer(&self) -> bool {
        matches!(self, Fault::Status { .. } | Fault::EchoKey(_) | Fault::ContextOverflow | Fault::ContentFilter)
    }

    /// The fault a streamed answer gets for this one: the answer-level faults
    /// (cut short, not JSON, stalled halfway) strike after 2 chunks.
    pub fn on_a_stream(&self) -> Fault {
        match self {
            Fault::CutShort => Fault::StreamCut(2),
            Fault::NotJson => Fault::MalformedChunk(2),
            Fault::StallHalfway => Fault::StreamStall(2),
            other => other.clone(),
        }
    }

    /// The value of an extra header this fault answers with.
    pub fn header(&self, name: &str) -> Option<&str> {
        match self {
            Fault::Status { headers, .. } => {
                headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
            }
            _ => None,
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let unknown = || format!("unknown fault \"{s}\"; say one of {}", Fault::VOCABULARY);
        match s {
            "context overflow" => return Ok(Fault::ContextOverflow),
            "a content-filter rejection" => return Ok(Fault::ContentFilter),
            "a timeout" => return Ok(Fault::Hang),
            "a hang after headers" => return Ok(Fault::HangAfterHeaders),
            "a refused connection" => return Ok(Fault::Refuse),
            "a reset before answering" => return Ok(Fault::ResetBeforeAnswer),
            "a reset after headers" => return Ok(Fault::ResetAfterHeaders),
            "a stream without [DONE]" => return Ok(Fault::MissingDone),
            "an answer cut short" => return Ok(Fault::CutShort),
            "an answer that is not JSON" => return Ok(Fault::NotJson),
            "an answer that stalls halfway" => return Ok(Fault::StallHalfway),
            _ => {}
        }
        if let Some((wrong, _)) = Wrong::ALL.iter().find(|(_, words)| *words == s) {
            return Ok(Fault::Wrong(*wrong));
        }
        let chunks = |prefix: &str| -> Option<Result<usize, String>> {
            let n = s
                .strip_prefix(prefix)?
                .strip_suffix(" chunks")
                .or_else(|| s.strip_prefix(prefix)?.strip_suffix(" chunk"))?;
            Some(n.parse().map_err(|_| format!("\"{n}\" in \"{s}\" is not a number of chunks")))
        };
        type ChunkFault = fn(usize) -> Fault;
        let stream_faults: [(&str, ChunkFault); 4] = [
            ("a stream cut after ", Fault::StreamCut),
            ("a stream reset after ", Fault::StreamReset),
            ("a stream stalled after ", Fault::StreamStall),
            ("a malformed chunk after ", Fault::MalformedChunk),
        ];
        for (prefix, make) in stream_faults {
            if let Some(n) = chunks(prefix) {
                return n.map(make);
            }
        }
        if let Some(ms) = s.strip_prefix("a first chunk delayed by ").and_then(|r| r.strip_suffix(" ms")) {
            let ms: u64 = ms.parse().map_err(|_| format!("\"{ms}\" in \"{s}\" is not a number of milliseconds"))?;
            return Ok(Fault::FirstChunkDelay(Duration::from_millis(ms)));
        }
        let rest = s.strip_prefix("status ").ok_or_else(unknown)?;
        if let Some(code) = rest.strip_suffix(" echoing its API key") {
            let code: u16 = code.parse().map_err(|_| unknown())?;
            if !(400..=599).contains(&code) {
                return Err(format!("status {code} in \"{s}\" is not an error status (400-599)"));
            }
            return Ok(Fault::EchoKey(code));
        }
        let (rest, body) = match rest.split_once(" and body `") {
            Some((head, tail)) => {
                let body =
                    tail.strip_suffix('`').ok_or_else(|| format!("the body in \"{s}\" must end with a backtick"))?;
                (head, Some(body.to_owned()))
            }
            None => (rest, None),
        };
        let mut parts = rest.split(" with ");
        let code: u16 = parts.next().unwrap_or_default().parse().map_err(|_| unknown())?;
        if !(100..=599).contains(&code) {
            return Err(format!("status {code} is not an HTTP status (100-599)"));
        }
        let headers = parts
            .map(|h| {
                h.split_once(' ')
                    .filter(|(name, value)| !name.is_empty() && !value.is_empty())
                    .map(|(name, value)| (name.to_owned(), value.to_owned()))
                    .ok_or_else(|| format!("\"{h}\" in \"{s}\" is not \"<Header-Name> <value>\""))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Fault::Status { code, headers, body })
    }
}

fn chunks(n: usize) -> String {
    if n == 1 { "1 chunk".to_owned() } else { format!("{n} chunks") }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status { code, headers, body } => {
                write!(f, "status {code}")?;
                for (name, value) in headers {
                    write!(f, " with {name} {value}")?;
                }
                match body {
                    Some(body) => write!(f, " and body `{body}`"),
                    None => Ok(()),
                }
            }
            Fault::EchoKey(code) => write!(f, "status {code} echoing its API key"),
            Fault::ContextOverflow => f.write_str("context overflow"),
            Fault::ContentFilter => f.write_str("a content-filter rejection"),
            Fault::Hang => f.write_str("a timeout"),
            Fault::HangAfterHeaders => f.write_str("a hang after headers"),
            Fault::Refuse => f.write_str("a refused connection"),
            Fault::ResetBeforeAnswer => f.write_str("a reset before answering"),
            Fault::ResetAfterHeaders => f.write_str("a reset after headers"),
            Fault::StreamCut(n) => write!(f, "a stream cut after {}", chunks(*n)),
            Fault::StreamReset(n) => write!(f, "a stream reset after {}", chunks(*n)),
            Fault::StreamStall(n) => write!(f, "a stream stalled after {}", chunks(*n)),
            Fault::MalformedChunk(n) => write!(f, "a malformed chunk after {}", chunks(*n)),
            Fault::FirstChunkDelay(d) => write!(f, "a first chunk delayed by {} ms", d.as_millis()),
            Fault::MissingDone => f.write_str("a stream without [DONE]"),
            Fault::CutShort => f.write_str("an answer cut short"),
            Fault::NotJson => f.write_str("an answer that is not JSON"),
            Fault::StallHalfway => f.write_str("an answer that stalls halfway"),
            Fault::Wrong(wrong) => {
                let words = Wrong::ALL.iter().find(|(w, _)| w == wrong).map_or("a wrong answer", |(_, words)| words);
                f.write_str(words)
            }
        }
    }
}

/// Which requests a fault hits.
#[derive(Clone, Debug)]
pub enum Schedule {
    /// Every request, until the provider recovers.
    Always,
    /// The next `n` requests, then none.
    Next(u32),
    /// Every `n`-th request (the n-th, 2n-th, ...) counted from when it was set.
    EveryNth {
        /// The period.
        n: u32,
        /// Requests seen since it was set.
        seen: u32,
    },
    /// Each request independently with probability `p`, from a seeded generator.
    Probability {
        /// Probability in [0, 1].
        p: f64,
        /// The seeded generator.
        rng: fastrand::Rng,
    },
    /// None of the first `ok` requests, then every request.
    After {
        /// Requests still to pass.
        ok: u32,
    },
    /// Requests in a pattern: `true` fails.
    Pattern {
        /// The pattern.
        hits: Vec<bool>,
        /// Requests seen since it was set.
        seen: usize,
        /// Whether it starts again at its end, or passes every later request.
        repeats: bool,
    },
    /// By time: the first `failing` of every `period`, counted from `start`.
    Duty {
        /// When the pattern started: at the provider's first request, so that
        /// however long the gateway takes to start, traffic meets the same
        /// periods.
        start: Option<std::time::Instant>,
        /// The period.
        period: Duration,
        /// How long of each period fails.
        failing: Duration,
    },
}

impl Schedule {
    /// Whether the next request is hit; advances the schedule.
    pub fn hits_next(&mut self) -> bool {
        match self {
            Schedule::Always => true,
            Schedule::Next(0) => false,
            Schedule::Next(n) => {
                *n -= 1;
                true
            }
            Schedule::EveryNth { n, seen } => {
                *seen += 1;
                *seen % *n == 0
            }
            Schedule::Probability { p, rng } => rng.f64() < *p,
            Schedule::After { ok: 0 } => true,
            Schedule::After { ok } => {
                *ok -= 1;
                false
            }
            Schedule::Pattern { hits, seen, repeats } => {
                let at = if *repeats { *seen % hits.len().max(1) } else { *seen };
                let hit = hits.get(at).copied().unwrap_or(false);
                *seen += 1;
                hit
            }
            Schedule::Duty { start, period, failing } => {
                let start = start.get_or_insert_with(std::time::Instant::now);
                let into = start.elapsed().as_nanos() % period.as_nanos().max(1);
                into < failing.as_nanos()
            }
        }
    }

    /// The first `failing` of every `period`, from the first request on.
    pub fn duty(failing: Duration, period: Duration) -> Self {
        Schedule::Duty { start: None, period, failing }
    }

    /// A pattern from its feature spelling, `x` fails and `.` passes,
    /// repeated (`repeats`) or passing every request after its end.
    pub fn pattern(spelling: &str, repeats: bool) -> Result<Self, String> {
        let hits = spelling
            .chars()
            .map(|c| match c {
                'x' => Ok(true),
                '.' => Ok(false),
                other => Err(format!("'{other}' in pattern \"{spelling}\": use x for a failure and . for a success")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if hits.is_empty() {
            return Err("an empty pattern fails nothing; write e.g. \"xx........\"".into());
        }
        Ok(Schedule::Pattern { hits, seen: 0, repeats })
    }

    /// Whether no later request can be hit.
    pub fn is_spent(&self) -> bool {
        matches!(self, Schedule::Next(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_from_feature_words_and_back() {
        for words in [
            "status 503",
            "status 429 with Retry-After 2",
            "status 429 with retry-after-ms 20 with x-trace abc",
            "status 418 and body `{\"teapot\": true}`",
            "status 401 echoing its API key",
            "context overflow",
            "a content-filter rejection",
            "a timeout",
            "a hang after headers",
            "a refused connection",
            "a reset before answering",
            "a reset after headers",
            "a stream cut after 2 chunks",
            "a stream reset after 0 chunks",
            "a stream stalled after 3 chunks",
            "a malformed chunk after 1 chunk",
            "a first chunk delayed by 300 ms",
            "a stream without [DONE]",
            "an answer cut short",
            "an answer that is not JSON",
            "an answer that stalls halfway",
            "a refusal",
            "an answer citing a source it was not given",
        ] {
            assert_eq!(words.parse::<Fault>().unwrap().to_string(), words);
        }
        for (wrong, words) in Wrong::ALL {
            assert_eq!(words.parse::<Fault>(), Ok(Fault::Wrong(wrong)));
        }
        assert!("status 6000".parse::<Fault>().unwrap_err().contains("not an HTTP status"));
        assert!("status 200 echoing its API key".parse::<Fault>().unwrap_err().contains("not an error status"));
        assert!("a hiccup".parse::<Fault>().unwrap_err().contains("say one of"));
        assert_eq!("status 429 with Retry-After 2".parse::<Fault>().unwrap().header("retry-after"), Some("2"));
    }

    #[test]
    fn schedules_hit_what_they_say() {
        let mut next = Schedule::Next(2);
        assert_eq!([next.hits_next(), next.hits_next(), next.hits_next()], [true, true, false]);
        let mut nth = Schedule::EveryNth { n: 3, seen: 0 };
        let hits: Vec<bool> = (0..6).map(|_| nth.hits_next()).collect();
        assert_eq!(hits, [false, false, true, false, false, true]);
        let mut repeated = Schedule::pattern("x.", true).unwrap();
        let mut once = Schedule::pattern("x.", false).unwrap();
        let (r, o): (Vec<bool>, Vec<bool>) = (0..4).map(|_| (repeated.hits_next(), once.hits_next())).unzip();
        assert_eq!((r, o), (vec![true, false, true, false], vec![true, false, false, false]));
    }
}
