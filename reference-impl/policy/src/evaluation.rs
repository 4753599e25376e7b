//! Continuous evaluation: a golden set of prompts with known answers, sent
//! to every provider of a chain on a schedule, catches a provider whose
//! answers change silently (a new model behind the same name) before
//! clients' traffic shows it. [`grade`] says whether one answer meets its
//! expectation; an [`Evaluation`] keeps one provider's latest rounds and
//! marks it degraded while its pass rate over them is below the minimum.
//!
//! Rounds, not time, are the unit: a round is one pass over the set, and
//! the caller records it when all its cases have been answered or have
//! failed. A case whose probe failed outright (an error, a timeout) is not
//! graded at all; the breaker and the health score judge those.
use std::collections::VecDeque;

use regex::Regex;

/// What a golden answer must be, compiled.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Exactly this text, once whitespace at either end is trimmed.
    Exact(String),
    /// Text this pattern finds a match in.
    Pattern(Regex),
    /// JSON text a schema accepts; the shell validates it and passes the
    /// result in [`Answer::schema`].
    Schema,
}

/// One golden answer, as the shell read it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Answer<'a> {
    /// The answer's text (`choices[0].message.content`); `None` when the
    /// answer carried none.
    pub text: Option<&'a str>,
    /// For [`Expect::Schema`]: `Ok` when the text is JSON the schema
    /// accepts, else where it departs from it.
    pub schema: Option<Result<(), &'a str>>,
}

/// Why an answer failed its case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Miss {
    /// The answer carried no text.
    NoText,
    /// The text is not the one expected.
    Differs,
    /// The pattern finds no match in the text.
    NoMatch,
    /// The text is not JSON the schema accepts: where it departs.
    OffSchema(String),
}

impl Miss {
    /// Words for the evidence.
    pub fn describe(&self) -> String {
        match self {
            Miss::NoText => "the answer carried no text".into(),
            Miss::Differs => "the text differs from the one expected".into(),
            Miss::NoMatch => "the pattern finds no match in the text".into(),
            Miss::OffSchema(why) => format!("the text is not JSON the schema accepts: {why}"),
        }
    }
}

/// Whether `answer` meets `expect`.
pub fn grade(expect: &Expect, answer: &Answer<'_>) -> Result<(), Miss> {
    let text = answer.text.ok_or(Miss::NoText)?;
    match expect {
        Expect::Exact(expected) if text.trim() == expected.trim() => Ok(()),
        Expect::Exact(_) => Err(Miss::Differs),
        Expect::Pattern(pattern) if pattern.is_match(text) => Ok(()),
        Expect::Pattern(_) => Err(Miss::NoMatch),
        Expect::Schema => match answer.schema {
            Some(Ok(())) => Ok(()),
            Some(Err(why)) => Err(Miss::OffSchema(why.to_owned())),
            None => Err(Miss::OffSchema("not checked".into())),
        },
    }
}

/// The knobs of one golden set, validated at the boundary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalConfig {
    /// Rounds the pass rate is computed over, at least 1.
    pub window: u32,
    /// Pass rate below which a provider is degraded, in (0, 1].
    pub min_pass_rate: f64,
}

impl EvalConfig {
    /// Rounds of nothing but wrong answers after which a provider that
    /// passed everything before is degraded: the fewest failing rounds the
    /// window's pass rate cannot stay at the minimum with.
    /// That is `floor(window × (1 − min_pass_rate)) + 1`, at most `window`,
    /// computed with the very comparison [`Evaluation::record`] makes.
    pub fn rounds_to_catch(&self) -> u32 {
        let w = self.window.max(1);
        (1..=w).find(|k| f64::from(w - k) / f64::from(w) < self.min_pass_rate).unwrap_or(w)
    }
}

/// One round's grades.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Cases graded (answered).
    pub graded: u32,
    /// Of those, cases passed.
    pub passed: u32,
}

/// A change of a provider's mark, to be logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Its pass rate fell below the minimum.
    Degraded,
    /// Its pass rate is back at or above the minimum.
    Recovered,
}

/// One provider's latest rounds and its mark.
#[derive(Clone, Debug)]
pub struct Evaluation {
    config: EvalConfig,
    rounds: VecDeque<Round>,
    degraded: bool,
    /// Rounds recorded since the start.
    recorded: u64,
}

impl Evaluation {
    /// A provider not yet evaluated: not degraded.
    pub fn new(config: EvalConfig) -> Self {
        Self { config, rounds: VecDeque::with_capacity(config.window as usize), degraded: false, recorded: 0 }
    }

