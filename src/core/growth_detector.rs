//! Decides whether one series (a memory kind, a listener count, a label's
//! alive objects) keeps growing.
//!
//! The verdict is statistical: a Mann–Kendall test for a monotonic trend over
//! a window of baseline points, a Theil–Sen slope for its rate, and both an
//! absolute and a relative rate threshold. The window's floor must rise too:
//! cut into six blocks, each block's lowest point must top the one before, so
//! a warm-up that has levelled off, a single step, released bursts or a
//! cache that is cleared now and then are not leaks. Memory kinds also ask for
//! a *confirmation*: the level measured right after a full GC must have kept
//! the growth, so garbage that piled up between major GCs is never reported.

use std::collections::VecDeque;

use crate::core::trend::{mann_kendall, median, theil_sen, Point};

/// The thresholds and window of one detector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GrowthPolicy {
    /// Points ignored after the detector starts.
    pub warmup_points: usize,
    /// Points needed before any verdict.
    pub min_points: usize,
    /// Points judged at most (the most recent ones).
    pub max_points: usize,
    /// Mann–Kendall z needed for a trend in one (sub-)window.
    pub min_z: f64,
    /// Growth below this (units per minute) is never reported.
    pub min_growth_per_minute: f64,
    /// Growth below this fraction of the current level per hour is never reported.
    pub min_relative_growth_per_hour: f64,
    /// Whether a suspected trend must survive a full GC before it is reported.
    pub confirm_after_full_gc: bool,
}

impl GrowthPolicy {
    /// A policy for counts (listeners, alive objects): no warm-up and no
    /// relative threshold; `confirm_after_full_gc` where collection can take
    /// the count back down.
    pub fn for_counts(
        min_points: usize,
        max_points: usize,
        min_growth_per_minute: f64,
        confirm_after_full_gc: bool,
    ) -> Self {
        GrowthPolicy {
            warmup_points: 0,
            min_points,
            max_points,
            min_z: COUNT_MIN_Z,
            min_growth_per_minute,
            min_relative_growth_per_hour: 0.0,
            confirm_after_full_gc,
        }
    }

    /// Whether a rate passes both the absolute and the relative threshold.
    pub fn rate_is_reportable(&self, growth_per_minute: f64, level: f64) -> bool {
        if !growth_per_minute.is_finite() || growth_per_minute < self.min_growth_per_minute {
            return false;
        }
        let relative_per_hour = if level > 0.0 {
            growth_per_minute * 60.0 / level
        } else {
            f64::INFINITY
        };
        relative_per_hour >= self.min_relative_growth_per_hour
    }
}

/// A trend found in the window.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    /// Rate in units per minute.
    pub growth_per_minute: f64,
    /// Mann–Kendall z.
    pub z: f64,
    /// One-sided p-value of an increasing trend.
    pub p_value: f64,
    /// The fitted level at the start of the window.
    pub start: Point,
    /// The latest point.
    pub latest: Point,
    /// The points judged.
    pub points: Vec<Point>,
}

/// What one new point led to.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// No trend, or still warming up.
    Quiet,
    /// A trend that needs a full-GC confirmation before it is reported.
    Suspect,
    /// A new leak: report it.
    Leak(Trend),
    /// The leak already reported goes on; here is its current trend.
    Ongoing(Trend),
    /// The leak already reported has stopped growing.
    Ended,
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Watching,
    Suspected(Trend),
    Leaking { quiet_streak: usize },
}

/// Trend detector over one series.
#[derive(Clone, Debug)]
pub struct GrowthDetector {
    policy: GrowthPolicy,
    points: VecDeque<Point>,
    seen: usize,
    phase: Phase,
    /// The latest levels read right after full GCs: true live sizes.
    live: VecDeque<Point>,
}

impl GrowthDetector {
    /// A detector with `policy`; `max_points` is raised to at least `min_points`.
    pub fn new(mut policy: GrowthPolicy) -> Self {
        policy.min_points = policy.min_points.max(4);
        policy.max_points = policy.max_points.max(policy.min_points);
        GrowthDetector {
            policy,
            points: VecDeque::with_capacity(policy.max_points),
            seen: 0,
            phase: Phase::Watching,
            live: VecDeque::with_capacity(LIVE_KEPT),
        }
    }

