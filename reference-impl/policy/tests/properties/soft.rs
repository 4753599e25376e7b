//! Soft-failure judgement invariants (see `failover_policy::soft`).
use failover_policy::soft::{
    Asked, Finding, Grounding, Quality, Reading, SoftClass, SoftConfig, Why, judge, repeated_share,
};
use proptest::prelude::*;
use regex::Regex;

/// Judges an answer.
pub type Judge = fn(&SoftConfig, &Asked<'_>, &Reading<'_>) -> Option<Finding>;

/// Measures repetition.
pub type Share = fn(&str, usize, usize) -> Option<f64>;

fn grounded_config() -> SoftConfig {
    SoftConfig {
        grounding: Some(Grounding {
            ids: Some(Regex::new(r"\[doc-\d+\]").expect("a valid pattern")),
            quote_words: None,
        }),
        // An answer citing one source five times repeats itself: not what this judges.
        quality: Quality { min_ngrams: usize::MAX, ..Quality::default() },
        ..SoftConfig::default()
    }
}

/// Citations (URLs and document ids), some of which the request carries.
pub fn citations() -> impl Strategy<Value = (Vec<String>, Vec<bool>)> {
    let citation = prop_oneof![
        "[a-z]{1,8}".prop_map(|p| format!("https://example.com/{p}")),
        (0u32..50).prop_map(|n| format!("[doc-{n}]")),
    ];
    (proptest::collection::vec(citation, 1..6), proptest::collection::vec(any::<bool>(), 6))
}

/// Property 40: an answer is a hallucination exactly when one of its
/// citations appears nowhere in the request, and then names one such.
pub fn hallucination_is_ungrounded_citation(
    judge: Judge,
    (cited, given): &(Vec<String>, Vec<bool>),
) -> Result<(), String> {
    let context: Vec<&str> = cited.iter().zip(given).filter(|(_, g)| **g).map(|(c, _)| c.as_str()).collect();
    let context = format!("Sources: {}.", context.join(" , "));
    let answer = format!("It says so in {}.", cited.join(" and in "));
    let asked = Asked { limit_set: false, context: &context, version: None };
    let found = judge(&grounded_config(), &asked, &Reading { content: &answer, ..Reading::default() });
    let missing: Vec<&String> = cited.iter().filter(|c| !context.contains(c.as_str())).collect();
    match (found, missing.is_empty()) {
        (None, true) => Ok(()),
        (Some(Finding { class: SoftClass::Hallucination, why: Why::Ungrounded(c) }), false)
            if missing.iter().any(|m| **m == c) =>
        {
            Ok(())
        }
        (found, _) => Err(format!("{answer:?} against {context:?}: judged {found:?}, ungrounded {missing:?}")),
    }
}

/// Words and how often the text repeats them.
pub fn texts() -> impl Strategy<Value = (Vec<String>, usize, usize)> {
    (proptest::collection::vec("[a-z]{1,6}", 1..30), 1usize..5, 1usize..4)
}

/// Property 41: the repeated share of a text is in [0, 1]; it is 0 for a
/// text whose words are all distinct, and a text written out `k` times
/// repeats at least (k − 1)/k of its n-grams.
pub fn repetition_is_measured(share: Share, (words, k, n): &(Vec<String>, usize, usize)) -> Result<(), String> {
    let mut distinct = words.clone();
    distinct.sort();
    distinct.dedup();
    let once = distinct.join(" ");
    if let Some(s) = share(&once, *n, 1) {
        if s != 0.0 {
            return Err(format!("{once:?} has no repeated {n}-gram, measured {s}"));
        }
    }
    let text = vec![words.join(" "); *k].join(" ");
    let Some(s) = share(&text, *n, 1) else { return Ok(()) };
    // Every n-gram starting a copy later than the first repeats one of the
    // first copy's: at most `words.len()` are distinct.
    let total = (words.len() * k + 1).saturating_sub(*n) as f64;
    let floor = (((k - 1) * words.len() + 1).saturating_sub(*n) as f64 / total).min(1.0);
    if !(0.0..=1.0).contains(&s) || s + 1e-9 < floor {
        return Err(format!("{text:?} in {n}-grams: measured {s}, expected at least {floor}"));
    }
    Ok(())
}

