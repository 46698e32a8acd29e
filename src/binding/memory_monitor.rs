//! `MemoryMonitor`: the memory-trend detector of one isolate.

use napi::bindgen_prelude::Float64ArraySlice;
use napi_derive::napi;

use crate::binding::report::{to_objects, LeakReportObject};
use crate::core::isolate_ledger::Filing;
use crate::core::memory_monitor::{
    KindThresholds, LiveKinds, MemoryMonitor, MemorySample, MonitorConfig, SampleOutcome,
};
use crate::{process_memory, thread_times};

/// Rate thresholds of one memory kind.
#[napi(object)]
pub struct KindThresholdsObject {
    /// Growth below this many bytes a minute is never reported.
    pub bytes_per_minute: f64,
    /// Growth below this fraction of the level an hour is never reported.
    pub relative_per_hour: f64,
}

impl From<KindThresholdsObject> for KindThresholds {
    fn from(t: KindThresholdsObject) -> Self {
        KindThresholds {
            bytes_per_minute: t.bytes_per_minute,
            relative_per_hour: t.relative_per_hour,
        }
    }
}

/// Detector settings, already validated by the JavaScript facade.
#[napi(object)]
pub struct MonitorOptions {
    /// Samples ignored after start.
    pub warmup_samples: u32,
    /// Baseline points needed before a verdict.
    pub min_points: u32,
    /// Baseline points judged at most.
    pub max_points: u32,
    /// Thresholds of the V8 heap.
    pub heap: KindThresholdsObject,
    /// Thresholds of external memory.
    pub external: KindThresholdsObject,
    /// Thresholds of native memory.
    pub native: KindThresholdsObject,
    /// Whether this monitor judges native memory (process-wide: one thread should).
    pub judge_native: bool,
    /// Whether leakguard may force full-GC pairs (`confirmWithGc`): without
    /// them V8's own full GCs are the only live levels, and they are judged.
    pub forced_gcs: bool,
}

/// The slots of the `Float64Array` a reading is handed over in, in bytes
/// unless said: a typed array crosses the boundary without a property
/// lookup or an object built, which named fields cost on every sample.
/// - `atMs`: milliseconds since the epoch;
/// - `heapLive`: the V8 heap's live level: every space but the young
///   generation, plus what the young generation kept at its latest GC;
/// - `heapCode`: the compiled-code level, bytecode, machine code and their
///   metadata (`lib/guard/compiled-code.js`; `NaN`: unknown);
/// - `heapTotal`: V8 heap committed; `heapLimit`: its size limit;
/// - `external`: external memory; `arrayBuffers`: ArrayBuffer backing stores;
/// - `rss`: resident set size; `v8Malloced`: what V8 malloc'd for itself.
///
/// After a sample the outcome follows in the same array
/// ([`OUTCOME_SLOTS`]).
const READING_SLOTS: [&str; 9] = [
    "atMs",
    "heapLive",
    "heapCode",
    "heapTotal",
    "heapLimit",
    "external",
    "arrayBuffers",
    "rss",
    "v8Malloced",
];

/// The slots a sample's outcome is written to, after [`READING_SLOTS`]:
/// - `heapLevel`, `externalLevel`, `nativeLevel`: the baseline each kind was
///   judged on (`NaN` when off);
/// - `wantsFullGc`: 1 when a post-GC level would settle a suspicion or a
///   reported leak;
/// - `heapState`: the heap's state after the sample, an index into
///   [`HEAP_STATES`];
/// - `settling`: 1 while heap and native growth are judged as settling (a
///   minute of this thread's own time: time it waited for a core does not
///   count);
/// - `weighsCompilation`: 1 while heap growth may still be taken for
///   compilation, when the compiled-code level is worth reading.
const OUTCOME_SLOTS: [&str; 7] = [
    "heapLevel",
    "externalLevel",
    "nativeLevel",
    "wantsFullGc",
    "heapState",
    "settling",
    "weighsCompilation",
];

/// The states a kind can be in, as `heapState` numbers them.
const HEAP_STATES: [&str; 5] = ["off", "warming-up", "watching", "suspected", "leaking"];

