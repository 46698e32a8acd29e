//! Native memory figures for JavaScript.

use napi_derive::napi;

use crate::core::isolate_ledger::Filing;
use crate::{malloc_info, process_memory};

/// Process-wide native memory beyond what V8 counts in the watched isolates,
/// in bytes (`NaN` if unreadable).
#[napi]
pub fn native_bytes() -> f64 {
    process_memory::native_bytes()
}

/// Counts `delta` bytes of native memory as leakguard's own (kept out of
/// `nativeBytes`): what a heap snapshot leaves allocated in V8.
#[napi]
pub fn add_own_native_bytes(delta: f64) {
    process_memory::add_own_bytes(delta)
}

/// Where native memory is read from: `'mallinfo2'`, `'statm'` or `'unavailable'`.
#[napi]
pub fn native_source() -> &'static str {
    malloc_info::source().as_str()
}

/// What an isolate files in the process-wide ledger.
#[napi(object)]
pub struct LedgerFiling {
    /// ArrayBuffer backing stores, in bytes.
    pub array_buffers: f64,
    /// Committed V8 heap, in bytes.
    pub heap_total: f64,
    /// Memory V8 malloc'd for itself, in bytes.
    pub v8_malloced: f64,
}

/// Opens an entry in the process-wide ledger of what V8 counts per isolate
/// (for a reader other than a monitor, such as a leak check); returns its id.
#[napi]
pub fn ledger_open() -> f64 {
    process_memory::open_entry() as f64
}

/// Files an isolate's figures under `id`.
#[napi]
pub fn ledger_file(id: f64, filing: LedgerFiling) {
    process_memory::file(
        id as u64,
        Filing {
            array_buffers: filing.array_buffers,
            heap_total: filing.heap_total,
            v8_malloced: filing.v8_malloced,
        },
    )
}

/// Removes entry `id` from the ledger.
#[napi]
pub fn ledger_close(id: f64) {
    process_memory::close_entry(id as u64)
}