/// The policy's judgement.
pub fn judged(config: &SoftConfig, asked: &Asked<'_>, answer: &Reading<'_>) -> Option<Finding> {
    judge(config, asked, answer)
}

/// Checks only the first citation.
pub fn first_only(config: &SoftConfig, asked: &Asked<'_>, answer: &Reading<'_>) -> Option<Finding> {
    let first = answer.content.split(" and in ").next().unwrap_or_default();
    judge(config, asked, &Reading { content: first, ..*answer })
}

/// The policy's measure.
pub fn measured(text: &str, n: usize, min: usize) -> Option<f64> {
    repeated_share(text, n, min)
}

/// Counts n-grams in consecutive chunks instead of a sliding window: a
/// repeated run whose length is not a multiple of n goes unseen.
pub fn in_chunks(text: &str, n: usize, min: usize) -> Option<f64> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let chunks: Vec<&[&str]> = words.chunks_exact(n.max(1)).collect();
    if chunks.len() < min.max(1) {
        return None;
    }
    let distinct: std::collections::HashSet<&[&str]> = chunks.iter().copied().collect();
    Some((chunks.len() - distinct.len()) as f64 / chunks.len() as f64)
}

/// A pinned version (or none), the model an answer names (or none), and
/// whether the answer is also a refusal.
pub fn substitutions() -> impl Strategy<Value = (Option<String>, Option<String>, bool)> {
    let name = prop_oneof![
        Just("gpt-4o".to_owned()),
        Just("gpt-4o-2024-08-06".to_owned()),
        Just("gpt-4o-2024-05-13".to_owned()),
        Just("gpt-4o-mini-2024-07-18".to_owned()),
        "[a-z0-9.-]{1,24}",
    ];
    (proptest::option::of(name.clone()), proptest::option::of(name), any::<bool>())
}

/// Property 49: an answer is a model substitution exactly when its entry
/// pins a version and the answer names another model, whatever else is
/// wrong with it; the finding names the model the answer named.
pub fn substitution_is_exactly_another_model(
    judge: Judge,
    (version, model, refusing): &(Option<String>, Option<String>, bool),
) -> Result<(), String> {
    let asked = Asked { version: version.as_deref(), ..Asked::default() };
    let content = if *refusing { "I'm sorry, but no." } else { "The answer is 42." };
    let reading = Reading { content, model: model.as_deref(), ..Reading::default() };
    let config = SoftConfig { refusal_phrases: vec!["i'm sorry, but".into()], ..SoftConfig::default() };
    let found = judge(&config, &asked, &reading);
    let substituted = matches!((version, model), (Some(v), Some(m)) if v != m);
    match (&found, substituted) {
        (Some(Finding { class: SoftClass::ModelSubstitution, why: Why::Substituted(named) }), true)
            if Some(named) == model.as_ref() =>
        {
            Ok(())
        }
        (Some(Finding { class: SoftClass::Refusal, .. }), false) if *refusing => Ok(()),
        (None, false) if !*refusing => Ok(()),
        _ => Err(format!("pinned {version:?}, answered as {model:?}, refusing {refusing}: judged {found:?}")),
    }
}

/// Compares only the name before its date: `gpt-4o-2024-05-13` passes for
/// `gpt-4o-2024-08-06`, the very update a pin is there to catch.
pub fn undated_compare(config: &SoftConfig, asked: &Asked<'_>, answer: &Reading<'_>) -> Option<Finding> {
    let stem = |name: &str| name.split("-20").next().unwrap_or(name).to_owned();
    let same = matches!((asked.version, answer.model), (Some(v), Some(m)) if stem(v) == stem(m));
    let version = if same { None } else { asked.version };
    judge(config, &Asked { version, ..*asked }, answer)
}
