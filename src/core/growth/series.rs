//! A detector's points in time order, with the Mann–Kendall sums of every
//! window that ends at the latest point kept up to date as points come and
//! go.
//!
//! Each sample judges windows of up to `max_points` points ending now. The
//! Mann–Kendall test over a window of `m` points compares every pair, so a
//! test from scratch costs `m²/2` comparisons and a sort; over a 240-point
//! window and the shorter ones inside it, three kinds a sample, that was
//! most of a sample's cost. Here a new point adds its pairs to every suffix
//! (`n` comparisons), dropping the oldest point drops its suffix, and the
//! test over any suffix is read in constant time. The result is the one
//! [`mann_kendall`](crate::core::trend::mann_kendall) gives over the same
//! values, bit for bit.
//!
//! The same pass counts, for every suffix, the pairwise slopes at or above
//! a rate the detector could report (its absolute threshold): when fewer
//! than half are, the Theil–Sen slope (their median) is below it, and the
//! window need not be fitted at all. A quiet window, whose median slope is
//! near zero, is settled by the count.

use crate::core::trend::{pair_sign, tie_term, MannKendall, Point};

/// Points in time order with, for every suffix `points[k..]`, its
/// Mann–Kendall S statistic and tie correction.
///
/// The oldest points are dropped by moving `head` past them (the sums of
/// the suffixes after a dropped point never held its pairs); the dead front
/// is cut off once it is a quarter of the live part (and at least
/// [`MIN_CUT`]), so a drop costs O(1) amortized instead of shifting every
/// array, and a full series holds at most a quarter more than its points.
#[derive(Clone, Debug)]
pub struct Series {
    /// Where the live points start in every array below.
    head: usize,
    points: Vec<Point>,
    /// `balance[k]`: rising minus falling pairs among `points[k..]`.
    balance: Vec<i64>,
    /// `ties[k]`: the [`tie_term`]s of the groups of equal values among
    /// `points[k..]`, summed.
    ties: Vec<i64>,
    /// `slopes[k]`: the pairs among `points[k..]` with a finite slope
    /// (as [`theil_sen`](crate::core::trend::theil_sen) counts them); this
    /// and `steep` stay empty in a series without slopes.
    slopes: Vec<u64>,
    /// `steep[k]`: those of them at or above `steep_per_ms`.
    steep: Vec<u64>,
    /// The slope counted as steep: a little under the lowest slope the
    /// owner could report, so rounding never drops one it would; `-∞` when
    /// there is no such slope (every slope counts); `None` when the owner
    /// never asks (no slope is counted).
    steep_per_ms: Option<f64>,
    /// The largest magnitude of a value pushed since the series was
    /// created or cleared (points dropped since included).
    largest: f64,
    /// Whether a value or a time pushed since then was not finite, or a
    /// time did not rise past the latest one's: then every push counts
    /// slopes with the division, as `theil_sen` computes them.
    irregular: bool,
}

/// A dead front shorter than this is never cut off: cutting a few points
/// costs more than skipping them.
const MIN_CUT: usize = 32;

/// The dead front a series of `live` points may carry before it is cut.
fn dead_front_allowed(live: usize) -> usize {
    (live / 4).max(MIN_CUT)
}

/// What a new point adds to the Mann–Kendall sums of each suffix, as one
/// pass meets the earlier points from the newest back.
struct PairSums {
    /// The new point's value.
    later: f64,
    /// Rising minus falling pairs it makes with the points met so far.
    balance: i64,
    /// Those points equal to it.
    equal: i64,
    /// What one more equal value adds to a suffix's tie sum: changes only
    /// when another equal value is met.
    tie_step: i64,
}

impl PairSums {
    fn new(later: f64) -> Self {
        PairSums {
            later,
            balance: 0,
            equal: 0,
            tie_step: tie_term(1) - tie_term(0),
        }
    }

    /// Meets the next earlier value.
    #[inline(always)]
    fn meet(&mut self, earlier: f64) {
        self.balance += pair_sign(earlier, self.later);
        // Compared as the sort in `mann_kendall` groups ties.
        if earlier == self.later {
            self.equal += 1;
            self.tie_step = tie_term(self.equal + 1) - tie_term(self.equal);
        }
    }
}

