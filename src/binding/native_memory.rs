//! Native memory figures for JavaScript.

use napi_derive::napi;

use crate::native_memory;

/// Native memory beyond V8's own accounting, in bytes (`NaN` if unreadable).
#[napi]
pub fn native_bytes(array_buffers: f64, heap_total: f64) -> f64 {
    native_memory::native_bytes(array_buffers, heap_total)
}

/// Where native memory is read from: `'mallinfo2'`, `'statm'` or `'unavailable'`.
#[napi]
pub fn native_source() -> &'static str {
    native_memory::source().as_str()
}
