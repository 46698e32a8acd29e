//! The calling thread's own times: the CPU time it used, and how long it
//! waited for a core (runnable, but not running, because other threads held
//! the cores). A busy neighbour stretches wall-clock time; neither of these.
//!
//! CPU time comes from `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` (POSIX). The
//! wait comes from Linux's scheduler statistics (`/proc/thread-self/schedstat`:
//! time on a core, time waiting on a run queue, both in nanoseconds, then the
//! count of time slices). Where either is missing there is no figure.

/// Milliseconds of CPU time the calling thread has used, if the system says.
pub fn cpu_ms() -> Option<f64> {
    #[cfg(unix)]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec through a valid pointer.
        let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
        if status == 0 {
            return Some(t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6);
        }
    }
    None
}

/// Milliseconds the calling thread has spent waiting on a run queue since it
/// started, if the system says.
pub fn waited_ms() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    parse_waited_ms(&text)
}

/// The run-queue wait (ms) in a `schedstat` line: its second field, in ns.
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

    #[cfg(unix)]
    #[test]
    fn cpu_time_grows_with_work_and_not_with_sleep() {
        let start = cpu_ms().expect("a unix has a thread CPU clock");
        std::thread::sleep(std::time::Duration::from_millis(50));
        let slept = cpu_ms().expect("the clock stays readable");
        assert!(
            slept - start < 10.0,
            "50 ms asleep used {} ms of CPU",
            slept - start
        );
        let mut spun = slept;
        let mut x = 0u64;
        while spun - slept < 20.0 {
            for i in 0..10_000u64 {
                x = x.wrapping_mul(31).wrapping_add(i);
            }
            std::hint::black_box(x);
            spun = cpu_ms().expect("the clock stays readable");
        }
        assert!(spun - slept >= 20.0);
    }

    #[test]
    fn a_thread_kept_off_its_core_waits() {
        // Where the file exists (Linux with scheduler statistics), the wait
        // never goes back, and grows while more threads spin than there are
        // cores.
        let Some(before) = waited_ms() else {
            assert!(!std::path::Path::new("/proc/thread-self/schedstat").exists());
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
