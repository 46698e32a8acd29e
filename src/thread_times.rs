//! How long the calling thread has waited for a core: runnable, but not
//! running, because other threads held the cores. Wall time less this wait
//! is the thread's own time, which a busy neighbour does not stretch (time
//! it spends blocked, in a system call or `Atomics.wait`, still counts).
//!
//! Linux's scheduler statistics (`/proc/thread-self/schedstat`: time on a
//! core, time waiting on a run queue, both in nanoseconds, then the count of
//! time slices). Elsewhere, or where the file is missing (a kernel without
//! scheduler statistics), there is no figure.

use std::cell::RefCell;
use std::fs::File;

const SCHEDSTAT: &str = "/proc/thread-self/schedstat";

thread_local! {
    /// This thread's own `schedstat`, opened at its first read and read again
    /// from the start each time (`pread`): the kernel writes it afresh, and
    /// one open file saves an open and a close a read. A failed open is
    /// tried again at the next read.
    static OWN_SCHEDSTAT: RefCell<Option<File>> = const { RefCell::new(None) };
}

/// Milliseconds the calling thread has spent waiting on a run queue since it
/// started, if the system says.
pub fn waited_ms() -> Option<f64> {
    OWN_SCHEDSTAT
        .try_with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.is_none() {
                *cell = File::open(SCHEDSTAT).ok();
            }
            let file = cell.as_ref()?;
            let mut buf = [0u8; 128];
            let n = read_from_start(file, &mut buf)?;
            parse_waited_ms(std::str::from_utf8(&buf[..n]).ok()?)
        })
        .ok()
        .flatten()
}

/// Reads `file` from offset 0 into `buf`; the bytes read.
#[cfg(unix)]
fn read_from_start(file: &File, buf: &mut [u8]) -> Option<usize> {
    use std::os::unix::fs::FileExt;
    file.read_at(buf, 0).ok()
}

/// Elsewhere there is no `schedstat` to read.
#[cfg(not(unix))]
fn read_from_start(_file: &File, _buf: &mut [u8]) -> Option<usize> {
    None
}

/// The run-queue wait (ms) in a `schedstat` line: its second field, in ns.
/// (A thread that has not yet been switched out may read `0 0 0`: a wait of
/// none, which is right.)
fn parse_waited_ms(text: &str) -> Option<f64> {
    let waited_ns: f64 = text.split_whitespace().nth(1)?.parse().ok()?;
    (waited_ns.is_finite() && waited_ns >= 0.0).then_some(waited_ns / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_field_is_the_wait() {
        assert_eq!(parse_waited_ms("784298 5513273000 11\n"), Some(5513.273));
    }

    #[test]
    fn a_malformed_line_gives_no_figure() {
        for text in ["", "12", "12 x 3", "12 -5 3"] {
            assert_eq!(parse_waited_ms(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_thread_kept_off_its_core_waits() {
        // Where the file exists (Linux with scheduler statistics), the wait
        // never goes back, and grows while more threads spin than there are
        // cores.
        let Some(before) = waited_ms() else {
            assert!(!std::path::Path::new(SCHEDSTAT).exists());
            return;
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinners: Vec<_> = (0..cores * 2)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        // Spin here too, until the scheduler has kept this thread waiting.
        let mut after = before;
        for _ in 0..2_000 {
            let started = std::time::Instant::now();
            while started.elapsed() < std::time::Duration::from_millis(1) {
                std::hint::spin_loop();
            }
            after = waited_ms().expect("the figure stays readable");
            assert!(after >= before);
            if after > before {
                break;
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for s in spinners {
            s.join().expect("a spinner");
        }
        assert!(
            after > before,
            "no wait seen with {} spinners on {cores} cores",
            cores * 2
        );
    }
}
