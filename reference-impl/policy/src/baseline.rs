//! A provider's usual value of a measure: the mean of its first samples.
//!
//! Health scoring compares a provider's latency with its usual latency, and
//! the soft-failure judgement a stream's token rate with its usual rate. Both
//! learn the usual value once, from the first samples, and then keep it: a
//! yardstick that followed every sample would let a provider that degrades
//! slowly drag its own yardstick down with it, and never look degraded.

/// The mean of the first `samples` values learned, known once they are all in.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    samples: u32,
    learning: Option<(f64, u32)>,
    known: Option<f64>,
}

impl Baseline {
    /// A baseline learned from the first `samples` values (at least one).
    pub fn new(samples: u32) -> Self {
        Self { samples: samples.max(1), learning: Some((0.0, 0)), known: None }
    }

    /// Learns `value`, unless the baseline is already known. A value that is
    /// not a finite number is skipped.
    pub fn learn(&mut self, value: f64) {
        let Some((sum, n)) = &mut self.learning else { return };
        if !value.is_finite() {
            return;
        }
        *sum += value;
        *n += 1;
        if *n >= self.samples {
            self.known = Some(*sum / f64::from(*n));
            self.learning = None;
        }
    }

    /// The baseline, once its samples are all in.
    pub fn known(&self) -> Option<f64> {
        self.known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_is_the_mean_of_the_first_samples_and_then_stays() {
        let mut b = Baseline::new(3);
        for (value, known) in [(10.0, None), (20.0, None), (60.0, Some(30.0)), (1000.0, Some(30.0))] {
            b.learn(value);
            assert_eq!(b.known(), known, "after learning {value}");
        }
    }

    #[test]
    fn no_samples_is_one_and_a_value_that_is_not_a_number_is_skipped() {
        let mut b = Baseline::new(0);
        b.learn(f64::NAN);
        b.learn(f64::INFINITY);
        assert_eq!(b.known(), None);
        b.learn(4.0);
        assert_eq!(b.known(), Some(4.0));
    }
}
