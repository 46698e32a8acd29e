//! Decides whether one series (a memory kind, a listener count, a label's
//! alive objects) keeps growing.
//!
//! Two kinds of evidence feed a [`GrowthDetector`]:
//! - **baseline points**, one a sample (the lowest level since the previous
//!   sample), judged over windows ending now by [`window::window_trend`]:
//!   statistics, rate thresholds, a floor that rises from the window's first
//!   block to its last ([`floor`]), and growth that goes on in the last block
//!   ([`continuation`]);
//! - **live levels**, read right after full GCs ([`live`]): they confirm a
//!   suspicion, find leaks hidden under garbage, and keep a reported leak
//!   open while they rise.
//!
//! A report needs growth that lasted: every window judged spans at least
//! `min_points` samples, and its floor must rise in its first step as in its
//! last, so a fill shorter than the window stays quiet.

pub mod continuation;
pub mod floor;
pub mod live;
pub mod scatter;
pub mod series;
pub mod window;

use crate::core::trend::{jitter, theil_sen, MannKendall, Point, TheilSen};
use live::LiveLevels;
use series::Series;
use window::window_trend;

/// Mann–Kendall z a baseline trend needs: p < 0.001 across the (up to) four
/// windows tried per sample.
pub const TREND_MIN_Z: f64 = 3.48;

/// The thresholds and window of one detector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GrowthPolicy {
    /// Points ignored after the detector starts.
    pub warmup_points: usize,
    /// Points needed before any verdict: the shortest span of growth reported.
    pub min_points: usize,
    /// Points judged at most (the most recent ones).
    pub max_points: usize,
    /// Mann–Kendall z needed for a trend in one window.
    pub min_z: f64,
    /// Growth below this (units per minute) is never reported.
    pub min_growth_per_minute: f64,
    /// Growth below this fraction of the current level per hour is never reported.
    pub min_relative_growth_per_hour: f64,
    /// Whether a suspected trend must survive a full GC before it is reported.
    pub confirm_after_full_gc: bool,
    /// Whether leakguard may force full GCs for this series. When it may,
    /// only its own (forced) post-GC levels confirm or reject a follow-up,
    /// make a live trend and count as fresh: V8's own come at the
    /// allocation's cadence. When it may not (`confirmWithGc: false`), V8's
    /// own levels are all there is, and they are judged.
    pub forced_gcs: bool,
    /// Whether a rise must stand clear of the levels' scatter about their
    /// line ([`scatter`]): memory levels wander between GCs and allocator
    /// states; counts move by whole listeners and objects.
    pub judge_scatter: bool,
    /// Growth over the judged span below this (units) is never reported:
    /// however steady, a few tens of KB is a settling allocator, not a leak.
    pub min_total_growth: f64,
    /// Growth over a span that starts while the series settles must reach
    /// this (units) instead of [`Self::min_total_growth`].
    pub settling_min_total_growth: f64,
    /// A lower settling minimum (units) for growth that rose from the span's
    /// start: its first half rose at [`STEADY_SHARE`] of the span's rate or
    /// more. Growth that came late in a mostly flat span still needs
    /// [`Self::settling_min_total_growth`]: suspected on such a span, a leak
    /// that starts late was not confirmed by the forced GCs that followed,
    /// and was reported later than with the settling minimum (see
    /// `SETTLING_MIN_GROWTH` in `memory_monitor.rs`). At 0, or above
    /// [`Self::settling_min_total_growth`], it has no effect.
    pub settling_min_steady_growth: f64,
}

