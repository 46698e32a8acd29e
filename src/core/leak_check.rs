//! The verdict of a leak check: did a measure grow with the number of calls?
//!
//! A check calls a function in batches and measures after full GCs at each
//! batch boundary. A measure leaks when its Theil–Sen slope per call passes
//! the kind's floor, it rose at several boundaries and never fell back by
//! much, and the growth per batch stands clear of the batch-to-batch noise
//! measured in the same run.

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

/// How many floors a call the step noise per call may reach before a round
/// that found nothing cannot call a measure clean: a clean verdict says that
/// no growth of this many floors a call (384 B for the heap) could hide in
/// the round's noise. A floor set below the kind's default is taken at the
/// default here, so that a floor of 0 can still be clean. Under CPU contention an asynchronous function's
/// batches shrink to tens of calls, whose post-GC levels move by ~100 KB
/// from batch to batch: a 250 B-a-call leak then fits inside the noise.
const CLEAN_RESOLUTION: f64 = 16.0;

/// Bytes that growth at the floor (taken at least at the kind's default)
/// must add over a round before the round may call a byte measure clean.
/// While a fresh process warms up, its post-GC levels drift by ~100 KB, and
/// a drift down over a short round can cancel a leak of the same size: under
/// CPU contention, 400 calls of an express request keeping ~230 B each
/// (~90 KB) read as flat and were called clean once. A round too short for
/// this is undecided, and the next, larger one decides.
const MIN_CLEAN_EVIDENCE_BYTES: f64 = 64.0 * 1024.0;

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
    /// it, or the steps were too noisy to rule a leak out (noise per call
    /// over [`CLEAN_RESOLUTION`] floors), or the measure fell by a floor a
    /// call or more (a drop that can hide growth): larger batches would
    /// tell.
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
    let total = points[points.len() - 1].value - points[0].value;
    let span = points[points.len() - 1].at_ms - points[0].at_ms;
    // Growth in steps (a hash table doubling) puts the Theil–Sen slope on
    // the flat stretches between them; the growth from the first reading to
    // the last is then the better rate. The tests below still ask for steps
    // that rise, never fall back and stand clear of the noise.
    let end_to_end = if span > 0.0 { total / span } else { 0.0 };
    let per_call = fit.slope_per_ms.max(end_to_end);
    verdict.per_call = per_call;
    verdict.noise_per_call = if batch > 0.0 { noise / batch } else { 0.0 };
    verdict.rising_steps = steps.iter().filter(|&&s| s > 0.0).count();
    let per_batch = per_call * batch;
    // Growth may come in steps (a hash table doubles now and then), but it
    // must rise at least twice, never fall back by much, keep most of what
    // the slope predicts, and stand clear of the step noise.
    let min_rising = (MIN_RISING_SHARE * steps.len() as f64).ceil().max(2.0) as usize;
    verdict.leaked = per_call >= floor_per_call
        && verdict.rising_steps >= min_rising
        && steps.iter().all(|&s| s >= -MAX_FALL_BACK * per_batch)
        && total >= 0.5 * per_batch * steps.len() as f64
        && per_batch >= NOISE_FACTOR * noise;
    // A measure that fell by a floor a call or more over the round had
    // something freed in it (a cache emptied, a ballast dropped), and a drop
    // that large can hide growth of the same size: larger batches will tell.
    let resolution_floor = floor_per_call.max(kind.default_floor());
    let bytes = matches!(
        kind,
        CheckKind::Heap | CheckKind::External | CheckKind::Native
    );
    verdict.undecided = !verdict.leaked
        && (per_call >= floor_per_call
            || per_call <= -resolution_floor
            || verdict.noise_per_call > CLEAN_RESOLUTION * resolution_floor
            || (bytes && resolution_floor * span < MIN_CLEAN_EVIDENCE_BYTES));
    verdict
}

/// Readings a round needs before it may end early as clean.
pub const EARLY_CLEAN_READINGS: usize = 5;

/// Share of the floor's growth over a round's calls that the round's
/// readings must stay within (highest less lowest) for it to end early as
/// clean.
const EARLY_CLEAN_SHARE: f64 = 0.5;

/// How many times the calls made before a round its own calls must reach
/// before it may end early: a table that grows per call doubles at least
/// once between `n` and `3n` calls, so a round that ends sooner could fall
/// between two of its steps.
const EARLY_CLEAN_SPAN: f64 = 2.0;

