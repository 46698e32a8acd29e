//! Heap growth that is compilation, not a leak.
//!
//! A service that loads and compiles code grows its heap by bytecode,
//! machine code, feedback vectors, scope infos and closures, in a burst
//! that can last minutes (modules loaded on first use, then the JIT tiering
//! hot functions up). A leak grows ordinary objects.
//!
//! The monitor is given a compiled-code level with each sample: V8's code
//! statistics (bytecode, machine code and their metadata), read now and
//! then and held between reads (`lib/guard/compiled-code.js`;
//! the code space alone, read before, moves in page-sized steps, while most
//! of what tiering up adds, deoptimization data and relocation info, lands
//! in the old space: on 100 lazily loaded modules under load, spans of 15 to
//! 25 s grew the old space by 100 to 390 KiB with the code space flat, and
//! the code statistics by 100 to 210 KiB over each). Measured on services
//! loading and running 100–300 generated modules, and on express at
//! start-up, the code space alone grew by 33–41 % as much as the whole heap;
//! under heap leaks of 20–35 KB/s (plain arrays, and sessions held by
//! timers never cleared) it grew by 0–3 %.
//!
//! So heap growth over a span in which the compiled code grew by
//! [`COMPILATION_SHARE`] or more as much is taken for compilation. The
//! compiled code's growth is counted from its lowest level in the span: the
//! full GCs that confirm a trend flush old bytecode and machine code, and
//! drop both it and the heap in the middle of a warm-up that then compiles
//! them again (measured on 100 modules under load on 2 cores: the code
//! space fell from 1,661 to 1,516 KiB at the first forced GC, then grew by
//! 90 KiB of the heap's 250 KiB over the next 40 s). A leak that grows
//! beside compilation shows through once it is larger than about four times
//! the compiled code's growth, or once compilation stops. Compilation is
//! excused for [`COMPILATION_SPAN_MS`] after the first code level (wall
//! time) only: a process that compiles more code for ever (a leak of
//! generated code that the JIT picks up) is judged as any other after it.

use std::collections::VecDeque;

use crate::core::trend::Point;

/// Heap growth with compiled-code growth of at least this share of it is
/// compilation. Measured with V8's code statistics: 0.45 over the loading
/// of 100 modules and 0.26–0.9 over the tier-up after it; 0.05–0.15 beside
/// a 5 KB/s leak on a 30 MB heap (the application's and the guard's own
/// tier-up in their first minutes, 20–40 KiB a minute), less beside faster
/// leaks. (With the code space alone, which this was measured on first:
/// 0.33–0.41 for compilation, 0–0.03 for leaks, and a share of 0.1.)
pub const COMPILATION_SHARE: f64 = 0.2;

/// How long after the first sample compilation excuses heap growth (ms).
pub const COMPILATION_SPAN_MS: f64 = 5.0 * 60_000.0;

/// Compiled-code levels, one a sample, over the span a heap trend may cover.
#[derive(Clone, Debug)]
pub struct CodeLevels {
    levels: VecDeque<Point>,
    capacity: usize,
    first_ms: Option<f64>,
}

impl CodeLevels {
    /// Levels of the latest `capacity` samples.
    pub fn new(capacity: usize) -> Self {
        CodeLevels {
            levels: VecDeque::with_capacity(capacity.max(2)),
            capacity: capacity.max(2),
            first_ms: None,
        }
    }

    /// Records the compiled-code level (bytes) at `at_ms`; levels that are
    /// not finite, are negative or go back in time are dropped.
    pub fn push(&mut self, at_ms: f64, level: f64) {
        if !at_ms.is_finite() || !level.is_finite() || level < 0.0 {
            return;
        }
        if self.levels.back().is_some_and(|p| at_ms <= p.at_ms) {
            return;
        }
        self.first_ms.get_or_insert(at_ms);
        if self.levels.len() == self.capacity {
            self.levels.pop_front();
        }
        self.levels.push_back(Point {
            at_ms,
            value: level,
        });
    }

    /// The span the kept levels cover from `from_ms`: from the last level
    /// read at or before `from_ms` (the oldest kept when none is) to the
    /// latest; `None` with fewer than two levels in it.
    fn span_from(&self, from_ms: f64) -> Option<CodeSpan> {
        let latest = *self.levels.back()?;
        let start_index = self
            .levels
            .iter()
            .rposition(|p| p.at_ms <= from_ms)
            .unwrap_or(0);
        let lowest = self
            .levels
            .range(start_index..)
            .map(|p| p.value)
            .fold(f64::INFINITY, f64::min);
        let start = self.levels[start_index];
        (start.at_ms < latest.at_ms).then_some(CodeSpan {
            start,
            lowest,
            latest,
        })
    }

