//! TensorZero (the `tensorzero` 2026.6.0 wheel from PyPI, which embeds the Rust
//! gateway), run through `adapters/tensorzero/adapter.py`. Needs the adapter's
//! virtual environment: `adapters/tensorzero/setup.sh`.
use super::{Vendor, python, root};

const VERSION: &str = "2026.6.0";

pub fn vendor() -> Result<Vendor, String> {
    let adapter = root().join("adapters/tensorzero");
    let python = adapter.join(".venv/bin/python");
    python::check_installed(&python, "tensorzero", VERSION, "adapters/tensorzero/setup.sh")?;
    Ok(Vendor {
        name: "tensorzero",
        version: VERSION,
        command: format!(
            "{} {} --config {{config}} --port {{port}}",
            python.display(),
            adapter.join("adapter.py").display()
        ),
        adapter: "adapters/tensorzero",
        reproduce: "adapters/tensorzero/setup.sh && cargo test --test vendors -- tensorzero",
        // Each scenario starts a Python process with the embedded gateway.
        concurrency: 6,
        unstable: &[],
    })
}
