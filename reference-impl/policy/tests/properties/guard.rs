//! Guardrail invariants (see `failover_policy::guard`).
use failover_policy::guard::{Found, PiiKind, find_pii, redact};
use proptest::prelude::*;

/// Finds personal data.
pub type Find = fn(&str, &[PiiKind]) -> Vec<Found>;

/// Redacts what was found.
pub type Redact = fn(&str, &[Found]) -> String;

const ALL: [PiiKind; 3] = [PiiKind::Email, PiiKind::Phone, PiiKind::Card];

/// The Luhn check as the card networks state it, written apart from the
/// gateway's: double every second digit from the right, add the digits of
/// each product, and the total ends in 0.
fn luhn_reference(digits: &[u8]) -> bool {
    let total: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(*d) * if i % 2 == 1 { 2 } else { 1 };
            v / 10 + v % 10
        })
        .sum();
    total % 10 == 0
}

/// 13 to 19 digits, and whether they are written in groups of four.
pub fn numbers() -> impl Strategy<Value = (Vec<u8>, bool)> {
    (proptest::collection::vec(0u8..10, 13..20), any::<bool>())
}

fn written((digits, grouped): &(Vec<u8>, bool)) -> String {
    let mut out = String::new();
    for (i, d) in digits.iter().enumerate() {
        if *grouped && i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(char::from(b'0' + d));
    }
    out
}

/// Property 42: a number of 13 to 19 digits in a text is a card number
/// exactly when it passes the Luhn check, and then the finding spans it.
pub fn a_card_is_exactly_a_luhn_number(find: Find, number: &(Vec<u8>, bool)) -> Result<(), String> {
    let card = written(number);
    let text = format!("Please charge {card} today.");
    let found = find(&text, &[PiiKind::Card]);
    let expected = luhn_reference(&number.0).then(|| Found { kind: PiiKind::Card, range: 14..14 + card.len() });
    match (found.as_slice(), &expected) {
        ([], None) => Ok(()),
        ([one], Some(e)) if one == e => Ok(()),
        (found, _) => Err(format!("{text:?}: found {found:?}, expected {expected:?}")),
    }
}

/// Words with personal data among them: e-mail addresses, phone numbers,
/// card numbers that pass the check.
pub fn texts() -> impl Strategy<Value = Vec<String>> {
    let piece = prop_oneof![
        3 => "[a-z]{1,8}",
        1 => ("[a-z]{1,6}", "[a-z]{1,6}").prop_map(|(a, b)| format!("{a}@{b}.com")),
        1 => (100u32..999, 1000u32..9999).prop_map(|(a, b)| format!("+44 20 {a} {b}")),
        1 => Just("4111 1111 1111 1111".to_owned()),
        1 => Just("5555-5555-5555-4444".to_owned()),
    ];
    proptest::collection::vec(piece, 1..12)
}

/// Property 43: a redacted text has no personal data left, and every word
/// that was not personal data is still there.
pub fn redaction_leaves_nothing(find: Find, redact: Redact, words: &[String]) -> Result<(), String> {
    let text = words.join(" ");
    let redacted = redact(&text, &find(&text, &ALL));
    let left = find_pii(&redacted, &ALL);
    if !left.is_empty() {
        return Err(format!("{text:?} redacted to {redacted:?} still has {left:?}"));
    }
    let plain = words.iter().filter(|w| w.chars().all(|c| c.is_ascii_lowercase()));
    match plain.clone().find(|w| !redacted.split(' ').any(|r| r == w.as_str())) {
        Some(w) => Err(format!("{text:?} redacted to {redacted:?} lost the word {w:?}")),
        None => Ok(()),
    }
}

/// The gateway's finder.
pub fn finds(text: &str, kinds: &[PiiKind]) -> Vec<Found> {
    find_pii(text, kinds)
}

/// The gateway's redaction.
pub fn redacts(text: &str, found: &[Found]) -> String {
    redact(text, found)
}

/// A finder that takes any long number for a card.
pub fn luhn_blind(text: &str, kinds: &[PiiKind]) -> Vec<Found> {
    let mut found = find_pii(text, kinds);
    if found.is_empty() && text.bytes().filter(u8::is_ascii_digit).count() >= 13 {
        let start = text.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
        let end = text.rfind(|c: char| c.is_ascii_digit()).map_or(0, |e| e + 1);
        found.push(Found { kind: PiiKind::Card, range: start..end });
    }
    found
}

/// A redaction that replaces only the first finding.
pub fn first_only(text: &str, found: &[Found]) -> String {
    redact(text, &found[..found.len().min(1)])
}
