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
pub const HANG: Duration = Duration::from_secs(20);

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
    /// Answers 400 with the error code `context_length_exceeded`.
    ContextOverflow,
    /// Accepts the request and answers nothing for [`HANG`].
    Hang,
    /// Nothing listens: connections are refused.
    Refuse,
}

impl Fault {
    /// The words the features use for each fault, for error messages.
    pub const VOCABULARY: &'static str = "\"status <code>\", \"status <code> with <Header-Name> <value>\" \
         (headers may repeat: \"... with Retry-After 2 with x-extra 1\"), optionally followed by \
         \" and body `<text>`\", \"context overflow\", \"a timeout\", \"a refused connection\"";

    /// A status fault with the canned body and no extra headers.
    pub fn status(code: u16) -> Self {
        Fault::Status { code, headers: Vec::new(), body: None }
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
            "a timeout" => return Ok(Fault::Hang),
            "a refused connection" => return Ok(Fault::Refuse),
            _ => {}
        }
        let rest = s.strip_prefix("status ").ok_or_else(unknown)?;
        let (rest, body) = match rest.split_once(" and body `") {
            Some((head, tail)) => {
                let body = tail.strip_suffix('`').ok_or_else(|| format!("the body in \"{s}\" must end with a backtick"))?;
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
            Fault::ContextOverflow => f.write_str("context overflow"),
            Fault::Hang => f.write_str("a timeout"),
            Fault::Refuse => f.write_str("a refused connection"),
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
        }
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
            "context overflow",
            "a timeout",
            "a refused connection",
        ] {
            assert_eq!(words.parse::<Fault>().unwrap().to_string(), words);
        }
        assert!("status 6000".parse::<Fault>().unwrap_err().contains("not an HTTP status"));
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
    }
}
