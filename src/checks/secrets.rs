//! Secrets the gateway holds (provider API keys, the admin token) searched for
//! in everything it showed. A finding names the secret and where it was, with
//! the secret itself masked: the report of a leaking gateway must not leak it
//! again.

/// A secret, by what it is (`provider "primary"'s API key`) and its value.
#[derive(Clone, Debug)]
pub struct Secret {
    /// What it is, for messages.
    pub name: String,
    /// The value searched for.
    pub value: String,
}

/// Something the gateway showed: where (`response 3's headers`) and the text.
#[derive(Clone, Debug)]
pub struct Shown {
    /// Where it was shown.
    pub place: String,
    /// What was shown, as text.
    pub text: String,
}

/// How every secret the suite makes up begins: mock providers' API keys and
/// admin tokens (`MockProvider::start`, the draft config).
pub const PREFIXES: [&str; 2] = [crate::mock::KEY_PREFIX, crate::draft::ADMIN_TOKEN_PREFIX];

/// `text` with every secret the suite made up replaced by its prefix and
/// `[redacted]`: what goes into a report (a failure's message may quote what a
/// leaking gateway answered) never carries one.
pub fn redact_made_up(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, prefix)) = PREFIXES.iter().filter_map(|p| rest.find(p).map(|at| (at, *p))).min() {
        out.push_str(&rest[..at + prefix.len()]);
        rest = &rest[at + prefix.len()..];
        let secret = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
        if secret > 0 {
            out.push_str("[redacted]");
        }
        rest = &rest[secret..];
    }
    out.push_str(rest);
    out
}

/// Characters of context shown either side of a finding.
const CONTEXT: usize = 40;

/// Checks that no secret appears in anything shown. Nothing to search, or
/// nothing to search for, is an error: a scan of nothing proves nothing.
/// On success, the number of bytes searched.
pub fn none_shown(secrets: &[Secret], shown: &[Shown]) -> Result<usize, String> {
    let secrets: Vec<&Secret> = secrets.iter().filter(|s| s.value.len() >= 8).collect();
    if secrets.is_empty() {
        return Err("there is no secret to search for: no provider key or admin token of 8 characters or more".into());
    }
    let bytes: usize = shown.iter().map(|s| s.text.len()).sum();
    if bytes == 0 {
        return Err("the gateway showed nothing to search".into());
    }
    let mut findings = Vec::new();
    for item in shown {
        for secret in &secrets {
            if let Some(at) = item.text.find(&secret.value) {
                findings.push(format!("{} in {}: …{}…", secret.name, item.place, masked(&item.text, at, &secrets)));
            }
        }
    }
    if findings.is_empty() {
        Ok(bytes)
    } else {
        Err(format!("the gateway showed a secret it holds:\n  {}", findings.join("\n  ")))
    }
}

/// `provider` gave its key back in `n` answers, at least `at_least`: the bait
/// was taken, so a clean scan means something.
pub fn given_back(provider: &str, n: usize, at_least: usize) -> Result<(), String> {
    if n >= at_least {
        Ok(())
    } else {
        Err(format!(
            "expected provider \"{provider}\" to give its API key back in at least {at_least} answers, it did in {n}"
        ))
    }
}

/// The text around byte `at`, every secret in it replaced by its name.
fn masked(text: &str, at: usize, secrets: &[&Secret]) -> String {
    let start = floor_char(text, at.saturating_sub(CONTEXT));
    let end = floor_char(text, (at + CONTEXT * 3).min(text.len()));
    let mut around = text[start..end].to_owned();
    for secret in secrets {
        around = around.replace(&secret.value, &format!("[{}]", secret.name));
    }
    // A secret cut at the edge of the context would show its start.
    for secret in secrets {
        for cut in (8..secret.value.len()).rev() {
            let head = &secret.value[..cut];
            if around.ends_with(head) {
                around.truncate(around.len() - head.len());
                around.push_str("[cut]");
                break;
            }
        }
        for cut in 8..secret.value.len() {
            let tail = &secret.value[secret.value.len() - cut..];
            if around.starts_with(tail) {
                around = format!("[cut]{}", &around[tail.len()..]);
                break;
            }
        }
    }
    around.replace('\n', "⏎")
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, value: &str) -> Secret {
        Secret { name: name.into(), value: value.into() }
    }

    fn shown(place: &str, text: &str) -> Shown {
        Shown { place: place.into(), text: text.into() }
    }

    #[test]
    fn a_secret_shown_is_found_and_masked() {
        let key = secret("provider \"primary\"'s API key", "sk-mock-primary-0123abcd");
        let err =
            none_shown(&[key], &[shown("response 1's body", "{\"error\": \"bad key sk-mock-primary-0123abcd\"}")])
                .unwrap_err();
        assert!(err.contains("response 1's body"), "{err}");
        assert!(err.contains("[provider \"primary\"'s API key]"), "{err}");
        assert!(!err.contains("0123abcd"), "{err}");
    }

    #[test]
    fn a_secret_cut_at_the_context_edge_is_not_shown_in_part() {
        let value = "sk-mock-primary-0123abcd";
        let text = format!("{value}{}{value}", "x".repeat(CONTEXT * 3 - 10));
        let err = none_shown(&[secret("k", value)], &[shown("p", &text)]).unwrap_err();
        assert!(!err.contains("sk-mock-p"), "{err}");
    }

    #[test]
    fn made_up_secrets_are_redacted_and_nothing_else() {
        let text = "key sk-mock-primary-0a1b2c3d, token conformance-admin-00ff00ff00ff00ff. sk-mock-";
        assert_eq!(redact_made_up(text), "key sk-mock-[redacted], token conformance-admin-[redacted]. sk-mock-");
        assert_eq!(redact_made_up("nothing secret"), "nothing secret");
    }

    #[test]
    fn nothing_shown_or_nothing_to_search_for_is_an_error() {
        let key = secret("k", "sk-mock-primary-0123abcd");
        assert!(none_shown(std::slice::from_ref(&key), &[]).is_err());
        assert!(none_shown(std::slice::from_ref(&key), &[shown("p", "")]).is_err());
        assert!(none_shown(&[], &[shown("p", "text")]).is_err());
        assert_eq!(none_shown(&[key], &[shown("p", "clean text")]), Ok(10));
    }
}
