//! The end of the fallback chain: what a request gets when no provider
//! served it. First a cached answer to the same request, if one is kept and
//! fresh enough; then the model's configured default answer; then nothing
//! (the shell's 503).
use std::time::Duration;

/// What ends a request no provider served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    /// A kept answer to the same request.
    Cached,
    /// The model's configured default answer.
    Default,
    /// Neither: the client gets the exhausted error.
    Nothing,
}

/// What the cache may keep and give back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CacheRule {
    /// The oldest answer given back.
    pub max_age: Duration,
    /// The highest `temperature` of a request whose answer is kept: above
    /// it, the client asked for variety, and a kept answer is not one.
    pub max_temperature: f64,
}

/// What of a request decides whether its answer may be kept.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Asked {
    /// Its `temperature`, if it sets one.
    pub temperature: Option<f64>,
    /// Its `n`, if it sets one.
    pub choices: Option<u64>,
    /// Whether it asks for a stream.
    pub stream: bool,
}

/// Whether the answer to a request asking `asked` may be kept and given back
/// under `rule`: a whole answer with one choice, to a request whose
/// temperature (when it sets one) is at most the rule's.
pub fn cacheable(rule: &CacheRule, asked: &Asked) -> bool {
    !asked.stream && asked.choices.is_none_or(|n| n == 1) && asked.temperature.is_none_or(|t| t <= rule.max_temperature)
}

/// Whether an answer kept for `age` may still be given back.
pub fn fresh(rule: &CacheRule, age: Duration) -> bool {
    age <= rule.max_age
}

/// What ends a request no provider served: a cached answer when one
/// `cached_fresh`, else the default answer when the model `has_default`.
pub fn choose(cached_fresh: bool, has_default: bool) -> Tail {
    match (cached_fresh, has_default) {
        (true, _) => Tail::Cached,
        (false, true) => Tail::Default,
        (false, false) => Tail::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: CacheRule = CacheRule { max_age: Duration::from_millis(500), max_temperature: 0.0 };

    #[test]
    fn only_a_whole_single_answer_to_a_request_at_or_below_the_temperature_is_kept() {
        assert!(cacheable(&RULE, &Asked::default()));
        assert!(cacheable(&RULE, &Asked { temperature: Some(0.0), choices: Some(1), stream: false }));
        assert!(!cacheable(&RULE, &Asked { temperature: Some(0.01), ..Asked::default() }));
        assert!(!cacheable(&RULE, &Asked { choices: Some(2), ..Asked::default() }));
        assert!(!cacheable(&RULE, &Asked { stream: true, ..Asked::default() }));
        let warm = CacheRule { max_temperature: 0.7, ..RULE };
        assert!(cacheable(&warm, &Asked { temperature: Some(0.7), ..Asked::default() }));
    }

    #[test]
    fn an_answer_is_fresh_up_to_its_age_limit() {
        assert!(fresh(&RULE, Duration::from_millis(500)));
        assert!(!fresh(&RULE, Duration::from_millis(501)));
    }

    #[test]
    fn the_cache_comes_before_the_default_answer() {
        assert_eq!(choose(true, true), Tail::Cached);
        assert_eq!(choose(true, false), Tail::Cached);
        assert_eq!(choose(false, true), Tail::Default);
        assert_eq!(choose(false, false), Tail::Nothing);
    }
}
