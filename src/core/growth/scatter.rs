//! The scatter rule: growth must stand clear of how far the levels stray
//! from their own line.
//!
//! The jitter the other rules use (the spread of successive differences)
//! measures fast noise only. Slow wander leaves levels far from any line
//! while each step between them is small: malloc's arenas grow and shrink
//! over tens of seconds, and a cache the application fills and clears on a
//! timer, read after full GCs at random phases, scatters over its whole
//! size. Over a short span either can add up to a rise. A leak's levels lie
//! on its line. So the rise the fitted line predicts over the span must
//! reach [`SCATTER_FACTOR`] times the levels' robust spread about that line.

use crate::core::trend::{Point, Residuals, TheilSen};

/// How many times the levels' spread about their line the rise over the
/// span must reach.
pub const SCATTER_FACTOR: f64 = 3.0;

/// Levels the rule needs before it judges: fewer say little of a spread.
pub const MIN_LEVELS: usize = 5;

/// The robust standard deviation of `points` about the line `fit`
/// ([`Residuals::robust_sd`]); `None` for no points.
pub fn spread_about(points: &[Point], fit: &TheilSen) -> Option<f64> {
    Residuals::about(points, fit).map(|r| r.robust_sd())
}

/// Whether the rise `fit` predicts from the first of `points` to the last
/// stands clear of their scatter about it ([`SCATTER_FACTOR`] times their
/// spread); true with fewer than [`MIN_LEVELS`] points.
pub fn clear_of_scatter(points: &[Point], fit: &TheilSen) -> bool {
    if points.len() < MIN_LEVELS {
        return true;
    }
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return true;
    };
    let rise = fit.slope_per_ms * (last.at_ms - first.at_ms);
    spread_about(points, fit).is_some_and(|spread| rise >= SCATTER_FACTOR * spread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::trend::theil_sen;

    fn points(f: impl Fn(usize) -> f64, n: usize) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                at_ms: i as f64 * 250.0,
                value: f(i),
            })
            .collect()
    }

    fn judged(f: impl Fn(usize) -> f64, n: usize) -> bool {
        let p = points(f, n);
        clear_of_scatter(&p, &theil_sen(&p).expect("a fit"))
    }

    #[test]
    fn a_line_with_small_noise_is_clear() {
        let noise = |i: usize| ((i * 7919) % 13) as f64 - 6.0;
        assert!(judged(|i| 1000.0 * i as f64 + 100.0 * noise(i), 44));
    }

    #[test]
    fn a_slow_wander_is_not() {
        // ±200 units over a period of 40 points, with a rise of 130 along it.
        let wander = |i: usize| 200.0 * (i as f64 * std::f64::consts::TAU / 40.0).sin();
        assert!(!judged(|i| 3.0 * i as f64 + wander(i), 44));
    }

    #[test]
    fn levels_scattered_over_a_cache_read_at_random_phases_are_not() {
        // Levels anywhere in 0–40 units with a drift of 4 over the span.
        let phase = |i: usize| ((i * 7919 + 13) % 41) as f64;
        assert!(!judged(|i| i as f64 * 0.4 + phase(i), 10));
    }

    #[test]
    fn too_few_levels_are_not_judged() {
        assert!(judged(|i| [0.0, 40.0, 3.0, 38.0][i], 4));
    }
}