    /// Records a finished round: the oldest round leaves a full window, and
    /// the mark follows the pass rate. A round that graded nothing (every
    /// probe failed outright) changes nothing.
    pub fn record(&mut self, round: Round) -> Option<Change> {
        if round.graded == 0 {
            return None;
        }
        if self.rounds.len() == self.config.window as usize {
            self.rounds.pop_front();
        }
        self.rounds.push_back(round);
        self.recorded += 1;
        let below = self.pass_rate().is_some_and(|rate| rate < self.config.min_pass_rate);
        match (self.degraded, below) {
            (false, true) => {
                self.degraded = true;
                Some(Change::Degraded)
            }
            (true, false) => {
                self.degraded = false;
                Some(Change::Recovered)
            }
            _ => None,
        }
    }

    /// The share of the window's graded cases that passed; `None` before
    /// any case was graded.
    pub fn pass_rate(&self) -> Option<f64> {
        let (graded, passed) = self.totals();
        (graded > 0).then(|| f64::from(passed) / f64::from(graded))
    }

    /// Cases graded and passed in the window.
    pub fn totals(&self) -> (u32, u32) {
        self.rounds.iter().fold((0, 0), |(g, p), r| (g + r.graded, p + r.passed))
    }

    /// Rounds in the window.
    pub fn rounds(&self) -> usize {
        self.rounds.len()
    }

    /// Rounds recorded since the start.
    pub fn rounds_recorded(&self) -> u64 {
        self.recorded
    }

    /// Whether the provider is marked degraded.
    pub fn degraded(&self) -> bool {
        self.degraded
    }

    /// Its knobs.
    pub fn config(&self) -> EvalConfig {
        self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Round = Round { graded: 2, passed: 2 };
    const NONE: Round = Round { graded: 2, passed: 0 };

    #[test]
    fn answers_are_graded_by_their_expectation() {
        let text = |t| Answer { text: Some(t), schema: None };
        assert_eq!(grade(&Expect::Exact("4".into()), &text(" 4\n")), Ok(()));
        assert_eq!(grade(&Expect::Exact("4".into()), &text("four")), Err(Miss::Differs));
        let pattern = Expect::Pattern(Regex::new("(?i)paris").unwrap());
        assert_eq!(grade(&pattern, &text("It is Paris.")), Ok(()));
        assert_eq!(grade(&pattern, &text("Lyon.")), Err(Miss::NoMatch));
        assert_eq!(grade(&pattern, &Answer::default()), Err(Miss::NoText));
        let json = |schema| Answer { text: Some("{}"), schema };
        assert_eq!(grade(&Expect::Schema, &json(Some(Ok(())))), Ok(()));
        assert_eq!(
            grade(&Expect::Schema, &json(Some(Err("\"a\" is required")))),
            Err(Miss::OffSchema("\"a\" is required".into()))
        );
        assert!(grade(&Expect::Schema, &json(None)).is_err());
    }

    #[test]
    fn a_provider_is_marked_after_the_rounds_its_window_allows_and_recovers_as_they_leave() {
        let config = EvalConfig { window: 10, min_pass_rate: 0.9 };
        assert_eq!(config.rounds_to_catch(), 2);
        let mut eval = Evaluation::new(config);
        for _ in 0..10 {
            assert_eq!(eval.record(ALL), None);
        }
        assert_eq!(eval.record(NONE), None, "one wrong round in ten is 90 %, at the minimum");
        assert_eq!(eval.record(NONE), Some(Change::Degraded));
        assert_eq!((eval.pass_rate(), eval.totals(), eval.rounds()), (Some(0.8), (20, 16), 10));
        for _ in 0..8 {
            assert_eq!(eval.record(ALL), None);
        }
        assert_eq!(eval.record(ALL), Some(Change::Recovered), "one wrong round left in the window");
        assert_eq!(eval.rounds_recorded(), 21);
    }

    #[test]
    fn rounds_that_graded_nothing_change_nothing() {
        let mut eval = Evaluation::new(EvalConfig { window: 2, min_pass_rate: 1.0 });
        assert_eq!(eval.record(Round::default()), None);
        assert_eq!((eval.pass_rate(), eval.rounds_recorded()), (None, 0));
        assert_eq!(eval.record(Round { graded: 1, passed: 0 }), Some(Change::Degraded));
        assert_eq!(eval.record(Round::default()), None);
        assert!(eval.degraded());
    }

    #[test]
    fn the_rounds_to_catch_follow_the_window_and_the_minimum() {
        let catch = |window, min_pass_rate| EvalConfig { window, min_pass_rate }.rounds_to_catch();
        assert_eq!([catch(1, 0.5), catch(4, 0.75), catch(10, 0.8), catch(3, 1.0), catch(5, 0.01)], [1, 2, 3, 1, 5]);
    }
}
