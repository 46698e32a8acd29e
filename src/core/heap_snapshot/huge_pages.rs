//! Big arrays read at random (a heap's edges lead anywhere) asked to live on
//! 2 MiB pages, where Linux gives them on request (transparent huge pages in
//! `madvise` mode, the common default): one TLB entry then covers 512 times
//! as much, and random reads stop paying a page walk each. Elsewhere, and
//! for small arrays, nothing changes.

/// Arrays smaller than this are left alone.
const MIN_BYTES: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// Asks for huge pages under `v`'s whole capacity (before it is written, so
/// the pages are huge from the first fault).
pub fn advise<T>(v: &Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < MIN_BYTES {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let start = v.as_ptr() as usize;
        let from = (start + HUGE_PAGE - 1) & !(HUGE_PAGE - 1);
        let to = (start + bytes) & !(HUGE_PAGE - 1);
        if to > from {
            // SAFETY: the range lies inside the vector's own allocation, and
            // MADV_HUGEPAGE only changes how the kernel backs it, never its contents.
            unsafe {
                libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
            }
        }
    }
}

/// A vector of `n` copies of `value`, on huge pages where possible.
pub fn filled<T: Clone>(n: usize, value: T) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    advise(&v);
    v.resize(n, value);
    v
}

/// An empty vector with room for `n`, on huge pages where possible.
pub fn with_capacity<T>(n: usize) -> Vec<T> {
    let v = Vec::with_capacity(n);
    advise(&v);
    v
}

/// A vector of `n` all-zero values, on huge pages where possible, whose
/// memory the kernel backs only where it is first written or read: a big
/// array filled from one end costs the resident memory of what was reached.
///
/// # Safety
/// The all-zero bit pattern must be a valid `T`.
pub unsafe fn zeroed<T>(n: usize) -> Vec<T> {
    let Ok(layout) = std::alloc::Layout::array::<T>(n) else {
        panic!("{n} items do not fit in memory");
    };
    if layout.size() == 0 {
        return Vec::new();
    }
    // SAFETY: the layout is not empty; the allocation is handed to a Vec
    // with that same layout (capacity n of T), and zero is a valid T (the
    // caller's promise).
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout) as *mut T;
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        let v = Vec::from_raw_parts(ptr, n, n);
        advise(&v);
        v
    }
}

/// Gives the memory of `v[from..]` back to the kernel, in whole 2 MiB pages
/// (a huge page is not split), for
/// an array read from its end down whose read part is never read again.
/// The values there read as zero afterwards.
pub fn release_from<T: Copy>(v: &mut [T], from: usize) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = HUGE_PAGE;
        let from = from.min(v.len());
        let start = v.as_ptr() as usize + from * std::mem::size_of::<T>();
        let end = v.as_ptr() as usize + std::mem::size_of_val(v);
        let (start, end) = ((start + PAGE - 1) & !(PAGE - 1), end & !(PAGE - 1));
        if end > start {
            // SAFETY: the range lies inside `v`, which we borrow mutably, and
            // MADV_DONTNEED on private anonymous memory leaves it readable as
            // zeros; `T: Copy` has no destructor that could read it.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (v, from);
}

#[cfg(test)]
mod tests {
    #[test]
    fn filled_vectors_hold_their_values() {
        let v = super::filled(3 << 20, 7u32);
        assert_eq!(v.len(), 3 << 20);
        assert!(v.iter().all(|&x| x == 7));
        let w: Vec<u64> = super::with_capacity(10);
        assert!(w.capacity() >= 10 && w.is_empty());
    }

    #[test]
    fn zeroed_vectors_read_zero_and_release_leaves_the_kept_part() {
        // SAFETY: zero is a valid u32.
        let mut v: Vec<u32> = unsafe { super::zeroed(5 << 20) };
        assert_eq!(v.len(), 5 << 20);
        assert!(v.iter().all(|&x| x == 0));
        v.iter_mut()
            .enumerate()
            .for_each(|(i, x)| *x = i as u32 + 1);
        super::release_from(&mut v, 1 << 20);
        assert!(v[..1 << 20]
            .iter()
            .enumerate()
            .all(|(i, &x)| x == i as u32 + 1));
        // Past the first whole 2 MiB page after the cut, the values are gone.
        assert!(v[(1 << 20) + (2 << 20) / 4..(4 << 20)]
            .iter()
            .all(|&x| x == 0));
    }
}