    /// Whether a reported leak is in progress.
    pub fn is_leaking(&self) -> bool {
        matches!(self.phase, Phase::Leaking { .. })
    }

    /// Whether a trend waits for a full-GC confirmation.
    pub fn is_suspected(&self) -> bool {
        matches!(self.phase, Phase::Suspected(_))
    }

    /// The points currently in the window.
    pub fn points(&self) -> impl Iterator<Item = &Point> {
        self.points.iter()
    }

    /// Adds a baseline point and returns what it led to. Values that are not
    /// finite or are negative are dropped: garbage never makes a verdict.
    pub fn push(&mut self, point: Point) -> Step {
        if !point.at_ms.is_finite() || !point.value.is_finite() || point.value < 0.0 {
            return Step::Quiet;
        }
        if let Some(last) = self.points.back() {
            if point.at_ms <= last.at_ms {
                return Step::Quiet;
            }
        }
        self.seen += 1;
        if self.seen <= self.policy.warmup_points {
            return Step::Quiet;
        }
        if self.points.len() == self.policy.max_points {
            self.points.pop_front();
        }
        self.points.push_back(point);
        let trend = self.evaluate();
        match (&mut self.phase, trend) {
            (Phase::Leaking { quiet_streak }, Some(trend)) => {
                *quiet_streak = 0;
                Step::Ongoing(trend)
            }
            (Phase::Leaking { quiet_streak }, None) => {
                *quiet_streak += 1;
                if *quiet_streak >= self.policy.min_points {
                    self.restart_from_latest();
                    Step::Ended
                } else {
                    Step::Quiet
                }
            }
            (_, Some(trend)) if self.policy.confirm_after_full_gc => {
                self.phase = Phase::Suspected(trend);
                Step::Suspect
            }
            (_, Some(trend)) => {
                self.phase = Phase::Leaking { quiet_streak: 0 };
                Step::Leak(trend)
            }
            (Phase::Suspected(_), None) => {
                self.phase = Phase::Watching;
                Step::Quiet
            }
            (Phase::Watching, None) => Step::Quiet,
        }
    }

    /// Hands the level measured right after a full GC: a live size.
    ///
    /// A suspected trend becomes a leak (returned) when either
    /// - the growth survived this GC: measured from the previous live size
    ///   when it lies near the window's start and agrees with the trend, else
    ///   from the trend's fitted start, it is reportable and at least
    ///   [`KEPT_SHARE`] of what the trend predicted; or
    /// - the live sizes themselves rise: the last [`LIVE_RUN`] each top every
    ///   live size before them, at a reportable rate. This finds a leak hidden under
    ///   heavy garbage, where the trend over-predicts.
    ///
    /// Otherwise the rise was garbage, or live data that comes and goes, and
    /// the window starts again from this point.
    pub fn confirm(&mut self, point: Point) -> Option<Trend> {
        if !point.at_ms.is_finite() || !point.value.is_finite() || point.value < 0.0 {
            return None;
        }
        let previous = self.live.back().copied();
        if self.live.len() == LIVE_KEPT {
            self.live.pop_front();
        }
        self.live.push_back(point);
        let Phase::Suspected(trend) = &self.phase else {
            return None;
        };
        let span = trend.latest.at_ms - trend.start.at_ms;
        let predicted = trend.growth_per_minute;
        let rate_from = |base: Point| {
            let elapsed = point.at_ms - base.at_ms;
            (elapsed > 0.0).then(|| (point.value - base.value) / elapsed * 60_000.0)
        };
        // From the previous live size, when it lies near the window's start and
        // agrees with the trend (far more growth than predicted means a step
        // before the trend began); else from the trend's fitted start.
        let from_live = previous
            .filter(|p| {
                p.at_ms >= trend.start.at_ms - span / FLOOR_BLOCKS as f64
                    && p.at_ms <= trend.start.at_ms + span * 2.0 / 3.0
            })
            .and_then(rate_from)
            .filter(|&rate| rate <= KEPT_MAX * predicted);
        let kept = from_live
            .into_iter()
            .chain(rate_from(trend.start))
            .find(|&rate| {
                self.policy.rate_is_reportable(rate, point.value) && rate >= KEPT_SHARE * predicted
            });
        let confirmed = kept.or_else(|| self.live_growth_per_minute());
        match confirmed {
            Some(rate) => {
                let mut trend = trend.clone();
                trend.growth_per_minute = trend.growth_per_minute.min(rate);
                self.phase = Phase::Leaking { quiet_streak: 0 };
                Some(trend)
            }
            None => {
                self.points.clear();
                self.points.push_back(point);
                self.phase = Phase::Watching;
                None
            }
        }
    }

