//! A vendor run: the whole suite against a real gateway behind its adapter,
//! its reports written to `target/conformance/<name>/`, every case's outcome
//! pinned in an insta snapshot, and (with `UPDATE_VENDOR_REPORT=1`) the
//! published report in `docs/reports/<name>-<version>/` rewritten. Each
//! gateway's module (`portkey`, `tensorzero`, `litellm`) only says how to
//! check its set-up and how to start it.
use std::fmt::Write;
use std::path::{Path, PathBuf};

use failover_conformance::report::{self, Report};
use failover_conformance::run::{self, Outcome, Plan, RunSettings, SuiteCli, Verdict};

/// One vendor.
pub struct Vendor {
    /// Short name: `portkey`, `tensorzero`, `litellm`.
    pub name: &'static str,
    /// The version the published report is for.
    pub version: &'static str,
    /// The gateway command template, relative paths from the repository.
    pub command: String,
    /// The adapter's directory, e.g. `adapters/portkey`.
    pub adapter: &'static str,
    /// How to reproduce the run from a fresh checkout.
    pub reproduce: &'static str,
    /// Scenarios at once (each starts the vendor's gateway).
    pub concurrency: usize,
    /// Cases this gateway passes or fails by how loaded the machine is (its
    /// timing sits at one of the case's bounds), each with the measurement
    /// that shows it: their snapshot line reads "passed or failed" whichever
    /// it did, while the report keeps what happened.
    pub unstable: &'static [(&'static str, &'static str)],
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every case's status (`passed or failed` for an `unstable` case that
/// passed or failed), and the scenarios not run for lack of a capability or
/// decided by the adapter.
pub fn outcomes(report: &Report, unstable: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for case in &report.cases {
        let status = case.status.as_str();
        let at_a_bound = unstable.iter().any(|(id, _)| *id == case.id) && matches!(status, "passed" | "failed");
        let status = if at_a_bound { "passed or failed" } else { status };
        let _ = writeln!(out, "{}: {status}", case.id);
        for verdict in [Verdict::NotSupported, Verdict::AdapterDecided] {
            let mut names: Vec<&str> =
                case.scenarios.iter().filter(|s| s.status == verdict).map(|s| s.name.as_str()).collect();
            names.sort();
            for name in names {
                let _ = writeln!(out, "  {}: {name}", verdict.words());
            }
        }
    }
    out
}

impl Vendor {
    fn published_dir(&self) -> PathBuf {
        root().join(format!("docs/reports/{}-{}", self.name, self.version))
    }

    fn write_published(&self, report: &Report) -> Result<(), String> {
        let mut published = report.clone();
        // The published copy names paths relative to the repository.
        let relative = |text: &str| text.replace(&format!("{}/", root().display()), "");
        published.gateway_command = published.gateway_command.as_deref().map(relative);
        published.capabilities.source = relative(&published.capabilities.source);
        report::write(&self.published_dir(), &published).map(drop)
    }

    async fn run<W>(&self) -> Result<(Outcome, Report), String>
    where
        W: cucumber::World + cucumber::codegen::WorldInventory + std::fmt::Debug + run::SceneWorld,
    {
        let cli = SuiteCli {
            gateway_cmd: Some(self.command.clone()),
            manifest: Some(root().join(self.adapter).join(failover_conformance::manifest::FILE_NAME)),
            report_dir: Some(root().join("target/conformance").join(self.name)),
            concurrency: Some(self.concurrency),
            ..SuiteCli::default()
        };
        let plan = Plan::from_cli(&cli)?;
        let outcome = run::run::<W>(&RunSettings::quiet(plan)).await?;
        let reproduce = report::Reproduce { command: self.reproduce.into(), environment: Default::default() };
        let report = report::build(&outcome, report::now(), reproduce);
        report::write(Path::new(&outcome.plan.report_dir), &report)?;
        if std::env::var_os("UPDATE_VENDOR_REPORT").is_some() {
            self.write_published(&report)?;
        }
        Ok((outcome, report))
    }

    /// Runs the suite against the vendor and checks its outcomes against the
    /// snapshot `<name>_outcomes`; prints the summary. Returns whether it matched.
    pub async fn check<W>(&self) -> Result<bool, String>
    where
        W: cucumber::World + cucumber::codegen::WorldInventory + std::fmt::Debug + run::SceneWorld,
    {
        let started = std::time::Instant::now();
        let (outcome, report) = self.run::<W>().await?;
        run::print_summary(&outcome.record);
        println!(
            "{} {} run took {:.1} s; reports in {}",
            self.name,
            self.version,
            started.elapsed().as_secs_f64(),
            outcome.plan.report_dir.display()
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root().join("tests/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        let table = outcomes(&report, self.unstable);
        for (id, why) in self.unstable {
            println!("{}: {id} is pinned as \"passed or failed\": {why}", self.name);
        }
        let name = format!("{}_outcomes", self.name);
        let check = || settings.bind(|| insta::assert_snapshot!(name.as_str(), table));
        let matched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).is_ok();
        println!("{}'s per-case outcomes match their snapshot: {}", self.name, if matched { "ok" } else { "MISMATCH" });
        Ok(matched)
    }
}

/// A vendor whose set-up was not done: said plainly, and a failure when
/// `FAILOVER_REQUIRE_VENDORS` is set (as CI does), so that no run passes it
/// by silence; otherwise the run goes on without it. Returns whether it failed.
pub fn not_set_up(name: &str, why: &str) -> bool {
    if std::env::var_os("FAILOVER_REQUIRE_VENDORS").is_some() {
        eprintln!("vendors: {name}: {why}");
        eprintln!("vendors: {name}: FAILED: FAILOVER_REQUIRE_VENDORS is set, and this vendor's set-up was not done");
        true
    } else {
        println!("vendors: {name}: NOT RUN: {why}");
        println!("vendors: {name}: (set FAILOVER_REQUIRE_VENDORS=1 to make a missing set-up fail the test)");
        false
    }
}

pub mod litellm;
pub mod portkey;
pub mod python;
pub mod tensorzero;
pub mod zygote;
