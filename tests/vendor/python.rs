//! What the Python vendors (TensorZero, LiteLLM) check before a run.
use std::path::Path;

/// Checks that `python` has `package` at `version`; says how to get it if not.
pub fn check_installed(python: &Path, package: &str, version: &str, setup: &str) -> Result<(), String> {
    if !python.is_file() {
        return Err(format!("{} is missing: the set-up was not done; run `{setup}` first", python.display()));
    }
    let found = std::process::Command::new(python)
        .args(["-c", &format!("import importlib.metadata as m; print(m.version('{package}'))")])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    match String::from_utf8_lossy(&found.stdout).trim() {
        found if found == version => Ok(()),
        other => Err(format!(
            "{package} {other:?} is installed for {}, the report is for {version}: run `{setup}`",
            python.display()
        )),
    }
}