    /// The rate of the live sizes, when each of the last [`LIVE_RUN`] of them
    /// is higher than every live size kept before it, at a reportable rate.
    fn live_growth_per_minute(&self) -> Option<f64> {
        let n = self.live.len();
        if n < LIVE_RUN {
            return None;
        }
        let mut high = f64::NEG_INFINITY;
        for (i, p) in self.live.iter().enumerate() {
            if i >= n - LIVE_RUN && p.value <= high {
                return None;
            }
            high = high.max(p.value);
        }
        let run: Vec<Point> = self.live.iter().skip(n - LIVE_RUN).copied().collect();
        let rate = theil_sen(&run)?.slope_per_ms * 60_000.0;
        let latest = run.last()?.value;
        self.policy.rate_is_reportable(rate, latest).then_some(rate)
    }

    /// Drops a trend without reporting it: the window starts again from its
    /// latest point.
    pub fn dismiss(&mut self) {
        self.restart_from_latest();
    }

    fn restart_from_latest(&mut self) {
        let latest = self.points.back().copied();
        self.points.clear();
        self.points.extend(latest);
        self.phase = Phase::Watching;
    }

    /// The trend over the window, if there is one that passes every test.
    /// Sub-windows ending now are tried from the longest down, so a leak that
    /// started late in a long quiet window is judged on its own stretch.
    fn evaluate(&mut self) -> Option<Trend> {
        let policy = self.policy;
        let n = self.points.len();
        if n < policy.min_points {
            return None;
        }
        let window = self.points.make_contiguous();
        let mut sizes = vec![n];
        let mut m = policy.min_points;
        while m < n {
            sizes.push(m);
            m *= 2;
        }
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        sizes
            .into_iter()
            .find_map(|m| trend_over(&policy, &window[n - m..]))
    }
}

/// Mann–Kendall z for count series: p < 0.001 over the (up to) four
/// sub-windows tried per sample.
pub const COUNT_MIN_Z: f64 = 3.48;

/// Share of the predicted growth a full GC must leave for a quick confirmation.
const KEPT_SHARE: f64 = 0.6;

/// Growth measured from an earlier live size beyond this multiple of the
/// prediction is not the trend's (a step came before it).
const KEPT_MAX: f64 = 2.0;

/// Live sizes (post-full-GC levels) in a row that must each set a new high to
/// confirm a leak that garbage hides. By chance alone, six in a row happen
/// once in 720 tries at best, and far more rarely once ten are kept.
const LIVE_RUN: usize = 6;

/// Live sizes kept.
const LIVE_KEPT: usize = 10;

/// Blocks a window is cut into for the floor test.
const FLOOR_BLOCKS: usize = 6;

/// Share of a block's predicted growth a rising block floor adds at least.
const FLOOR_MARGIN: f64 = 0.25;

/// Of the five steps between six block floors, how many must rise.
const FLOOR_RISING_STEPS: usize = 3;

/// How many times the noise scale the floor must rise over the window.
const FLOOR_NOISE_FACTOR: f64 = 3.0;

