//! A step and time budget for one jq run.
//!
//! jaq has no fuel of its own, and a filter can loop without yielding a
//! value, so nothing outside the interpreter could stop it. jaq looks up its
//! definitions through the run's data ([`HasLut::lut`]) at every step it
//! evaluates; the metered data counts those look-ups and, past the budget,
//! unwinds out of the interpreter with [`std::panic::resume_unwind`] (no
//! panic hook, no message in the log). [`Meter::run`] is the only place that
//! catches it, turning it into [`Spent`]. Nothing the run owns outlives it,
//! so unwinding through jaq's iterators leaves no broken state behind.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::{Duration, Instant};

use jaq_core::Lut;
use jaq_core::data::{DataT, HasLut};
use jaq_json::Val;

/// Reading the clock at every step would cost more than the step.
const STEPS_PER_CLOCK_READ: u64 = 4_096;

/// What one run may spend.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Steps evaluated (definition look-ups), whatever the machine's speed.
    pub steps: u64,
    /// Wall time, for steps that are slow (large values built or copied).
    pub time: Duration,
}

/// Why a run was stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Spent {
    #[error("the jq filter was stopped: it took more than {0} steps")]
    Steps(u64),
    #[error("the jq filter was stopped: it ran longer than {} ms", .0.as_millis())]
    Time(Duration),
}

/// Counts the steps of one run on one thread.
pub struct Meter {
    budget: Budget,
    started: Instant,
    steps: Cell<u64>,
}

impl Meter {
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            started: Instant::now(),
            steps: Cell::new(0),
        }
    }

    /// Runs `work`, which evaluates through data metered by this meter.
    pub fn run<T>(&self, work: impl FnOnce() -> T) -> Result<T, Spent> {
        catch_unwind(AssertUnwindSafe(work)).map_err(|payload| match payload.downcast::<Spent>() {
            Ok(spent) => *spent,
            // Not ours: a real panic goes on as it was.
            Err(other) => resume_unwind(other),
        })
    }

    fn tick(&self) {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > self.budget.steps {
            resume_unwind(Box::new(Spent::Steps(self.budget.steps)));
        }
        if steps.is_multiple_of(STEPS_PER_CLOCK_READ) && self.started.elapsed() > self.budget.time {
            resume_unwind(Box::new(Spent::Time(self.budget.time)));
        }
    }
}

/// jq over JSON values, with metered data.
pub struct Metered;

impl DataT for Metered {
    type V<'a> = Val;
    type Data<'a> = MeteredLut<'a>;
}

/// The filter's definitions, handed out one step at a time.
#[derive(Clone)]
pub struct MeteredLut<'a> {
    lut: &'a Lut<Metered>,
    meter: &'a Meter,
}

impl<'a> MeteredLut<'a> {
    pub fn new(lut: &'a Lut<Metered>, meter: &'a Meter) -> Self {
        Self { lut, meter }
    }
}

impl<'a> HasLut<'a, Metered> for MeteredLut<'a> {
    fn lut(&self) -> &'a Lut<Metered> {
        self.meter.tick();
        self.lut
    }
}