/// The names of the slots of the array `MemoryMonitorHandle` takes, in
/// order: a reading's, then a sample's outcome.
#[napi]
pub fn memory_exchange_slots() -> Vec<String> {
    READING_SLOTS
        .iter()
        .chain(OUTCOME_SLOTS.iter())
        .map(|s| s.to_string())
        .collect()
}

/// The heap states a sample's `heapState` slot numbers, in order.
#[napi]
pub fn memory_heap_states() -> Vec<String> {
    HEAP_STATES.iter().map(|s| s.to_string()).collect()
}

/// A reading from its slots.
struct MemoryReading {
    at_ms: f64,
    heap_live: f64,
    heap_code: f64,
    heap_total: f64,
    heap_limit: f64,
    external: f64,
    array_buffers: f64,
    rss: f64,
    v8_malloced: f64,
}

impl MemoryReading {
    /// The reading in `exchange`; an error when it is not the array
    /// [`memory_exchange_slots`] names.
    fn from_slots(exchange: &[f64]) -> napi::Result<Self> {
        if exchange.len() != READING_SLOTS.len() + OUTCOME_SLOTS.len() {
            return Err(napi::Error::new(
                napi::Status::InvalidArg,
                format!(
                    "a memory reading is a Float64Array of {} slots, got {}",
                    READING_SLOTS.len() + OUTCOME_SLOTS.len(),
                    exchange.len()
                ),
            ));
        }
        Ok(MemoryReading {
            at_ms: exchange[0],
            heap_live: exchange[1],
            heap_code: exchange[2],
            heap_total: exchange[3],
            heap_limit: exchange[4],
            external: exchange[5],
            array_buffers: exchange[6],
            rss: exchange[7],
            v8_malloced: exchange[8],
        })
    }
}

/// Where one memory kind stands.
#[napi(object)]
pub struct KindStatusObject {
    /// `'heap' | 'external' | 'native'`.
    pub kind: String,
    /// Latest baseline point in bytes.
    pub baseline: f64,
    /// `'off' | 'warming-up' | 'watching' | 'suspected' | 'leaking'`.
    pub state: String,
    /// Rate last reported, while leaking.
    pub growth_per_minute: Option<f64>,
}

/// Memory-trend detector for the isolate that created it.
#[napi]
pub struct MemoryMonitorHandle {
    /// `None` once closed: the detector's memory is freed at `close()`, not
    /// when the JavaScript object is collected.
    inner: Option<MemoryMonitor>,
    ledger_id: u64,
}

impl Drop for MemoryMonitorHandle {
    fn drop(&mut self) {
        process_memory::close_entry(self.ledger_id);
    }
}

impl MemoryMonitorHandle {
    /// Files this isolate's figures and reads native memory with them (and,
    /// for a periodic sample while the monitor settles, this thread's wait
    /// for a core: `periodic`).
    fn to_sample(&self, r: &MemoryReading, periodic: bool) -> MemorySample {
        process_memory::file(
            self.ledger_id,
            Filing {
                array_buffers: r.array_buffers,
                heap_total: r.heap_total,
                v8_malloced: r.v8_malloced,
            },
        );
        MemorySample {
            at_ms: r.at_ms,
            heap_live: r.heap_live,
            heap_code: r.heap_code,
            heap_total: r.heap_total,
            heap_limit: r.heap_limit,
            external: r.external,
            array_buffers: r.array_buffers,
            rss: r.rss,
            native: process_memory::native_bytes(),
            waited_ms: match &self.inner {
                Some(inner) if periodic && inner.settling() => {
                    thread_times::waited_ms().unwrap_or(f64::NAN)
                }
                _ => f64::NAN,
            },
        }
    }
}