impl Series {
    /// An empty series with room for `capacity` points, whose owner
    /// reports no slope below `reportable_per_ms` (units a millisecond;
    /// zero, negative or not finite: any slope may be reported), and asks
    /// [`Self::may_rise_reportably_from`].
    pub fn with_capacity(capacity: usize, reportable_per_ms: f64) -> Self {
        let steep_per_ms = if reportable_per_ms > 0.0 && reportable_per_ms.is_finite() {
            reportable_per_ms * (1.0 - 1e-9)
        } else {
            f64::NEG_INFINITY
        };
        Self::empty(capacity, Some(steep_per_ms))
    }

    /// An empty series with room for `capacity` points whose owner only
    /// asks for Mann–Kendall tests: no slope is counted, and
    /// [`Self::may_rise_reportably_from`] always says it may.
    pub fn without_slopes(capacity: usize) -> Self {
        Self::empty(capacity, None)
    }

    fn empty(capacity: usize, steep_per_ms: Option<f64>) -> Self {
        // Room for the dead front too, so a full series never reallocates;
        // slopes are kept only where they are asked about.
        let room = capacity + dead_front_allowed(capacity) + 1;
        let counted = if steep_per_ms.is_some() { room } else { 0 };
        Series {
            head: 0,
            points: Vec::with_capacity(room),
            balance: Vec::with_capacity(room),
            ties: Vec::with_capacity(room),
            slopes: Vec::with_capacity(counted),
            steep: Vec::with_capacity(counted),
            steep_per_ms,
            largest: 0.0,
            irregular: false,
        }
    }

    /// The points, oldest first.
    pub fn points(&self) -> &[Point] {
        &self.points[self.head..]
    }

