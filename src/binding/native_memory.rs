//! Native memory figures for JavaScript.

use napi_derive::napi;

use crate::native_memory;

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
