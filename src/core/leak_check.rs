//! The verdict of a leak check: did a measure grow with the number of calls?
//!
//! A check calls a function in batches and measures after full GCs at each
//! batch boundary. A measure leaks when its Theil–Sen slope per call passes
//! the kind's floor, it rose at several boundaries and never fell back by
//! much, and the growth per batch stands clear of the batch-to-batch noise
//! measured in the same run.

use crate::core::format;
use crate::core::trend::{median, theil_sen, Point};

/// What a leak check measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// V8 heap after full GCs.
    Heap,
    /// External memory (Buffers, ArrayBuffers).
    External,
    /// Native memory outside V8.
    Native,
    /// Listeners on the emitters the function added to.
    Listeners,
    /// Active handles and resources (timers, sockets, ...).
    Handles,
    /// Tracked objects alive.
    Objects,
}

impl CheckKind {
    /// Every kind, in report order.
    pub const ALL: [CheckKind; 6] = [
        CheckKind::Heap,
        CheckKind::External,
        CheckKind::Native,
        CheckKind::Listeners,
        CheckKind::Handles,
        CheckKind::Objects,
    ];

    /// The name used in results.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Heap => "heap",
            CheckKind::External => "external",
            CheckKind::Native => "native",
            CheckKind::Listeners => "listeners",
            CheckKind::Handles => "handles",
            CheckKind::Objects => "objects",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Growth per call below which a kind never counts as a leak.
    pub fn default_floor(self) -> f64 {
        match self {
            CheckKind::Heap => 24.0,
            CheckKind::External => 64.0,
            CheckKind::Native => 256.0,
            CheckKind::Listeners | CheckKind::Handles | CheckKind::Objects => 0.05,
        }
    }
}

/// Share of batch-to-batch steps that must rise (and at least two).
const MIN_RISING_SHARE: f64 = 0.25;

/// A step may fall back by at most this share of one batch's predicted growth.
const MAX_FALL_BACK: f64 = 0.5;

/// How many times the step noise one batch's growth must exceed.
const NOISE_FACTOR: f64 = 1.5;

/// The verdict on one measure.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricVerdict {
    /// The measure.
    pub kind: CheckKind,
    /// Whether it grew with the calls.
    pub leaked: bool,
    /// Growth per call (Theil–Sen slope), in bytes or items.
    pub per_call: f64,
    /// Batch-to-batch noise (median absolute deviation of the steps), per call.
    pub noise_per_call: f64,
    /// Steps between batches that rose.
    pub rising_steps: usize,
    /// Steps between batches.
    pub steps: usize,
    /// True when the slope passed the floor but the steps could not confirm
    /// it: larger batches would tell.
    pub undecided: bool,
}

/// Judges one measure: `values[i]` was read after `calls[i]` calls in all.
/// Fewer than four readings, or garbage, never make a leak.
pub fn judge(kind: CheckKind, calls: &[f64], values: &[f64], floor_per_call: f64) -> MetricVerdict {
    let points: Vec<Point> = calls
        .iter()
        .zip(values)
        .filter(|(c, v)| c.is_finite() && v.is_finite())
        .map(|(&at_ms, &value)| Point { at_ms, value })
        .collect();
    let mut verdict = MetricVerdict {
        kind,
        leaked: false,
        per_call: 0.0,
        noise_per_call: 0.0,
        rising_steps: 0,
        steps: points.len().saturating_sub(1),
        undecided: false,
    };
    if points.len() < 4 {
        return verdict;
    }
    let Some(fit) = theil_sen(&points) else {
        return verdict;
    };
    let steps: Vec<f64> = points.windows(2).map(|w| w[1].value - w[0].value).collect();
    let batch = (points[points.len() - 1].at_ms - points[0].at_ms) / steps.len() as f64;
    let typical = median(&mut steps.clone()).unwrap_or(0.0);
    let mut deviations: Vec<f64> = steps.iter().map(|s| (s - typical).abs()).collect();
    let noise = median(&mut deviations).unwrap_or(0.0);
    verdict.per_call = fit.slope_per_ms;
    verdict.noise_per_call = if batch > 0.0 { noise / batch } else { 0.0 };
    verdict.rising_steps = steps.iter().filter(|&&s| s > 0.0).count();
    let per_batch = fit.slope_per_ms * batch;
    let total = points[points.len() - 1].value - points[0].value;
    // Growth may come in steps (a hash table doubles now and then), but it
    // must rise at least twice, never fall back by much, keep most of what
    // the slope predicts, and stand clear of the step noise.
    let min_rising = (MIN_RISING_SHARE * steps.len() as f64).ceil().max(2.0) as usize;
    verdict.leaked = fit.slope_per_ms >= floor_per_call
        && verdict.rising_steps >= min_rising
        && steps.iter().all(|&s| s >= -MAX_FALL_BACK * per_batch)
        && total >= 0.5 * per_batch * steps.len() as f64
        && per_batch >= NOISE_FACTOR * noise;
    verdict.undecided = !verdict.leaked && fit.slope_per_ms >= floor_per_call;
    verdict
}