    /// Whether heap growth at `at_ms` may still be taken for compilation:
    /// before the first level, or within [`COMPILATION_SPAN_MS`] of it (wall
    /// time). The compiled-code level is worth reading only while it is.
    pub fn weighs_at(&self, at_ms: f64) -> bool {
        self.first_ms
            .is_none_or(|first_ms| at_ms - first_ms <= COMPILATION_SPAN_MS)
    }

    /// Whether heap growth at `heap_per_ms` (bytes a millisecond) from
    /// `from_ms` to `at_ms` is compilation: the code compiled over the same
    /// span and still kept ([`CodeSpan::growth`]) is
    /// [`COMPILATION_SHARE`] of it or more, with `at_ms` within
    /// [`COMPILATION_SPAN_MS`] of the first level (wall time). Without code
    /// levels, or with a time that is not a number, nothing is compilation.
    pub fn explains(&self, from_ms: f64, at_ms: f64, heap_per_ms: f64) -> bool {
        if self.first_ms.is_none()
            || !self.weighs_at(at_ms)
            || heap_per_ms.is_nan()
            || heap_per_ms <= 0.0
        {
            return false;
        }
        let Some(span) = self.span_from(from_ms) else {
            return false;
        };
        // The heap's growth over the span the code levels cover.
        let heap_growth = heap_per_ms * (span.latest.at_ms - span.start.at_ms.max(from_ms));
        heap_growth > 0.0 && span.growth() >= COMPILATION_SHARE * heap_growth
    }
}

/// The code levels over a heap trend's span.
#[derive(Clone, Copy, Debug)]
struct CodeSpan {
    /// The level the span starts from.
    start: Point,
    /// The lowest level in the span (after a flush, the level compiling
    /// starts again from).
    lowest: f64,
    /// The latest level.
    latest: Point,
}