/// Share of a span's rate its first half must rise at for the span's growth
/// to count as steady (see [`GrowthPolicy::settling_min_steady_growth`]).
pub const STEADY_SHARE: f64 = 0.5;

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
            min_z: TREND_MIN_Z,
            min_growth_per_minute,
            min_relative_growth_per_hour: 0.0,
            confirm_after_full_gc,
            forced_gcs: confirm_after_full_gc,
            judge_scatter: false,
            min_total_growth: 0.0,
            settling_min_total_growth: 0.0,
            settling_min_steady_growth: 0.0,
        }
    }

    /// Whether the growth `fit` finds over `points` (in time order) is large
    /// enough: [`Self::min_total_growth`] over its part after
    /// `settled_at_ms` (`NaN`: no settling), or, for a span that starts
    /// while the series settles, [`Self::settling_min_total_growth`] over the
    /// whole span ([`Self::settling_min_steady_growth`] when the growth rose
    /// from the span's start).
    pub fn total_is_reportable(
        &self,
        points: &[Point],
        fit: &TheilSen,
        settled_at_ms: f64,
    ) -> bool {
        let (Some(first), Some(latest)) = (points.first(), points.last()) else {
            return false;
        };
        let slope_per_ms = fit.slope_per_ms;
        let settled_ms = first.at_ms.max(settled_at_ms);
        if slope_per_ms * (latest.at_ms - settled_ms).max(0.0) >= self.min_total_growth {
            return true;
        }
        if settled_ms <= first.at_ms {
            return false;
        }
        let whole = slope_per_ms * (latest.at_ms - first.at_ms);
        if whole >= self.settling_min_total_growth.max(self.min_total_growth) {
            return true;
        }
        whole >= self.least_settling_growth().max(self.min_total_growth)
            && rose_from_the_start(points, slope_per_ms)
    }

    /// The least growth a span that starts while the series settles can be
    /// reported at: the steady minimum where one is set, else the settling
    /// minimum.
    pub fn least_settling_growth(&self) -> f64 {
        if self.settling_min_steady_growth > 0.0 {
            self.settling_min_steady_growth
                .min(self.settling_min_total_growth)
        } else {
            self.settling_min_total_growth
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

/// A trend found in the window or in the live levels.
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

impl Trend {
    /// The trend a Mann–Kendall test and a Theil–Sen fit found over
    /// `points` (in time order, at least one).
    pub fn fitted(mk: &MannKendall, fit: &TheilSen, points: Vec<Point>) -> Option<Trend> {
        let first = *points.first()?;
        let latest = *points.last()?;
        Some(Trend {
            growth_per_minute: fit.per_minute(),
            z: mk.z,
            p_value: mk.p_increasing,
            start: Point {
                at_ms: first.at_ms,
                value: fit.value_at(first.at_ms).max(0.0),
            },
            latest,
            points,
        })
    }
}

/// What one new baseline point led to.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// No trend, or still warming up.
    Quiet,
    /// A trend that needs a full-GC confirmation before it is reported.
    Suspect,
    /// A reported leak has shown no growth for a while: a post-GC level
    /// would tell whether it goes on.
    Verify,
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
    /// A trend waits for post-GC levels: the first (`kept`), then, unless a
    /// recent live level already showed the growth going on, a follow-up one
    /// a block later (`first` holds the first's level).
    Suspected {
        trend: Trend,
        first: Option<Point>,
        samples_since_first: usize,
    },
    Leaking {
        quiet_streak: usize,
    },
}

/// Mann–Kendall z the sampled levels must show over a live trend's span.
const SAMPLED_AGREES_Z: f64 = 1.96;

/// Samples a follow-up post-GC level is awaited, in blocks of the trend's
/// window, before the suspicion is given up.
const FOLLOW_UP_PATIENCE_BLOCKS: usize = 3;

/// Whether the latest `min_points` baseline points rise: a Mann–Kendall
/// trend (z ≥ the policy's) at a reportable Theil–Sen rate. Unlike the
/// window rule, it asks nothing of the line's shape, so growth that speeds
/// up or comes in steps counts.
fn baseline_still_rising(policy: &GrowthPolicy, points: &Series) -> bool {
    let n = points.len();
    if n < policy.min_points {
        return false;
    }
    let from = n - policy.min_points;
    if !points
        .mann_kendall_from(from)
        .is_some_and(|mk| mk.z >= policy.min_z)
        || !points.may_rise_reportably_from(from)
    {
        return false;
    }
    rises_reportably(policy, &points.points()[from..])
}

/// Whether the Theil–Sen line through `points` (two or more) rises at a
/// rate the policy would report at their latest level.
fn rises_reportably(policy: &GrowthPolicy, points: &[Point]) -> bool {
    let Some(latest) = points.last() else {
        return false;
    };
    points.len() >= 2
        && theil_sen(points)
            .is_some_and(|fit| policy.rate_is_reportable(fit.per_minute(), latest.value))
}

/// Whether the first half of `points` rises at [`STEADY_SHARE`] of
/// `slope_per_ms` or more (Theil–Sen): growth from the span's start, not a
/// rise that began late in it.
fn rose_from_the_start(points: &[Point], slope_per_ms: f64) -> bool {
    let half = &points[..points.len().div_ceil(2)];
    half.len() >= 2
        && theil_sen(half).is_some_and(|fit| fit.slope_per_ms >= STEADY_SHARE * slope_per_ms)
}

/// Points of `history` since `at_ms`.
fn lasted_since(history: &Series, at_ms: f64) -> usize {
    // The history is in time order: the points since are a suffix.
    let points = history.points();
    points.len() - points.partition_point(|p| p.at_ms < at_ms)
}

/// Trend detector over one series.
#[derive(Clone, Debug)]
pub struct GrowthDetector {
    policy: GrowthPolicy,
    /// The baseline points the window rule judges.
    points: Series,
    /// The latest baseline points after warm-up, kept across suspicions the
    /// GCs dismissed: the span live levels are judged over, and the sampled
    /// trend that must agree with them.
    history: Series,
    seen: usize,
    /// When the series settles, as its owner's clock says
    /// ([`Self::settling_goes_on`]: the one clock of the settling minute is
    /// `MemoryMonitor`'s); `NaN` when no owner said (it has no settling minute).
    settled_at_ms: f64,
    phase: Phase,
    live: LiveLevels,
}

impl GrowthDetector {
    /// A detector with `policy`; `max_points` is raised to at least `min_points`.
    pub fn new(mut policy: GrowthPolicy) -> Self {
        policy.min_points = policy.min_points.max(floor::BLOCKS);
        policy.max_points = policy.max_points.max(policy.min_points);
        let reportable_per_ms = policy.min_growth_per_minute / 60_000.0;
        GrowthDetector {
            policy,
            points: Series::with_capacity(policy.max_points, reportable_per_ms),
            // Only Mann–Kendall tests are asked of the history.
            history: Series::without_slopes(policy.max_points),
            seen: 0,
            settled_at_ms: f64::NAN,
            phase: Phase::Watching,
            live: LiveLevels::default(),
        }
    }

    /// Whether a reported leak is in progress.
    pub fn is_leaking(&self) -> bool {
        matches!(self.phase, Phase::Leaking { .. })
    }

    /// Whether a trend waits for a full-GC confirmation.
    pub fn is_suspected(&self) -> bool {
        matches!(self.phase, Phase::Suspected { .. })
    }

    /// Whether warm-up is over.
    pub fn is_warm(&self) -> bool {
        self.seen > self.policy.warmup_points
    }

    /// The owner's clock says the series still settles at `at_ms`, with
    /// `remaining_ms` of settling to go: it settles no sooner than
    /// `at_ms + remaining_ms`. (A thread kept waiting for a core settles
    /// more slowly than the wall clock says: see `MemoryMonitor`.) A series
    /// whose owner never says so has no settling minute: its spans are judged by
    /// [`GrowthPolicy::min_total_growth`] alone.
    pub fn settling_goes_on(&mut self, at_ms: f64, remaining_ms: f64) {
        if (at_ms + remaining_ms).is_finite() {
            self.settled_at_ms = self.settled_at_ms.max(at_ms + remaining_ms);
        }
    }

    /// The Theil–Sen rate (units a minute) of the sampled levels since `at_ms`.
    pub fn rate_since(&self, at_ms: f64) -> Option<f64> {
        // The history is in time order: the span is a suffix.
        let points = self.history.points();
        let from = points.partition_point(|p| p.at_ms < at_ms);
        theil_sen(&points[from..]).map(|fit| fit.per_minute())
    }

    /// Growth per minute of the post-GC levels over a span that covers
    /// `at_ms` onwards (from the last level read at or before it), if two
    /// levels or more were read: garbage between GCs does not count in it.
    pub fn live_rate_since(&self, at_ms: f64) -> Option<f64> {
        let levels = self.live.covering(at_ms);
        if levels.len() < 2 {
            return None;
        }
        theil_sen(&levels).map(|fit| fit.per_minute())
    }

    /// The points currently in the window.
    pub fn points(&self) -> impl Iterator<Item = &Point> {
        self.points.points().iter()
    }

    /// Adds a baseline point and returns what it led to. Values that are not
    /// finite, are negative or go back in time are dropped: garbage never
    /// makes a verdict.
    pub fn push(&mut self, point: Point) -> Step {
        if !point.at_ms.is_finite() || !point.value.is_finite() || point.value < 0.0 {
            return Step::Quiet;
        }
        if self
            .history
            .points()
            .last()
            .is_some_and(|p| point.at_ms <= p.at_ms)
        {
            return Step::Quiet;
        }
        self.seen += 1;
        if self.seen <= self.policy.warmup_points {
            return Step::Quiet;
        }
        if self.points.len() == self.policy.max_points {
            self.points.pop_oldest();
        }
        self.points.push(point);
        if self.history.len() == self.policy.max_points {
            self.history.pop_oldest();
        }
        self.history.push(point);
        let trend = self.evaluate();
        let wants_live_level = trend.is_none() && self.wants_live_level();
        let min_points = self.policy.min_points;
        match (&mut self.phase, trend) {
            (Phase::Leaking { quiet_streak }, Some(trend)) => {
                *quiet_streak = 0;
                Step::Ongoing(trend)
            }
            (Phase::Leaking { .. }, None) => {
                if let Some(trend) = self.live_trend() {
                    self.phase = Phase::Leaking { quiet_streak: 0 };
                    return Step::Ongoing(trend);
                }
                let Phase::Leaking { quiet_streak } = &mut self.phase else {
                    unreachable!("matched above");
                };
                // Over only when it is over: a full window without growth in
                // the baseline, and post-GC levels that stopped rising too.
                // Where there are no post-GC levels (exact counts, such as
                // listeners), a baseline that still rises is no quiet sample:
                // one that speeds up breaks the window rules' steady line for
                // a while. Memory's sampled levels rise with garbage between
                // major GCs, so there the post-GC levels decide below.
                if self.live.is_empty() && baseline_still_rising(&self.policy, &self.points) {
                    *quiet_streak = 0;
                    return Step::Quiet;
                }
                *quiet_streak += 1;
                let quiet = *quiet_streak;
                if quiet >= min_points && !self.live_still_rising() {
                    self.restart_from_latest();
                    return Step::Ended;
                }
                if self.policy.confirm_after_full_gc && quiet % min_points == min_points / 2 {
                    Step::Verify
                } else {
                    Step::Quiet
                }
            }
            (
                Phase::Suspected {
                    trend: suspected,
                    first: Some(first),
                    samples_since_first,
                    ..
                },
                trend,
            ) => {
                let first_at = first.at_ms;
                // Waiting for the follow-up level: it is asked for once a
                // block has passed, and given up after a few blocks.
                *samples_since_first += 1;
                if let Some(trend) = trend {
                    suspected.points = trend.points;
                    suspected.latest = trend.latest;
                }
                let spanned = self
                    .history
                    .points()
                    .iter()
                    .filter(|p| p.at_ms >= suspected.start.at_ms)
                    .count();
                let block = (spanned.max(min_points) / floor::BLOCKS).max(1);
                // The follow-up is worth reading once the predicted growth
                // since the first level stands clear of the jitter.
                let since_ms = point.at_ms - first_at;
                let predicted = suspected.growth_per_minute / 60_000.0 * since_ms;
                let noise = jitter(self.history.points()).unwrap_or(0.0);
                let clear = predicted * live::CONTINUE_SHARE > live::NOISE_FACTOR * noise;
                if *samples_since_first > FOLLOW_UP_PATIENCE_BLOCKS * block.max(min_points / 2) {
                    self.phase = Phase::Watching;
                    Step::Quiet
                } else if *samples_since_first >= block && clear {
                    Step::Suspect
                } else {
                    Step::Quiet
                }
            }
            (_, Some(trend)) if self.policy.confirm_after_full_gc => {
                self.phase = Phase::Suspected {
                    trend,
                    first: None,
                    samples_since_first: 0,
                };
                Step::Suspect
            }
            (_, Some(trend)) => {
                self.phase = Phase::Leaking { quiet_streak: 0 };
                Step::Leak(trend)
            }
            (Phase::Suspected { .. }, None) => {
                self.phase = Phase::Watching;
                Step::Quiet
            }
            (Phase::Watching, None) if wants_live_level => Step::Verify,
            (Phase::Watching, None) => Step::Quiet,
        }
    }

    /// Hands a level read right after a full GC: a live size. Returns a leak
    /// it confirms:
    /// - a suspected trend whose growth this GC kept ([`LiveLevels::kept`])
    ///   and that still goes on: a live level read about a block of the
    ///   window earlier (V8's own GC, or the follow-up leakguard asks for)
    ///   is lower by half of what the trend predicts in between
    ///   ([`LiveLevels::goes_on`]);
    /// - or live levels that rise on their own over the required span
    ///   ([`LiveLevels::trend`]), and still rise at a follow-up level a block
    ///   later: a leak that garbage hides.
    ///
    /// A suspicion the GCs did not confirm was garbage, live data that comes
    /// and goes, or growth that has ended: the window starts again from this
    /// point.
    pub fn push_live(&mut self, point: Point) -> Option<Trend> {
        self.push_post_gc(point, true)
    }

    /// Hands a level read after a major GC V8 ran on its own: like
    /// [`Self::push_live`], but an upper bound (it keeps what was allocated
    /// while V8 marked), so live trends prefer the forced levels.
    pub fn push_collector_live(&mut self, point: Point) -> Option<Trend> {
        self.push_post_gc(point, false)
    }

    fn push_post_gc(&mut self, point: Point, forced: bool) -> Option<Trend> {
        let previous = self.live.push(point, forced)?;
        if !self.is_warm() || self.is_leaking() {
            return None;
        }
        if let Some(trend) = self.settle_suspicion(previous, point, forced) {
            self.phase = Phase::Leaking { quiet_streak: 0 };
            return Some(trend);
        }
        if !matches!(self.phase, Phase::Suspected { first: Some(_), .. }) {
            if let Some(trend) = self.live_trend().filter(|trend| {
                lasted_since(&self.history, trend.start.at_ms) >= self.policy.min_points
            }) {
                // Rising post-GC levels for `min_points` samples: a leak once
                // a follow-up level a block later shows the growth going on
                // (the block comes after the span, so a fill that stops
                // within it fails).
                self.phase = Phase::Suspected {
                    trend,
                    first: Some(point),
                    samples_since_first: 0,
                };
                return None;
            }
        }
        if matches!(self.phase, Phase::Suspected { first: None, .. }) {
            // Not kept: garbage, or live data that comes and goes.
            self.restart_from(point);
        }
        None
    }

    /// What a post-GC level says of the suspected trend: the trend to report
    /// when it confirms it; otherwise the phase is updated (waiting for a
    /// follow-up level, or back to watching).
    ///
    /// When forced GCs are allowed, the level that confirms must be a forced
    /// one: V8's own major GCs come at a cadence set by the allocation rate,
    /// and against a cache the application fills and clears on a timer,
    /// each would read it a little fuller than the last (forced pairs come
    /// at random gaps, see `GcBudget` in lib/gc.js).
    fn settle_suspicion(
        &mut self,
        previous: Option<Point>,
        point: Point,
        forced: bool,
    ) -> Option<Trend> {
        let may_confirm = forced || !self.policy.forced_gcs;
        let Phase::Suspected { trend, first, .. } = &mut self.phase else {
            return None;
        };
        let block_ms = (trend.latest.at_ms - trend.start.at_ms) / floor::BLOCKS as f64;
        let policy = self.policy;
        // The jitter two live levels are compared against: the live levels'
        // own (without their spikes) when there are enough of them, else the
        // sampled levels'.
        let live_since = self.live.judged_since(trend.start.at_ms, false);
        let noise = if live_since.len() >= 4 {
            jitter(&live_since)
        } else {
            jitter(self.history.points())
        }
        .unwrap_or(0.0);
        // The forced levels read since the trend began (from a block before
        // it) must agree, not only the one level compared with.
        let earlier_agree =
            self.live
                .mostly_below(trend, trend.start.at_ms - block_ms, block_ms, point, noise)
                && (!policy.judge_scatter
                    || self
                        .live
                        .forced_clear_of_scatter(trend.start.at_ms - block_ms));
        // Every report needs growth that lasted `min_points` samples and a
        // block more: a fill shorter than that ends before its follow-up.
        let lasted = lasted_since(&self.history, trend.start.at_ms);
        let long_enough =
            lasted + 1 >= policy.min_points + (policy.min_points / floor::BLOCKS).max(1);
        let confirmed = |trend: &Trend, rate: f64| {
            let mut trend = trend.clone();
            trend.growth_per_minute = trend.growth_per_minute.min(rate);
            trend.latest = point;
            trend
        };
        match *first {
            None => {
                let rate = LiveLevels::kept(&policy, trend, previous, point)?;
                // A live level read about a block ago can tell at once that
                // the growth goes on; otherwise a follow-up level decides. (A
                // level V8's own major GC left may hold garbage allocated
                // while it marked, so it never rejects on its own.)
                let recent = previous.filter(|p| {
                    let age = point.at_ms - p.at_ms;
                    age >= block_ms / 2.0 && age <= 2.0 * block_ms
                });
                match recent {
                    Some(p)
                        if long_enough
                            && earlier_agree
                            && LiveLevels::goes_on(&policy, trend, p, point, noise) =>
                    {
                        if may_confirm {
                            return Some(confirmed(trend, rate));
                        }
                        // V8's own level agrees: the forced follow-up, measured
                        // from the same earlier level, decides.
                        *first = Some(p);
                        None
                    }
                    _ => {
                        *first = Some(point);
                        None
                    }
                }
            }
            // Too soon after the first (a GC of V8's right after leakguard's).
            Some(a) if point.at_ms - a.at_ms < block_ms / 2.0 => None,
            // V8's own levels come at the allocation's cadence, in step with
            // a cache filled on a timer: when forced GCs are allowed, the
            // forced follow-up decides, either way.
            Some(_) if !may_confirm => None,
            Some(a) => {
                // From the first level, or from the trend's line at its time
                // when that is lower: one noisy level does not decide.
                let on_line = trend.start.value
                    + trend.growth_per_minute / 60_000.0 * (a.at_ms - trend.start.at_ms);
                let a = Point {
                    at_ms: a.at_ms,
                    value: a.value.min(on_line),
                };
                if !earlier_agree || !LiveLevels::goes_on(&policy, trend, a, point, noise) {
                    self.restart_from(point);
                    return None;
                }
                if !may_confirm || !long_enough {
                    return None;
                }
                let rate = (point.value - a.value) / (point.at_ms - a.at_ms) * 60_000.0;
                Some(confirmed(trend, rate.max(0.0)))
            }
        }
    }

    /// Starts the window again from `point`, a post-GC level.
    fn restart_from(&mut self, point: Point) {
        self.points.clear();
        self.points.push(point);
        self.phase = Phase::Watching;
    }

    /// Drops a trend without reporting it: the window starts again from its
    /// latest point.
    pub fn dismiss(&mut self) {
        self.restart_from_latest();
    }

    fn restart_from_latest(&mut self) {
        let latest = self.points.points().last().copied();
        self.points.clear();
        self.history.clear();
        if let Some(p) = latest {
            self.points.push(p);
            self.history.push(p);
        }
        if let Some(p) = latest {
            self.live.forget_before(p.at_ms);
        }
        self.phase = Phase::Watching;
    }

    /// A live trend over the whole kept span, else over the last
    /// `min_points` samples; none before `min_points` samples were seen.
    /// The sampled levels over the same span must rise too (Mann–Kendall,
    /// p < 0.025): post-GC levels of a steady process rarely line up, and
    /// then its sampled levels do not trend.
    fn live_trend(&self) -> Option<Trend> {
        let n = self.history.len();
        if n < self.policy.min_points {
            return None;
        }
        let spans = [
            self.history.points()[0].at_ms,
            self.history.points()[n - self.policy.min_points].at_ms,
        ];
        spans.iter().find_map(|&since| {
            let trend = self.live.trend(&self.policy, since, self.settled_at_ms)?;
            self.sampled_rise_since(trend.start.at_ms).then_some(trend)
        })
    }

    /// Whether a fresh post-GC level would tell more: the latest forced one
    /// is a block old, the sampled levels rise over the kept span (as a live trend
    /// needs them to), and the live levels since its start rise too: the
    /// last three in order, or the latest at a new high (over the second
    /// highest before it) with the recent live levels' rate reportable —
    /// from the second level on, so a suspicion the first post-GC level did
    /// not confirm (the sampled rate overstated) still gets its levels.
    /// Under heavy garbage V8's own major GCs can be tens of seconds apart,
    /// and under light garbage a slow leak may see none for minutes: asking
    /// while the levels rise finds such a leak sooner, and stops once they
    /// do not.
    fn wants_live_level(&self) -> bool {
        // Only a forced pair could answer (V8 runs its own when it will).
        if !self.policy.forced_gcs || self.settling_below_its_minimum() {
            return false;
        }
        let n = self.history.len();
        let block = (self.policy.min_points / floor::BLOCKS).max(1);
        if n < block {
            return false;
        }
        let recent = self.live.since(self.history.points()[0].at_ms);
        let k = recent.len();
        // Fresh means forced: the live trend is judged on the forced levels
        // alone, so V8's own, however frequent, do not stand in for them.
        let fresh_forced = self
            .live
            .latest_forced_at()
            .is_some_and(|at| at >= self.history.points()[n - block].at_ms);
        if k < 2 || fresh_forced {
            return false;
        }
        let latest = recent[k - 1];
        let three_rise = k >= 3
            && latest.value > recent[k - 2].value
            && recent[k - 2].value > recent[k - 3].value;
        // A new high over the forced levels before it, when there are any
        // (without their spikes): V8's own are inflated by what was
        // allocated while it marked.
        let forced_levels =
            live::without_spikes(self.live.forced_since(self.history.points()[0].at_ms));
        let forced: Vec<f64> = forced_levels
            .iter()
            .filter(|p| p.at_ms < latest.at_ms)
            .map(|p| p.value)
            .collect();
        let earlier: Vec<f64> = if forced.is_empty() {
            recent[..k - 1].iter().map(|p| p.value).collect()
        } else {
            forced
        };
        // ... and the levels from the one before the last `min_points`
        // samples on (the forced ones when there are two) rise at a
        // reportable rate, so a plateau that creeps after a fill stops the
        // asking.
        let judged = if forced_levels.len() >= 2 {
            &forced_levels
        } else {
            &recent
        };
        let span_start = self.history.points()[n.saturating_sub(self.policy.min_points)].at_ms;
        let first_in_span = judged
            .iter()
            .position(|p| p.at_ms >= span_start)
            .unwrap_or(judged.len() - 1);
        let last_span = &judged[first_in_span.saturating_sub(1)..];
        let new_high = latest.value > live::second_highest(&earlier)
            && last_span.len() >= 2
            && theil_sen(last_span).is_some_and(|fit| {
                self.policy
                    .rate_is_reportable(fit.per_minute(), latest.value)
            });
        (three_rise || new_high) && self.sampled_rise_since(self.history.points()[0].at_ms)
    }

    /// Whether the series still settles ([`Self::settling_goes_on`]) and
    /// its sampled levels have not grown by the settling minimum: no trend
    /// could be reported yet, so a forced GC would tell nothing.
    fn settling_below_its_minimum(&self) -> bool {
        match (self.history.points().first(), self.history.points().last()) {
            (Some(first), Some(last)) => {
                last.at_ms < self.settled_at_ms
                    && last.value - first.value < self.policy.least_settling_growth()
            }
            _ => false,
        }
    }

    /// Whether the sampled levels since `at_ms` rise (Mann–Kendall,
    /// p < 0.025) over the whole span. (Over its second half alone is not
    /// enough: a 1-s sawtooth was reported that way.)
    fn sampled_rise_since(&self, at_ms: f64) -> bool {
        self.history
            .mann_kendall_since(at_ms)
            .is_some_and(|mk| mk.z >= SAMPLED_AGREES_Z)
    }

    /// Whether the live levels of the last `min_points` samples still rise
    /// at a reportable rate (two or more of them).
    fn live_still_rising(&self) -> bool {
        let n = self.history.len();
        if n < self.policy.min_points {
            return false;
        }
        let since = self.history.points()[n - self.policy.min_points].at_ms;
        rises_reportably(&self.policy, &self.live.since(since))
    }

    /// The trend over the window, if there is one that passes every test.
    /// Windows ending now are tried from the longest down to `min_points`,
    /// so a leak that started late in a long quiet window is judged on its
    /// own stretch.
    fn evaluate(&self) -> Option<Trend> {
        let policy = self.policy;
        let n = self.points.len();
        if n < policy.min_points {
            return None;
        }
        let mut sizes = vec![n];
        let mut m = policy.min_points;
        while m < n {
            sizes.push(m);
            m *= 2;
        }
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        sizes
            .into_iter()
            .find_map(|m| window_trend(&policy, &self.points, m, self.settled_at_ms))
    }
}

#[cfg(test)]
pub(crate) mod tests;
