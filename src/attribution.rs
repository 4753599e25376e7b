//! Which client request a provider request carries.
//!
//! A gateway may rebuild every body it forwards (rename or add parameters,
//! re-serialise numbers, reorder or add fields, prepend to the system prompt,
//! map the model name), so a provider request is not found by comparing it to
//! what the client sent. The contract requires instead that a gateway forward
//! the client's message texts unchanged: the suite writes a tag,
//! `[conformance-ref:N]`, into the text of each request's last user message
//! (an embedding request: its input), N counting the scenario's requests. A
//! conversation resends its earlier turns, tags and all, so a provider request
//! belongs to the request whose tag is the latest it carries.
use crate::mock::Received;

const OPEN: &[u8] = b"[conformance-ref:";

/// The text of the gateway's own probes, as the suite configures it
/// (`probes.prompt`): a provider request carrying it is a probe, not a
/// client's request, and no count or check over client requests sees it.
pub const PROBE_PROMPT: &str = "[conformance-probe] Reply with one word.";

/// What marks a prompt of the gateway's own (its probes' and its golden
/// sets'), so that no check over clients' requests counts it.
pub const PROBE_MARKER: &str = "[conformance-probe]";

/// Whether a provider request is one of the gateway's own probes.
pub fn is_probe(received: &Received) -> bool {
    let marker = PROBE_MARKER.as_bytes();
    received.body.windows(marker.len()).any(|w| w == marker)
}

/// The tag that marks the client's `n`-th request.
pub fn tag(n: usize) -> String {
    format!("[conformance-ref:{n}]")
}

/// The number of the latest tag in `body`, if it carries one.
pub fn latest(body: &[u8]) -> Option<usize> {
    let mut latest = None;
    let mut rest = body;
    while let Some(at) = rest.windows(OPEN.len()).position(|w| w == OPEN) {
        rest = &rest[at + OPEN.len()..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if rest.get(digits) == Some(&b']') {
            let n = std::str::from_utf8(&rest[..digits]).ok().and_then(|d| d.parse().ok());
            latest = latest.max(n);
        }
    }
    latest
}

/// Whether a provider request is an inference request (the paths the
/// gateway forwards clients' requests to), as opposed to a probe of its own.
pub fn is_inference(received: &Received) -> bool {
    matches!(received.path.as_str(), "/v1/chat/completions" | "/v1/embeddings")
}

/// The inference requests in `journal` that carry no tag of `sent` (the
/// numbers of the scenario's client requests, sorted): requests this scenario's
/// client did not make.
pub fn strays<'a>(journal: &'a [Received], sent: &[usize]) -> Vec<&'a Received> {
    journal
        .iter()
        .filter(|r| is_inference(r) && latest(&r.body).is_none_or(|n| sent.binary_search(&n).is_err()))
        .collect()
}

/// Names `strays` for a failure message.
pub fn describe(provider: &str, strays: &[&Received]) -> String {
    let listed: Vec<String> = strays
        .iter()
        .take(5)
        .map(|r| {
            let body: String = String::from_utf8_lossy(&r.body).chars().take(160).collect();
            format!("#{} {} {body}", r.seq, r.path)
        })
        .collect();
    let more = strays.len().saturating_sub(listed.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!(
        "provider \"{provider}\" received {} request(s) that no client request of this scenario carries: {}{more}",
        strays.len(),
        listed.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_tag_is_the_requests_own() {
        let turn = format!(r#"{{"messages":[{{"content":"hi {}"}},{{"content":"and? {}"}}]}}"#, tag(3), tag(12));
        assert_eq!(latest(turn.as_bytes()), Some(12));
        assert_eq!(latest(b"no tag here"), None);
        assert_eq!(latest(b"[conformance-ref:] [conformance-ref:7x] [conformance-ref:"), None);
        // Whatever a gateway does to the JSON around it, the text survives.
        let rebuilt = format!("{{\"input\": [\"sentence number 4 {}\"], \"extra\": 1.0}}", tag(4));
        assert_eq!(latest(rebuilt.as_bytes()), Some(4));
    }
}
