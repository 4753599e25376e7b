//! Server-sent events as an OpenAI-compatible provider streams them, each chunk
//! stamped with the provider's id so a spliced stream is visible.
use serde_json::json;

use super::fault::Wrong;
use super::responses;

/// The `data:` payload of content chunk `i` (0-based) of answer `seq`.
pub fn content_piece(provider: &str, seq: usize, i: usize) -> String {
    format!("[{provider}#{seq}.{i}] ")
}

fn chunk(provider: &str, model: &str, seq: usize, delta: serde_json::Value, finish: Option<&str>) -> String {
    let mut body = json!({
        "id": format!("chatcmpl-{provider}-{seq}"),
        "object": "chat.completion.chunk",
        "created": 1_700_000_000u64 + seq as u64,
        "model": model,
        "system_fingerprint": responses::fingerprint(provider),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
    });
    if delta.is_null() {
        // The usage chunk OpenAI streams last when asked: no choices, only usage.
        body["choices"] = json!([]);
        body["usage"] = json!({"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17});
    }
    format!("data: {body}\n\n")
}

/// The events of a whole successful stream: `chunks` content chunks, the final
/// chunk with `finish_reason: "stop"`, the usage chunk if the request asked for
/// it (`stream_options.include_usage`), then `data: [DONE]`. When the request
/// asked for JSON (`json`), the chunks add up to a JSON object, its text the
/// pieces, as a good provider's would.
pub fn events(provider: &str, model: &str, seq: usize, chunks: usize, include_usage: bool, json: bool) -> Vec<String> {
    let mut out: Vec<String> = (0..chunks)
        .map(|i| {
            let mut piece = content_piece(provider, seq, i);
            if json && i == 0 {
                piece.insert_str(0, "{\"text\": \"");
            }
            if json && i + 1 == chunks {
                piece.push_str("\"}");
            }
            let mut delta = json!({"content": piece});
            if i == 0 {
                delta["role"] = "assistant".into();
            }
            chunk(provider, model, seq, delta, None)
        })
        .collect();
    out.push(chunk(provider, model, seq, json!({}), Some("stop")));
    if include_usage {
        out.push(chunk(provider, model, seq, serde_json::Value::Null, None));
    }
    out.push(DONE.to_owned());
    out
}

/// The events of a whole stream answering wrongly: the text in one chunk
/// (or the refusal), the final chunk with its `finish_reason`, the usage
/// chunk if asked for, then `data: [DONE]`.
pub fn wrong_events(provider: &str, model: &str, seq: usize, wrong: Wrong, include_usage: bool) -> Vec<String> {
    let (content, refusal, finish) = wrong.message();
    let delta = match refusal {
        Some(refusal) => json!({"role": "assistant", "refusal": refusal}),
        None => json!({"role": "assistant", "content": content.unwrap_or_default()}),
    };
    let mut out = vec![chunk(provider, model, seq, delta, None), chunk(provider, model, seq, json!({}), Some(finish))];
    if include_usage {
        out.push(chunk(provider, model, seq, serde_json::Value::Null, None));
    }
    out.push(DONE.to_owned());
    out
}

/// The end-of-stream sentinel.
pub const DONE: &str = "data: [DONE]\n\n";

/// A chunk that is not JSON.
pub const MALFORMED: &str = "data: {\"choices\": [{\"delta\": {\"content\": \"oops\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn text(events: &[String]) -> String {
        let chunk = |e: &String| serde_json::from_str::<serde_json::Value>(e.trim_start_matches("data: ").trim()).ok();
        let content =
            |c: serde_json::Value| c.pointer("/choices/0/delta/content").and_then(|t| t.as_str()).map(str::to_owned);
        events.iter().filter_map(chunk).filter_map(content).collect()
    }

    #[test]
    fn a_stream_asked_for_json_adds_up_to_a_json_object_and_others_to_the_pieces() {
        for chunks in [1, 3] {
            let json: serde_json::Value =
                serde_json::from_str(&text(&events("p", "m", 1, chunks, false, true))).unwrap();
            let pieces: String = (0..chunks).map(|i| content_piece("p", 1, i)).collect();
            assert_eq!(json, serde_json::json!({"text": pieces}));
            assert_eq!(text(&events("p", "m", 1, chunks, false, false)), pieces);
        }
    }
}
