//! The floor rule: a leak raises the level memory returns to, from the
//! window's start to its end.
//!
//! The window is cut into six blocks; each block's lowest point is its floor.
//! No floor may be below the one before; most steps, the first among them,
//! must add a share of what the fitted rate predicts for a block, and the
//! floor's whole rise must stand clear of the noise. Memory freed again (a
//! cleared cache, a released burst, garbage a GC took) leaves a floor as low
//! as an earlier one; a single step rises once; a fill that began after the
//! window's first block does not rise in its first step.

use crate::core::trend::{jitter, Point};

/// Blocks a window is cut into.
pub const BLOCKS: usize = 6;

/// Share of a block's predicted growth a rising floor adds at least.
const MARGIN: f64 = 0.25;

/// Of the five steps between six floors, how many must rise.
const RISING_STEPS: usize = 3;

/// How many times the noise scale the floor must rise over the window.
const NOISE_FACTOR: f64 = 3.0;

/// No single step may carry more than this share of the floor's whole rise:
/// growth that lasted is spread over the window, a step is not.
const MAX_STEP_SHARE: f64 = 0.5;

/// The rate (per millisecond) at which the floor of `points` (a multiple of
/// [`BLOCKS`] long, in time order) rises, if it rises as a leak's does given
/// the fitted slope per millisecond.
pub fn floor_rate(points: &[Point], slope_per_ms: f64) -> Option<f64> {
    floor_rises(points, slope_per_ms).then(|| {
        let block = points.len() / BLOCKS;
        let floor = |c: &[Point]| c.iter().map(|p| p.value).fold(f64::INFINITY, f64::min);
        let (a, b) = (&points[..block], &points[points.len() - block..]);
        (floor(b) - floor(a)) / (b[0].at_ms - a[0].at_ms)
    })
}

/// The lowest level of each of the [`BLOCKS`] blocks of `points` (a
/// multiple of [`BLOCKS`] long); `None` for fewer than [`BLOCKS`] points.
fn floors(points: &[Point]) -> Option<[f64; BLOCKS]> {
    let block = points.len() / BLOCKS;
    if block == 0 {
        return None;
    }
    let mut floors = [f64::INFINITY; BLOCKS];
    for (floor, chunk) in floors.iter_mut().zip(points.chunks(block)) {
        *floor = chunk.iter().map(|p| p.value).fold(f64::INFINITY, f64::min);
    }
    Some(floors)
}

/// Whether `floors` keep the shape every rising floor has, whatever the
/// slope: none below the one before, and none a step of more than
/// [`MAX_STEP_SHARE`] of the whole rise.
fn floors_keep_their_shape(floors: &[f64; BLOCKS]) -> bool {
    let total = floors[BLOCKS - 1] - floors[0];
    floors.windows(2).all(|pair| {
        let step = pair[1] - pair[0];
        !(step < 0.0 || step > MAX_STEP_SHARE * total)
    })
}

/// Whether the floor of `points` (a multiple of [`BLOCKS`] long) could rise
/// at some slope: a test that needs no fitted line, so a window whose floor
/// falls or jumps once is settled before any is fitted.
pub fn floor_may_rise(points: &[Point]) -> bool {
    floors(points).is_some_and(|floors| floors_keep_their_shape(&floors))
}

