//! `MemoryMonitor`: the memory-trend detector of one isolate.

use napi_derive::napi;

use crate::binding::report::{to_objects, LeakReportObject};
use crate::core::isolate_ledger::Filing;
use crate::core::memory_monitor::{
    KindThresholds, LiveKinds, MemoryMonitor, MemorySample, MonitorConfig,
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

/// One reading of this isolate's memory, in bytes.
#[napi(object)]
pub struct MemoryReading {
    /// Milliseconds since the epoch.
    pub at_ms: f64,
    /// The V8 heap's live level: every space but the young generation, plus
    /// what the young generation kept at its latest GC.
    pub heap_live: f64,
    /// The part of `heap_live` in V8's code spaces (absent: unknown).
    pub heap_code: Option<f64>,
    /// V8 heap committed.
    pub heap_total: f64,
    /// V8 heap size limit.
    pub heap_limit: f64,
    /// External memory.
    pub external: f64,
    /// ArrayBuffer backing stores.
    pub array_buffers: f64,
    /// Resident set size.
    pub rss: f64,
    /// Memory V8 malloc'd for itself (`malloced_memory`).
    pub v8_malloced: f64,
}

/// What a sample led to.
#[napi(object)]
pub struct SampleOutcomeObject {
    /// New and escalated reports.
    pub reports: Vec<LeakReportObject>,
    /// True when a post-GC level would settle a suspicion or a reported leak.
    pub wants_full_gc: bool,
    /// The baseline each kind was judged on (heap, external, native; NaN when off).
    pub levels: Vec<f64>,
    /// The heap's state after this sample: `'warming-up'`, `'watching'`, `'suspected'`, `'leaking'` or `'off'`.
    pub heap_state: String,
    /// Whether heap and native growth are still judged as settling: a minute of this thread's own time (time it waited for a core does not count).
    pub settling: bool,
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
            heap_code: r.heap_code.unwrap_or(f64::NAN),
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

    /// Records a periodic sample.
    #[napi]
    pub fn record_sample(&mut self, reading: MemoryReading) -> SampleOutcomeObject {
        let sample = self.to_sample(&reading, true);
        let Some(inner) = self.inner.as_mut() else {
            return SampleOutcomeObject {
                reports: Vec::new(),
                wants_full_gc: false,
                levels: vec![f64::NAN; 3],
                heap_state: "off".to_string(),
                settling: false,
            };
        };
        let outcome = inner.record_sample(&sample);
        SampleOutcomeObject {
            reports: to_objects(outcome.reports),
            wants_full_gc: outcome.wants_full_gc,
            levels: outcome.levels.to_vec(),
            heap_state: outcome.heap_state.to_string(),
            settling: outcome.settling,
        }
    }

    /// Records a reading taken after any GC (it may lower the baseline).
    #[napi]
    pub fn record_gc(&mut self, reading: MemoryReading) {
        let sample = self.to_sample(&reading, false);
        if let Some(inner) = self.inner.as_mut() {
            inner.record_gc(&sample);
        }
    }

    /// Records a reading taken right after a full GC: a live level for the
    /// heap (`heap`) and for external and native memory (`offHeap`);
    /// `forced` when leakguard's own full-GC pair ran it.
    #[napi]
    pub fn record_live(
        &mut self,
        reading: MemoryReading,
        heap: bool,
        off_heap: bool,
        forced: bool,
    ) -> Vec<LeakReportObject> {
        let sample = self.to_sample(&reading, false);
        let kinds = LiveKinds {
            heap,
            off_heap,
            forced,
        };
        match self.inner.as_mut() {
            Some(inner) => to_objects(inner.record_live(&sample, kinds)),
            None => Vec::new(),
        }
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