impl CodeSpan {
    /// The code compiled in the span and still kept: the latest level over
    /// the lowest, never below 0. From the lowest level, not the first: a
    /// full GC that flushes old bytecode and machine code drops the code
    /// space (and the heap) in the middle of a warm-up, which then compiles
    /// again, and grows both again.
    fn growth(&self) -> f64 {
        (self.latest.value - self.lowest).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: f64 = 1024.0;

    impl CodeLevels {
        /// The code compiled from `from_ms` and still kept, as `explains`
        /// weighs it.
        fn compiled_since(&self, from_ms: f64) -> Option<f64> {
            self.span_from(from_ms).map(|span| span.growth())
        }
    }

    /// Levels every 250 ms for `seconds`, growing `code_per_s` a second.
    fn levels(seconds: f64, code_per_s: f64) -> CodeLevels {
        let mut code = CodeLevels::new(240);
        let n = (seconds * 4.0) as usize;
        for i in 0..=n {
            let at = 1_000.0 + i as f64 * 250.0;
            code.push(at, 500.0 * KB + code_per_s * (at - 1_000.0) / 1_000.0);
        }
        code
    }

    #[test]
    fn heap_growth_beside_code_growth_is_compilation_across_loads() {
        // Modules loaded for 10 to 50 s, or tiered up after: the compiled
        // code grows by a quarter to nine tenths of the heap's growth, at 10
        // to 120 KB/s of heap.
        for heap_per_s in [10.0 * KB, 40.0 * KB, 120.0 * KB] {
            for seconds in [10.0, 25.0, 50.0] {
                for share in [0.25, 1.0 / 3.0, 0.45, 0.9] {
                    let code = levels(seconds, heap_per_s * share);
                    let from = 1_000.0 + seconds * 1_000.0 / 2.0;
                    let at = 1_000.0 + seconds * 1_000.0;
                    assert!(
                        code.explains(from, at, heap_per_s / 1000.0),
                        "{heap_per_s} B/s for {seconds} s, code {share}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_leak_beside_little_compiled_code_is_not_compilation() {
        // Leaks of 5 KB/s to 1 MB/s; the JIT adds code now and then (15 % of
        // a 5 KB/s leak's growth at most).
        for leak_per_s in [5.0 * KB, 20.0 * KB, 50.0 * KB, 1024.0 * KB] {
            for share in [0.0, 0.01, 0.03, 0.1, 0.15] {
                let code = levels(40.0, leak_per_s * share);
                assert!(
                    !code.explains(11_000.0, 41_000.0, leak_per_s / 1000.0),
                    "{leak_per_s} B/s, code {share}"
                );
            }
        }
    }

    #[test]
    fn a_leak_larger_than_the_compilation_beside_it_shows_through() {
        // Compilation growing the heap 10 KB/s (3.3 KB/s of code) and a leak
        // of 30 KB/s: the code grew by 8 % of the heap.
        let code = levels(40.0, 10.0 * KB / 3.0);
        assert!(!code.explains(11_000.0, 41_000.0, 40.0 * KB / 1000.0));
        // And one of 5 KB/s does not, until compilation stops.
        assert!(code.explains(11_000.0, 41_000.0, 15.0 * KB / 1000.0));
    }

    #[test]
    fn compilation_excuses_growth_only_for_its_span_after_start() {
        // A series of samples 250 ms apart, the code growing 1 B/ms: the cap
        // is a count of samples here, and the times are the samples' own
        // timestamps (data handed to a pure function; nothing waits).
        const STEP_MS: f64 = 250.0;
        let cap = (COMPILATION_SPAN_MS / STEP_MS) as usize;
        // The timestamp handed to the rule for sample `i` (a synthetic
        // clock: the rule's cap is on the span between its inputs' times,
        // nothing here waits or reads a clock).
        let stamp = |i: usize| i as f64 * STEP_MS;
        let mut code = CodeLevels::new(240);
        // Before its first level it may weigh any growth.
        assert!(code.weighs_at(f64::MAX));
        for i in 0..=cap + 40 {
            code.push(stamp(i), stamp(i));
            // It weighs compilation up to the cap and never past it.
            assert_eq!(code.weighs_at(stamp(i)), i <= cap, "sample {i}");
            // At the sample 40 before the cap it is compilation.
            if i == cap - 40 {
                assert!(code.explains(stamp(i - 80), stamp(i), 1.0));
            }
        }
        // At the sample 40 past it, the same growth is not.
        assert!(!code.explains(stamp(cap - 40), stamp(cap + 40), 1.0));
        // Nor when the code levels stopped coming long before the sample
        // judged: two levels at the first samples, judged at sample 8, then
        // at the first sample past the cap.
        let mut stale = CodeLevels::new(8);
        stale.push(stamp(0), 0.0);
        stale.push(stamp(4), 1e6);
        assert!(stale.explains(stamp(0), stamp(8), 1.0));
        assert!(!stale.explains(stamp(0), stamp(cap + 1), 1.0));
    }

    #[test]
    fn compilation_after_a_flush_is_compilation() {
        // A warm-up's code space reaches 1,660 KB, a full GC flushes 150 KB
        // of it, and it compiles again: 90 KB over 40 s, beside 250 KB of
        // heap (6.25 KB/s), for spans that start at the last level before
        // the flush or 10 to 30 s before it. Counted from that level, the
        // code did not grow at all.
        for before_s in [0.0, 10.0, 20.0, 30.0] {
            let mut code = CodeLevels::new(480);
            let flush_ms = 60_000.0;
            let mut at = 0.0;
            while at <= flush_ms + 40_000.0 {
                let level = if at <= flush_ms {
                    1_660.0 * KB
                } else {
                    1_510.0 * KB + 90.0 * KB * (at - flush_ms) / 40_000.0
                };
                code.push(at, level);
                at += 250.0;
            }
            let from = flush_ms - before_s * 1_000.0;
            let heap_per_ms = 6.25 * KB / 1_000.0;
            assert!(
                code.explains(from, at, heap_per_ms),
                "from {before_s} s before"
            );
            // A leak of 30 KB/s beside the same recompilation is not.
            assert!(
                !code.explains(from, at, 30.0 * KB / 1_000.0),
                "from {before_s} s before"
            );
        }
    }

    #[test]
    fn a_trend_older_than_the_kept_levels_is_compared_over_their_span() {
        // Four levels kept of a code space that grew only in the last
        // second: a heap trend from long before is compared over the kept
        // span, where the code grew by 30 % of the heap.
        let mut code = CodeLevels::new(4);
        for i in 0..20 {
            let at = i as f64 * 250.0;
            code.push(at, if i < 19 { 0.0 } else { 300.0 });
        }
        assert!(code.explains(0.0, 4_750.0, 1.0));
    }

    #[test]
    fn bad_levels_and_no_levels_explain_nothing() {
        let mut code = CodeLevels::new(8);
        assert!(!code.explains(0.0, 1.0, 1.0));
        code.push(f64::NAN, 1.0);
        code.push(1.0, -1.0);
        code.push(1.0, f64::INFINITY);
        assert_eq!(code.compiled_since(0.0), None);
        code.push(10.0, 100.0);
        code.push(5.0, 1e9);
        assert_eq!(
            code.compiled_since(0.0),
            None,
            "one level, the other went back in time"
        );
        code.push(20.0, 300.0);
        assert_eq!(code.compiled_since(0.0), Some(200.0));
        assert!(!code.explains(0.0, 20.0, 0.0), "no heap growth to explain");
        assert!(!code.explains(0.0, 20.0, f64::NAN));
        assert!(
            !code.explains(0.0, f64::NAN, 1.0),
            "no time, no compilation"
        );
        // A code space that shrank (flushed code) explains nothing.
        code.push(30.0, 50.0);
        assert_eq!(code.compiled_since(10.0), Some(0.0));
    }
}
