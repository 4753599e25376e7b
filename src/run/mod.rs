//! Running the features: cucumber's console output, a record of every
//! scenario's result, measurements collected from each scenario's world, and a
//! plain summary at the end.
mod exclusive;
mod record;
mod recorder;

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;

use cucumber::codegen::WorldInventory;
use cucumber::writer::{Basic, Coloring, Verbosity};
use cucumber::{World, WriterExt};
use futures::FutureExt;

pub use record::{RunRecord, ScenarioRecord, Status};
pub use recorder::{Recorder, SharedRecord};

use crate::scene::Scene;

/// A cucumber world that carries a [`Scene`].
pub trait SceneWorld {
    /// The scenario's scene.
    fn scene(&self) -> &Scene;
    /// Keeps `hold` while the scenario runs.
    fn hold(&mut self, hold: exclusive::Hold);
    /// Gives the hold up: the scenario has ended (its world may live on in
    /// cucumber's events for a while, and must not keep others waiting).
    fn release(&mut self);
}

pub use exclusive::Hold;

/// How to run the features.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// The features directory (or one feature file).
    pub features: PathBuf,
    /// Print cucumber's console output (off for self-tests).
    pub console: bool,
    /// Read cucumber's options (`--tags`, `--name`, ...) from the command line.
    pub command_line: bool,
    /// Scenarios run at once (`@serial` ones run alone).
    pub concurrency: usize,
}

impl RunSettings {
    /// The repository's features, run as the conformance test runs them.
    pub fn conformance() -> Self {
        Self {
            features: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("features"),
            console: true,
            command_line: true,
            concurrency: 16,
        }
    }
}

/// Runs the features with world `W` and returns what happened to each scenario.
pub async fn run<W>(settings: &RunSettings) -> RunRecord
where
    W: World + WorldInventory + Debug + SceneWorld,
{
    let record: SharedRecord = Arc::default();
    let out: Box<dyn std::io::Write> = if settings.console { Box::new(std::io::stdout()) } else { Box::new(std::io::sink()) };
    let coloring = if settings.console { Coloring::Auto } else { Coloring::Never };
    let writer = Basic::raw(out, coloring, Verbosity::Default)
        .summarized()
        .tee::<W, _>(Recorder::new(record.clone()))
        .normalized();
    let measurements = record.clone();
    let cucumber = W::cucumber()
        .max_concurrent_scenarios(settings.concurrency)
        .with_writer(writer)
        .fail_on_skipped()
        .before(|feature, _rule, scenario, world| {
            let tags: Vec<String> = feature.tags.iter().chain(&scenario.tags).cloned().collect();
            async move { world.hold(exclusive::acquire(&tags).await) }.boxed_local()
        })
        .after(move |feature, _rule, scenario, _finished, world| {
            if let Some(world) = world {
                world.release();
                let mut record = measurements.lock().unwrap_or_else(|e| e.into_inner());
                record.measured(recorder::key(feature, scenario), world.scene().measurements.clone());
            }
            async {}.boxed_local()
        });
    if settings.command_line {
        cucumber.run(&settings.features).await;
    } else {
        cucumber.with_default_cli().run(&settings.features).await;
    }
    let mut record = record.lock().unwrap_or_else(|e| e.into_inner()).clone();
    record.settle();
    record
}

/// Failed steps report through panics, which cucumber catches and prints with
/// the step; the default hook would print each one again, with a backtrace.
pub fn quiet_step_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// Prints the per-case summary and the final `N passed, N failed, N skipped` line.
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
    for line in record.case_lines() {
        println!("{line}");
    }
    println!("{}", record.summary_line());
}
