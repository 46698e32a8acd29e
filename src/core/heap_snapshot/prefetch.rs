//! A hint to the CPU to start loading memory that will be read soon: for
//! walks that know their next nodes ahead (a breadth-first queue), so that
//! several cache misses are in flight at once instead of one after another.

/// Asks for the cache line holding `item` to be loaded. Never faults and
/// never changes anything; on targets without the instruction it does nothing.
#[inline(always)]
pub fn prefetch<T>(item: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints the cache; `item` is a valid reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch(
            item as *const T as *const i8,
            std::arch::x86_64::_MM_HINT_T0,
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}
