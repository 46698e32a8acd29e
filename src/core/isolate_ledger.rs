//! What V8 already counts in each watched isolate, so that native memory is
//! the same process-wide figure whichever thread reads it.
//!
//! malloc serves the whole process: a worker's Buffers are malloc'd too, and
//! so is V8's own bookkeeping for every heap. Each isolate files its
//! ArrayBuffer bytes, its heap size and V8's own malloc'd memory under its
//! own id; [`IsolateLedger::totals`] sums them. Another thread files only at
//! its own samples, so between filings its ArrayBuffers are extrapolated at
//! the rate seen between its last two filings (for at most a second): a
//! worker's steady Buffer leak never shows up as the main thread's native
//! growth. The clock is passed in.

use std::collections::HashMap;

/// V8's off-heap bookkeeping for a heap (page metadata, remembered sets,
/// marking bitmaps), as a share of the committed heap: measured at 0.4–0.5 %
/// for heaps of 200–250 MB of small objects, taken a little above so that a
/// growing heap never reads as native growth.
pub const V8_METADATA_SHARE: f64 = 0.006;

/// Longest extrapolation past a filing, in milliseconds.
const MAX_EXTRAPOLATION_MS: f64 = 1000.0;

/// One isolate's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Filing {
    /// ArrayBuffer and Buffer backing stores, in bytes.
    pub array_buffers: f64,
    /// The V8 heap's committed size, in bytes.
    pub heap_total: f64,
    /// Memory V8 itself malloc'd (`malloced_memory`), in bytes.
    pub v8_malloced: f64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    filing: Filing,
    at_ms: f64,
    /// ArrayBuffer growth per ms between the last two filings (never negative).
    rate: f64,
}

/// Sums over every isolate's latest filing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    /// ArrayBuffers, extrapolated to now.
    pub array_buffers: f64,
    /// Committed V8 heaps.
    pub heap_total: f64,
    /// V8's own off-heap memory: what it reports malloc'ing, plus its
    /// metadata share of the committed heaps.
    pub v8_off_heap: f64,
}

/// The per-isolate figures of one process.
#[derive(Debug, Default)]
pub struct IsolateLedger {
    entries: HashMap<u64, Entry>,
}

impl IsolateLedger {
    /// Files an isolate's figures at `at_ms`; garbage values count as zero.
    pub fn file(&mut self, id: u64, filing: Filing, at_ms: f64) {
        let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
        let filing = Filing {
            array_buffers: clean(filing.array_buffers),
            heap_total: clean(filing.heap_total),
            v8_malloced: clean(filing.v8_malloced),
        };
        let rate = match self.entries.get(&id) {
            Some(last) if at_ms.is_finite() && at_ms > last.at_ms => {
                ((filing.array_buffers - last.filing.array_buffers) / (at_ms - last.at_ms)).max(0.0)
            }
            _ => 0.0,
        };
        let at_ms = if at_ms.is_finite() { at_ms } else { 0.0 };
        self.entries.insert(
            id,
            Entry {
                filing,
                at_ms,
                rate,
            },
        );
    }

    /// Removes an isolate's entry.
    pub fn close(&mut self, id: u64) {
        self.entries.remove(&id);
    }

    /// Entries filed now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no isolate has filed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The totals at `now_ms`, each entry's ArrayBuffers extrapolated.
    pub fn totals(&self, now_ms: f64) -> Totals {
        self.entries.values().fold(Totals::default(), |t, e| {
            let since = (now_ms - e.at_ms).clamp(0.0, MAX_EXTRAPOLATION_MS);
            let since = if since.is_finite() { since } else { 0.0 };
            Totals {
                array_buffers: t.array_buffers + e.filing.array_buffers + e.rate * since,
                heap_total: t.heap_total + e.filing.heap_total,
                v8_off_heap: t.v8_off_heap
                    + e.filing.v8_malloced
                    + V8_METADATA_SHARE * e.filing.heap_total,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filing(array_buffers: f64) -> Filing {
        Filing {
            array_buffers,
            heap_total: 100e6,
            v8_malloced: 1e6,
        }
    }

    #[test]
    fn sums_every_isolate() {
        let mut ledger = IsolateLedger::default();
        ledger.file(1, filing(10.0), 0.0);
        ledger.file(2, filing(5.0), 0.0);
        let t = ledger.totals(0.0);
        assert_eq!(t.array_buffers, 15.0);
        assert_eq!(t.heap_total, 200e6);
        assert_eq!(t.v8_off_heap, 2e6 + 2.0 * V8_METADATA_SHARE * 100e6);
        ledger.close(1);
        assert_eq!(ledger.totals(0.0).array_buffers, 5.0);
        assert_eq!(ledger.len(), 1);
    }

    #[test]
    fn extrapolates_array_buffers_between_filings_for_at_most_a_second() {
        let mut ledger = IsolateLedger::default();
        ledger.file(1, filing(1000.0), 0.0);
        ledger.file(1, filing(2000.0), 500.0); // 2 bytes a ms
        assert_eq!(ledger.totals(500.0).array_buffers, 2000.0);
        assert_eq!(ledger.totals(750.0).array_buffers, 2500.0);
        assert_eq!(ledger.totals(5000.0).array_buffers, 4000.0);
        // Shrinking never extrapolates downwards.
        ledger.file(1, filing(100.0), 1000.0);
        assert_eq!(ledger.totals(1500.0).array_buffers, 100.0);
    }

    #[test]
    fn garbage_values_count_as_nothing() {
        let mut ledger = IsolateLedger::default();
        ledger.file(
            1,
            Filing {
                array_buffers: f64::NAN,
                heap_total: -1.0,
                v8_malloced: f64::INFINITY,
            },
            f64::NAN,
        );
        assert_eq!(ledger.totals(f64::NAN), Totals::default());
        ledger.file(1, filing(10.0), 100.0);
        assert!(ledger.totals(f64::INFINITY).array_buffers.is_finite());
    }
}