/// Whether a round's readings so far already show `kind` clean beyond
/// doubt, so the round may end before its last batch: at least
/// [`EARLY_CLEAN_READINGS`] readings, a clean [`judge`] (not undecided),
/// every reading within a band narrower than half of what the floor would
/// add over the round's calls (so neither a slope nor a step nor noise
/// near the floor), and calls in the round at least [`EARLY_CLEAN_SPAN`]
/// times the `calls_before` it (warm-up and earlier rounds). A leak is
/// never decided early: it needs its confirming round.
///
/// A fall over the round's first batch is left out of the band (the band
/// and the calls it is weighed against start at the level it fell to): the
/// first batch frees what was left before the round, the warm-up's or an
/// earlier round's garbage, and a passing stream's check fell by 66–288 KB
/// there, which kept it from ending early though flat within 40 KB after.
/// A rise there stays in; [`judge`], which must still call the whole round
/// clean, weighs the fall as before.
pub fn clearly_clean(
    kind: CheckKind,
    calls: &[f64],
    values: &[f64],
    floor_per_call: f64,
    calls_before: f64,
) -> bool {
    let made = calls.last().copied().unwrap_or(0.0) - calls.first().copied().unwrap_or(0.0);
    if calls.len() < EARLY_CLEAN_READINGS
        || !made.is_finite()
        || !calls_before.is_finite()
        || made < EARLY_CLEAN_SPAN * calls_before
    {
        return false;
    }
    let from = usize::from(values.len() > 1 && values[1] < values[0]);
    let (low, high) = values[from..]
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let band = high - low;
    let band_calls = calls.last().copied().unwrap_or(0.0) - calls.get(from).copied().unwrap_or(0.0);
    if !band.is_finite() || band >= EARLY_CLEAN_SHARE * floor_per_call * band_calls {
        return false;
    }
    let verdict = judge(kind, calls, values, floor_per_call);
    !verdict.leaked && !verdict.undecided
}

/// Share of a round's growth per call that the next round (with batches
/// twice as large) must keep: a leak keeps its rate per call, a
/// warm-up (JIT tiers, lazily built tables, allocator pools) loses most of
/// it as the calls go on.
pub const PERSIST_SHARE: f64 = 0.5;

/// What one kind's rounds so far say. Only [`RoundOutcome::Leak`] is ever
/// reported: a kind still at [`RoundOutcome::MeasureAgain`] when the time
/// budget runs out is left undecided, never called a leak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundOutcome {
    /// Nothing grew with the calls.
    Clean,
    /// Grew in two rounds with only too-noisy rounds between them, the later
    /// keeping [`PERSIST_SHARE`] of the earlier's rate per call.
    Leak,
    /// Needs another round: the first leak verdict, one whose rate fell
    /// (still settling), or steps too noisy to tell.
    MeasureAgain,
}