/// The trend over `points`, if it passes every test:
/// - a Mann–Kendall trend over all points, and a reportable Theil–Sen rate;
/// - the floor rises: cut into six blocks, no block's lowest point is below
///   the one before, most are above it, and the rise stands clear of the
///   noise. Memory freed again (a cleared cache, a released burst, garbage a
///   GC took) leaves a block floor as low as an earlier one; a warm-up that
///   levelled off and a single step rise once. A leak raises them all.
fn trend_over(policy: &GrowthPolicy, points: &[Point]) -> Option<Trend> {
    let block = points.len() / FLOOR_BLOCKS;
    if block == 0 {
        return None;
    }
    let points = &points[points.len() - block * FLOOR_BLOCKS..];
    let values: Vec<f64> = points.iter().map(|p| p.value).collect();
    let mk = mann_kendall(&values)?;
    if mk.z < policy.min_z {
        return None;
    }
    let fit = theil_sen(points)?;
    let growth_per_minute = fit.slope_per_ms * 60_000.0;
    let first = *points.first()?;
    let latest = *points.last()?;
    let level = fit.value_at(latest.at_ms).max(latest.value);
    if !policy.rate_is_reportable(growth_per_minute, level) {
        return None;
    }
    // The floor may never drop from one block to the next; most steps, one of
    // the last two among them, must add a quarter of what the fitted rate
    // predicts for a block, and all of them together half of it. A leak whose level moves in stair steps (as
    // the old generation does when scavenges are seconds apart) passes; noise
    // rarely lines six floors up, and a plateau or a single step rises once.
    let block_ms = (latest.at_ms - first.at_ms) / FLOOR_BLOCKS as f64;
    let per_block = fit.slope_per_ms * block_ms;
    let floors: Vec<f64> = points
        .chunks(block)
        .map(|chunk| chunk.iter().map(|p| p.value).fold(f64::INFINITY, f64::min))
        .collect();
    let mut rising = 0;
    let mut rising_lately = false;
    for (i, pair) in floors.windows(2).enumerate() {
        let step = pair[1] - pair[0];
        if step < 0.0 {
            return None;
        }
        if step >= FLOOR_MARGIN * per_block {
            rising += 1;
            rising_lately |= i >= FLOOR_BLOCKS - 3;
        }
    }
    let total = floors[FLOOR_BLOCKS - 1] - floors[0];
    if rising < FLOOR_RISING_STEPS
        || !rising_lately
        || total < 0.5 * per_block * (FLOOR_BLOCKS - 1) as f64
    {
        return None;
    }
    // The floor's rise must stand clear of the noise: the median absolute
    // deviation of successive differences (zero for a clean staircase or a
    // straight line, the jitter for a noisy level).
    let mut diffs: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let typical = median(&mut diffs.clone())?;
    for d in &mut diffs {
        *d = (*d - typical).abs();
    }
    if total < FLOOR_NOISE_FACTOR * median(&mut diffs)? {
        return None;
    }
    Some(Trend {
        growth_per_minute,
        z: mk.z,
        p_value: mk.p_increasing,
        start: Point {
            at_ms: first.at_ms,
            value: fit.value_at(first.at_ms).max(0.0),
        },
        latest,
        points: points.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: f64 = 1024.0 * 1024.0;

    fn policy(confirm: bool) -> GrowthPolicy {
        GrowthPolicy {
            warmup_points: 4,
            min_points: 24,
            max_points: 120,
            min_z: 3.48,
            min_growth_per_minute: 512.0 * 1024.0,
            min_relative_growth_per_hour: 0.1,
            confirm_after_full_gc: confirm,
        }
    }

    /// Deterministic pseudo-random noise in [-1, 1).
    pub(super) fn noise(i: usize) -> f64 {
        let mut x = (i as u64)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        (x % 2_000_000) as f64 / 1_000_000.0 - 1.0
    }

    /// Feeds `f(i)` at 250 ms steps; returns the index of the first leak verdict.
    fn first_leak(
        detector: &mut GrowthDetector,
        n: usize,
        f: impl Fn(usize) -> f64,
    ) -> Option<usize> {
        for i in 0..n {
            let step = detector.push(Point {
                at_ms: i as f64 * 250.0,
                value: f(i),
            });
            if matches!(step, Step::Leak(_)) {
                return Some(i);
            }
        }
        None
    }

    #[test]
    fn linear_growth_is_a_leak_with_its_rate() {
        let mut d = GrowthDetector::new(policy(false));
        // 400 KiB/s on a 20 MiB heap, with ±200 KiB noise.
        let at = first_leak(&mut d, 200, |i| {
            20.0 * MIB + i as f64 * 100.0 * 1024.0 + noise(i) * 200.0 * 1024.0
        });
        let at = at.expect("linear growth reported");
        assert!(at < 40, "reported at point {at}");
        assert!(d.is_leaking());
    }

    #[test]
    fn reported_rate_matches_the_slope() {
        let mut d = GrowthDetector::new(policy(false));
        let mut found = None;
        for i in 0..100 {
            if let Step::Leak(t) = d.push(Point {
                at_ms: i as f64 * 1000.0,
                value: 50.0 * MIB + i as f64 * 20.0 * 1024.0,
            }) {
                found = Some(t);
                break;
            }
        }
        let t = found.expect("reported");
        let expected = 20.0 * 1024.0 * 60.0;
        assert!((t.growth_per_minute - expected).abs() / expected < 1e-6);
    }

    #[test]
    fn flat_noise_is_quiet() {
        let mut d = GrowthDetector::new(policy(false));
        assert_eq!(
            first_leak(&mut d, 2000, |i| 30.0 * MIB + noise(i) * 2.0 * MIB),
            None
        );
    }

    #[test]
    fn sawtooth_is_quiet() {
        let mut d = GrowthDetector::new(policy(false));
        // Rises 4 MiB over 16 points, drops back: churn between GCs.
        assert_eq!(
            first_leak(&mut d, 2000, |i| 30.0 * MIB
                + (i % 16) as f64 * 256.0 * 1024.0),
            None
        );
    }

    #[test]
    fn warm_up_that_plateaus_is_quiet() {
        let mut d = GrowthDetector::new(policy(false));
        let level = |i: usize| 10.0 * MIB + (i.min(12) as f64) * MIB + noise(i) * 64.0 * 1024.0;
        assert_eq!(first_leak(&mut d, 600, level), None);
    }

    #[test]
    fn a_single_step_is_not_a_trend() {
        let mut d = GrowthDetector::new(policy(false));
        let level =
            |i: usize| if i < 60 { 10.0 * MIB } else { 30.0 * MIB } + noise(i) * 128.0 * 1024.0;
        assert_eq!(first_leak(&mut d, 600, level), None);
    }

    #[test]
    fn released_bursts_are_quiet() {
        // A burst still held at the window's end looks like a leak starting;
        // the full GC it asks for finds the memory released.
        let mut d = GrowthDetector::new(policy(true));
        let level = |i: usize| {
            let burst = if i % 12 < 3 { 20.0 * MIB } else { 0.0 };
            40.0 * MIB + burst + noise(i) * 256.0 * 1024.0
        };
        for i in 0..1200 {
            let at_ms = i as f64 * 250.0;
            let step = d.push(Point {
                at_ms,
                value: level(i),
            });
            assert!(!matches!(step, Step::Leak(_)));
            if step == Step::Suspect {
                let after_gc = Point {
                    at_ms: at_ms + 1.0,
                    value: 40.0 * MIB + noise(i + 7) * 256.0 * 1024.0,
                };
                assert!(d.confirm(after_gc).is_none(), "confirmed at {i}");
            }
        }
    }

    #[test]
    fn a_cache_cleared_every_few_seconds_is_quiet() {
        let mut d = GrowthDetector::new(policy(false));
        // Live data: +75 KiB a point, cleared every 12 points (3 s).
        let level =
            |i: usize| 8.0 * MIB + (i % 12) as f64 * 75.0 * 1024.0 + noise(i) * 8.0 * 1024.0;
        assert_eq!(first_leak(&mut d, 2000, level), None);
    }

    #[test]
    fn a_leak_that_starts_late_in_a_long_quiet_window_is_found_on_its_own_stretch() {
        let mut d = GrowthDetector::new(policy(false));
        // 200 quiet points fill the window, then 100 KiB a point.
        let level = |i: usize| {
            30.0 * MIB + i.saturating_sub(200) as f64 * 100.0 * 1024.0 + noise(i) * 32.0 * 1024.0
        };
        let at = first_leak(&mut d, 400, level).expect("reported");
        assert!((212..260).contains(&at), "reported at {at}");
    }

    #[test]
    fn slow_growth_below_threshold_is_quiet() {
        let mut d = GrowthDetector::new(policy(false));
        // 100 KiB/min: a real trend, but under the 512 KiB/min floor.
        let level = |i: usize| 10.0 * MIB + i as f64 * 100.0 * 1024.0 / 240.0;
        assert_eq!(first_leak(&mut d, 1000, level), None);
    }

    #[test]
    fn growth_small_relative_to_a_huge_level_is_quiet() {
        let mut d = GrowthDetector::new(policy(false));
        // 1 MiB/min on a 4 GiB level: 1.5 % an hour, under the 10 % floor.
        let level = |i: usize| 4096.0 * MIB + i as f64 * MIB / 240.0;
        assert_eq!(first_leak(&mut d, 1000, level), None);
    }

    #[test]
    fn garbage_values_never_make_a_verdict_or_panic() {
        let mut d = GrowthDetector::new(policy(false));
        let bad = [
            f64::NAN,
            f64::INFINITY,
            -5.0,
            f64::NEG_INFINITY,
            -0.0,
            1e308,
            f64::MAX,
        ];
        for i in 0..500 {
            let value = bad[i % bad.len()];
            let step = d.push(Point {
                at_ms: i as f64,
                value,
            });
            assert!(!matches!(step, Step::Leak(_)), "verdict from {value}");
        }
        // Time going backwards is ignored.
        d.push(Point {
            at_ms: 10.0,
            value: 1.0,
        });
        d.push(Point {
            at_ms: 5.0,
            value: 2.0,
        });
    }

    #[test]
    fn huge_growth_does_not_overflow() {
        let mut d = GrowthDetector::new(policy(false));
        let at = first_leak(&mut d, 200, |i| 1e300 * (i as f64 + 1.0));
        // Values near f64::MAX may or may not be judged, but never panic.
        let _ = at;
        let at = first_leak(&mut GrowthDetector::new(policy(false)), 200, |i| {
            1e15 + i as f64 * 1e12
        });
        assert!(at.is_some());
    }

    #[test]
    fn suspicion_needs_a_full_gc_that_keeps_the_growth() {
        let mut d = GrowthDetector::new(policy(true));
        let mut suspected_at = None;
        for i in 0..100 {
            let step = d.push(Point {
                at_ms: i as f64 * 250.0,
                value: 20.0 * MIB + i as f64 * 100.0 * 1024.0,
            });
            assert!(!matches!(step, Step::Leak(_)));
            if step == Step::Suspect {
                suspected_at = Some(i);
                break;
            }
        }
        let i = suspected_at.expect("suspected") as f64;
        // The full GC took the level back to where it started: garbage.
        assert!(d
            .confirm(Point {
                at_ms: i * 250.0 + 1.0,
                value: 20.0 * MIB
            })
            .is_none());
        assert!(!d.is_suspected() && !d.is_leaking());
        assert_eq!(d.points().count(), 1);
    }

    #[test]
    fn growth_that_a_full_gc_keeps_is_confirmed_at_once() {
        let mut d = GrowthDetector::new(policy(true));
        let live = |t: f64| 20.0 * MIB + t / 1000.0 * 400.0 * 1024.0;
        let mut last = 0.0;
        for i in 0..100 {
            last = i as f64 * 250.0;
            if d.push(Point {
                at_ms: last,
                value: live(last) + noise(i) * 16.0 * 1024.0,
            }) == Step::Suspect
            {
                break;
            }
        }
        let trend = d
            .confirm(Point {
                at_ms: last + 1.0,
                value: live(last + 1.0),
            })
            .expect("confirmed");
        let real = 400.0 * 1024.0 * 60.0;
        assert!(
            (trend.growth_per_minute - real).abs() / real < 0.1,
            "{}",
            trend.growth_per_minute
        );
    }

    #[test]
    fn a_step_before_the_window_is_not_taken_for_the_trends_growth() {
        // A live size taken before a 2 MiB warm-up step; then only a slow
        // garbage staircase, which the next full GC clears.
        let mut d = GrowthDetector::new(policy(true));
        assert!(d
            .confirm(Point {
                at_ms: 1900.0,
                value: 10.0 * MIB
            })
            .is_none());
        for i in 8..400 {
            let at_ms = i as f64 * 250.0;
            let value = 12.0 * MIB + (i - 8) as f64 * 4.0 * 1024.0;
            if d.push(Point { at_ms, value }) == Step::Suspect {
                assert!(d
                    .confirm(Point {
                        at_ms: at_ms + 1.0,
                        value: 12.0 * MIB
                    })
                    .is_none());
                return;
            }
        }
        panic!("the garbage staircase was never suspected");
    }

    #[test]
    fn a_leak_under_heavy_garbage_is_confirmed_by_rising_live_sizes() {
        // 20 KiB/s of real growth under 200 KiB/s of garbage that each full GC
        // takes away: every window over-predicts, but the live sizes rise.
        let mut d = GrowthDetector::new(policy(true));
        let live = |t: f64| 20.0 * MIB + t / 1000.0 * 20.0 * 1024.0;
        let mut last_gc = 0.0;
        let mut confirmations = 0;
        for i in 0..2000 {
            let t = i as f64 * 250.0;
            let garbage = (t - last_gc) / 1000.0 * 200.0 * 1024.0;
            if d.push(Point {
                at_ms: t,
                value: live(t) + garbage,
            }) == Step::Suspect
            {
                confirmations += 1;
                last_gc = t;
                if let Some(trend) = d.confirm(Point {
                    at_ms: t + 1.0,
                    value: live(t + 1.0),
                }) {
                    assert_eq!(confirmations, LIVE_RUN, "reported by the live run");
                    let real = 20.0 * 1024.0 * 60.0;
                    assert!(
                        (trend.growth_per_minute - real).abs() / real < 0.1,
                        "{}",
                        trend.growth_per_minute
                    );
                    return;
                }
            }
        }
        panic!("never confirmed");
    }

    #[test]
    fn live_data_that_comes_and_goes_is_not_confirmed() {
        // The garbage trend is steady, but the live size after each full GC
        // lands anywhere in a cache's fill cycle.
        let mut d = GrowthDetector::new(policy(true));
        let mut last_gc = 0.0;
        let mut gcs = 0;
        for i in 0..4000 {
            let t = i as f64 * 250.0;
            let cache = |t: f64| ((t / 250.0) as usize % 12) as f64 * 80.0 * 1024.0;
            let garbage = (t - last_gc) / 1000.0 * 300.0 * 1024.0;
            if d.push(Point {
                at_ms: t,
                value: 8.0 * MIB + garbage,
            }) == Step::Suspect
            {
                gcs += 1;
                last_gc = t;
                let phase = (noise(i) + 1.0) * 1000.0;
                assert!(d
                    .confirm(Point {
                        at_ms: t + 1.0,
                        value: 8.0 * MIB + cache(t + phase)
                    })
                    .is_none());
            }
        }
        assert!(gcs > 10);
    }

    #[test]
    fn a_leak_that_stops_ends_after_a_quiet_window() {
        let mut d = GrowthDetector::new(policy(false));
        let mut ended = false;
        let mut leaks = 0;
        for i in 0..400 {
            let value = 10.0 * MIB + (i.min(100) as f64) * 200.0 * 1024.0 + noise(i) * 1024.0;
            match d.push(Point {
                at_ms: i as f64 * 250.0,
                value,
            }) {
                Step::Leak(_) => leaks += 1,
                Step::Ended => ended = true,
                _ => {}
            }
        }
        assert_eq!(leaks, 1, "one report while the trend lasts");
        assert!(ended);
        assert!(!d.is_leaking());
    }
}
