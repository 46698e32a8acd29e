//! Live levels: the levels read right after full GCs (V8's own and
//! leakguard's), the truest measure of what a process keeps.
//!
//! Two rules read them. [`LiveLevels::kept`] settles one suspicion with one
//! post-GC level: did the full GC leave the growth the window predicted? And
//! [`LiveLevels::trend`] judges the post-GC levels on their own, for leaks
//! hidden under garbage promoted between major GCs, where the sampled levels
//! are a sawtooth whose floor the window cannot see: the levels must rise
//! significantly over the required span, at a reportable rate, and still set
//! new highs in its last third. When forced GCs are allowed, that trend is
//! judged on leakguard's own levels alone, read at random moments: V8's come
//! at the allocation's cadence, which a cache filled on a timer sets.

use std::collections::VecDeque;

use crate::core::growth::scatter::clear_of_scatter;
use crate::core::growth::{GrowthPolicy, Trend};
use crate::core::trend::{mann_kendall, median, theil_sen, Point, Residuals};

/// Live levels kept at most.
const KEPT: usize = 256;

/// Post-GC levels a live trend needs at least.
pub const MIN_POINTS: usize = 6;

/// Mann–Kendall z a live trend needs: p < 0.01 (6 levels must rise in
/// order, 7 allow one inversion). A sawtooth sampled at random phases rarely
/// lines up, and the sampled levels must agree (see the detector).
const MIN_Z: f64 = 2.33;

/// Share of the predicted growth a full GC must leave for a quick confirmation.
const KEPT_SHARE: f64 = 0.6;

/// Growth measured from an earlier live level beyond this multiple of the
/// prediction is not the trend's (a step came before it).
const KEPT_MAX: f64 = 2.0;

/// How many times the jitter of the sampled levels growth between two live
/// levels must exceed to count.
pub const NOISE_FACTOR: f64 = 3.0;

/// Share of the overall rate the second half of the live levels must keep.
pub const CONTINUE_SHARE: f64 = 0.5;

/// The levels read right after full GCs, oldest first, each marked forced
/// (leakguard's own full-GC pair: exact) or not (V8's own major GC: an
/// upper bound, as it keeps what was allocated while it marked).
#[derive(Clone, Debug, Default)]
pub struct LiveLevels {
    points: VecDeque<(Point, bool)>,
}

impl LiveLevels {
    /// Adds a post-GC level, `forced` when leakguard's own pair read it;
    /// returns the one before it. Out-of-order and garbage values are
    /// dropped.
    pub fn push(&mut self, point: Point, forced: bool) -> Option<Option<Point>> {
        if !point.at_ms.is_finite() || !point.value.is_finite() || point.value < 0.0 {
            return None;
        }
        let previous = self.points.back().map(|&(p, _)| p);
        if previous.is_some_and(|p| point.at_ms <= p.at_ms) {
            return None;
        }
        if self.points.len() == KEPT {
            self.points.pop_front();
        }
        self.points.push_back((point, forced));
        Some(previous)
    }

