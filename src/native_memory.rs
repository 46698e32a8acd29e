//! Reads how much memory malloc holds, which V8 never sees.
//!
//! glibc's `mallinfo2()` (in-use bytes across all arenas, mmapped chunks
//! included) is looked up at run time, so the addon still loads on a libc
//! without it; there the resident set from `/proc/self/statm` stands in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;

/// Where native memory figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeSource {
    /// glibc `mallinfo2()`: bytes malloc has handed out.
    Mallinfo2,
    /// `/proc/self/statm` resident pages (V8's heap must be subtracted).
    Statm,
    /// Neither is available.
    Unavailable,
}

impl NativeSource {
    /// Name used in stats.
    pub fn as_str(self) -> &'static str {
        match self {
            NativeSource::Mallinfo2 => "mallinfo2",
            NativeSource::Statm => "statm",
            NativeSource::Unavailable => "unavailable",
        }
    }
}

#[repr(C)]
struct Mallinfo2 {
    arena: usize,
    ordblks: usize,
    smblks: usize,
    hblks: usize,
    hblkhd: usize,
    usmblks: usize,
    fsmblks: usize,
    uordblks: usize,
    fordblks: usize,
    keepcost: usize,
}

type Mallinfo2Fn = unsafe extern "C" fn() -> Mallinfo2;

fn mallinfo2_fn() -> Option<Mallinfo2Fn> {
    static FUNCTION: OnceLock<Option<Mallinfo2Fn>> = OnceLock::new();
    *FUNCTION.get_or_init(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            // SAFETY: dlsym with a NUL-terminated name; RTLD_DEFAULT searches the
            // objects already loaded. A non-null result is glibc's mallinfo2,
            // whose signature matches `Mallinfo2Fn`.
            let symbol = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"mallinfo2".as_ptr()) };
            if !symbol.is_null() {
                // SAFETY: see above; a function pointer has the size of a data pointer here.
                return Some(unsafe {
                    std::mem::transmute::<*mut libc::c_void, Mallinfo2Fn>(symbol)
                });
            }
        }
        None
    })
}

fn statm_resident_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let resident: f64 = text.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    (page > 0).then_some(resident * page as f64)
}

/// The source [`native_bytes`] reads from on this system.
pub fn source() -> NativeSource {
    if mallinfo2_fn().is_some() {
        NativeSource::Mallinfo2
    } else if statm_resident_bytes().is_some() {
        NativeSource::Statm
    } else {
        NativeSource::Unavailable
    }
}

/// Bytes malloc has handed out and not yet had back, if `mallinfo2` exists.
pub fn malloc_in_use_bytes() -> Option<f64> {
    let f = mallinfo2_fn()?;
    // SAFETY: mallinfo2 takes no arguments and only reads allocator state.
    let info = unsafe { f() };
    Some(info.uordblks as f64 + info.hblkhd as f64)
}

/// What V8 already counts in each watched isolate, so that native memory is
/// the same process-wide figure whichever thread reads it.
///
/// malloc serves the whole process: a worker's Buffers are malloc'd too. Each
/// monitor files its isolate's ArrayBuffer and heap figures here under its own
/// id, and [`native_bytes`] subtracts the sum of all of them. Another thread
/// files only at its own samples, so between filings its ArrayBuffers are
/// extrapolated at the rate seen between its last two filings: a worker's
/// steady Buffer leak never shows up as the main thread's native growth.
pub struct IsolateLedger;

#[derive(Clone, Copy, Default)]
struct Filing {
    array_buffers: f64,
    heap_total: f64,
    at_ms: f64,
    /// ArrayBuffer growth per ms between the last two filings (never negative).
    rate: f64,
}

fn ledger() -> &'static Mutex<HashMap<u64, Filing>> {
    static LEDGER: OnceLock<Mutex<HashMap<u64, Filing>>> = OnceLock::new();
    LEDGER.get_or_init(|| Mutex::new(HashMap::new()))
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

impl IsolateLedger {
    /// A new id for one isolate's entry.
    pub fn open() -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        NEXT.fetch_add(1, Ordering::Relaxed)
    }

    /// Files an isolate's ArrayBuffer bytes and V8 heap size.
    pub fn file(id: u64, array_buffers: f64, heap_total: f64) {
        let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
        let at_ms = now_ms();
        let array_buffers = clean(array_buffers);
        let mut entries = ledger().lock();
        let rate = match entries.get(&id) {
            Some(last) if at_ms > last.at_ms => {
                ((array_buffers - last.array_buffers) / (at_ms - last.at_ms)).max(0.0)
            }
            _ => 0.0,
        };
        entries.insert(
            id,
            Filing {
                array_buffers,
                heap_total: clean(heap_total),
                at_ms,
                rate,
            },
        );
    }

    /// Removes an isolate's entry.
    pub fn close(id: u64) {
        ledger().lock().remove(&id);
    }

    /// ArrayBuffer and heap totals now, each entry extrapolated from its
    /// last filing (by at most a second).
    fn totals() -> (f64, f64) {
        let now = now_ms();
        ledger().lock().values().fold((0.0, 0.0), |(a, h), f| {
            let since = (now - f.at_ms).clamp(0.0, 1000.0);
            (a + f.array_buffers + f.rate * since, h + f.heap_total)
        })
    }
}

/// Native memory beyond what V8 counts in the watched isolates: malloc in use
/// minus their ArrayBuffer backing stores; with statm, resident memory minus
/// their V8 heaps and ArrayBuffers. `NaN` when neither source can be read.
pub fn native_bytes() -> f64 {
    let (array_buffers, heap_total) = IsolateLedger::totals();
    if let Some(in_use) = malloc_in_use_bytes() {
        return (in_use - array_buffers).max(0.0);
    }
    match statm_resident_bytes() {
        Some(resident) => (resident - heap_total - array_buffers).max(0.0),
        None => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malloc_growth_is_seen() {
        if source() != NativeSource::Mallinfo2 {
            return;
        }
        let before = malloc_in_use_bytes().unwrap();
        let block: Vec<u8> = vec![1; 8 << 20];
        let after = malloc_in_use_bytes().unwrap();
        assert!(
            after - before >= (8 << 20) as f64 * 0.9,
            "{before} -> {after}"
        );
        drop(block);
        let freed = malloc_in_use_bytes().unwrap();
        assert!(freed < after);
    }

    #[test]
    fn the_ledger_subtracts_every_isolate_and_never_goes_negative() {
        let before = native_bytes();
        let id = IsolateLedger::open();
        IsolateLedger::file(id, 1e18, 1e18);
        let value = native_bytes();
        assert!(value.is_nan() || value == 0.0);
        IsolateLedger::file(id, f64::NAN, -1.0);
        let cleaned = native_bytes();
        IsolateLedger::close(id);
        if before.is_finite() {
            // Garbage filed counts as nothing; closing removes the entry.
            assert!((cleaned - before).abs() < 64.0 * 1024.0 * 1024.0);
            assert!(native_bytes().is_finite());
        }
    }
}