/// The outcome of one kind's verdicts, one a round, oldest first.
pub fn round_outcome(rounds: &[MetricVerdict]) -> RoundOutcome {
    let Some(last) = rounds.last() else {
        return RoundOutcome::MeasureAgain;
    };
    if last.undecided {
        return RoundOutcome::MeasureAgain;
    }
    if !last.leaked {
        return RoundOutcome::Clean;
    }
    // The confirming round is the latest earlier one that found the leak;
    // rounds between them whose steps were too noisy to tell do not
    // contradict it (a clean one would have ended the check).
    let earlier = rounds[..rounds.len() - 1]
        .iter()
        .rev()
        .find(|r| !r.undecided);
    match earlier {
        Some(earlier) if earlier.leaked && last.per_call >= PERSIST_SHARE * earlier.per_call => {
            RoundOutcome::Leak
        }
        _ => RoundOutcome::MeasureAgain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(n: usize, batch: f64) -> Vec<f64> {
        (0..n).map(|i| i as f64 * batch).collect()
    }

    /// Heap readings after `calls`: 5 MB, `per_call` bytes a call kept, and
    /// `offsets[i]` more at reading `i` (noise, a ballast).
    fn kept(calls: &[f64], per_call: f64, offsets: &[f64]) -> Vec<f64> {
        calls
            .iter()
            .zip(offsets)
            .map(|(c, o)| 5e6 + per_call * c + o)
            .collect()
    }

    #[test]
    fn a_hundred_bytes_a_call_is_a_leak() {
        let c = calls(9, 400.0);
        let noise = [0.0, 900.0, -700.0, 300.0, -200.0, 800.0, -900.0, 100.0, 0.0];
        let v = kept(&c, 100.0, &noise);
        let verdict = judge(CheckKind::Heap, &c, &v, CheckKind::Heap.default_floor());
        assert!(verdict.leaked, "{verdict:?}");
        assert!((verdict.per_call - 100.0).abs() < 5.0);
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

    /// A round of small batches whose post-GC levels move by ~100 KB from
    /// batch to batch cannot rule out a leak of hundreds of bytes a call,
    /// whatever its slope: undecided, never clean. The same leak in batches
    /// large enough is found, and the same noise without one over them is
    /// clean.
    #[test]
    fn a_round_too_noisy_to_rule_a_leak_out_is_undecided() {
        let floor = CheckKind::Heap.default_floor();
        let swings = [0.0, 90e3, -60e3, 40e3, -100e3, 70e3, -80e3, 30e3, -50e3];
        for &(batch, readings) in &[(50.0, 5), (50.0, 9), (200.0, 9)] {
            let c = calls(readings, batch);
            let v = kept(&c, 250.0, &swings);
            let verdict = judge(CheckKind::Heap, &c, &v, floor);
            assert!(!verdict.leaked, "{batch}: {verdict:?}");
            assert!(verdict.undecided, "{batch}: {verdict:?}");
            assert!(!clearly_clean(CheckKind::Heap, &c, &v, floor, 0.0));
        }
        let c = calls(9, 2000.0);
        let leak = kept(&c, 250.0, &swings);
        assert!(judge(CheckKind::Heap, &c, &leak, floor).leaked);
        let clean: Vec<f64> = swings.iter().map(|n| 5e6 + n).collect();
        let verdict = judge(CheckKind::Heap, &c, &clean, floor);
        assert!(!verdict.leaked && !verdict.undecided, "{verdict:?}");
    }

    /// A leak of 250 B a call whose round also freed a large ballast
    /// (readings fall overall, and most steps are as quiet as the leak's
    /// own) is not called clean: the drop hides the growth, so the round is
    /// undecided. A smaller fall, or none, over a clean function stays
    /// clean.
    #[test]
    fn a_round_too_short_to_show_the_floor_cannot_be_clean() {
        // Eight batches of 50 calls: an express request keeping ~230 B each,
        // under a post-GC drift down of the same size (a warm-up's garbage
        // freed), reads as flat. 400 calls at the 24 B floor add ~9 KB, far
        // under the heap's own drift: undecided, never clean.
        let c = calls(9, 50.0);
        let drift: Vec<f64> = (0..9).map(|i| -230.0 * 50.0 * i as f64).collect();
        let v = judge(CheckKind::Heap, &c, &kept(&c, 230.0, &drift), 24.0);
        assert!(!v.leaked);
        assert!(v.undecided, "{v:?}");
        assert!(!clearly_clean(
            CheckKind::Heap,
            &c,
            &kept(&c, 230.0, &drift),
            24.0,
            0.0
        ));
        // The same flat readings over batches of 1,000 calls are clean: a
        // leak at the floor would have added ~190 KB.
        let c = calls(9, 1000.0);
        let v = judge(CheckKind::Heap, &c, &kept(&c, 0.0, &[0.0; 9]), 24.0);
        assert!(!v.leaked && !v.undecided, "{v:?}");
        // Just under and just over 64 KiB of evidence at the floor.
        for (batch, undecided) in [(340.0, true), (345.0, false)] {
            let c = calls(9, batch);
            let v = judge(CheckKind::Heap, &c, &kept(&c, 0.0, &[0.0; 9]), 24.0);
            assert_eq!(v.undecided, undecided, "batches of {batch}: {v:?}");
        }
        // Counts are exact: a listener check's few calls still decide.
        let c = calls(9, 10.0);
        let v = judge(CheckKind::Listeners, &c, &kept(&c, 0.0, &[0.0; 9]), 0.05);
        assert!(!v.leaked && !v.undecided, "{v:?}");
    }

    #[test]
    fn a_round_that_fell_by_a_floor_a_call_is_undecided() {
        let floor = CheckKind::Heap.default_floor();
        // The ballast's size at each reading, in batches of `batch` calls.
        let rounds: [(f64, &[f64]); 5] = [
            (50.0, &[200e3, 0.0, 0.0, 0.0]),
            (
                50.0,
                &[200e3, 150e3, 150e3, 60e3, 60e3, 60e3, 0.0, 0.0, 0.0],
            ),
            (200.0, &[600e3, 0.0, 0.0, 0.0]),
            (
                200.0,
                &[1.2e6, 1.2e6, 0.8e6, 0.8e6, 0.4e6, 0.4e6, 0.0, 0.0, 0.0],
            ),
            (
                1000.0,
                &[2.5e6, 1.8e6, 1.8e6, 1.2e6, 1.2e6, 0.6e6, 0.6e6, 0.0, 0.0],
            ),
        ];
        for (batch, ballast) in rounds {
            let c = calls(ballast.len(), batch);
            let v = kept(&c, 250.0, ballast);
            let verdict = judge(CheckKind::Heap, &c, &v, floor);
            // Both the slope and the end-to-end rate fell, and the steps are
            // quieter than the resolution: only the fall says "not clean".
            assert!(verdict.per_call <= -floor, "{batch}: {verdict:?}");
            assert!(
                verdict.noise_per_call <= CLEAN_RESOLUTION * floor,
                "{batch}: {verdict:?}"
            );
            assert!(!verdict.leaked, "{batch}: {verdict:?}");
            assert!(verdict.undecided, "{batch}: {verdict:?}");
        }
        let c = calls(9, 1000.0);
        for per_call in [0.0, -5.0, -20.0] {
            let noise = [0.0, 300.0, -200.0, 100.0, -300.0, 200.0, 0.0, -100.0, 100.0];
            let v = kept(&c, per_call, &noise);
            let verdict = judge(CheckKind::Heap, &c, &v, floor);
            assert!(
                !verdict.leaked && !verdict.undecided,
                "{per_call}: {verdict:?}"
            );
        }
        // A floor of 0 still takes the kind's default here.
        let v: Vec<f64> = c.iter().map(|c| 5e6 - 5.0 * c).collect();
        let verdict = judge(CheckKind::Heap, &c, &v, 0.0);
        assert!(!verdict.undecided, "{verdict:?}");
        // Counts too: listeners removed at 0.1 a call (more than the 0.05
        // floor) leave the round undecided; a few removed over it do not.
        let c = calls(9, 100.0);
        let removed: Vec<f64> = c.iter().map(|c| 200.0 - 0.1 * c).collect();
        let verdict = judge(CheckKind::Listeners, &c, &removed, 0.05);
        assert!(!verdict.leaked && verdict.undecided, "{verdict:?}");
        let few: Vec<f64> = c.iter().map(|c| 200.0 - (c / 400.0).floor()).collect();
        let verdict = judge(CheckKind::Listeners, &c, &few, 0.05);
        assert!(!verdict.leaked && !verdict.undecided, "{verdict:?}");
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
        assert!((verdict.per_call - 1.0).abs() < 1e-9);
        let slow: Vec<f64> = c.iter().map(|c| (c / 10.0).floor()).collect();
        let verdict = judge(CheckKind::Handles, &c, &slow, 0.05);
        assert!(verdict.leaked);
        assert!((verdict.per_call - 0.1).abs() < 0.01, "{verdict:?}");
        let flat = vec![3.0; 9];
        assert!(!judge(CheckKind::Listeners, &c, &flat, 0.05).leaked);
    }

    #[test]
    fn a_round_ends_early_only_when_clean_beyond_doubt() {
        let c = calls(6, 1000.0);
        let flat: Vec<f64> = (0..6)
            .map(|i| 5e6 + [0.0, 300.0, -200.0, 100.0, -300.0, 200.0][i])
            .collect();
        let floor = CheckKind::Heap.default_floor();
        assert!(clearly_clean(CheckKind::Heap, &c, &flat, floor, 1000.0));
        // Too few readings, or too few calls beside those made before.
        assert!(!clearly_clean(
            CheckKind::Heap,
            &c[..4],
            &flat[..4],
            floor,
            1000.0
        ));
        assert!(!clearly_clean(CheckKind::Heap, &c, &flat, floor, 4000.0));
        // Growth over half the floor, a leak, noise near the floor, and
        // one step (a table that doubled) are never clean early.
        for per_call in [15.0, 30.0, 100.0] {
            let v: Vec<f64> = c.iter().map(|c| 5e6 + per_call * c).collect();
            assert!(
                !clearly_clean(CheckKind::Heap, &c, &v, floor, 1000.0),
                "{per_call}"
            );
        }
        let noisy: Vec<f64> = (0..6)
            .map(|i| 5e6 + if i % 2 == 0 { 0.0 } else { 70e3 })
            .collect();
        assert!(!clearly_clean(CheckKind::Heap, &c, &noisy, floor, 1000.0));
        let step: Vec<f64> = (0..6)
            .map(|i| if i < 3 { 5e6 } else { 5e6 + 65536.0 })
            .collect();
        assert!(!clearly_clean(CheckKind::Heap, &c, &step, floor, 1000.0));
        // A fall over the first batch (what came before the round, freed)
        // is left out of the band; a rise there, or growth after it, is not.
        let fell: Vec<f64> = flat
            .iter()
            .enumerate()
            .map(|(i, v)| if i == 0 { v + 288e3 } else { *v })
            .collect();
        assert!(clearly_clean(CheckKind::Heap, &c, &fell, floor, 1000.0));
        let rose: Vec<f64> = flat
            .iter()
            .enumerate()
            .map(|(i, v)| if i == 0 { v - 70e3 } else { *v })
            .collect();
        assert!(!clearly_clean(CheckKind::Heap, &c, &rose, floor, 1000.0));
        for per_call in [15.0, 30.0, 100.0] {
            let v: Vec<f64> = c.iter().map(|c| 5e6 + per_call * c).collect();
            let fell_then_grew: Vec<f64> = v
                .iter()
                .enumerate()
                .map(|(i, v)| if i == 0 { v + 288e3 } else { *v })
                .collect();
            assert!(
                !clearly_clean(CheckKind::Heap, &c, &fell_then_grew, floor, 1000.0),
                "{per_call}"
            );
        }
        // Counts: none more, or a few hundred more in the last batches.
        let same = vec![3.0; 6];
        assert!(clearly_clean(CheckKind::Listeners, &c, &same, 0.05, 1000.0));
        let hundreds_more: Vec<f64> = [3.0, 3.0, 3.0, 3.0, 100.0, 200.0].to_vec();
        assert!(!clearly_clean(
            CheckKind::Listeners,
            &c,
            &hundreds_more,
            0.05,
            1000.0
        ));
    }

    fn verdict(leaked: bool, per_call: f64, undecided: bool) -> MetricVerdict {
        MetricVerdict {
            kind: CheckKind::Heap,
            leaked,
            per_call,
            noise_per_call: 0.0,
            rising_steps: 0,
            steps: 8,
            undecided,
        }
    }

    #[test]
    fn a_leak_is_confirmed_by_a_round_that_keeps_its_rate() {
        use RoundOutcome::*;
        let leak = |p| verdict(true, p, false);
        let clean = verdict(false, 3.0, false);
        let unsure = verdict(false, 60.0, true);
        assert_eq!(round_outcome(&[]), MeasureAgain);
        assert_eq!(round_outcome(std::slice::from_ref(&clean)), Clean);
        assert_eq!(round_outcome(&[leak(100.0)]), MeasureAgain);
        assert_eq!(round_outcome(std::slice::from_ref(&unsure)), MeasureAgain);
        // Stepped leaks vary between rounds; half the rate is kept.
        for later in [50.0, 80.0, 100.0, 140.0] {
            assert_eq!(round_outcome(&[leak(100.0), leak(later)]), Leak, "{later}");
        }
        // A warm-up loses its rate as the calls go on: measured again.
        for later in [10.0, 30.0, 49.0] {
            assert_eq!(round_outcome(&[leak(100.0), leak(later)]), MeasureAgain);
        }
        assert_eq!(round_outcome(&[leak(100.0), clean.clone()]), Clean);
        assert_eq!(round_outcome(&[unsure.clone(), leak(60.0)]), MeasureAgain);
        assert_eq!(
            round_outcome(&[unsure.clone(), leak(60.0), leak(58.0)]),
            Leak
        );
        assert_eq!(round_outcome(&[leak(400.0), leak(150.0), leak(90.0)]), Leak);
        // Found, too noisy to tell, found again at its rate: a leak.
        assert_eq!(
            round_outcome(&[leak(80.0), unsure.clone(), leak(78.0)]),
            Leak
        );
        assert_eq!(
            round_outcome(&[leak(300.0), unsure.clone(), leak(78.0)]),
            MeasureAgain
        );
    }

    #[test]
    fn growth_in_steps_is_rated_from_end_to_end() {
        // ~40 B a call, all of it in the table's doublings: the Theil–Sen
        // slope sits on the flat stretches, the end-to-end rate does not.
        let c = calls(9, 2000.0);
        let steps = [0.0, 0.0, 0.0, 213e3, 213e3, 213e3, 213e3, 640e3, 640e3];
        let v: Vec<f64> = steps.iter().map(|s| 4e6 + s).collect();
        let verdict = judge(CheckKind::Heap, &c, &v, 24.0);
        assert!(verdict.leaked, "{verdict:?}");
        assert!((verdict.per_call - 40.0).abs() < 1.0, "{verdict:?}");
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
