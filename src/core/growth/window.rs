//! The window rule: a trend over the latest baseline points that passes the
//! statistics, the rate thresholds, the floor rule and the continuation rule.

use crate::core::growth::continuation::still_rising;
use crate::core::growth::floor::{floor_may_rise, floor_rate, BLOCKS};
use crate::core::growth::scatter::clear_of_scatter;
use crate::core::growth::series::Series;
use crate::core::growth::{GrowthPolicy, Trend};
use crate::core::trend::theil_sen;

/// The trend over the latest `len` points of `series` (the most recent
/// `BLOCKS`-multiple of them), if it passes every test:
/// - a Mann–Kendall trend (z ≥ the policy's) and a reportable Theil–Sen rate;
/// - the rise stands clear of the points' scatter about their line
///   ([`clear_of_scatter`]);
/// - the floor rises from the first block to the last ([`floor_rate`]);
/// - the last block still rises at half the rate ([`still_rising`]).
///
/// `settled_at_ms` is when the series settled (see [`GrowthPolicy::total_is_reportable`]).
///
/// The Mann–Kendall test is read from the series' sums, and the series'
/// count of steep slopes turns away a window whose slope cannot be
/// reported: the series must be made with this policy's
/// `min_growth_per_minute` (as `GrowthDetector` makes its own). The rest
/// runs only on a window these pass.
pub(crate) fn window_trend(
    policy: &GrowthPolicy,
    series: &Series,
    len: usize,
    settled_at_ms: f64,
) -> Option<Trend> {
    let block = len.min(series.len()) / BLOCKS;
    if block == 0 {
        return None;
    }
    let from = series.len() - block * BLOCKS;
    let points = &series.points()[from..];
    let mk = series.mann_kendall_from(from)?;
    // Tests that need no fitted line first: a quiet window ends here.
    if mk.z < policy.min_z || !series.may_rise_reportably_from(from) || !floor_may_rise(points) {
        return None;
    }
    let fit = theil_sen(points)?;
    let growth_per_minute = fit.per_minute();
    let latest = *points.last()?;
    let level = fit.value_at(latest.at_ms).max(latest.value);
    if !policy.rate_is_reportable(growth_per_minute, level)
        || !policy.total_is_reportable(points, &fit, settled_at_ms)
        || (policy.judge_scatter && !clear_of_scatter(points, &fit))
    {
        return None;
    }
    // The tail must keep half of the rate the window shows, taken as the
    // larger of the fitted slope and the floor's own rise.
    let floor = floor_rate(points, fit.slope_per_ms)?;
    if !still_rising(points, block, fit.slope_per_ms.max(floor)) {
        return None;
    }
    Trend::fitted(&mk, &fit, points.to_vec())
}
