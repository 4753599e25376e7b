//! Portkey's open-source gateway (`@portkey-ai/gateway` 1.15.2, from the npm
//! registry), run through `adapters/portkey/adapter.mjs`. Needs node and the
//! adapter's package: `npm ci --prefix adapters/portkey`.
use super::{Vendor, root};

const VERSION: &str = "1.15.2";

/// Node and the pinned package must be there; say how to get them if not.
fn check_installed() -> Result<(), String> {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.as_ref().is_ok_and(|o| o.status.success()) {
        return Err("node is not installed: the Portkey adapter needs Node.js 18 or later on PATH".into());
    }
    let package = root().join("adapters/portkey/node_modules/@portkey-ai/gateway/package.json");
    let text = std::fs::read_to_string(&package)
        .map_err(|_| format!("{} is missing: run `npm ci --prefix adapters/portkey` first", package.display()))?;
    let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", package.display()))?;
    match manifest["version"].as_str() {
        Some(VERSION) => Ok(()),
        other => Err(format!(
            "@portkey-ai/gateway {other:?} is installed, the report is for {VERSION}: run `npm ci --prefix adapters/portkey`"
        )),
    }
}

pub fn vendor() -> Result<Vendor, String> {
    check_installed()?;
    Ok(Vendor {
        name: "portkey",
        version: VERSION,
        command: format!(
            "node {} --config {{config}} --port {{port}}",
            root().join("adapters/portkey/adapter.mjs").display()
        ),
        adapter: "adapters/portkey",
        reproduce: "npm ci --prefix adapters/portkey && cargo test --test vendors -- portkey",
        // Each scenario starts a Portkey process: a few at a time on two cores.
        concurrency: 6,
        unstable: &[],
    })
}
