//! `ObjectLedgerHandle`: per-label books of tracked objects, for one guard.

use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

use crate::binding::report::{to_objects, LeakReportObject};
use crate::core::growth::GrowthPolicy;
use crate::core::object_ledger::ObjectLedger;

/// Settings, already validated by the JavaScript facade.
#[napi(object)]
pub struct ObjectLedgerOptions {
    /// Samples needed before a verdict.
    pub min_points: u32,
    /// Samples judged at most.
    pub max_points: u32,
    /// Growth below this many objects a minute is never reported.
    pub min_growth_per_minute: f64,
    /// Path prefixes of frames that are never creation sites (leakguard's own).
    pub ignored_paths: Vec<String>,
}

/// One label's figures.
#[napi(object)]
pub struct LabelCountObject {
    /// The label.
    pub label: String,
    /// Tracked objects still alive.
    pub alive: f64,
    /// Tracked objects created.
    pub created: f64,
    /// Tracked objects collected.
    pub collected: f64,
    /// Whether a leak is reported and ongoing.
    pub leaking: bool,
}

/// What a sample of the counters led to.
#[napi(object)]
pub struct LedgerOutcomeObject {
    /// New and escalated reports.
    pub reports: Vec<LeakReportObject>,
    /// True when suspected growth waits for a full GC and its finalizers.
    pub wants_full_gc: bool,
}

/// Per-label books of tracked objects.
#[napi]
pub struct ObjectLedgerHandle {
    /// `None` once closed: freed at `close()`, not when collected.
    inner: Option<ObjectLedger>,
}

#[napi]
impl ObjectLedgerHandle {
    /// A ledger with `options`.
    #[napi(constructor)]
    pub fn new(options: ObjectLedgerOptions) -> Self {
        let policy = GrowthPolicy::for_counts(
            options.min_points as usize,
            options.max_points as usize,
            options.min_growth_per_minute,
            true,
        );
        ObjectLedgerHandle {
            inner: Some(ObjectLedger::new(policy, options.ignored_paths)),
        }
    }

    /// Adds a label and returns its id.
    #[napi]
    pub fn define_label(&mut self, name: String) -> u32 {
        self.inner.as_mut().map_or(0, |l| l.define_label(name))
    }

    /// Counts the creation site in `stack` for label `id`.
    #[napi]
    pub fn record_creation(&mut self, id: u32, stack: String) {
        if let Some(l) = self.inner.as_mut() {
            l.record_creation(id, &stack)
        }
    }

    /// Reads the shared counters (`[created, collected]` per label).
    #[napi]
    pub fn record_counts(
        &mut self,
        at_ms: f64,
        counters: Float64Array,
        after_full_gc: bool,
    ) -> LedgerOutcomeObject {
        let outcome = match self.inner.as_mut() {
            Some(l) => l.record_counts(at_ms, &counters, after_full_gc),
            None => Default::default(),
        };
        LedgerOutcomeObject {
            reports: to_objects(outcome.reports),
            wants_full_gc: outcome.wants_full_gc,
        }
    }

    /// A report for an object that outlived its deadline.
    #[napi]
    pub fn overdue_report(
        &self,
        id: u32,
        age_ms: f64,
        within_ms: f64,
        stack: String,
        at_ms: f64,
    ) -> Option<LeakReportObject> {
        self.inner
            .as_ref()?
            .overdue_report(id, age_ms, within_ms, &stack, at_ms)
            .map(LeakReportObject::from)
    }

    /// The identities of reported object growth that is over since the last call.
    #[napi]
    pub fn take_ended(&mut self) -> Vec<String> {
        self.inner
            .as_mut()
            .map_or_else(Vec::new, |l| l.take_ended())
    }

    /// Every label's figures, most alive first.
    #[napi]
    pub fn labels(&self) -> Vec<LabelCountObject> {
        let Some(l) = self.inner.as_ref() else {
            return Vec::new();
        };
        l.labels()
            .into_iter()
            .map(|l| LabelCountObject {
                label: l.label,
                alive: l.alive,
                created: l.created,
                collected: l.collected,
                leaking: l.leaking,
            })
            .collect()
    }

    /// Frees the books.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }
}
