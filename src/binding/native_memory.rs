//! Native memory figures for JavaScript.

use napi_derive::napi;

use crate::native_memory::{self, IsolateLedger};

/// Process-wide native memory beyond what V8 counts in the watched isolates,
/// in bytes (`NaN` if unreadable).
#[napi]
pub fn native_bytes() -> f64 {
    native_memory::native_bytes()
}

/// Where native memory is read from: `'mallinfo2'`, `'statm'` or `'unavailable'`.
#[napi]
pub fn native_source() -> &'static str {
    native_memory::source().as_str()
}

/// Opens an entry in the process-wide ledger of what V8 counts per isolate
/// (for a reader other than a monitor, such as a leak check); returns its id.
#[napi]
pub fn ledger_open() -> f64 {
    IsolateLedger::open() as f64
}

/// Files an isolate's ArrayBuffer bytes and heap size under `id`.
#[napi]
pub fn ledger_file(id: f64, array_buffers: f64, heap_total: f64) {
    IsolateLedger::file(id as u64, array_buffers, heap_total)
}

/// Removes entry `id` from the ledger.
#[napi]
pub fn ledger_close(id: f64) {
    IsolateLedger::close(id as u64)
}
