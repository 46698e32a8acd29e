//! `MemoryMonitor`: the memory-trend detector of one isolate.

use napi_derive::napi;

use crate::binding::report::{to_objects, LeakReportObject};
use crate::core::memory_monitor::{KindThresholds, MemoryMonitor, MemorySample, MonitorConfig};
use crate::native_memory::{self, IsolateLedger};

/// Detector settings, already validated by the JavaScript facade.
#[napi(object)]
pub struct MonitorOptions {
    /// Samples ignored after start.
    pub warmup_samples: u32,
    /// Baseline points needed before a verdict.
    pub min_points: u32,
    /// Baseline points judged at most.
    pub max_points: u32,
    /// Bytes a minute below which growth is ignored: heap, external, native.
    pub bytes_per_minute: Vec<f64>,
    /// Fraction of the level an hour below which growth is ignored: heap, external, native.
    pub relative_per_hour: Vec<f64>,
    /// Whether this monitor judges native memory (process-wide: one thread should).
    pub judge_native: bool,
}

/// What a sample led to.
#[napi(object)]
pub struct SampleOutcomeObject {
    /// New and escalated reports.
    pub reports: Vec<LeakReportObject>,
    /// True when a suspected trend waits for a full GC to confirm it.
    pub wants_full_gc: bool,
}

/// Where one memory kind stands.
#[napi(object)]
pub struct KindStatusObject {
    /// `'heap' | 'external' | 'native'`.
    pub kind: String,
    /// Latest baseline point in bytes.
    pub baseline: f64,
    /// `'warming-up' | 'watching' | 'suspected' | 'leaking'`.
    pub state: String,
    /// Rate last reported, while leaking.
    pub growth_per_minute: Option<f64>,
}

/// Memory-trend detector for the isolate that created it.
#[napi]
pub struct MemoryMonitorHandle {
    inner: MemoryMonitor,
    ledger_id: u64,
}

impl Drop for MemoryMonitorHandle {
    fn drop(&mut self) {
        IsolateLedger::close(self.ledger_id);
    }
}

#[napi]
impl MemoryMonitorHandle {
    /// A detector with `options`.
    #[napi(constructor)]
    pub fn new(options: MonitorOptions) -> Self {
        let mut config = MonitorConfig {
            warmup_samples: options.warmup_samples as usize,
            min_points: options.min_points as usize,
            max_points: options.max_points as usize,
            judge_native: options.judge_native,
            ..MonitorConfig::default()
        };
        for (i, t) in config.thresholds.iter_mut().enumerate() {
            *t = KindThresholds {
                bytes_per_minute: options
                    .bytes_per_minute
                    .get(i)
                    .copied()
                    .unwrap_or(t.bytes_per_minute),
                relative_per_hour: options
                    .relative_per_hour
                    .get(i)
                    .copied()
                    .unwrap_or(t.relative_per_hour),
            };
        }
        MemoryMonitorHandle {
            inner: MemoryMonitor::new(config),
            ledger_id: IsolateLedger::open(),
        }
    }

    /// Records a periodic sample (`heap_used`: the heap outside the young
    /// generation); native memory is read here.
    #[napi]
    #[allow(clippy::too_many_arguments)] // positional numbers keep the per-sample call cheap
    pub fn record_sample(
        &mut self,
        at_ms: f64,
        heap_used: f64,
        heap_total: f64,
        heap_limit: f64,
        external: f64,
        array_buffers: f64,
        rss: f64,
    ) -> SampleOutcomeObject {
        IsolateLedger::file(self.ledger_id, array_buffers, heap_total);
        let sample = MemorySample {
            at_ms,
            heap_used,
            heap_total,
            heap_limit,
            external,
            array_buffers,
            rss,
            native: native_memory::native_bytes(),
        };
        let outcome = self.inner.record_sample(&sample);
        SampleOutcomeObject {
            reports: to_objects(outcome.reports),
            wants_full_gc: outcome.wants_full_gc,
        }
    }

    /// Records a reading taken right after a GC; `full` for a mark-compact.
    #[napi]
    pub fn record_gc(
        &mut self,
        at_ms: f64,
        heap_used: f64,
        heap_total: f64,
        external: f64,
        array_buffers: f64,
        full: bool,
    ) -> Vec<LeakReportObject> {
        let reading = MemorySample {
            at_ms,
            heap_used,
            heap_total,
            external,
            array_buffers,
            native: native_memory::native_bytes(),
            ..self.inner.latest().copied().unwrap_or_default()
        };
        to_objects(self.inner.record_gc(&reading, full))
    }

    /// Takes this isolate's figures out of the process-wide native ledger.
    #[napi]
    pub fn close(&mut self) {
        IsolateLedger::close(self.ledger_id);
    }

    /// Where each memory kind stands.
    #[napi]
    pub fn status(&self) -> Vec<KindStatusObject> {
        self.inner
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
