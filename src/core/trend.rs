//! Robust trend statistics: the Mann–Kendall monotonic-trend test and the
//! Theil–Sen slope estimator.
//!
//! Both are rank based, so a single spike (a burst, a GC that ran late) moves
//! them far less than it moves a least-squares fit.

/// One observation of a time series: a time in milliseconds and a value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Milliseconds on any monotonic clock shared by the series.
    pub at_ms: f64,
    /// The observed value (bytes, or a count).
    pub value: f64,
}

/// Result of the Mann–Kendall test on a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannKendall {
    /// The S statistic: concordant minus discordant pairs.
    pub s: f64,
    /// Standardised S, corrected for ties and continuity.
    pub z: f64,
    /// One-sided p-value for an *increasing* trend.
    pub p_increasing: f64,
}

/// Mann–Kendall test over `values` in time order.
///
/// Returns `None` for fewer than three values or a series with no variance
/// (every value tied), where no trend can be judged.
pub fn mann_kendall(values: &[f64]) -> Option<MannKendall> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let mut s = 0i64;
    for i in 0..n - 1 {
        let vi = values[i];
        for &vj in &values[i + 1..] {
            s += pair_sign(vi, vj);
        }
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0i64;
    let mut run = 1i64;
    for i in 1..=sorted.len() {
        if i < sorted.len() && sorted[i] == sorted[i - 1] {
            run += 1;
            continue;
        }
        ties += tie_term(run);
        run = 1;
    }
    MannKendall::from_sums(n, s, ties)
}

/// The sign a later value `later` gives the pair it makes with an earlier
/// `earlier`: +1 when it is higher, -1 when lower, 0 when tied.
pub fn pair_sign(earlier: f64, later: f64) -> i64 {
    match later.partial_cmp(&earlier) {
        Some(std::cmp::Ordering::Greater) => 1,
        Some(std::cmp::Ordering::Less) => -1,
        _ => 0,
    }
}

/// A group of `t` tied values' share of the S variance, ×18:
/// `t(t−1)(2t+5)` (zero for a value that is not tied).
pub fn tie_term(t: i64) -> i64 {
    t * (t - 1) * (2 * t + 5)
}

impl MannKendall {
    /// The test over `n` values whose S statistic is `s` and whose tie
    /// groups' [`tie_term`]s sum to `ties`: what [`mann_kendall`] computes,
    /// for callers that keep these sums as points come and go (see
    /// `growth::series::Series`). `None` as there.
    pub fn from_sums(n: usize, s: i64, ties: i64) -> Option<MannKendall> {
        if n < 3 {
            return None;
        }
        let nf = n as f64;
        // Every term is an integer far below 2^53, so the sum is exact in
        // f64 whichever order it is taken in.
        let variance = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties as f64) / 18.0;
        if variance <= 0.0 || !variance.is_finite() {
            return None;
        }
        let s = s as f64;
        let z = if s > 0.0 {
            (s - 1.0) / variance.sqrt()
        } else if s < 0.0 {
            (s + 1.0) / variance.sqrt()
        } else {
            0.0
        };
        Some(MannKendall {
            s,
            z,
            p_increasing: upper_tail_probability(z),
        })
    }
}

/// A fitted robust line: `value ≈ intercept + slope_per_ms × at_ms`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TheilSen {
    /// Median of pairwise slopes, in value units per millisecond.
    pub slope_per_ms: f64,
    /// Median of `value - slope × at_ms`.
    pub intercept: f64,
}

impl TheilSen {
    /// The fitted value at `at_ms`.
    pub fn value_at(&self, at_ms: f64) -> f64 {
        self.intercept + self.slope_per_ms * at_ms
    }

    /// The slope as a rate a minute (units a minute).
    pub fn per_minute(&self) -> f64 {
        self.slope_per_ms * 60_000.0
    }
}

/// Theil–Sen fit over `points`; `None` with fewer than two distinct times or
/// when the result is not finite.
pub fn theil_sen(points: &[Point]) -> Option<TheilSen> {
    let mut slopes = Vec::with_capacity(points.len() * points.len().saturating_sub(1) / 2);
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            let dt = b.at_ms - a.at_ms;
            if dt != 0.0 {
                let slope = (b.value - a.value) / dt;
                if slope.is_finite() {
                    slopes.push(slope);
                }
            }
        }
    }
    let slope_per_ms = median(&mut slopes)?;
    let mut offsets: Vec<f64> = points
        .iter()
        .map(|p| p.value - slope_per_ms * p.at_ms)
        .filter(|v| v.is_finite())
        .collect();
    let intercept = median(&mut offsets)?;
    Some(TheilSen {
        slope_per_ms,
        intercept,
    })
}

/// Median of `values` (reordered in place); `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (_, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values[..mid]
        .iter()
        .copied()
        .max_by(f64::total_cmp)
        .unwrap_or(upper);
    Some((lower + upper) / 2.0)
}

/// How `points` stray from a fitted line: each point's residual, their
/// median and their median absolute deviation about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Residuals {
    /// `value - line(at_ms)` for each point, in order.
    pub values: Vec<f64>,
    /// The residuals' median.
    pub centre: f64,
    /// The median absolute deviation of the residuals about `centre`.
    pub mad: f64,
}

