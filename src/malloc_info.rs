//! Reads how much memory malloc holds, which V8 never sees: the unsafe FFI,
//! and nothing else.
//!
//! glibc's `mallinfo2()` (in-use bytes across all arenas, mmapped chunks
//! included) is looked up at run time, so the addon still loads on a libc
//! without it; there the resident set from `/proc/self/statm` stands in.

use std::sync::OnceLock;

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

/// Resident bytes from `/proc/self/statm`, if it can be read.
pub fn statm_resident_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let resident: f64 = text.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    (page > 0).then_some(resident * page as f64)
}

/// Where native memory figures come from on this system.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malloc_growth_is_seen() {
        // glibc has had mallinfo2 since 2.33: there, it must be found.
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert_eq!(source(), NativeSource::Mallinfo2);
        }
        if source() != NativeSource::Mallinfo2 {
            // Elsewhere the resident set is what native memory is read from.
            assert!(
                statm_resident_bytes().is_some_and(|b| b > 0.0)
                    || source() == NativeSource::Unavailable
            );
            return;
        }
        let before = malloc_in_use_bytes().unwrap();
        // black_box: an optimised build would drop an allocation never read.
        let block: Vec<u8> = std::hint::black_box(vec![1; 8 << 20]);
        let after = malloc_in_use_bytes().unwrap();
        assert!(
            after - before >= (8 << 20) as f64 * 0.9,
            "{before} -> {after}"
        );
        drop(block);
        let freed = malloc_in_use_bytes().unwrap();
        assert!(freed < after);
    }
}