/// Whether the floor of `points` rises as a leak's does.
fn floor_rises(points: &[Point], slope_per_ms: f64) -> bool {
    if slope_per_ms <= 0.0 {
        return false;
    }
    let Some(floors) = floors(points) else {
        return false;
    };
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return false;
    };
    let block_ms = (last.at_ms - first.at_ms) / BLOCKS as f64;
    let per_block = slope_per_ms * block_ms;
    if !floors_keep_their_shape(&floors) {
        return false;
    }
    let total = floors[BLOCKS - 1] - floors[0];
    let mut rising = 0;
    let mut rising_lately = false;
    for (i, pair) in floors.windows(2).enumerate() {
        let step = pair[1] - pair[0];
        let rises = step >= MARGIN * per_block;
        // The growth lasted the whole window: it was under way in the first step.
        if i == 0 && !rises {
            return false;
        }
        if rises {
            rising += 1;
            rising_lately |= i >= BLOCKS - 3;
        }
    }
    if rising < RISING_STEPS || !rising_lately || total < 0.5 * per_block * (BLOCKS - 1) as f64 {
        return false;
    }
    jitter(points).is_some_and(|noise| total >= NOISE_FACTOR * noise)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(f: impl Fn(usize) -> f64, n: usize) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                at_ms: i as f64 * 250.0,
                value: f(i),
            })
            .collect()
    }

    const SLOPE: f64 = 1.0 / 250.0;

    #[test]
    fn a_line_rises() {
        assert!(floor_rises(&series(|i| i as f64, 54), SLOPE));
    }

    #[test]
    fn a_staircase_rises() {
        // A step of 6 every 6 points: 1 a point on average.
        assert!(floor_rises(&series(|i| (i / 6 * 6) as f64, 54), SLOPE));
    }

    #[test]
    fn a_drop_anywhere_fails() {
        assert!(!floor_rises(
            &series(|i| if i == 40 { 0.0 } else { i as f64 }, 54),
            SLOPE
        ));
    }

    #[test]
    fn a_fill_that_began_late_fails_its_first_step() {
        // Flat for 10 points, then rising.
        assert!(!floor_rises(
            &series(|i| i.saturating_sub(10) as f64, 54),
            SLOPE
        ));
    }

    #[test]
    fn a_plateau_rises_too_little_lately() {
        assert!(!floor_rises(&series(|i| i.min(20) as f64, 54), SLOPE));
    }

    #[test]
    fn noise_larger_than_the_rise_fails() {
        let wobble = |i: usize| crate::core::growth::tests::noise(i) * 40.0;
        assert!(!floor_rises(
            &series(|i| i as f64 * 0.5 + wobble(i), 54),
            SLOPE * 0.5
        ));
    }

    #[test]
    fn one_early_step_then_a_flat_noisy_level_fails() {
        let wobble = |i: usize| crate::core::growth::tests::noise(i) * 2.0;
        let level = |i: usize| if i < 5 { i as f64 * 100.0 } else { 500.0 } + wobble(i);
        assert!(!floor_rises(&series(level, 54), SLOPE * 0.5));
    }

    #[test]
    fn the_floor_rate_of_a_line_is_its_slope() {
        let rate = floor_rate(&series(|i| i as f64, 54), SLOPE).unwrap();
        assert!((rate - SLOPE).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn a_floor_that_rises_at_some_slope_keeps_its_shape() {
        // Lines, staircases, plateaus and noise at several slopes: wherever
        // the full rule finds a rising floor, the test without a slope
        // agrees, and it turns away a falling floor and a single jump.
        let shapes: [&dyn Fn(usize) -> f64; 6] = [
            &|i| i as f64 * 10.0,
            &|i| (i / 8) as f64 * 80.0,
            &|i| (i.min(30)) as f64 * 10.0,
            &|i| i as f64 * 10.0 + ((i * 7919) % 13) as f64 * 9.0,
            &|i| ((i * 104_729) % 17) as f64,
            &|i| 1000.0 - i as f64,
        ];
        let mut rising = 0;
        for shape in shapes {
            for n in [6, 12, 48, 60] {
                let p = series(shape, n);
                for slope in [0.001, 0.01, 0.1, 1.0, 10.0] {
                    if floor_rate(&p, slope).is_some() {
                        rising += 1;
                        assert!(floor_may_rise(&p), "{n} points at slope {slope}");
                    }
                }
            }
        }
        assert!(rising > 10, "the sweep found only {rising} rising floors");
        // A floor that holds level for one step and rises in the others
        // still rises, and keeps its shape: a flat step is no fall.
        let floors = [0.0, 100.0, 200.0, 200.0, 300.0, 400.0];
        let flat_step = series(|i| floors[i / 8] + (i % 8) as f64, 48);
        assert!(floor_rate(&flat_step, 100.0 / (47.0 * 250.0 / 6.0)).is_some());
        assert!(floor_may_rise(&flat_step));
        assert!(!floor_may_rise(&series(|i| 1000.0 - i as f64, 48)));
        assert!(!floor_may_rise(&series(
            |i| if i < 30 { 0.0 } else { 500.0 },
            48
        )));
        assert!(!floor_may_rise(&series(|i| i as f64, 5)));
    }

    #[test]
    fn too_short_or_falling_slopes_fail() {
        assert!(!floor_rises(&series(|i| i as f64, 5), SLOPE));
        assert!(!floor_rises(&series(|i| i as f64, 54), -SLOPE));
    }
}
