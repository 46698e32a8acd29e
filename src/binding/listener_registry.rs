//! `ListenerRegistryHandle`: listener counts and their verdicts, for the
//! EventEmitter hook of one isolate.

use napi_derive::napi;

use crate::binding::report::{to_objects, LeakReportObject};
use crate::core::growth::GrowthPolicy;
use crate::core::listener_registry::ListenerRegistry;

/// Settings, already validated by the JavaScript facade.
#[napi(object)]
pub struct ListenerRegistryOptions {
    /// Samples needed before a verdict.
    pub min_points: u32,
    /// Samples judged at most.
    pub max_points: u32,
    /// Growth below this many listeners a minute is never reported.
    pub min_growth_per_minute: f64,
    /// Path prefixes of frames that are never add sites (leakguard's own).
    pub ignored_paths: Vec<String>,
    /// Emitter/event pairs tracked at most.
    pub max_pairs: u32,
}

/// A tracked pair's latest count.
#[napi(object)]
pub struct PairCountObject {
    /// The emitter's description.
    pub emitter: String,
    /// The event name.
    pub event_name: String,
    /// Listeners at the latest sample.
    pub count: f64,
    /// Whether a leak is reported and ongoing.
    pub leaking: bool,
}

/// Listener counts of the tracked emitter/event pairs.
#[napi]
pub struct ListenerRegistryHandle {
    /// `None` once closed: freed at `close()`, not when collected.
    inner: Option<ListenerRegistry>,
}

#[napi]
impl ListenerRegistryHandle {
    /// A registry with `options`.
    #[napi(constructor)]
    pub fn new(options: ListenerRegistryOptions) -> Self {
        let policy = GrowthPolicy::for_counts(
            options.min_points as usize,
            options.max_points as usize,
            options.min_growth_per_minute,
            false,
        );
        ListenerRegistryHandle {
            inner: Some(ListenerRegistry::new(
                policy,
                options.ignored_paths,
                options.max_pairs as usize,
            )),
        }
    }

    /// Starts tracking `pair`; false when full.
    #[napi]
    pub fn track(&mut self, pair: u32, emitter: String, event_name: String) -> bool {
        self.inner
            .as_mut()
            .is_some_and(|r| r.track(pair, emitter, event_name))
    }

    /// Stops tracking `pair`.
    #[napi]
    pub fn untrack(&mut self, pair: u32) {
        if let Some(r) = self.inner.as_mut() {
            r.untrack(pair)
        }
    }

    /// Counts the add site in `stack` for `pair`.
    #[napi]
    pub fn record_add(&mut self, pair: u32, stack: String) {
        if let Some(r) = self.inner.as_mut() {
            r.record_add(pair, &stack)
        }
    }

    /// Records the counts of `pairs` and returns the leaks found.
    #[napi]
    pub fn record_counts(
        &mut self,
        at_ms: f64,
        pairs: Vec<u32>,
        counts: Vec<f64>,
    ) -> Vec<LeakReportObject> {
        match self.inner.as_mut() {
            Some(r) => to_objects(r.record_counts(at_ms, &pairs, &counts)),
            None => Vec::new(),
        }
    }

    /// The `n` pairs with the most listeners.
    #[napi]
    pub fn top(&self, n: u32) -> Vec<PairCountObject> {
        let Some(r) = self.inner.as_ref() else {
            return Vec::new();
        };
        r.top(n as usize)
            .into_iter()
            .map(|p| PairCountObject {
                emitter: p.emitter,
                event_name: p.event_name,
                count: p.count,
                leaking: p.leaking,
            })
            .collect()
    }

    /// The identities of reported listener leaks that are over since the last call.
    #[napi]
    pub fn take_ended(&mut self) -> Vec<String> {
        self.inner
            .as_mut()
            .map_or_else(Vec::new, |r| r.take_ended())
    }

    /// Pairs tracked now.
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        self.inner.as_ref().map_or(0, |r| r.len() as u32)
    }

    /// Frees the registry.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }
}