#[napi]
impl MemoryMonitorHandle {
    /// A detector with `options`.
    #[napi(constructor)]
    pub fn new(options: MonitorOptions) -> Self {
        let config = MonitorConfig {
            warmup_samples: options.warmup_samples as usize,
            min_points: options.min_points as usize,
            max_points: options.max_points as usize,
            judge_native: options.judge_native,
            forced_gcs: options.forced_gcs,
            heap: options.heap.into(),
            external: options.external.into(),
            native: options.native.into(),
            ..MonitorConfig::default()
        };
        MemoryMonitorHandle {
            inner: Some(MemoryMonitor::new(config)),
            ledger_id: process_memory::open_entry(),
        }
    }

    /// Records a periodic sample from `exchange` (its reading slots) and
    /// writes its outcome to the outcome slots; returns new and escalated
    /// reports, if any.
    #[napi]
    pub fn record_sample(
        &mut self,
        mut exchange: Float64ArraySlice,
    ) -> napi::Result<Option<Vec<LeakReportObject>>> {
        let reading = MemoryReading::from_slots(&exchange)?;
        let sample = self.to_sample(&reading, true);
        let outcome = match self.inner.as_mut() {
            Some(inner) => inner.record_sample(&sample),
            None => SampleOutcome {
                levels: [f64::NAN; 3],
                heap_state: "off",
                ..SampleOutcome::default()
            },
        };
        // SAFETY: the array is the facade's own (lib/guard/memory-watch.js),
        // not shared with another thread, and JavaScript waits on this call:
        // nothing else reads or writes it while the slice lives.
        let out = &mut unsafe { exchange.as_mut() }[READING_SLOTS.len()..];
        out[..3].copy_from_slice(&outcome.levels);
        out[3] = f64::from(u8::from(outcome.wants_full_gc));
        out[4] = HEAP_STATES
            .iter()
            .position(|s| *s == outcome.heap_state)
            .map_or(f64::NAN, |i| i as f64);
        out[5] = f64::from(u8::from(outcome.settling));
        out[6] = f64::from(u8::from(outcome.weighs_compilation));
        Ok((!outcome.reports.is_empty()).then(|| to_objects(outcome.reports)))
    }

    /// Records a reading (`exchange`'s reading slots) taken after any GC (it
    /// may lower the baseline).
    #[napi]
    pub fn record_gc(&mut self, exchange: Float64ArraySlice) -> napi::Result<()> {
        let reading = MemoryReading::from_slots(&exchange)?;
        let sample = self.to_sample(&reading, false);
        if let Some(inner) = self.inner.as_mut() {
            inner.record_gc(&sample);
        }
        Ok(())
    }

    /// Records a reading taken right after a full GC: a live level for the
    /// heap (`heap`) and for external and native memory (`offHeap`);
    /// `forced` when leakguard's own full-GC pair ran it.
    #[napi]
    pub fn record_live(
        &mut self,
        exchange: Float64ArraySlice,
        heap: bool,
        off_heap: bool,
        forced: bool,
    ) -> napi::Result<Vec<LeakReportObject>> {
        let reading = MemoryReading::from_slots(&exchange)?;
        let sample = self.to_sample(&reading, false);
        let kinds = LiveKinds {
            heap,
            off_heap,
            forced,
        };
        Ok(match self.inner.as_mut() {
            Some(inner) => to_objects(inner.record_live(&sample, kinds)),
            None => Vec::new(),
        })
    }

    /// The identities of reported leaks that are over since the last call.
    #[napi]
    pub fn take_ended(&mut self) -> Vec<String> {
        self.inner
            .as_mut()
            .map_or_else(Vec::new, |m| m.take_ended())
    }

    /// Frees the detector and takes this isolate out of the native ledger.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
        process_memory::close_entry(self.ledger_id);
    }

    /// Where each memory kind stands (empty once closed).
    #[napi]
    pub fn status(&self) -> Vec<KindStatusObject> {
        let Some(inner) = self.inner.as_ref() else {
            return Vec::new();
        };
        inner
            .status()
            .into_iter()
            .map(|s| KindStatusObject {
                kind: s.kind.as_str().to_string(),
                baseline: s.baseline,
                state: s.state.to_string(),
                growth_per_minute: s.growth_per_minute,
            })
            .collect()
    }
}
