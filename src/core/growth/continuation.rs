//! The continuation rule: growth that goes on now, at a rate consistent with
//! the whole window.
//!
//! The tail (the window's last block, at least [`MIN_TAIL`] points) must rise
//! on its own: its Theil–Sen slope and the rise from the median of its first
//! three points to the median of its last three each reach [`SHARE`] of what
//! the window's rate predicts. A warm-up that ended or a cache that reached
//! its cap is flat there, however steep it was before.

use crate::core::trend::{median, theil_sen, Point};

/// Points in the tail at least.
pub const MIN_TAIL: usize = 8;

/// Share of the window's rate the tail must keep.
const SHARE: f64 = 0.5;

/// Whether `points` still rise in their last `tail` points at `SHARE` of
/// `slope_per_ms`.
pub fn still_rising(points: &[Point], tail: usize, slope_per_ms: f64) -> bool {
    let tail = tail.max(MIN_TAIL);
    if points.len() < tail || slope_per_ms <= 0.0 {
        return false;
    }
    let tail = &points[points.len() - tail..];
    let Some(fit) = theil_sen(tail) else {
        return false;
    };
    if fit.slope_per_ms < SHARE * slope_per_ms {
        return false;
    }
    let (head, end) = (&tail[..3], &tail[tail.len() - 3..]);
    let level = |ps: &[Point]| median(&mut ps.iter().map(|p| p.value).collect::<Vec<_>>());
    let (Some(from), Some(to)) = (level(head), level(end)) else {
        return false;
    };
    let elapsed = end[1].at_ms - head[1].at_ms;
    elapsed > 0.0 && to - from >= SHARE * slope_per_ms * elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(f: impl Fn(usize) -> f64, n: usize) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                at_ms: i as f64 * 1000.0,
                value: f(i),
            })
            .collect()
    }

    const SLOPE: f64 = 1.0 / 1000.0;

    #[test]
    fn a_line_still_rises() {
        assert!(still_rising(&series(|i| i as f64, 54), 9, SLOPE));
    }

    #[test]
    fn a_series_flat_for_its_last_six_points_does_not() {
        assert!(!still_rising(&series(|i| i.min(47) as f64, 54), 9, SLOPE));
    }

    #[test]
    fn a_tail_at_a_third_of_the_rate_does_not() {
        let f = |i: usize| {
            if i < 45 {
                i as f64
            } else {
                45.0 + (i - 45) as f64 / 3.0
            }
        };
        assert!(!still_rising(&series(f, 54), 9, SLOPE));
    }

    #[test]
    fn a_slowing_leak_at_two_thirds_of_the_rate_still_rises() {
        let f = |i: usize| {
            if i < 45 {
                i as f64
            } else {
                45.0 + (i - 45) as f64 * 2.0 / 3.0
            }
        };
        assert!(still_rising(&series(f, 54), 9, SLOPE));
    }

    #[test]
    fn short_series_and_non_positive_slopes_do_not() {
        assert!(!still_rising(&series(|i| i as f64, 4), 9, SLOPE));
        assert!(!still_rising(&series(|i| i as f64, 54), 9, 0.0));
    }
}
