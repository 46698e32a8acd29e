//! The window rule: a trend over the latest baseline points that passes the
//! statistics, the rate thresholds, the floor rule and the continuation rule.

use crate::core::growth::continuation::still_rising;
use crate::core::growth::floor::{floor_rate, BLOCKS};
use crate::core::growth::scatter::clear_of_scatter;
use crate::core::growth::{GrowthPolicy, Trend};
use crate::core::trend::{mann_kendall, theil_sen, Point};

/// The trend over `points` (the most recent `BLOCKS`-multiple of them), if it
/// passes every test:
/// - a Mann–Kendall trend (z ≥ the policy's) and a reportable Theil–Sen rate;
/// - the rise stands clear of the points' scatter about their line
///   ([`clear_of_scatter`]);
/// - the floor rises from the first block to the last ([`floor_rate`]);
/// - the last block still rises at half the rate ([`still_rising`]).
///
/// `settled_at_ms` is when the series settled (see [`GrowthPolicy::total_is_reportable`]).
pub fn window_trend(policy: &GrowthPolicy, points: &[Point], settled_at_ms: f64) -> Option<Trend> {
    let block = points.len() / BLOCKS;
    if block == 0 {
        return None;
    }
    let points = &points[points.len() - block * BLOCKS..];
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
    if !policy.rate_is_reportable(growth_per_minute, level)
        || !policy.total_is_reportable(fit.slope_per_ms, first.at_ms, latest.at_ms, settled_at_ms)
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
