//! The calling thread's own times for JavaScript.

use napi_derive::napi;

use crate::thread_times;

/// Milliseconds this thread has waited for a core since it started (`NaN`
/// where the system does not say): a leak check times a synchronous
/// function by its own time, wall time less this wait, which a busy
/// neighbour does not stretch.
#[napi]
pub fn thread_waited_ms() -> f64 {
    thread_times::waited_ms().unwrap_or(f64::NAN)
}
