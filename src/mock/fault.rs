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
    /// Answers this HTTP status with an OpenAI-style error body.
    Status {
        /// The status code.
        code: u16,
        /// A `Retry-After` header, in seconds.
        retry_after_secs: Option<u64>,
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
    pub const VOCABULARY: &'static str = "\"status <code>\", \"status 429 with Retry-After <seconds>\", \
         \"context overflow\", \"a timeout\", \"a refused connection\"";
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
        let (code, retry_after) = match rest.split_once(" with Retry-After ") {
            Some((code, secs)) => (code, Some(secs)),
            None => (rest, None),
        };
        let code: u16 = code.parse().map_err(|_| unknown())?;
        if !(100..=599).contains(&code) {
            return Err(format!("status {code} is not an HTTP status (100-599)"));
        }
        let retry_after_secs = retry_after
            .map(|secs| secs.parse::<u64>().map_err(|_| format!("Retry-After \"{secs}\" is not a whole number of seconds")))
            .transpose()?;
        Ok(Fault::Status { code, retry_after_secs })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status { code, retry_after_secs: None } => write!(f, "status {code}"),
            Fault::Status { code, retry_after_secs: Some(s) } => write!(f, "status {code} with Retry-After {s}"),
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
        for words in ["status 503", "status 429 with Retry-After 2", "context overflow", "a timeout", "a refused connection"] {
            assert_eq!(words.parse::<Fault>().unwrap().to_string(), words);
        }
        assert!("status 6000".parse::<Fault>().unwrap_err().contains("not an HTTP status"));
        assert!("a hiccup".parse::<Fault>().unwrap_err().contains("say one of"));
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
