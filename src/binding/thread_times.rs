//! The calling thread's own times for JavaScript.

use napi_derive::napi;

use crate::thread_times;

/// Milliseconds of CPU time this thread has used (`NaN` where the system
/// does not say): what a leak check sizes a synchronous function's batches
/// by, as a busy neighbour does not stretch it.
#[napi]
pub fn thread_cpu_ms() -> f64 {
    thread_times::cpu_ms().unwrap_or(f64::NAN)
}