/// What grew, as the middle of a sentence: `"heap grew ~812 bytes per call over 3,000 calls"`.
pub fn describe(verdict: &MetricVerdict, calls: f64) -> String {
    let amount = match verdict.kind {
        CheckKind::Heap | CheckKind::External | CheckKind::Native => {
            format!("~{} bytes", format::count(verdict.per_call))
        }
        _ if verdict.per_call >= 0.95 => format!("~{:.1}", verdict.per_call),
        _ => format!(
            "one every ~{} calls",
            format::count(1.0 / verdict.per_call.max(1e-9))
        ),
    };
    let what = match verdict.kind {
        CheckKind::Heap => "heap",
        CheckKind::External => "external memory (Buffers)",
        CheckKind::Native => "native memory",
        CheckKind::Listeners => "listeners",
        CheckKind::Handles => "active handles",
        CheckKind::Objects => "tracked objects alive",
    };
    let per = if amount.starts_with("one every") {
        String::new()
    } else {
        " per call".to_string()
    };
    format!(
        "{what} grew {amount}{per} over {} calls",
        format::count(calls)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(n: usize, batch: f64) -> Vec<f64> {
        (0..n).map(|i| i as f64 * batch).collect()
    }

    #[test]
    fn a_hundred_bytes_a_call_is_a_leak() {
        let c = calls(9, 400.0);
        let noise = [0.0, 900.0, -700.0, 300.0, -200.0, 800.0, -900.0, 100.0, 0.0];
        let v: Vec<f64> = c
            .iter()
            .zip(noise)
            .map(|(c, n)| 5e6 + 100.0 * c + n)
            .collect();
        let verdict = judge(CheckKind::Heap, &c, &v, CheckKind::Heap.default_floor());
        assert!(verdict.leaked, "{verdict:?}");
        assert!((verdict.per_call - 100.0).abs() < 5.0);
        assert_eq!(
            describe(&verdict, 3200.0),
            "heap grew ~100 bytes per call over 3,200 calls"
        );
    }

    #[test]
    fn noise_and_a_single_step_are_not() {
        let c = calls(9, 400.0);
        let noise = [
            0.0, 9000.0, -7000.0, 3000.0, -2000.0, 8000.0, -9000.0, 1000.0, 4000.0,
        ];
        let v: Vec<f64> = noise.iter().map(|n| 5e6 + n).collect();
        let verdict = judge(CheckKind::Heap, &c, &v, 24.0);
        assert!(!verdict.leaked && !verdict.undecided);
        let step: Vec<f64> = (0..9)
            .map(|i| if i < 4 { 5e6 } else { 5e6 + 60_000.0 })
            .collect();
        assert!(!judge(CheckKind::Heap, &c, &step, 24.0).leaked);
    }

    #[test]
    fn growth_in_steps_is_a_leak_but_one_that_falls_back_is_not() {
        let c = calls(9, 1000.0);
        // A hash table doubling twice while entries pile up.
        let steps = [
            0.0, 0.0, 65536.0, 65536.0, 65536.0, 196608.0, 196608.0, 196608.0, 458752.0,
        ];
        let v: Vec<f64> = steps.iter().map(|s| 4e6 + s).collect();
        assert!(judge(CheckKind::Heap, &c, &v, 24.0).leaked);
        let sawtooth = [0.0, 40e3, 80e3, 0.0, 40e3, 80e3, 0.0, 40e3, 80e3];
        let v: Vec<f64> = sawtooth.iter().map(|s| 4e6 + s).collect();
        assert!(!judge(CheckKind::Heap, &c, &v, 24.0).leaked);
        // Rising, but falling back by more than half a batch's growth twice:
        // undecided, larger batches will tell.
        let noisy = [0.0, 100e3, 200e3, 90e3, 300e3, 400e3, 290e3, 500e3, 600e3];
        let v: Vec<f64> = noisy.iter().map(|s| 4e6 + s).collect();
        let verdict = judge(CheckKind::Heap, &c, &v, 24.0);
        assert!(!verdict.leaked);
        assert!(verdict.undecided, "{verdict:?}");
    }

    #[test]
    fn counts_that_grow_with_calls() {
        let c = calls(9, 100.0);
        let v: Vec<f64> = c.iter().map(|c| 3.0 + c).collect();
        let verdict = judge(
            CheckKind::Listeners,
            &c,
            &v,
            CheckKind::Listeners.default_floor(),
        );
        assert!(verdict.leaked);
        assert_eq!(
            describe(&verdict, 800.0),
            "listeners grew ~1.0 per call over 800 calls"
        );
        let slow: Vec<f64> = c.iter().map(|c| (c / 10.0).floor()).collect();
        let verdict = judge(CheckKind::Handles, &c, &slow, 0.05);
        assert!(verdict.leaked);
        assert_eq!(
            describe(&verdict, 800.0),
            "active handles grew one every ~10 calls over 800 calls"
        );
        let flat = vec![3.0; 9];
        assert!(!judge(CheckKind::Listeners, &c, &flat, 0.05).leaked);
    }

    #[test]
    fn too_few_or_garbage_readings() {
        assert!(!judge(CheckKind::Heap, &[0.0, 1.0, 2.0], &[0.0, 1e9, 2e9], 1.0).leaked);
        let nan = [f64::NAN; 9];
        assert!(!judge(CheckKind::Heap, &calls(9, 1.0), &nan, 1.0).leaked);
        assert_eq!(CheckKind::parse("handles"), Some(CheckKind::Handles));
        assert_eq!(CheckKind::parse("sockets"), None);
    }
}
