//! Assertions on the admin API's provider listing (`GET /admin/providers`,
//! case TC_R752_FAILOVER_010) and on its token.
use serde_json::Value;

/// What a feature's table expects of one provider of a model.
#[derive(Clone, Debug, PartialEq)]
pub struct Expected {
    /// Provider id.
    pub provider: String,
    /// The states it may show (`open or half_open`), if the table says.
    pub states: Option<Vec<String>>,
    /// Its latest failure's class; `Some(None)` for "none".
    pub last_failure: Option<Option<String>>,
    /// Fewest samples its health must come from.
    pub min_samples: Option<u64>,
    /// Its rank by health: a provider of a lower rank scores strictly worse
    /// than every provider of a higher one.
    pub rank: Option<u32>,
}

impl Expected {
    /// Reads one table row, given the header's column names. Known columns:
    /// `provider`, `state`, `last failure`, `samples`, `rank`.
    pub fn from_row(header: &[String], row: &[String]) -> Result<Self, String> {
        let cell = |name: &str| header.iter().position(|h| h.trim() == name).map(|i| row[i].trim());
        let known = ["provider", "state", "last failure", "samples", "rank"];
        if let Some(unknown) = header.iter().find(|h| !known.contains(&h.trim())) {
            return Err(format!("unknown column \"{unknown}\"; the table takes {known:?}"));
        }
        let number = |name: &str| -> Result<Option<u64>, String> {
            cell(name)
                .map(|v| v.parse().map_err(|_| format!("column \"{name}\" must hold a whole number, found \"{v}\"")))
                .transpose()
        };
        Ok(Self {
            provider: cell("provider").ok_or("the table needs a \"provider\" column")?.to_owned(),
            states: cell("state").map(|s| s.split(" or ").map(|s| s.trim().to_owned()).collect()),
            last_failure: cell("last failure").map(|c| (c != "none").then(|| c.to_owned())),
            min_samples: number("samples")?,
            rank: number("rank")?.map(|r| u32::try_from(r).unwrap_or(u32::MAX)),
        })
    }
}

const METRICS: [&str; 6] = ["error_rate", "latency", "p95", "latency_trend", "error_trend", "headroom"];

/// Every entry of a listing has the contract's fields with their types: the
/// state one of five, `since_ms` no later than the listing's `at_ms`, six
/// named components, and numbers (or `null`) where numbers go.
pub fn well_formed(listing: &Value) -> Result<(), String> {
    let at_ms = listing.get("at_ms").and_then(Value::as_f64).ok_or("the listing has no numeric \"at_ms\"")?;
    let entries = listing.get("providers").and_then(Value::as_array).ok_or("the listing has no \"providers\" array")?;
    if entries.is_empty() {
        return Err("nothing was observed: the listing names no provider".into());
    }
    for e in entries {
        let bad = |what: &str| Err(format!("{what}: {e}"));
        let text = |k: &str| e.get(k).and_then(Value::as_str);
        let (Some(_), Some(_), Some(state)) = (text("model"), text("provider"), text("state")) else {
            return bad("an entry lacks model, provider or state");
        };
        if !["closed", "open", "half_open", "ramping", "drained"].contains(&state) {
            return bad("state is none of closed, open, half_open, ramping, drained");
        }
        match e.get("since_ms").and_then(Value::as_f64) {
            Some(since) if since <= at_ms + 1e-6 => {}
            _ => return bad("since_ms is missing or later than the listing's at_ms"),
        }
        for k in ["score", "error_rate", "p50_ms", "p95_ms", "baseline_ms"] {
            if !e.get(k).is_some_and(|v| v.is_null() || v.is_f64() || v.is_u64()) {
                return bad(&format!("\"{k}\" is missing or neither a number nor null"));
            }
        }
        if e.get("samples").and_then(Value::as_u64).is_none() {
            return bad("\"samples\" is missing or not a count");
        }
        let components = e.get("components").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let names: Vec<&str> = components.iter().filter_map(|c| c.get("metric")?.as_str()).collect();
        if e.get("score").is_some_and(|s| !s.is_null()) && METRICS.iter().any(|m| !names.contains(m)) {
            return bad(&format!("a scored entry must name the six components {METRICS:?}, it names {names:?}"));
        }
        match e.get("last_failure") {
            Some(Value::Null) => {}
            Some(f)
                if f.get("class").and_then(Value::as_str).is_some()
                    && f.get("at_ms").and_then(Value::as_f64).is_some() => {}
            _ => return bad("last_failure is neither null nor {class, at_ms}"),
        }
    }
    Ok(())
}

