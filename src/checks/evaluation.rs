//! Assertions on continuous evaluation (capability `continuous-eval`): a
//! provider's mark and evidence in `GET /admin/providers`, and the
//! `evaluation` events of the decision log.
use serde_json::Value;

/// The `evaluation` object of `provider`'s entry of `model` in a listing.
pub fn of<'l>(listing: &'l Value, model: &str, provider: &str) -> Result<&'l Value, String> {
    let entry = super::admin::entry(listing, model, provider)?;
    entry.get("evaluation").filter(|e| e.is_object()).ok_or(format!(
        "the entry for \"{provider}\" of \"{model}\" has no \"evaluation\" object, though the model has a golden set"
    ))
}

/// `provider` of `model` passes its whole golden set, unmarked, over a
/// window of at least `min_rounds` rounds.
pub fn passing(listing: &Value, model: &str, provider: &str, min_rounds: u64) -> Result<(), String> {
    let e = of(listing, model, provider)?;
    let rounds = e["rounds"].as_u64().unwrap_or(0);
    if e["degraded"] != false || e["pass_rate"].as_f64() != Some(1.0) || rounds < min_rounds {
        return Err(format!(
            "expected \"{provider}\" of \"{model}\" unmarked with a pass rate of 1 over at least {min_rounds} rounds, \
             it shows {e}"
        ));
    }
    match e["failures"].as_array() {
        Some(failures) if failures.is_empty() => Ok(()),
        _ => Err(format!("\"{provider}\" of \"{model}\" passes everything yet shows failures: {e}")),
    }
}

/// `provider` of `model` is no longer marked: its pass rate is at or above
/// its minimum.
pub fn unmarked(listing: &Value, model: &str, provider: &str) -> Result<(), String> {
    let e = of(listing, model, provider)?;
    let (rate, min) = (e["pass_rate"].as_f64(), e["min_pass_rate"].as_f64());
    match e["degraded"] == false && matches!((rate, min), (Some(r), Some(m)) if r >= m) {
        true => Ok(()),
        false => Err(format!("\"{provider}\" of \"{model}\" is still marked or below its minimum: {e}")),
    }
}

/// `provider` of `model` is marked degraded with a pass rate below its
/// minimum, and its evidence names `case` answered `answered`.
pub fn degraded_with(listing: &Value, model: &str, provider: &str, case: &str, answered: &str) -> Result<(), String> {
    let e = of(listing, model, provider)?;
    let (rate, min) = (e["pass_rate"].as_f64(), e["min_pass_rate"].as_f64());
    if e["degraded"] != true || !matches!((rate, min), (Some(r), Some(m)) if r < m) {
        return Err(format!("\"{provider}\" of \"{model}\" is not marked degraded below its minimum: {e}"));
    }
    evidence_names(&e["failures"], case, answered)
        .map_err(|why| format!("\"{provider}\" of \"{model}\" is marked, but {why}: {e}"))
}

/// The evidence lists `case`, answered `answered`.
fn evidence_names(failures: &Value, case: &str, answered: &str) -> Result<(), String> {
    let failures = failures.as_array().ok_or("it shows no \"failures\" array")?;
    let named = failures.iter().any(|f| f["case"] == case && f["answered"] == answered && f["why"].is_string());
    if named { Ok(()) } else { Err(format!("its evidence does not name case \"{case}\" answered \"{answered}\"")) }
}

/// The `evaluation` events of a decision log.
fn decisions(events: &[Value]) -> impl Iterator<Item = &Value> {
    events.iter().filter(|e| e["type"] == "evaluation")
}

/// The log holds no `evaluation` event: no provider was ever marked.
pub fn never_marked(events: &[Value]) -> Result<(), String> {
    if events.is_empty() {
        return Err("the decision log is empty: nothing was observed".into());
    }
    match decisions(events).next() {
        None => Ok(()),
        Some(event) => Err(format!("a provider that answered its golden set right was marked: {event}")),
    }
}

/// The log's `evaluation` decisions for `provider` of `model`, in order,
/// are `expected` (e.g. `degraded` then `recovered`), and the first names
/// `case` answered `answered` as evidence.
pub fn decided(
    events: &[Value],
    (model, provider): (&str, &str),
    expected: &[&str],
    (case, answered): (&str, &str),
) -> Result<(), String> {
    let own: Vec<&Value> = decisions(events).filter(|e| e["model"] == model && e["provider"] == provider).collect();
    let got: Vec<&str> = own.iter().filter_map(|e| e["decision"].as_str()).collect();
    if got != expected {
        return Err(format!(
            "expected evaluation decisions {expected:?} for \"{provider}\" of \"{model}\", the log has {got:?}"
        ));
    }
    let first = own.first().ok_or("no evaluation decision at all")?;
    evidence_names(&first["failures"], case, answered).map_err(|why| format!("the first decision: {why}: {first}"))
}

/// A provider answered a golden prompt wrongly `wrong` times before the
/// suite saw it marked: at most `rounds` rounds, plus `slack` rounds the
/// suite's polling may take to see it.
pub fn caught_within(provider: &str, wrong: usize, rounds: usize, slack: usize) -> Result<(), String> {
    if wrong == 0 {
        return Err(format!("\"{provider}\" was marked before it answered anything wrongly"));
    }
    if wrong <= rounds + slack {
        Ok(())
    } else {
        Err(format!(
            "\"{provider}\" answered the golden prompt wrongly {wrong} times before it was seen marked; \
             the bound is {rounds} rounds, plus {slack} for the suite's polling"
        ))
    }
}