    /// Whether no post-GC level was ever read (a count that holds no
    /// garbage, such as listeners: its sampled levels are exact).
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The levels read from the last one at or before `at_ms` on (all of
    /// them when none is that old), oldest first: a span that covers
    /// `at_ms` onwards.
    pub fn covering(&self, at_ms: f64) -> Vec<Point> {
        let first = self
            .points
            .iter()
            .rposition(|(p, _)| p.at_ms <= at_ms)
            .unwrap_or(0);
        self.points.iter().skip(first).map(|&(p, _)| p).collect()
    }

    /// The levels read since `at_ms`, oldest first.
    pub fn since(&self, at_ms: f64) -> Vec<Point> {
        self.points
            .iter()
            .filter(|(p, _)| p.at_ms >= at_ms)
            .map(|&(p, _)| p)
            .collect()
    }

    /// When leakguard's own full-GC pair last read a level (no allocation:
    /// asked at every sample).
    pub fn latest_forced_at(&self) -> Option<f64> {
        self.points
            .iter()
            .rev()
            .find(|(_, forced)| *forced)
            .map(|(p, _)| p.at_ms)
    }

    /// The levels leakguard's own full-GC pairs read since `at_ms`.
    pub fn forced_since(&self, at_ms: f64) -> Vec<Point> {
        self.points
            .iter()
            .filter(|(p, forced)| *forced && p.at_ms >= at_ms)
            .map(|&(p, _)| p)
            .collect()
    }

    /// The levels a trend since `at_ms` is judged on, without their spikes
    /// ([`without_spikes`]): with `forced_only` (leakguard may force GCs,
    /// [`GrowthPolicy::forced_gcs`]) the forced ones alone, as V8's own come
    /// at the allocation's cadence; otherwise the forced ones when there are
    /// enough of them, as V8's own are inflated by what was allocated while
    /// it marked, else all of them.
    pub fn judged_since(&self, at_ms: f64, forced_only: bool) -> Vec<Point> {
        let forced = self.forced_since(at_ms);
        let levels = if forced_only || forced.len() >= MIN_POINTS {
            forced
        } else {
            self.since(at_ms)
        };
        without_spikes(levels)
    }

    /// Whether the forced levels read from `from_ms` to a block before
    /// `point` lie below it, as a rule, by half of what `trend` predicts in
    /// between, less `noise` times [`NOISE_FACTOR`]: the median of their
    /// margins is not negative (one level read at a busy moment does not
    /// decide). The growth went on from the levels before, not only from the
    /// one a confirmation compares with: a cache the application fills and
    /// clears, read at random phases, leaves levels near its top; a leak
    /// leaves each on its line. V8's own levels are upper bounds and are not
    /// used.
    pub fn mostly_below(
        &self,
        trend: &Trend,
        from_ms: f64,
        block_ms: f64,
        point: Point,
        noise: f64,
    ) -> bool {
        let mut margins: Vec<f64> = self
            .forced_since(from_ms)
            .iter()
            .filter(|p| p.at_ms <= point.at_ms - block_ms)
            .map(|p| {
                let predicted = trend.growth_per_minute / 60_000.0 * (point.at_ms - p.at_ms);
                point.value - p.value - (CONTINUE_SHARE * predicted - NOISE_FACTOR * noise)
            })
            .collect();
        median(&mut margins).is_none_or(|m| m >= 0.0)
    }

    /// Whether the forced levels read since `from_ms` rise clear of their
    /// scatter about their own line ([`clear_of_scatter`]): a cache read at
    /// random phases scatters over its size, a leak's levels lie on its line.
    pub fn forced_clear_of_scatter(&self, from_ms: f64) -> bool {
        let levels = self.forced_since(from_ms);
        theil_sen(&levels).is_none_or(|fit| clear_of_scatter(&levels, &fit))
    }

    /// Forgets every level before `at_ms`.
    pub fn forget_before(&mut self, at_ms: f64) {
        while self.points.front().is_some_and(|(p, _)| p.at_ms < at_ms) {
            self.points.pop_front();
        }
    }

    /// The rate at which `point` (just read after a full GC) kept the growth
    /// `trend` predicted, if it did: measured from `previous` (the live level
    /// before it) when that lies near the trend's start and agrees with it,
    /// else from the trend's fitted start. `None` when the GC took the growth
    /// away: it was garbage, or live data that comes and goes.
    pub fn kept(
        policy: &GrowthPolicy,
        trend: &Trend,
        previous: Option<Point>,
        point: Point,
    ) -> Option<f64> {
        let span = trend.latest.at_ms - trend.start.at_ms;
        let predicted = trend.growth_per_minute;
        let rate_from = |base: Point| {
            let elapsed = point.at_ms - base.at_ms;
            (elapsed > 0.0).then(|| (point.value - base.value) / elapsed * 60_000.0)
        };
        let from_live = previous
            .filter(|p| {
                p.at_ms >= trend.start.at_ms - span / 6.0
                    && p.at_ms <= trend.start.at_ms + span * 2.0 / 3.0
            })
            .and_then(rate_from)
            .filter(|&rate| rate <= KEPT_MAX * predicted);
        from_live
            .into_iter()
            .chain(rate_from(trend.start))
            .find(|&rate| {
                policy.rate_is_reportable(rate, point.value) && rate >= KEPT_SHARE * predicted
            })
    }

    /// Whether the growth `trend` predicts goes on between two live levels:
    /// `later` stands above `earlier` by half of the prediction at least, at
    /// a reportable rate, and by more than `noise` (the level's jitter) times
    /// [`NOISE_FACTOR`].
    pub fn goes_on(
        policy: &GrowthPolicy,
        trend: &Trend,
        earlier: Point,
        later: Point,
        noise: f64,
    ) -> bool {
        let elapsed = later.at_ms - earlier.at_ms;
        if elapsed <= 0.0 {
            return false;
        }
        let grown = later.value - earlier.value;
        let rate = grown / elapsed * 60_000.0;
        rate >= CONTINUE_SHARE * trend.growth_per_minute
            && grown > NOISE_FACTOR * noise
            && policy.rate_is_reportable(rate, later.value)
    }

    /// A trend of the live levels read since `since_ms` (as
    /// [`Self::judged_since`] picks them for `policy`), if they rise as a
    /// leak does (see the module's text); `settled_at_ms` is when the series
    /// settled (see [`GrowthPolicy::total_is_reportable`]).
    pub fn trend(&self, policy: &GrowthPolicy, since_ms: f64, settled_at_ms: f64) -> Option<Trend> {
        let points = self.judged_since(since_ms, policy.forced_gcs);
        if points.len() < MIN_POINTS {
            return None;
        }
        let values: Vec<f64> = points.iter().map(|p| p.value).collect();
        let mk = mann_kendall(&values)?;
        if mk.z < MIN_Z {
            return None;
        }
        let fit = theil_sen(&points)?;
        let growth_per_minute = fit.per_minute();
        let latest = *points.last()?;
        if !policy.rate_is_reportable(growth_per_minute, latest.value)
            || !policy.total_is_reportable(&points, &fit, settled_at_ms)
            || (policy.judge_scatter && !clear_of_scatter(&points, &fit))
        {
            return None;
        }
        // Still rising: a new high in the last third (over the second
        // highest level before it, so one level a GC read at a busy moment
        // does not hide the rise), and the second half keeps half the rate.
        let third = points.len() - points.len() / 3;
        let high_before = second_highest(&values[..third]);
        if values[third..].iter().all(|&v| v <= high_before) {
            return None;
        }
        let half = theil_sen(&points[points.len() / 2..])?;
        if half.slope_per_ms < CONTINUE_SHARE * fit.slope_per_ms {
            return None;
        }
        Trend::fitted(&mk, &fit, points)
    }
}

/// How far above the fitted line, in robust standard deviations (1.4826 ×
/// the median absolute deviation of the residuals), a level is a spike.
const SPIKE_SIGMAS: f64 = 5.0;

/// `levels` without their upward spikes: a post-GC level now and then
/// stands a few hundred KB above the line through the others (a GC that ran
/// while a batch of short-lived data was still referenced). Levels further
/// above the Theil–Sen line than [`SPIKE_SIGMAS`] robust deviations are
/// dropped, a quarter of the levels at most, and only from [`MIN_POINTS`]
/// levels on. Spikes only go up: nothing is kept that a GC did not find
/// live, so a level below the line is never dropped.
pub fn without_spikes(levels: Vec<Point>) -> Vec<Point> {
    if levels.len() < MIN_POINTS {
        return levels;
    }
    let Some(fit) = theil_sen(&levels) else {
        return levels;
    };
    let Some(residuals) = Residuals::about(&levels, &fit) else {
        return levels;
    };
    let limit = residuals.centre + SPIKE_SIGMAS * residuals.robust_sd();
    let spikes = residuals.values.iter().filter(|&&r| r > limit).count();
    if residuals.mad <= 0.0 || spikes == 0 || spikes > levels.len() / 4 {
        return levels;
    }
    levels
        .into_iter()
        .zip(residuals.values)
        .filter(|(_, r)| *r <= limit)
        .map(|(p, _)| p)
        .collect()
}

/// The second highest of `values` (the highest when there is one only).
pub fn second_highest(values: &[f64]) -> f64 {
    let mut top = [f64::NEG_INFINITY; 2];
    for &v in values {
        if v > top[0] {
            top = [v, top[0]];
        } else if v > top[1] {
            top[1] = v;
        }
    }
    if top[1] == f64::NEG_INFINITY {
        top[0]
    } else {
        top[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::growth::tests::{noise, policy, MIB};

    fn levels(f: impl Fn(usize) -> f64, n: usize, every_ms: f64) -> LiveLevels {
        let mut live = LiveLevels::default();
        for i in 0..n {
            live.push(
                Point {
                    at_ms: i as f64 * every_ms,
                    value: f(i),
                },
                true,
            );
        }
        live
    }

    #[test]
    fn rising_post_gc_levels_are_a_trend_with_their_rate() {
        // 75 KiB/s kept, a level every 3 s with ±100 KiB of floating garbage.
        let live = levels(
            |i| 20.0 * MIB + i as f64 * 225.0 * 1024.0 + noise(i) * 100.0 * 1024.0,
            12,
            3000.0,
        );
        let trend = live.trend(&policy(true), 0.0, f64::NAN).expect("a trend");
        let real = 75.0 * 1024.0 * 60.0;
        assert!(
            (trend.growth_per_minute - real).abs() / real < 0.2,
            "{}",
            trend.growth_per_minute
        );
    }

    #[test]
    fn one_high_level_does_not_hide_a_rising_trend() {
        // 5 KB/s kept, a level every 2 s, and one level 200 KB high (a GC
        // that ran while a batch of garbage was still referenced), anywhere
        // in the first two thirds.
        for outlier in 2..10 {
            let live = levels(
                |i| 32.0 * MIB + i as f64 * 10e3 + if i == outlier { 200e3 } else { 0.0 },
                16,
                2000.0,
            );
            assert!(
                live.trend(&policy(true), 0.0, f64::NAN).is_some(),
                "outlier at {outlier}"
            );
        }
    }

    #[test]
    fn v8s_own_inflated_levels_give_way_to_forced_ones() {
        // Forced levels rising 10 KB per 2 s; V8's own levels in between,
        // 200 KB high with what was allocated while it marked.
        let mut live = LiveLevels::default();
        for i in 0..16 {
            let at_ms = i as f64 * 2000.0;
            live.push(
                Point {
                    at_ms,
                    value: 32.0 * MIB + i as f64 * 10e3,
                },
                true,
            );
            if i % 5 == 1 {
                live.push(
                    Point {
                        at_ms: at_ms + 500.0,
                        value: 32.0 * MIB + 200e3,
                    },
                    false,
                );
            }
        }
        assert_eq!(live.judged_since(0.0, false).len(), 16);
        assert!(live.trend(&policy(true), 0.0, f64::NAN).is_some());
        // With too few forced levels, all of them are judged.
        assert_eq!(live.judged_since(26_000.0, false).len(), 3);
    }

    #[test]
    fn spikes_are_dropped_and_a_rise_with_them_is_still_a_trend() {
        // 5 KB/s, a forced level every 2 s with a few KB of noise, and three
        // levels 200 KB high at 6 to 18 s: as measured in a light process.
        for first_spike in [3, 5, 7, 9] {
            let spikes = [first_spike, first_spike + 6, first_spike + 7];
            let level = |i: usize| {
                32.0 * MIB
                    + i as f64 * 10e3
                    + noise(i) * 3e3
                    + if spikes.contains(&i) { 200e3 } else { 0.0 }
            };
            let live = levels(level, 18, 2000.0);
            assert_eq!(
                live.judged_since(0.0, false).len(),
                15,
                "spikes from {first_spike}"
            );
            assert!(
                live.trend(&policy(true), 0.0, f64::NAN).is_some(),
                "spikes from {first_spike}"
            );
        }
    }

    #[test]
    fn levels_below_the_line_and_many_spikes_are_kept() {
        let dips = levels(
            |i| 32.0 * MIB + i as f64 * 10e3 - if i % 5 == 2 { 200e3 } else { 0.0 },
            15,
            2000.0,
        );
        assert_eq!(dips.judged_since(0.0, false).len(), 15);
        // Every other level high: that is not a spike but a sawtooth.
        let saw = levels(
            |i| 32.0 * MIB + if i % 2 == 0 { 200e3 } else { 0.0 },
            16,
            2000.0,
        );
        assert_eq!(saw.judged_since(0.0, false).len(), 16);
    }

    #[test]
    fn second_highest_tolerates_one_level() {
        assert_eq!(second_highest(&[1.0, 5.0, 3.0]), 3.0);
        assert_eq!(second_highest(&[5.0, 5.0, 3.0]), 5.0);
        assert_eq!(second_highest(&[2.0]), 2.0);
    }

    #[test]
    fn a_cache_sampled_at_random_phases_is_rarely_a_trend() {
        // p < 0.01 per window on its own; the detector also asks the sampled
        // levels to agree and a follow-up level to rise.
        let cache = |i: usize| 8.0 * MIB + (noise(i * 7 + 3) + 1.0) * 20.0 * MIB;
        let trends = (0..500)
            .filter(|start| {
                levels(|i| cache(i + start), 16, 2000.0)
                    .trend(&policy(true), 0.0, f64::NAN)
                    .is_some()
            })
            .count();
        assert!(trends <= 5, "{trends} of 500 windows");
    }

    #[test]
    fn a_fill_that_reached_its_cap_is_no_trend() {
        // Capped anywhere from half-way to just before the last third.
        for n in [12, 14, 18] {
            for cap in n / 2..n - n / 3 {
                let live = levels(|i| 10.0 * MIB + i.min(cap) as f64 * MIB, n, 2000.0);
                assert!(
                    live.trend(&policy(true), 0.0, f64::NAN).is_none(),
                    "{n} levels, capped at {cap}"
                );
            }
        }
    }

    #[test]
    fn too_few_levels_or_too_old_ones_are_no_trend() {
        let live = levels(|i| 10.0 * MIB + i as f64 * MIB, 20, 1000.0);
        assert!(live.trend(&policy(true), 0.0, f64::NAN).is_some());
        assert!(live.trend(&policy(true), 15_000.0, f64::NAN).is_none());
        let few = levels(|i| 10.0 * MIB + i as f64 * MIB, MIN_POINTS - 1, 1000.0);
        assert!(few.trend(&policy(true), 0.0, f64::NAN).is_none());
    }

    #[test]
    fn garbage_and_out_of_order_levels_are_dropped() {
        let mut live = LiveLevels::default();
        assert!(live
            .push(
                Point {
                    at_ms: 5.0,
                    value: f64::NAN
                },
                true
            )
            .is_none());
        assert!(live
            .push(
                Point {
                    at_ms: 5.0,
                    value: -1.0
                },
                true
            )
            .is_none());
        assert_eq!(
            live.push(
                Point {
                    at_ms: 5.0,
                    value: 1.0
                },
                true
            ),
            Some(None)
        );
        assert!(live
            .push(
                Point {
                    at_ms: 4.0,
                    value: 2.0
                },
                true
            )
            .is_none());
        live.forget_before(6.0);
        assert_eq!(
            live.push(
                Point {
                    at_ms: 7.0,
                    value: 1.0
                },
                true
            ),
            Some(None)
        );
    }
}