pub(crate) fn entry<'a>(listing: &'a Value, model: &str, provider: &str) -> Result<&'a Value, String> {
    listing
        .get("providers")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter().find(|e| {
                e.get("model").and_then(Value::as_str) == Some(model)
                    && e.get("provider").and_then(Value::as_str) == Some(provider)
            })
        })
        .ok_or_else(|| format!("the listing has no entry for \"{provider}\" of model \"{model}\""))
}

/// The listing shows every expected row for `model`, and ranks them by
/// score as the rows do.
pub fn shows(listing: &Value, model: &str, rows: &[Expected]) -> Result<(), String> {
    well_formed(listing)?;
    let mut scored = Vec::new();
    for row in rows {
        let e = entry(listing, model, &row.provider)?;
        let p = &row.provider;
        let state = e.get("state").and_then(Value::as_str).unwrap_or_default();
        if let Some(states) = &row.states
            && !states.iter().any(|s| s == state)
        {
            return Err(format!("\"{p}\" is {state}, expected {}", states.join(" or ")));
        }
        let failed = e.get("last_failure").and_then(|f| f.get("class")).and_then(Value::as_str);
        if let Some(expected) = &row.last_failure
            && failed != expected.as_deref()
        {
            return Err(format!(
                "\"{p}\" shows last failure {}, expected {}",
                failed.unwrap_or("none"),
                expected.as_deref().unwrap_or("none")
            ));
        }
        let samples = e.get("samples").and_then(Value::as_u64).unwrap_or(0);
        if let Some(min) = row.min_samples
            && samples < min
        {
            return Err(format!("\"{p}\" has a health from {samples} samples, expected at least {min}"));
        }
        if let Some(rank) = row.rank {
            let score = e.get("score").and_then(Value::as_f64).ok_or_else(|| format!("\"{p}\" has no score: {e}"))?;
            scored.push((rank, score, p));
        }
    }
    for &(rank, score, p) in &scored {
        for &(other_rank, other, q) in &scored {
            if rank < other_rank && score <= other {
                return Err(format!(
                    "\"{p}\" (rank {rank}) should score worse than \"{q}\" (rank {other_rank}): {score:.3} against {other:.3}"
                ));
            }
        }
    }
    Ok(())
}

/// Every entry of `model` has a baseline latency.
pub fn baselines_known(listing: &Value, model: &str) -> Result<(), String> {
    well_formed(listing)?;
    let entries = listing.get("providers").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let of_model: Vec<&Value> =
        entries.iter().filter(|e| e.get("model").and_then(Value::as_str) == Some(model)).collect();
    if of_model.is_empty() {
        return Err(format!("nothing was observed: the listing names no provider of model \"{model}\""));
    }
    match of_model.iter().find(|e| e.get("baseline_ms").and_then(Value::as_f64).is_none()) {
        None => Ok(()),
        Some(e) => Err(format!("no baseline latency yet: {e}")),
    }
}

/// The admin API turned away `path` without a token and with a wrong one
/// (`answers`: the status and body of each), and neither answer carries
/// the real token.
pub fn refused_without_token(path: &str, answers: &[(u16, String)], token: &str) -> Result<(), String> {
    if answers.is_empty() {
        return Err("nothing was observed: no unauthenticated request was made".into());
    }
    for (status, body) in answers {
        if *status != 401 {
            return Err(format!("GET {path} without the right token answered {status}, expected 401: {body}"));
        }
        token_absent(&format!("the 401 answer of GET {path}"), body, token)?;
    }
    Ok(())
}

/// `text` (an answer, a log) does not carry `token`.
pub fn token_absent(what: &str, text: &str, token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err("nothing was observed: the scenario has no admin token".into());
    }
    match text.find(token) {
        None => Ok(()),
        Some(at) => Err(format!("{what} shows the admin token at byte {at}")),
    }
}

/// In the listing, `worse` (model, provider) scores strictly worse than
/// `better`, each from at least `min_samples` samples.
pub fn scores_worse(
    listing: &Value,
    worse: (&str, &str),
    better: (&str, &str),
    min_samples: u64,
) -> Result<(), String> {
    well_formed(listing)?;
    let read = |(model, provider): (&str, &str)| -> Result<(f64, u64), String> {
        let e = entry(listing, model, provider)?;
        let score =
            e.get("score").and_then(Value::as_f64).ok_or_else(|| format!("\"{provider}\" has no score: {e}"))?;
        Ok((score, e.get("samples").and_then(Value::as_u64).unwrap_or(0)))
    };
    let ((w, wn), (b, bn)) = (read(worse)?, read(better)?);
    if wn < min_samples || bn < min_samples {
        return Err(format!("scores from {wn} and {bn} samples, expected at least {min_samples} each"));
    }
    if w > b {
        Ok(())
    } else {
        Err(format!("\"{}\" scores {w:.4}, \"{}\" {b:.4}: expected the first worse", worse.1, better.1))
    }
}
