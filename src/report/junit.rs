//! `junit.xml`: one test suite per case, one test case per scenario; scenarios
//! not run, and passes the adapter decided, are `skipped` with the reason. Written with `quick-junit`, which
//! escapes and shapes the XML the way CI systems read it.
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::run::Verdict;

/// The JUnit XML report.
pub fn junit(r: &Report) -> Result<String, String> {
    let mut report = quick_junit::Report::new("failover-conformance");
    if let Ok(date) = chrono::DateTime::parse_from_rfc3339(&r.date) {
        report.set_timestamp(date);
    }
    for case in &r.cases {
        let mut suite = TestSuite::new(case.id.as_str());
        for scenario in &case.scenarios {
            let status = match scenario.status {
                Verdict::Passed => TestCaseStatus::success(),
                Verdict::Failed => {
                    let mut failed = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    failed.set_message(scenario.failed_step.as_deref().unwrap_or("failed").trim());
                    failed.set_description(scenario.error.as_deref().unwrap_or(""));
                    failed
                }
                Verdict::Skipped | Verdict::NotSupported | Verdict::AdapterDecided => {
                    let mut skipped = TestCaseStatus::skipped();
                    let why = format!("{}: {}", scenario.status.as_str(), scenario.reason.as_deref().unwrap_or(""));
                    skipped.set_message(why);
                    skipped
                }
            };
            let mut test = TestCase::new(scenario.name.as_str(), status);
            test.set_classname(format!("{}.{}", case.id, scenario.feature));
            suite.add_test_case(test);
        }
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| format!("cannot write junit.xml: {e}"))
}
