//! A cucumber writer that keeps each scenario's result in a [`RunRecord`],
//! beside cucumber's own console output.
use std::sync::{Arc, Mutex};

use cucumber::event::{self, Cucumber, Feature, Rule, Scenario, Step};
use cucumber::{Event, Writer, cli, gherkin, parser};

use super::record::{Key, RunRecord, Status};

/// The shared record a [`Recorder`] writes to.
pub type SharedRecord = Arc<Mutex<RunRecord>>;

/// Records scenario results into a shared [`RunRecord`].
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    record: SharedRecord,
}

impl Recorder {
    /// A recorder writing to `record`.
    pub fn new(record: SharedRecord) -> Self {
        Self { record }
    }
}

/// The record key of a scenario.
pub fn key(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> Key {
    (feature.name.clone(), scenario.position.line, scenario.name.clone())
}

/// A failed step's message, with the suite's made-up secrets redacted: it
/// may quote what a leaking gateway answered.
fn panic_message(error: &event::StepError) -> String {
    crate::checks::secrets::redact_made_up(&raw_message(error))
}

fn raw_message(error: &event::StepError) -> String {
    match error {
        event::StepError::Panic(info) => {
            if let Some(s) = info.downcast_ref::<String>() {
                s.clone()
            } else if let Some(s) = info.downcast_ref::<&str>() {
                (*s).to_owned()
            } else {
                error.to_string()
            }
        }
        other => other.to_string(),
    }
}

impl Recorder {
    fn scenario_event<W>(&self, feature: &gherkin::Feature, scenario: &gherkin::Scenario, ev: &Scenario<W>) {
        let mut record = self.record.lock().unwrap_or_else(|e| e.into_inner());
        let key = key(feature, scenario);
        if let Scenario::Started = ev {
            let tags = feature.tags.iter().chain(&scenario.tags).cloned().collect();
            record.started(key, tags);
            return;
        }
        let Some(entry) = record.get_mut(&key) else { return };
        match ev {
            Scenario::Step(step, Step::Failed(_, _, _, error))
            | Scenario::Background(step, Step::Failed(_, _, _, error)) => {
                entry.status = Status::Failed;
                entry.failed_step.get_or_insert_with(|| format!("{}{}", step.keyword, step.value));
                entry.error.get_or_insert_with(|| panic_message(error));
            }
            Scenario::Step(step, Step::Skipped) | Scenario::Background(step, Step::Skipped)
                if entry.status == Status::Running =>
            {
                entry.status = Status::Skipped;
                entry.failed_step.get_or_insert_with(|| format!("{}{}", step.keyword, step.value));
                entry.error.get_or_insert_with(|| "the step matched no step definition".to_owned());
            }
            Scenario::Hook(which, event::Hook::Failed(_, info)) => {
                entry.status = Status::Failed;
                let message = info.downcast_ref::<String>().cloned().unwrap_or_else(|| "hook panicked".to_owned());
                entry.error.get_or_insert_with(|| format!("{which:?} hook failed: {message}"));
            }
            Scenario::Finished if entry.status == Status::Running => entry.status = Status::Passed,
            _ => {}
        }
    }
}

impl<W: cucumber::World> Writer<W> for Recorder {
    type Cli = cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<Cucumber<W>>>, _: &Self::Cli) {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                self.record.lock().unwrap_or_else(|e| e.into_inner()).parse_errors.push(error.to_string());
                return;
            }
        };
        let Cucumber::Feature(feature, ev) = &event.value else { return };
        match ev {
            Feature::Scenario(scenario, retryable) => self.scenario_event(feature, scenario, &retryable.event),
            Feature::Rule(_, Rule::Scenario(scenario, retryable)) => {
                self.scenario_event(feature, scenario, &retryable.event)
            }
            _ => {}
        }
    }
}

impl cucumber::writer::NonTransforming for Recorder {}
