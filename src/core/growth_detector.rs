//! Decides whether one series (a memory kind, a listener count, a label's
//! alive objects) keeps growing.
//!
//! The verdict is statistical: a Mann–Kendall test for a monotonic trend over
//! a window of baseline points, a Theil–Sen slope for its rate, and both an
//! absolute and a relative rate threshold. The trend must hold without the first
//! third of the window and rise in each of the last two thirds, so a warm-up
//! that has levelled off or a single step up is not a leak. Memory kinds also ask for a *confirmation*: the level measured right
//! after a full GC must have kept the growth, so garbage that piled up between
//! major GCs is never reported.

use std::collections::VecDeque;

use crate::core::trend::{mann_kendall, theil_sen, Point};

/// Mann–Kendall z each of the last two thirds of the window must reach on its
/// own (one-sided p < 0.05).
const PART_MIN_Z: f64 = 1.645;

/// The thresholds and window of one detector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GrowthPolicy {
    /// Points ignored after the detector starts.
    pub warmup_points: usize,
    /// Points needed before any verdict.
    pub min_points: usize,
    /// Points judged at most (the most recent ones).
    pub max_points: usize,
    /// Mann–Kendall z needed for a trend (3.09 ≈ one-sided p < 0.001).
    pub min_z: f64,
    /// Growth below this (units per minute) is never reported.
    pub min_growth_per_minute: f64,
    /// Growth below this fraction of the current level per hour is never reported.
    pub min_relative_growth_per_hour: f64,
    /// Whether a suspected trend must survive a full GC before it is reported.
    pub confirm_after_full_gc: bool,
}

impl GrowthPolicy {
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
    /// The latest level read right after a full GC: a true live size.
    last_full_gc: Option<Point>,
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
            last_full_gc: None,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &GrowthPolicy {
        &self.policy
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

    /// Hands the level measured right after a full GC. A suspected trend whose
    /// growth survived it becomes a leak (returned, with the rate measured
    /// across GCs when that is lower); one that did not was garbage, and the
    /// window starts again from this point.
    ///
    /// The rate is measured from the previous full-GC level when one lies in
    /// the first two thirds of the window (live size to live size), else from
    /// the trend's fitted start.
    pub fn confirm(&mut self, point: Point) -> Option<Trend> {
        if !point.at_ms.is_finite() || !point.value.is_finite() || point.value < 0.0 {
            return None;
        }
        let previous = self.last_full_gc.replace(point);
        let Phase::Suspected(trend) = &self.phase else {
            return None;
        };
        let span = trend.latest.at_ms - trend.start.at_ms;
        let base = previous
            .filter(|p| {
                p.at_ms >= trend.start.at_ms && p.at_ms <= trend.start.at_ms + span * 2.0 / 3.0
            })
            .unwrap_or(trend.start);
        let elapsed = point.at_ms - base.at_ms;
        if elapsed <= 0.0 {
            return None;
        }
        let rate = (point.value - base.value) / elapsed * 60_000.0;
        if self.policy.rate_is_reportable(rate, point.value) {
            let mut trend = trend.clone();
            trend.growth_per_minute = trend.growth_per_minute.min(rate);
            self.phase = Phase::Leaking { quiet_streak: 0 };
            Some(trend)
        } else {
            self.points.clear();
            self.points.push_back(point);
            self.phase = Phase::Watching;
            None
        }
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
    fn evaluate(&mut self) -> Option<Trend> {
        let policy = self.policy;
        if self.points.len() < policy.min_points {
            return None;
        }
        let window = self.points.make_contiguous();
        let values: Vec<f64> = window.iter().map(|p| p.value).collect();
        let mk = mann_kendall(&values)?;
        if mk.z < policy.min_z {
            return None;
        }
        let fit = theil_sen(window)?;
        let growth_per_minute = fit.slope_per_ms * 60_000.0;
        let latest = *window.last()?;
        let first = window[0];
        let start = Point {
            at_ms: first.at_ms,
            value: fit.value_at(first.at_ms).max(0.0),
        };
        let level = fit.value_at(latest.at_ms).max(latest.value);
        if !policy.rate_is_reportable(growth_per_minute, level) {
            return None;
        }
        // The growth must go on after the first third of the window: the last
        // two thirds must show the trend on their own, and each of them must
        // rise. A single step or a warm-up that has levelled off fills one
        // third at most and fails; a leak, even one that started late, passes.
        let third = window.len() / 3;
        let later_values: Vec<f64> = window[third..].iter().map(|p| p.value).collect();
        if mann_kendall(&later_values)?.z < policy.min_z {
            return None;
        }
        let floor = policy.min_growth_per_minute.max(0.25 * growth_per_minute);
        for part in [&window[third..2 * third], &window[2 * third..]] {
            let values: Vec<f64> = part.iter().map(|p| p.value).collect();
            let per_minute = theil_sen(part)?.slope_per_ms * 60_000.0;
            if mann_kendall(&values)?.z < PART_MIN_Z || per_minute < floor {
                return None;
            }
        }
        Some(Trend {
            growth_per_minute,
            z: mk.z,
            p_value: mk.p_increasing,
            start,
            latest,
            points: self.points.iter().copied().collect(),
        })
    }
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
            min_z: 3.09,
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
        let mut d = GrowthDetector::new(policy(false));
        let level = |i: usize| {
            let burst = if i % 12 < 3 { 20.0 * MIB } else { 0.0 };
            40.0 * MIB + burst + noise(i) * 256.0 * 1024.0
        };
        assert_eq!(first_leak(&mut d, 1200, level), None);
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
    fn confirmed_growth_becomes_a_leak_at_the_post_gc_rate() {
        let mut d = GrowthDetector::new(policy(true));
        // 20 KiB/s of real growth, with 100 KiB/s of garbage piling up between
        // full GCs; a full GC at 2 s shows the live size.
        let live = |t: f64| 20.0 * MIB + t / 1000.0 * 20.0 * 1024.0;
        let mut last = 0.0;
        for i in 0..200 {
            last = i as f64 * 250.0;
            let garbage =
                if last < 2000.0 { last } else { last - 2000.0 } / 1000.0 * 100.0 * 1024.0;
            if i == 8 {
                assert!(d
                    .confirm(Point {
                        at_ms: last,
                        value: live(last)
                    })
                    .is_none());
            }
            if d.push(Point {
                at_ms: last,
                value: live(last) + garbage,
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
        assert!(d.is_leaking());
        let real = 20.0 * 1024.0 * 60.0;
        assert!(
            (trend.growth_per_minute - real).abs() / real < 0.05,
            "{}",
            trend.growth_per_minute
        );
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
