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

/// Native memory leakguard caused itself and keeps out of the figure: the
/// object-id table V8 keeps after a heap snapshot (so that ids stay stable
/// between snapshots) grows malloc once per snapshot, and is no leak.
fn own_bytes() -> &'static Mutex<f64> {
    static OWN: OnceLock<Mutex<f64>> = OnceLock::new();
    OWN.get_or_init(|| Mutex::new(0.0))
}

/// Counts `delta` bytes (negative: freed) of native memory as leakguard's own.
pub fn add_own_bytes(delta: f64) {
    if delta.is_finite() {
        let mut own = own_bytes().lock();
        *own = (*own + delta).max(0.0);
    }
}

/// Native memory beyond what V8 counts in the watched isolates: malloc in use
/// minus their ArrayBuffer backing stores, V8's own off-heap memory and
/// leakguard's own; with statm, resident memory minus their V8 heaps and
/// ArrayBuffers (and leakguard's own). `NaN` when neither source can be read.
pub fn native_bytes() -> f64 {
    let totals = ledger().lock().totals(now_ms());
    let own = *own_bytes().lock();
    if let Some(in_use) = malloc_in_use_bytes() {
        return (in_use - totals.array_buffers - totals.v8_off_heap - own).max(0.0);
    }
    match statm_resident_bytes() {
        Some(resident) => (resident - totals.heap_total - totals.array_buffers - own).max(0.0),
        None => f64::NAN,
    }
}
