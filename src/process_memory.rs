//! Native memory of the process: malloc in use (or the resident set) minus
//! what V8 already counts in every watched isolate, from the process-wide
//! [`IsolateLedger`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;

use crate::core::isolate_ledger::{Filing, IsolateLedger};
use crate::malloc_info::{malloc_in_use_bytes, statm_resident_bytes};

fn ledger() -> &'static Mutex<IsolateLedger> {
    static LEDGER: OnceLock<Mutex<IsolateLedger>> = OnceLock::new();
    LEDGER.get_or_init(|| Mutex::new(IsolateLedger::default()))
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// A new id for one isolate's (or one reader's) ledger entry.
pub fn open_entry() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Files an isolate's figures under `id`, now.
pub fn file(id: u64, filing: Filing) {
    ledger().lock().file(id, filing, now_ms());
}

/// Removes entry `id`.
pub fn close_entry(id: u64) {
    ledger().lock().close(id);
}

/// Native memory beyond what V8 counts in the watched isolates: malloc in use
/// minus their ArrayBuffer backing stores and V8's own off-heap memory; with
/// statm, resident memory minus their V8 heaps and ArrayBuffers. `NaN` when
/// neither source can be read.
pub fn native_bytes() -> f64 {
    let totals = ledger().lock().totals(now_ms());
    if let Some(in_use) = malloc_in_use_bytes() {
        return (in_use - totals.array_buffers - totals.v8_off_heap).max(0.0);
    }
    match statm_resident_bytes() {
        Some(resident) => (resident - totals.heap_total - totals.array_buffers).max(0.0),
        None => f64::NAN,
    }
}
