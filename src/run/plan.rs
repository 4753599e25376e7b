//! What a run is asked to do, from the command line and the environment:
//! which gateway, what it declares, which profile, where reports go, and the
//! timing knobs a vendor may override.
use std::path::PathBuf;
use std::time::Duration;

use crate::capabilities::Declared;
use crate::context::{RunContext, Target, Timing};
use crate::manifest::Manifest;

/// The suite's own command-line options (after cucumber's), each also settable
/// from the environment.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct SuiteCli {
    /// Run against a gateway started by this command template, with `{config}`
    /// and `{port}` placeholders. Unset: the bundled reference gateway.
    #[arg(long, env = "FAILOVER_GATEWAY_CMD", value_name = "template")]
    pub gateway_cmd: Option<String>,
    /// Capabilities the gateway declares, comma-separated (e.g. streaming,events).
    #[arg(long, env = "FAILOVER_GATEWAY_CAPABILITIES", value_name = "list")]
    pub capabilities: Option<String>,
    /// A manifest declaring the implementation and its capabilities; by default
    /// `conformance-manifest.json` next to the gateway command.
    #[arg(long, env = "FAILOVER_GATEWAY_MANIFEST", value_name = "path")]
    pub manifest: Option<PathBuf>,
    /// Only scenarios of this profile: core or extended.
    #[arg(long, env = "FAILOVER_PROFILE", value_name = "name")]
    pub profile: Option<String>,
    /// Where report.json, report.md and junit.xml are written.
    #[arg(long, env = "FAILOVER_REPORT_DIR", value_name = "path")]
    pub report_dir: Option<PathBuf>,
    /// How long a gateway may take to answer GET /healthz with 200, in ms.
    #[arg(long, env = "FAILOVER_START_TIMEOUT_MS", value_name = "ms")]
    pub start_timeout_ms: Option<u64>,
    /// Multiplies every tolerance and wait deadline the features state.
    #[arg(long, env = "FAILOVER_TOLERANCE_FACTOR", value_name = "factor")]
    pub tolerance_factor: Option<f64>,
    /// Scenarios run at once, each with its own gateway (default 16; fewer on
    /// a small machine or for a gateway slow to start). On the command line
    /// this is cucumber's own `--concurrency N`; from the environment,
    /// `FAILOVER_CONCURRENCY`.
    #[arg(skip)]
    pub concurrency: Option<usize>,
}

/// A resolved run plan.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The context scenarios see.
    pub context: RunContext,
    /// What the gateway declared.
    pub capabilities: Declared,
    /// The vendor's manifest, if any.
    pub manifest: Option<Manifest>,
    /// The selected profile, if any.
    pub profile: Option<String>,
    /// Where reports go.
    pub report_dir: PathBuf,
    /// Scenarios at once, when the command line set it.
    pub concurrency: Option<usize>,
}

/// The default report directory: `target/conformance` of this workspace.
pub fn default_report_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/conformance")
}

impl Plan {
    /// The bundled gateway with every capability, default timing.
    pub fn bundled(target: Target) -> Self {
        let report_dir = default_report_dir();
        let context = RunContext { target, artifacts: report_dir.join("gateways"), ..RunContext::default() };
        Self {
            context,
            capabilities: Declared::bundled(),
            manifest: None,
            profile: None,
            report_dir,
            concurrency: None,
        }
    }

    /// Resolves the options; every error says what to fix.
    pub fn from_cli(cli: &SuiteCli) -> Result<Self, String> {
        let report_dir = cli.report_dir.clone().unwrap_or_else(default_report_dir);
        let mut timing = Timing::default();
        if let Some(ms) = cli.start_timeout_ms {
            timing.start_timeout = Duration::from_millis(ms);
        }
        if let Some(factor) = cli.tolerance_factor {
            if !(factor.is_finite() && factor >= 1.0) {
                return Err(format!("--tolerance-factor must be a number of at least 1, got {factor}"));
            }
            timing.tolerance_factor = factor;
        }
        let concurrency = match (cli.concurrency, std::env::var("FAILOVER_CONCURRENCY")) {
            (Some(n), _) => Some(n),
            (None, Ok(text)) => Some(text.trim().parse::<usize>().map_err(|_| {
                format!("FAILOVER_CONCURRENCY must be a whole number of scenarios at once, got \"{text}\"")
            })?),
            (None, Err(_)) => None,
        };
        if concurrency == Some(0) {
            return Err("FAILOVER_CONCURRENCY (--concurrency) must be at least 1".into());
        }
        if let Some(profile) = &cli.profile {
            if !super::selection::PROFILES.contains(&profile.as_str()) {
                return Err(format!(
                    "unknown profile \"{profile}\"; use one of: {}",
                    super::selection::PROFILES.join(", ")
                ));
            }
        }
        let (target, capabilities, manifest) = match &cli.gateway_cmd {
            None => (Target::reference(), Declared::bundled(), None),
            Some(command) => {
                if !command.contains("{port}") {
                    return Err(format!(
                        "the gateway command must contain {{port}} (and usually {{config}}): {command}"
                    ));
                }
                let manifest_path = cli.manifest.clone().or_else(|| Manifest::beside(command));
                let manifest = manifest_path.as_deref().map(Manifest::load).transpose()?;
                let capabilities = match (&cli.capabilities, &manifest, &manifest_path) {
                    (Some(list), _, _) => Declared::parse(list, "FAILOVER_GATEWAY_CAPABILITIES")?,
                    (None, Some(m), Some(path)) => {
                        Declared::parse(&m.capabilities.join(","), &path.display().to_string())?
                    }
                    _ => Declared::parse("", "nothing declared")?,
                };
                (Target::External { command: command.clone() }, capabilities, manifest)
            }
        };
        let context = RunContext { target, timing, artifacts: report_dir.join("gateways") };
        Ok(Self { context, capabilities, manifest, profile: cli.profile.clone(), report_dir, concurrency })
    }
}
