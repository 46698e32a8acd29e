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
}
