//! Running the features: cucumber's console output, a record of every
//! scenario's result (and of every scenario not run, with why), measurements
//! collected from each scenario's world, and a plain summary at the end.
mod exclusive;
mod plan;
mod record;
mod recorder;
mod selection;

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;

use cucumber::codegen::WorldInventory;
use cucumber::writer::{Basic, Coloring, Verbosity};
use cucumber::{World, WriterExt, cli};
use futures::FutureExt;

pub use exclusive::Hold;
pub use plan::{Plan, SuiteCli, default_report_dir};
pub use record::{Counts, RunRecord, ScenarioRecord, Status, Verdict, case_status, is_case_id};
pub use recorder::{Recorder, SharedRecord};
pub use selection::{Decision, PROFILES, Selection};

use crate::context;
use crate::scene::Scene;

/// A cucumber world that carries a [`Scene`].
pub trait SceneWorld {
    /// The scenario's scene.
    fn scene(&self) -> &Scene;
    /// Keeps `hold` while the scenario runs.
    fn hold(&mut self, hold: Hold);
    /// Gives the hold up: the scenario has ended (its world may live on in
    /// cucumber's events for a while, and must not keep others waiting).
    fn release(&mut self);
}

/// How to run the features.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// The features directory (or one feature file).
    pub features: PathBuf,
    /// Print cucumber's console output (off for self-tests).
    pub console: bool,
    /// Scenarios run at once (`@serial` ones run alone).
    pub concurrency: usize,
    /// The plan; `None` reads it, and cucumber's options, from the command line
    /// and the environment.
    pub plan: Option<Plan>,
    /// Only scenarios whose names match, as `--name` does (for self-tests).
    pub name: Option<cucumber::codegen::Regex>,
    /// Only scenarios whose tags match, as `--tags` does (for self-tests).
    pub tags: Option<cucumber::gherkin::tagexpr::TagOperation>,
}

impl RunSettings {
    /// The repository's features, as the conformance test runs them.
    pub fn conformance() -> Self {
        Self {
            features: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("features"),
            console: true,
            concurrency: 16,
            plan: None,
            name: None,
            tags: None,
        }
    }

    /// The repository's features against `plan`, quietly (for self-tests).
    pub fn quiet(plan: Plan) -> Self {
        Self { console: false, plan: Some(plan), ..Self::conformance() }
    }
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Every scenario, run or not.
    pub record: RunRecord,
    /// The plan it ran.
    pub plan: Plan,
}

type Filter =
    Box<dyn Fn(&cucumber::gherkin::Feature, Option<&cucumber::gherkin::Rule>, &cucumber::gherkin::Scenario) -> bool>;

/// The filter cucumber applies: runs what `selection` decides to run and
/// records every other scenario with the reason.
fn filter(selection: Selection, record: SharedRecord) -> Filter {
    Box::new(move |feature, rule, scenario| {
        let tags: Vec<String> =
            feature.tags.iter().chain(rule.iter().flat_map(|r| &r.tags)).chain(&scenario.tags).cloned().collect();
        let (status, reason) = match selection.decide(&tags, &scenario.name) {
            Decision::Run => return true,
            Decision::OutOfProfile => return false,
            Decision::NotSupported(missing) => {
                let what: Vec<String> = missing.iter().map(|c| format!("capability {c} not declared")).collect();
                (Status::NotSupported, what.join("; "))
            }
            Decision::Skipped(why) => (Status::Skipped, why),
        };
        let mut record = record.lock().unwrap_or_else(|e| e.into_inner());
        record.not_run(recorder::key(feature, scenario), tags, status, reason);
        false
    })
}

