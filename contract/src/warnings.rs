//! What a valid config may still get wrong: warnings, not errors. The
//! gateway starts, and says what to look at.
//!
//! The one rule so far: a chain entry that sends an undated alias
//! (`gpt-4o`, `claude-3-5-sonnet-latest`) without pinning the version its
//! answers must name (`model_version`). Providers move an alias to a new
//! model without notice; a pinned version, or a dated name, makes that
//! change visible (seed 002, section 7: silent model updates).
use crate::config::{ChainEntry, GatewayConfig};

/// A warning about a valid config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    /// Path of the field, e.g. `models[0].backend_map[1].model`.
    pub path: String,
    /// What may go wrong, and what to do about it.
    pub message: String,
}

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Whether a model name ends in a date, as providers date their versions:
/// `-2024-08-06` (OpenAI), `-20241022` (Anthropic), `@20241022` (Vertex AI),
/// or a four-digit month and day (`gpt-4-0613`, `gpt-3.5-turbo-0125`).
pub fn is_dated(name: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let Some((_, last)) = name.rsplit_once(['-', '@']) else { return false };
    if digits(last, 8) || digits(last, 4) {
        return true;
    }
    // `-YYYY-MM-DD`: the last three parts are digits of 4, 2 and 2.
    let parts: Vec<&str> = name.rsplitn(4, '-').collect();
    parts.len() == 4 && digits(parts[0], 2) && digits(parts[1], 2) && digits(parts[2], 4)
}

impl GatewayConfig {
    /// What a valid config may still get wrong, each with its field.
    pub fn warnings(&self) -> Vec<ConfigWarning> {
        let mut out = Vec::new();
        for (i, model) in self.models.iter().enumerate() {
            let chains = [("backend_map", &model.backend_map), ("content_policy_chain", &model.content_policy_chain)];
            for (chain, entries) in chains {
                for (j, entry) in entries.iter().enumerate() {
                    let at = format!("models[{i}].{chain}[{j}]");
                    out.extend(undated(&at, entry, &model.name));
                }
            }
        }
        out
    }
}

/// The warning for an entry that sends an undated alias and pins no
/// version, or pins an undated one.
fn undated(at: &str, entry: &ChainEntry, client_name: &str) -> Option<ConfigWarning> {
    let warn = |path: String, message: String| Some(ConfigWarning { path, message });
    match &entry.model_version {
        Some(version) if !is_dated(version) => warn(
            format!("{at}.model_version"),
            format!(
                "\"{version}\" is an undated alias: pinning it catches no change behind it; pin the dated version its answers name"
            ),
        ),
        Some(_) => None,
        None => {
            let (path, sent) = match &entry.model {
                Some(name) => (format!("{at}.model"), name.as_str()),
                None => (format!("{at}.provider"), client_name),
            };
            if is_dated(sent) {
                return None;
            }
            warn(
                path,
                format!(
                    "\"{sent}\" is an undated alias: provider \"{}\" may change the model behind it without notice; send a dated version or pin the version its answers must name in model_version",
                    entry.provider
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_names_are_told_from_aliases() {
        for dated in [
            "gpt-4o-2024-08-06",
            "claude-3-5-sonnet-20241022",
            "claude-3-5-sonnet-v2@20241022",
            "gpt-4-0613",
            "gpt-3.5-turbo-0125",
        ] {
            assert!(is_dated(dated), "{dated} is dated");
        }
        for alias in [
            "gpt-4o",
            "gpt-4o-mini",
            "claude-3-5-sonnet-latest",
            "o1",
            "gpt-4",
            "text-embedding-3-small",
            "model-2024-08",
            "llama-3.1-8b",
        ] {
            assert!(!is_dated(alias), "{alias} is an alias");
        }
    }

    fn config(entries: &str) -> GatewayConfig {
        let text = format!(
            r#"{{"schema":"conformance/v1","providers":[{{"id":"a","base_url":"http://127.0.0.1:1","api_key":"k"}},{{"id":"b","base_url":"http://127.0.0.1:2","api_key":"k"}}],
            "policy":{{"soft_failures":{{}}}},"models":[{{"name":"gpt-4o","backend_map":[{entries}]}}]}}"#
        );
        GatewayConfig::from_json(&text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_entry_sending_an_undated_alias_unpinned_is_warned_about_with_its_field() {
        let warned = config(r#"{"provider":"a"},{"provider":"b","model":"gpt-4o-2024-08-06"}"#).warnings();
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert_eq!(warned[0].path, "models[0].backend_map[0].provider");
        assert!(warned[0].message.contains("\"gpt-4o\" is an undated alias"), "{}", warned[0]);
        let mapped = config(r#"{"provider":"a","model":"gpt-4o-mini"}"#).warnings();
        assert_eq!(mapped[0].path, "models[0].backend_map[0].model");
        assert!(config(r#"{"provider":"a","model_version":"gpt-4o-2024-08-06"}"#).warnings().is_empty(), "pinned");
        let pinned_alias = config(r#"{"provider":"a","model_version":"gpt-4o"}"#).warnings();
        assert_eq!(pinned_alias[0].path, "models[0].backend_map[0].model_version");
    }
}
