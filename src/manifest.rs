//! A vendor's manifest: who the implementation is and what it declares, kept
//! next to its gateway command as `conformance-manifest.json`.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::capabilities;

/// The file name looked for next to the command.
pub const FILE_NAME: &str = "conformance-manifest.json";

/// Who made the implementation under test.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// Organization, e.g. `Portkey-AI`.
    #[serde(default)]
    pub organization: String,
    /// Project, e.g. `gateway`.
    #[serde(default)]
    pub project: String,
    /// Where to find it.
    #[serde(default)]
    pub url: String,
    /// The version tested.
    #[serde(default)]
    pub version: String,
    /// Who to contact about the report.
    #[serde(default)]
    pub contact: Vec<String>,
}

/// The manifest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The implementation.
    #[serde(default)]
    pub implementation: Implementation,
    /// Declared capabilities (see `capabilities::KNOWN`).
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// How the adapter maps the config's knobs, and what it cannot map: shown
    /// in the report so that a reader knows what was really tested.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Outcomes the adapter decides rather than the gateway: a case id or tag
    /// (without `@`) and why. Their passes are reported as `adapter_decided`,
    /// never as the gateway's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub adapter_decides: BTreeMap<String, String>,
}

impl Manifest {
    /// Reads and checks a manifest.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read manifest {}: {e}", path.display()))?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| format!("manifest {} is not valid: {e}", path.display()))?;
        for name in &manifest.capabilities {
            capabilities::check(name).map_err(|e| format!("manifest {}: {e}", path.display()))?;
        }
        for (tag, why) in &manifest.adapter_decides {
            if tag.is_empty() || tag.starts_with('@') || tag.contains(char::is_whitespace) || why.trim().is_empty() {
                return Err(format!(
                    "manifest {}: adapter_decides needs a tag without `@` (e.g. CONTRACT_BAD_INPUT) and why, got {tag:?}: {why:?}",
                    path.display()
                ));
            }
        }
        Ok(manifest)
    }

    /// The manifest next to a command template: beside the first word of the
    /// command that names an existing file.
    pub fn beside(command: &str) -> Option<PathBuf> {
        command
            .split_whitespace()
            .map(|word| word.trim_matches(|c| c == '\'' || c == '"'))
            .map(Path::new)
            .filter(|path| path.is_file())
            .find_map(|path| Some(path.parent()?.join(FILE_NAME)).filter(|m| m.is_file()))
    }
}