/// Runs the features with world `W`. Fails (before running anything) on options
/// that cannot be used, saying what to fix.
pub async fn run<W>(settings: &RunSettings) -> Result<Outcome, String>
where
    W: World + WorldInventory + Debug + SceneWorld,
{
    crate::limits::raise_open_files();
    let record: SharedRecord = Arc::default();
    let out: Box<dyn std::io::Write> =
        if settings.console { Box::new(std::io::stdout()) } else { Box::new(std::io::sink()) };
    let coloring = if settings.console { Coloring::Auto } else { Coloring::Never };
    let writer = Basic::raw(out, coloring, Verbosity::Default)
        .summarized()
        .tee::<W, _>(Recorder::new(record.clone()))
        .normalized();
    let measurements = record.clone();
    // cucumber's --tags and --name would replace the filter below: take them
    // over, so that capabilities and profiles hold whatever the command line says.
    let mut opts = match &settings.plan {
        Some(_) => cli::Opts::<_, _, _, SuiteCli>::default(),
        None => cli::Opts::<_, _, _, SuiteCli>::parsed(),
    };
    let plan = match &settings.plan {
        Some(plan) => plan.clone(),
        None => Plan::from_cli(&opts.custom)?,
    };
    let cucumber = W::cucumber()
        .max_concurrent_scenarios(plan.concurrency.unwrap_or(settings.concurrency))
        .with_writer(writer)
        .fail_on_skipped()
        .before(|feature, _rule, scenario, world| {
            let tags: Vec<String> = feature.tags.iter().chain(&scenario.tags).cloned().collect();
            async move { world.hold(exclusive::acquire(&tags).await) }.boxed_local()
        })
        .after(move |feature, _rule, scenario, _finished, world| {
            let strays = world.map(|world| {
                world.release();
                let mut record = measurements.lock().unwrap_or_else(|e| e.into_inner());
                record.measured(recorder::key(feature, scenario), world.scene().measurements.clone());
                world.scene().stray_requests()
            });
            // A provider request no client request of this scenario carries is
            // never ignored: it fails the scenario, named.
            if let Some(Some(strays)) = strays {
                std::panic::panic_any(strays);
            }
            async {}.boxed_local()
        });
    let selection = Selection {
        name: opts.re_filter.take().or_else(|| settings.name.clone()),
        tags: opts.tags_filter.take().or_else(|| settings.tags.clone()),
        profile: plan.profile.clone(),
        capabilities: plan.capabilities.clone(),
    };
    let run = cucumber.with_cli(opts).filter_run(settings.features.clone(), filter(selection, record.clone()));
    context::with_context(plan.context.clone(), run).await;
    crate::gateway::stop_all();
    let mut record = record.lock().unwrap_or_else(|e| e.into_inner()).clone();
    record.settle();
    if let Some(manifest) = &plan.manifest {
        record.attribute_to_adapter(&manifest.adapter_decides);
    }
    Ok(Outcome { record, plan })
}

/// Failed steps report through panics, which cucumber catches and prints with
/// the step; the default hook would print each one again, with a backtrace.
pub fn quiet_step_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// Prints the measurements, what was not run and why, and one line per case.
pub fn print_summary(record: &RunRecord) {
    println!();
    for error in &record.parse_errors {
        println!("feature error: {error}");
    }
    let measured: Vec<&ScenarioRecord> = record.scenarios().iter().filter(|s| !s.measurements.is_empty()).collect();
    if !measured.is_empty() {
        println!("Measurements:");
        for s in measured {
            let values: Vec<String> =
                s.measurements.iter().map(|m| format!("{} {:.2} {}", m.name, m.value, m.unit)).collect();
            println!("  {}: {}: {}", s.case_id(), s.name, values.join(", "));
        }
    }
    let not_run: Vec<&ScenarioRecord> = record.scenarios().iter().filter(|s| s.reason.is_some()).collect();
    if !not_run.is_empty() {
        println!("Not run:");
        for s in not_run {
            println!(
                "  {}: {}: {} ({})",
                s.case_id(),
                s.name,
                s.status.as_str().replace('_', " "),
                s.reason.as_deref().unwrap_or("")
            );
        }
    }
    for line in record.case_lines() {
        println!("{line}");
    }
}