impl Residuals {
    /// The residuals of `points` about `fit`; `None` for no points.
    pub fn about(points: &[Point], fit: &TheilSen) -> Option<Residuals> {
        let values: Vec<f64> = points
            .iter()
            .map(|p| p.value - fit.value_at(p.at_ms))
            .collect();
        let centre = median(&mut values.clone())?;
        let mut deviations: Vec<f64> = values.iter().map(|r| (r - centre).abs()).collect();
        let mad = median(&mut deviations)?;
        Some(Residuals {
            values,
            centre,
            mad,
        })
    }

    /// The robust standard deviation: 1.4826 × the median absolute
    /// deviation (the standard deviation, for normal noise).
    pub fn robust_sd(&self) -> f64 {
        1.4826 * self.mad
    }
}

/// The jitter of a series: the median absolute deviation of its successive
/// differences (zero for a line or a clean staircase, the noise for a noisy
/// level). `None` for fewer than two points.
pub fn jitter<'a>(points: impl IntoIterator<Item = &'a Point>) -> Option<f64> {
    let mut last: Option<f64> = None;
    let mut diffs = Vec::new();
    for p in points {
        if let Some(prev) = last {
            diffs.push(p.value - prev);
        }
        last = Some(p.value);
    }
    let typical = median(&mut diffs.clone())?;
    for d in &mut diffs {
        *d = (*d - typical).abs();
    }
    median(&mut diffs)
}

/// P(Z > z) for a standard normal Z.
fn upper_tail_probability(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' Chebyshev fit,
/// relative error below 1.2e-7 everywhere).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[f64]) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Point {
                at_ms: i as f64 * 1000.0,
                value,
            })
            .collect()
    }

    #[test]
    fn residuals_about_a_line_and_their_robust_spread() {
        // On the line 10 + 2 a second (points 1 s apart) but for ±1 noise and one outlier of +100.
        let noise = [1.0, -1.0, 1.0, -1.0, 100.0, 1.0, -1.0];
        let points = series(
            &noise
                .iter()
                .enumerate()
                .map(|(i, n)| 10.0 + 2.0 * i as f64 + n)
                .collect::<Vec<_>>(),
        );
        let fit = TheilSen {
            slope_per_ms: 0.002,
            intercept: 10.0,
        };
        let r = Residuals::about(&points, &fit).expect("points");
        assert_eq!(r.values, noise.to_vec());
        assert_eq!(r.centre, 1.0);
        // Deviations about 1: 0, 2, 0, 2, 99, 0, 2 — median 2; the outlier moves nothing.
        assert_eq!(r.mad, 2.0);
        assert!((r.robust_sd() - 2.9652).abs() < 1e-9);
        assert!(Residuals::about(&[], &fit).is_none());
    }

    #[test]
    fn mann_kendall_sees_a_rising_series() {
        let values: Vec<f64> = (0..30).map(|i| i as f64 * 10.0).collect();
        let mk = mann_kendall(&values).unwrap();
        assert_eq!(mk.s, 435.0);
        assert!(mk.z > 6.0, "z = {}", mk.z);
        assert!(mk.p_increasing < 1e-6);
    }

    #[test]
    fn mann_kendall_is_quiet_on_alternating_noise() {
        let values: Vec<f64> = (0..40)
            .map(|i| if i % 2 == 0 { 5.0 } else { 7.0 })
            .collect();
        let mk = mann_kendall(&values).unwrap();
        assert!(mk.z.abs() < 1.0, "z = {}", mk.z);
    }

    #[test]
    fn mann_kendall_refuses_constant_and_short_series() {
        assert!(mann_kendall(&[1.0, 1.0, 1.0, 1.0]).is_none());
        assert!(mann_kendall(&[1.0, 2.0]).is_none());
    }

    #[test]
    fn tie_correction_lowers_the_variance() {
        let tied = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0];
        let distinct = [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5];
        let a = mann_kendall(&tied).unwrap();
        let b = mann_kendall(&distinct).unwrap();
        assert!(a.s < b.s);
        assert!(a.z > 0.0 && b.z > 0.0);
    }

    #[test]
    fn theil_sen_ignores_an_outlier() {
        let mut values: Vec<f64> = (0..20).map(|i| 100.0 + 2.0 * i as f64).collect();
        values[10] = 10_000.0;
        let fit = theil_sen(&series(&values)).unwrap();
        assert!((fit.slope_per_ms * 1000.0 - 2.0).abs() < 1e-9);
        assert!((fit.value_at(0.0) - 100.0).abs() < 1e-6);
    }

    #[test]
    fn jitter_of_a_line_is_zero_and_of_noise_its_scale() {
        let line = series(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(jitter(&line), Some(0.0));
        let noisy = series(&[0.0, 2.0, 0.0, 2.0, 0.0, 2.0, 0.0]);
        assert_eq!(jitter(&noisy), Some(2.0));
        assert_eq!(jitter(&series(&[1.0])), None);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn normal_tail_matches_known_values() {
        assert!((upper_tail_probability(0.0) - 0.5).abs() < 1e-7);
        assert!((upper_tail_probability(1.959_964) - 0.025).abs() < 1e-6);
        assert!((upper_tail_probability(-1.959_964) - 0.975).abs() < 1e-6);
    }
}