    /// How many points there are.
    pub fn len(&self) -> usize {
        self.points.len() - self.head
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `point` (the caller keeps time order): every suffix gains the
    /// pairs it makes with the points before it.
    pub fn push(&mut self, point: Point) {
        let finite_slopes = self.every_slope_is_finite_with(point);
        let head = self.head;
        let earlier = self.points[head..].iter().rev();
        let sums = self.balance[head..]
            .iter_mut()
            .zip(self.ties[head..].iter_mut())
            .rev();
        let mut pairs = PairSums::new(point.value);
        let Some(steep_per_ms) = self.steep_per_ms else {
            for (earlier, (b, t)) in earlier.zip(sums) {
                pairs.meet(earlier.value);
                *b += pairs.balance;
                *t += pairs.tie_step;
            }
            self.append(point);
            return;
        };
        let counts = self.slopes[head..]
            .iter_mut()
            .zip(self.steep[head..].iter_mut())
            .rev();
        let mut slopes = 0u64;
        let mut steep = 0u64;
        let each = earlier.zip(sums).zip(counts);
        if finite_slopes {
            for ((earlier, (b, t)), (s, st)) in each {
                pairs.meet(earlier.value);
                // dt > 0 and the slope is finite: `dv / dt >= steep` as
                // `dv >= steep × dt`, without the division that was most of
                // a push. The two round differently only for a slope within
                // an ulp of `steep_per_ms`, which lies 1e-9 of the
                // reportable slope below it: no reportable pair is lost.
                let dt = point.at_ms - earlier.at_ms;
                let dv = point.value - earlier.value;
                slopes += 1;
                steep += u64::from(dv >= steep_per_ms * dt);
                *b += pairs.balance;
                *t += pairs.tie_step;
                *s += slopes;
                *st += steep;
            }
        } else {
            for ((earlier, (b, t)), (s, st)) in each {
                pairs.meet(earlier.value);
                // The slope as `theil_sen` computes it.
                let dt = point.at_ms - earlier.at_ms;
                if dt != 0.0 {
                    let slope = (point.value - earlier.value) / dt;
                    if slope.is_finite() {
                        slopes += 1;
                        steep += u64::from(slope >= steep_per_ms);
                    }
                }
                *b += pairs.balance;
                *t += pairs.tie_step;
                *s += slopes;
                *st += steep;
            }
        }
        self.append(point);
    }

    /// Whether every pair `point` makes with the points before it has a
    /// positive time step and a finite slope: every time and value pushed
    /// since the series was created or cleared is finite, the times rose
    /// at every push (so each earlier point is at least `dt_min` before
    /// `point`), and no value step (at most twice the largest magnitude)
    /// divided by `dt_min` overflows. A detector's levels always pass.
    fn every_slope_is_finite_with(&mut self, point: Point) -> bool {
        let latest = self.points().last().map(|p| p.at_ms);
        let dt_min = latest.map_or(f64::INFINITY, |at_ms| point.at_ms - at_ms);
        if !point.at_ms.is_finite() || !point.value.is_finite() || dt_min <= 0.0 {
            self.irregular = true;
        }
        self.largest = self.largest.max(point.value.abs());
        !self.irregular && (2.0 * self.largest / dt_min).is_finite()
    }

    /// Appends `point` with empty sums: a suffix of one point has no pairs.
    fn append(&mut self, point: Point) {
        self.points.push(point);
        self.balance.push(0);
        self.ties.push(0);
        if self.steep_per_ms.is_some() {
            self.slopes.push(0);
            self.steep.push(0);
        }
    }

    /// Drops the oldest point, if any: the suffixes after it never held its
    /// pairs.
    pub fn pop_oldest(&mut self) {
        if self.is_empty() {
            return;
        }
        self.head += 1;
        if self.head >= dead_front_allowed(self.len()) {
            let cut = self.head;
            self.points.drain(..cut);
            self.balance.drain(..cut);
            self.ties.drain(..cut);
            if self.steep_per_ms.is_some() {
                self.slopes.drain(..cut);
                self.steep.drain(..cut);
            }
            self.head = 0;
        }
    }

    /// Drops every point.
    pub fn clear(&mut self) {
        self.head = 0;
        self.largest = 0.0;
        self.irregular = false;
        self.points.clear();
        self.balance.clear();
        self.ties.clear();
        self.slopes.clear();
        self.steep.clear();
    }

    /// The Mann–Kendall test over `points[from..]`; `None` where
    /// [`mann_kendall`](crate::core::trend::mann_kendall) gives none.
    pub fn mann_kendall_from(&self, from: usize) -> Option<MannKendall> {
        let n = self.len().checked_sub(from)?;
        if n == 0 {
            return None;
        }
        let k = self.head + from;
        MannKendall::from_sums(n, self.balance[k], self.ties[k])
    }

    /// Whether the Theil–Sen slope of `points[from..]` may reach the
    /// reportable slope the series was made with: `false` only when it
    /// cannot (fewer than half of the pairwise slopes reach it, so their
    /// median does not).
    pub fn may_rise_reportably_from(&self, from: usize) -> bool {
        if from >= self.len() {
            return false;
        }
        if self.steep_per_ms.is_none() {
            return true;
        }
        let k = self.head + from;
        let slopes = self.slopes[k];
        // `median` takes the element at `slopes / 2` of the sorted slopes
        // (averaged with the one below it for an even count): it reaches
        // the slope only if at least `slopes - slopes / 2` do.
        self.steep[k] >= slopes - slopes / 2
    }

    /// The Mann–Kendall test over the points at or after `at_ms`.
    pub fn mann_kendall_since(&self, at_ms: f64) -> Option<MannKendall> {
        self.mann_kendall_from(self.points().partition_point(|p| p.at_ms < at_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::trend::{mann_kendall, theil_sen};

    /// A small deterministic generator, so the sweep needs no crate.
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    /// A series' value at step `i`, drawing noise from the generator.
    type Shape = dyn Fn(u64, &mut u64) -> f64;

    fn assert_every_suffix_matches(series: &Series) {
        let values: Vec<f64> = series.points().iter().map(|p| p.value).collect();
        for from in 0..=values.len() {
            assert_eq!(
                series.mann_kendall_from(from),
                mann_kendall(&values[from..]),
                "suffix from {from} of {values:?}"
            );
        }
    }

    #[test]
    fn every_suffix_matches_the_test_from_scratch() {
        // Rising, falling, flat, noisy and heavily tied series, pushed past
        // a cap so the oldest points go too.
        let shapes: [&Shape; 5] = [
            &|i, _| i as f64 * 3.0,
            &|i, _| 1000.0 - i as f64,
            &|_, _| 7.0,
            &|i, s| i as f64 + (lcg(s) % 50) as f64,
            &|_, s| (lcg(s) % 4) as f64,
        ];
        for (shape_index, shape) in shapes.iter().enumerate() {
            for cap in [3usize, 12, 44, 60] {
                let mut state = 42 + shape_index as u64;
                let mut series = Series::with_capacity(cap, 0.0);
                for i in 0..(cap as u64 * 3) {
                    if series.len() == cap {
                        series.pop_oldest();
                    }
                    let value = shape(i, &mut state);
                    series.push(Point {
                        at_ms: i as f64 * 250.0,
                        value,
                    });
                    assert_every_suffix_matches(&series);
                }
            }
        }
    }

    #[test]
    fn a_window_is_never_passed_over_when_its_slope_is_reportable() {
        // Lines at, just under and just over the reportable slope, with
        // noise, steps and ties, read at uneven times: the count says
        // "cannot" only where the Theil–Sen slope is below it, and says it
        // for most quiet windows.
        // The owner's threshold is a rate a minute, as a policy holds it;
        // the series is given it a millisecond, and the fit passes when
        // its slope a minute reaches it (`GrowthPolicy::rate_is_reportable`).
        let reportable_per_minute = 120_000.0;
        let reportable = reportable_per_minute / 60_000.0;
        let mut passed_over = 0;
        let mut quiet_windows = 0;
        for (rate_index, rate) in [
            0.0,
            0.5,
            1.9,
            1.999_999_999_9,
            f64::next_down(reportable),
            reportable,
            f64::next_up(reportable),
            2.000_000_1,
            2.5,
            10.0,
        ]
        .into_iter()
        .enumerate()
        {
            for noise in [0u64, 3, 400, 40_000] {
                let mut state = 7 + rate_index as u64 * 31 + noise;
                let mut series = Series::with_capacity(60, reportable_per_minute / 60_000.0);
                let mut at_ms = 1.7e12;
                for i in 0..150u64 {
                    if series.len() == 60 {
                        series.pop_oldest();
                    }
                    at_ms += 200.0 + (lcg(&mut state) % 100) as f64;
                    let jitter = if noise == 0 {
                        0.0
                    } else {
                        (lcg(&mut state) % noise) as f64
                    };
                    let step = if i % 20 < 10 { 0.0 } else { 500.0 };
                    series.push(Point {
                        at_ms,
                        value: 1e8
                            + rate * (at_ms - 1.7e12)
                            + jitter
                            + step * f64::from(rate == 0.0),
                    });
                    for from in 0..series.len() {
                        let fit = theil_sen(&series.points()[from..]);
                        let reaches = fit.is_some_and(|f| f.per_minute() >= reportable_per_minute);
                        if !series.may_rise_reportably_from(from) {
                            assert!(!reaches, "passed over a reportable window: rate {rate}, noise {noise}, from {from}");
                            passed_over += 1;
                        }
                        if fit.is_some_and(|f| f.slope_per_ms < reportable / 2.0) {
                            quiet_windows += 1;
                        }
                    }
                }
            }
        }
        assert!(
            passed_over * 10 >= quiet_windows * 9,
            "the count passed over {passed_over} of {quiet_windows} quiet windows"
        );
    }

    #[test]
    fn since_a_time_is_the_suffix_from_it() {
        let mut series = Series::with_capacity(10, 0.0);
        for i in 0..10 {
            series.push(Point {
                at_ms: i as f64 * 100.0,
                value: (i * i) as f64,
            });
        }
        assert_eq!(
            series.mann_kendall_since(450.0),
            series.mann_kendall_from(5)
        );
        assert_eq!(series.mann_kendall_since(0.0), series.mann_kendall_from(0));
        assert_eq!(series.mann_kendall_since(5_000.0), None);
    }

    #[test]
    fn clearing_and_popping_an_empty_series_are_safe() {
        let mut series = Series::with_capacity(0, 1.0);
        series.pop_oldest();
        assert_eq!(series.mann_kendall_from(0), None);
        assert_eq!(series.mann_kendall_from(3), None);
        // A series cleared, or popped down to nothing, starts again from
        // sums of nothing: the windows of what comes after are the test's
        // from scratch.
        let mut popped = Series::with_capacity(8, 1.0);
        for i in 0..8 {
            for s in [&mut series, &mut popped] {
                s.push(Point {
                    at_ms: i as f64,
                    value: (i % 3) as f64,
                });
            }
        }
        series.clear();
        assert!(series.is_empty());
        while !popped.is_empty() {
            popped.pop_oldest();
        }
        for i in 0..8 {
            for s in [&mut series, &mut popped] {
                s.push(Point {
                    at_ms: 100.0 + i as f64,
                    value: 50.0 - (i * i) as f64,
                });
                assert_every_suffix_matches(s);
                let from_scratch = theil_sen(s.points()).map(|f| f.slope_per_ms);
                if s.len() >= 2 {
                    // Falling: no slope reaches 1 a millisecond.
                    assert!(from_scratch.is_some_and(|slope| slope < 0.0));
                    assert!(!s.may_rise_reportably_from(0));
                }
            }
        }
    }

    #[test]
    fn a_series_without_slopes_never_turns_a_window_away() {
        // Past its capacity, so the oldest points go and the front is cut.
        let mut series = Series::without_slopes(10);
        for i in 0..100 {
            if series.len() == 10 {
                series.pop_oldest();
            }
            series.push(Point {
                at_ms: i as f64,
                value: -(i as f64),
            });
            assert!(series.may_rise_reportably_from(0));
            // No window starts past the last point.
            assert!(!series.may_rise_reportably_from(series.len()));
            assert_every_suffix_matches(&series);
        }
        assert!(series.slopes.is_empty() && series.steep.is_empty());
    }

    /// Every suffix's pair counts against the division `theil_sen` does.
    fn assert_counts_match(series: &Series, steep_per_ms: f64) {
        let points = series.points();
        for from in 0..points.len() {
            let (mut slopes, mut steep) = (0u64, 0u64);
            for (i, a) in points.iter().enumerate().skip(from) {
                for b in &points[i + 1..] {
                    let dt = b.at_ms - a.at_ms;
                    if dt != 0.0 {
                        let slope = (b.value - a.value) / dt;
                        if slope.is_finite() {
                            slopes += 1;
                            steep += u64::from(slope >= steep_per_ms);
                        }
                    }
                }
            }
            let k = series.head + from;
            assert_eq!(
                (series.slopes[k], series.steep[k]),
                (slopes, steep),
                "suffix from {from} of {points:?}"
            );
        }
    }

    #[test]
    fn slopes_are_counted_as_theil_sen_counts_them_whatever_the_times() {
        // Rising times (the multiplication), then a repeated time, a time
        // that goes back, a value whose slopes overflow, and a value that is
        // not finite (each turns the series to the division until it is
        // cleared); the counts match the division's in every case.
        let reportable = 0.37;
        let steep = reportable * (1.0 - 1e-9);
        let breaks: [&dyn Fn(f64) -> Point; 4] = [
            &|at_ms| Point {
                at_ms: at_ms - 250.0,
                value: 10.0,
            },
            &|at_ms| Point {
                at_ms: at_ms - 400.0,
                value: 20.0,
            },
            // Just after the point before: the slope to it overflows.
            &|at_ms| Point {
                at_ms: f64::next_up(at_ms - 250.0),
                value: 1e308,
            },
            &|at_ms| Point {
                at_ms,
                value: f64::NAN,
            },
        ];
        for (b, broken) in breaks.iter().enumerate() {
            let mut state = 3 + b as u64;
            let mut series = Series::with_capacity(40, reportable);
            let mut at_ms = 0.0;
            for i in 0..120 {
                if series.len() == 40 {
                    series.pop_oldest();
                }
                at_ms += 250.0;
                let point = if i == 60 {
                    broken(at_ms)
                } else {
                    Point {
                        at_ms,
                        value: 1e4 + 0.37 * at_ms + (lcg(&mut state) % 300) as f64,
                    }
                };
                series.push(point);
                // An overflowing slope is not irregular: the largest
                // magnitude alone keeps the multiplication off.
                assert_eq!(series.irregular, b != 2 && i >= 60, "break {b} at push {i}");
                assert_counts_match(&series, steep);
            }
            series.clear();
            series.push(Point {
                at_ms: 0.0,
                value: 1.0,
            });
            series.push(Point {
                at_ms: 1.0,
                value: 3.0,
            });
            assert!(!series.irregular);
            assert_counts_match(&series, steep);
        }
    }
}
