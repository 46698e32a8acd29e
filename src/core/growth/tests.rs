//! The detector on synthetic series, each rule on parameter sweeps.

use super::*;

pub(crate) const MIB: f64 = 1024.0 * 1024.0;
pub(crate) const KIB: f64 = 1024.0;
const STEP_MS: f64 = 250.0;

/// The defaults of a memory kind, in samples: warm-up 6, a span of 54.
pub(crate) fn policy(confirm: bool) -> GrowthPolicy {
    GrowthPolicy {
        warmup_points: 8,
        min_points: 44,
        max_points: 240,
        min_z: TREND_MIN_Z,
        min_growth_per_minute: 128.0 * KIB,
        min_relative_growth_per_hour: 0.1,
        confirm_after_full_gc: confirm,
        forced_gcs: confirm,
        judge_scatter: true,
        min_total_growth: 128.0 * KIB,
        settling_min_total_growth: 0.0,
        settling_min_steady_growth: 0.0,
    }
}

/// Deterministic pseudo-random noise in [-1, 1).
pub(crate) fn noise(i: usize) -> f64 {
    let mut x = (i as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x % 2_000_000) as f64 / 1_000_000.0 - 1.0
}

fn at(i: usize) -> f64 {
    i as f64 * STEP_MS
}

/// Feeds `f(i)` at 250 ms steps; returns the sample index of the first leak.
fn first_leak(detector: &mut GrowthDetector, n: usize, f: impl Fn(usize) -> f64) -> Option<usize> {
    (0..n).find(|&i| {
        matches!(
            detector.push(Point {
                at_ms: at(i),
                value: f(i),
            }),
            Step::Leak(_)
        )
    })
}

/// Like `first_leak` for a confirming detector: every suspicion gets the
/// post-GC level `live(i)`.
fn first_confirmed(
    detector: &mut GrowthDetector,
    n: usize,
    level: impl Fn(usize) -> f64,
    live: impl Fn(usize) -> f64,
) -> Option<usize> {
    (0..n).find(|&i| {
        let step = detector.push(Point {
            at_ms: at(i),
            value: level(i),
        });
        match step {
            Step::Leak(_) => true,
            Step::Suspect | Step::Verify => detector
                .push_live(Point {
                    at_ms: at(i) + 1.0,
                    value: live(i),
                })
                .is_some(),
            _ => false,
        }
    })
}

#[test]
fn steady_leaks_of_every_rate_are_reported_within_sixty_samples() {
    // 5 KB/s to 5 MB/s on a 30 MiB level, with noise of a tenth of a
    // sample's growth up to 64 KiB.
    for rate_per_s in [5e3, 2e4, 1e5, 1e6, 5e6] {
        let per_sample = rate_per_s * STEP_MS / 1000.0;
        for amplitude in [0.0, 0.5, 2.0] {
            let mut d = GrowthDetector::new(policy(false));
            let jitter = (per_sample * amplitude).min(64.0 * KIB);
            let found = first_leak(&mut d, 400, |i| {
                30.0 * MIB + i as f64 * per_sample + noise(i) * jitter
            });
            let i = found.unwrap_or_else(|| panic!("{rate_per_s} B/s, noise {amplitude}: missed"));
            assert!(
                i < 60 || (rate_per_s < 2e4 && i < 240),
                "{rate_per_s} B/s, noise {amplitude}: sample {i}"
            );
        }
    }
}

#[test]
fn a_slow_leak_under_noise_is_reported_within_two_hundred_forty_samples() {
    // 5 KB/s on a 40 MiB heap with ±32 KiB of noise: 60 s at 250 ms.
    let mut d = GrowthDetector::new(policy(false));
    let per_sample = 5e3 * STEP_MS / 1000.0;
    let found = first_leak(&mut d, 400, |i| {
        40.0 * MIB + i as f64 * per_sample + noise(i) * 32.0 * KIB
    });
    assert!(found.is_some_and(|i| i < 240), "{found:?}");
}

#[test]
fn staircase_leaks_are_reported() {
    // The old generation grows in steps when scavenges are seconds apart.
    for every in [2, 4, 8, 12] {
        let mut d = GrowthDetector::new(policy(false));
        let found = first_leak(&mut d, 400, |i| {
            20.0 * MIB + (i / every * every) as f64 * 50.0 * KIB
        });
        assert!(
            found.is_some_and(|i| i < 60 + 2 * every),
            "every {every}: {found:?}"
        );
    }
}

#[test]
fn fills_up_to_forty_samples_stay_quiet() {
    // Warm-ups and caches that fill from the start, 10 to 40 samples long,
    // and fills that begin later, up to 36 samples, small and large, with
    // and without noise.
    let cases = [10, 20, 30, 36, 40]
        .into_iter()
        .map(|length| (length, 0))
        .chain(
            [10, 20, 30, 36]
                .into_iter()
                .flat_map(|length| [6, 20, 47, 80].map(|start| (length, start))),
        );
    for (length, start) in cases {
        {
            for total in [2.0 * MIB, 30.0 * MIB] {
                for jitter in [0.0, 16.0 * KIB] {
                    let level = |i: usize| {
                        let filled = i.saturating_sub(start).min(length) as f64 / length as f64;
                        20.0 * MIB + filled * total + noise(i) * jitter
                    };
                    // As memory is judged: suspicions are settled by post-GC
                    // levels (here without garbage, the sampled level itself).
                    let mut d = GrowthDetector::new(policy(true));
                    assert_eq!(
                        first_confirmed(&mut d, 600, level, level),
                        None,
                        "fill of {length} samples from {start}, {total} B, noise {jitter}"
                    );
                }
            }
        }
    }
}

#[test]
fn fills_that_decelerate_to_their_cap_stay_quiet() {
    // An LRU filling with a decaying rate (a cache whose hit rate rises).
    for tau in [4.0, 8.0, 12.0] {
        let mut d = GrowthDetector::new(policy(true));
        let level = |i: usize| 10.0 * MIB + 20.0 * MIB * (1.0 - (-(i as f64) / tau).exp());
        assert_eq!(
            first_confirmed(&mut d, 600, level, level),
            None,
            "tau {tau}"
        );
    }
}

#[test]
fn sawtooth_caches_cleared_every_one_to_eight_seconds_stay_quiet() {
    for period in [4, 8, 16, 24, 32] {
        for total in [5.0 * MIB, 40.0 * MIB] {
            let mut d = GrowthDetector::new(policy(true));
            let level = |i: usize| 30.0 * MIB + (i % period) as f64 / period as f64 * total;
            // A full GC lands anywhere in the cycle.
            let live = |i: usize| 30.0 * MIB + ((i + 7) % period) as f64 / period as f64 * total;
            assert_eq!(
                first_confirmed(&mut d, 1200, level, live),
                None,
                "period {period}, {total} B"
            );
        }
    }
}

#[test]
fn flat_noise_and_released_bursts_stay_quiet() {
    let mut d = GrowthDetector::new(policy(false));
    assert_eq!(
        first_leak(&mut d, 2000, |i| 30.0 * MIB + noise(i) * 2.0 * MIB),
        None
    );
    let mut d = GrowthDetector::new(policy(true));
    let burst = |i: usize| if i % 12 < 3 { 20.0 * MIB } else { 0.0 };
    let found = first_confirmed(
        &mut d,
        1200,
        |i| 40.0 * MIB + burst(i),
        |i| 40.0 * MIB + noise(i) * 256.0 * KIB,
    );
    assert_eq!(found, None);
}

#[test]
fn a_single_step_is_not_a_trend() {
    let mut d = GrowthDetector::new(policy(false));
    let level = |i: usize| if i < 60 { 10.0 * MIB } else { 30.0 * MIB } + noise(i) * 128.0 * KIB;
    assert_eq!(first_leak(&mut d, 600, level), None);
}

#[test]
fn a_leak_that_starts_late_in_a_long_quiet_window_is_found_on_its_own_stretch() {
    let mut d = GrowthDetector::new(policy(false));
    let level =
        |i: usize| 30.0 * MIB + i.saturating_sub(200) as f64 * 100.0 * KIB + noise(i) * 32.0 * KIB;
    let found = first_leak(&mut d, 400, level).expect("reported");
    // The growth must have lasted most of the 48-sample span.
    assert!((236..260).contains(&found), "reported at {found}");
}

#[test]
fn growth_under_the_thresholds_is_quiet() {
    // 64 KiB/min: a real trend, under the 128 KiB/min floor.
    let mut d = GrowthDetector::new(policy(false));
    assert_eq!(
        first_leak(&mut d, 1000, |i| 10.0 * MIB + i as f64 * 64.0 * KIB / 240.0),
        None
    );
    // 1 MiB/min on a 4 GiB level: 1.5 % an hour, under the 10 % floor.
    let mut d = GrowthDetector::new(policy(false));
    assert_eq!(
        first_leak(&mut d, 1000, |i| 4096.0 * MIB + i as f64 * MIB / 240.0),
        None
    );
}

#[test]
fn garbage_values_never_make_a_verdict_or_panic() {
    let mut d = GrowthDetector::new(policy(true));
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
        assert!(d
            .push_live(Point {
                at_ms: i as f64 + 0.5,
                value
            })
            .is_none());
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
    // Huge values may or may not be judged, but never panic.
    let _ = first_leak(&mut GrowthDetector::new(policy(false)), 200, |i| {
        1e300 * (i as f64 + 1.0)
    });
    assert!(
        first_leak(&mut GrowthDetector::new(policy(false)), 200, |i| 1e15
            + i as f64 * 1e12)
        .is_some()
    );
}

#[test]
fn a_suspicion_the_full_gc_takes_away_is_dropped() {
    let mut d = GrowthDetector::new(policy(true));
    let found = (0..200).find(|&i| {
        d.push(Point {
            at_ms: at(i),
            value: 20.0 * MIB + i as f64 * 100.0 * KIB,
        }) == Step::Suspect
    });
    let i = found.expect("suspected");
    // The full GC took the level back to where it started: garbage.
    assert!(d
        .push_live(Point {
            at_ms: at(i) + 1.0,
            value: 20.0 * MIB
        })
        .is_none());
    assert!(!d.is_suspected() && !d.is_leaking());
    assert_eq!(d.points().count(), 1);
}

#[test]
fn growth_a_full_gc_keeps_and_a_follow_up_sees_going_on_is_a_leak_with_its_rate() {
    let mut d = GrowthDetector::new(policy(true));
    let live = |t: f64| 20.0 * MIB + t / 1000.0 * 400.0 * KIB;
    let mut levels_asked = Vec::new();
    let mut reported = None;
    for i in 0..200 {
        let step = d.push(Point {
            at_ms: at(i),
            value: live(at(i)) + noise(i) * 16.0 * KIB,
        });
        if step == Step::Suspect {
            levels_asked.push(i);
            if let Some(trend) = d.push_live(Point {
                at_ms: at(i) + 1.0,
                value: live(at(i) + 1.0),
            }) {
                reported = Some(trend);
                break;
            }
        }
    }
    let trend = reported.expect("confirmed");
    let last = *levels_asked.last().unwrap();
    assert!(
        (2..=3).contains(&levels_asked.len()),
        "the first level and its follow-up: {levels_asked:?}"
    );
    assert!(
        levels_asked[1] - levels_asked[0] >= 7,
        "a block later: {levels_asked:?}"
    );
    assert!(last <= 62, "reported at sample {last}");
    let real = 400.0 * KIB * 60.0;
    assert!(
        (trend.growth_per_minute - real).abs() / real < 0.1,
        "{}",
        trend.growth_per_minute
    );
}

#[test]
fn growth_that_ended_before_the_follow_up_is_not_a_leak() {
    // Suspected while still rising; flat from then on.
    let mut d = GrowthDetector::new(policy(true));
    let mut stopped_at = None;
    for i in 0..400 {
        let level = 20.0 * MIB + (stopped_at.unwrap_or(i).min(i) as f64) * 100.0 * KIB;
        let step = d.push(Point {
            at_ms: at(i),
            value: level,
        });
        assert!(!matches!(step, Step::Leak(_)));
        if step == Step::Suspect {
            stopped_at.get_or_insert(i);
            assert!(
                d.push_live(Point {
                    at_ms: at(i) + 1.0,
                    value: level
                })
                .is_none(),
                "confirmed at {i}"
            );
        }
    }
    assert!(stopped_at.is_some());
}

#[test]
fn leaks_under_heavy_garbage_are_found_by_the_post_gc_levels() {
    // 50 to 100 KB/s kept under 1 to 2 MB/s of garbage promoted between
    // major GCs every 2 to 4 s: the sampled levels are a sawtooth whose
    // floor the window never sees rise cleanly; the post-GC levels rise.
    for (kept, garbage, gc_every) in [(50e3, 1e6, 8), (100e3, 2e6, 16), (75e3, 1.5e6, 12)] {
        let mut d = GrowthDetector::new(policy(true));
        let live = |i: usize| 30.0 * MIB + at(i) / 1000.0 * kept + noise(i) * 64.0 * KIB;
        let mut reported = None;
        for i in 0..480 {
            let since_gc = (i % gc_every) as f64 * STEP_MS / 1000.0;
            let step = d.push(Point {
                at_ms: at(i),
                value: live(i) + since_gc * garbage,
            });
            if matches!(step, Step::Leak(_)) {
                reported = Some(i);
                break;
            }
            // V8's own major GC; and leakguard's when asked.
            let gc = i % gc_every == gc_every - 1 || matches!(step, Step::Suspect | Step::Verify);
            if gc
                && d.push_live(Point {
                    at_ms: at(i) + 1.0,
                    value: live(i),
                })
                .is_some()
            {
                reported = Some(i);
                break;
            }
        }
        let i = reported.unwrap_or_else(|| panic!("{kept} B/s under {garbage} B/s missed"));
        assert!(i < 160, "{kept} B/s under {garbage} B/s: sample {i}");
    }
}

#[test]
fn a_reported_leak_stays_reported_while_post_gc_levels_rise() {
    // Reported, then the sampled levels turn into a garbage sawtooth: the
    // post-GC levels still rise, so the leak is not over.
    let mut d = GrowthDetector::new(policy(true));
    let live = |i: usize| 30.0 * MIB + i as f64 * 60.0 * KIB;
    let mut reported = false;
    for i in 0..1000 {
        let level = if reported {
            live(i) + (i % 16) as f64 * MIB
        } else {
            live(i)
        };
        let step = d.push(Point {
            at_ms: at(i),
            value: level,
        });
        assert_ne!(
            step,
            Step::Ended,
            "ended at sample {i} while the leak went on"
        );
        match step {
            Step::Leak(_) => reported = true,
            Step::Suspect => {
                reported |= d
                    .push_live(Point {
                        at_ms: at(i) + 1.0,
                        value: live(i),
                    })
                    .is_some()
            }
            _ => {}
        }
        if reported && i % 16 == 15 {
            d.push_live(Point {
                at_ms: at(i) + 1.0,
                value: live(i),
            });
        }
    }
    assert!(reported && d.is_leaking());
}

#[test]
fn a_leak_that_slows_but_does_not_stop_stays_reported() {
    let mut d = GrowthDetector::new(policy(false));
    let level = |i: usize| {
        let fast = i.min(100) as f64 * 100.0 * KIB;
        let slow = i.saturating_sub(100) as f64 * 40.0 * KIB;
        20.0 * MIB + fast + slow
    };
    let mut leaks = 0;
    for i in 0..600 {
        match d.push(Point {
            at_ms: at(i),
            value: level(i),
        }) {
            Step::Leak(_) => leaks += 1,
            Step::Ended => panic!("ended at {i}"),
            _ => {}
        }
    }
    assert_eq!(leaks, 1);
}

#[test]
fn a_leak_that_stops_ends_after_a_quiet_window() {
    let mut d = GrowthDetector::new(policy(false));
    let mut ended = None;
    let mut leaks = 0;
    for i in 0..600 {
        let value = 10.0 * MIB + (i.min(150) as f64) * 200.0 * KIB + noise(i) * KIB;
        match d.push(Point {
            at_ms: at(i),
            value,
        }) {
            Step::Leak(_) => leaks += 1,
            Step::Ended => ended = Some(i),
            _ => {}
        }
    }
    assert_eq!(leaks, 1, "one report while the trend lasts");
    let ended = ended.expect("ended");
    assert!(ended >= 150 + 54, "ended at {ended}");
    assert!(!d.is_leaking());
}

/// A slow leak as V8 shows it: the sampled level moves in steps at
/// scavenges `every` samples apart and stands `offset` above the live level
/// (young survivors); V8 runs no major GC of its own, so only the levels
/// leakguard asks for (the anchor as warm-up ends, `Suspect`, `Verify`) are
/// read after full GCs, one of them `outlier` bytes high. Returns the sample reported at and the
/// post-GC levels asked for.
fn slow_leak_without_major_gcs(
    rate_per_s: f64,
    every: usize,
    live_noise: f64,
    outlier: f64,
) -> (Option<usize>, usize) {
    slow_leak_after_startup(rate_per_s, every, live_noise, outlier, 0)
}

/// [`slow_leak_without_major_gcs`] in a process whose start-up garbage
/// (300 KB) stays in the sampled levels for the first `startup` samples,
/// until a major GC takes it.
fn slow_leak_after_startup(
    rate_per_s: f64,
    every: usize,
    live_noise: f64,
    outlier: f64,
    startup: usize,
) -> (Option<usize>, usize) {
    let mut d = GrowthDetector::new(policy(true));
    let live = |i: usize| 32.0 * MIB + at(i) / 1000.0 * rate_per_s + noise(i) * live_noise;
    let mut asked = 0;
    for i in 0..480 {
        let scavenged = i / every * every;
        let garbage = if i < startup { 300e3 } else { 0.0 };
        let step = d.push(Point {
            at_ms: at(i),
            value: live(scavenged) + 300.0 * KIB + garbage,
        });
        if matches!(step, Step::Leak(_)) {
            return (Some(i), asked);
        }
        // The anchor: memory-watch's forced GC as warm-up ends.
        if i == 8 || matches!(step, Step::Suspect | Step::Verify) {
            asked += 1;
            let high = if asked == 4 { outlier } else { 0.0 };
            let confirmed = d.push_live(Point {
                at_ms: at(i) + 1.0,
                value: live(i) + high,
            });
            if confirmed.is_some() {
                return (Some(i), asked);
            }
        }
    }
    (None, asked)
}

#[test]
fn slow_leaks_without_major_gcs_are_reported_within_two_hundred_forty_samples() {
    // 5 to 10 KB/s on a 32 MiB heap; scavenges every 1 to 4 s; post-GC
    // levels with up to 10 KB of noise (a few KB measured), and one of
    // them 200 KB high.
    for rate in [5e3, 7e3, 10e3] {
        for every in [4, 8, 16] {
            for (live_noise, outlier) in [(0.0, 0.0), (10e3, 0.0), (5e3, 200e3)] {
                let (found, asked) = slow_leak_without_major_gcs(rate, every, live_noise, outlier);
                assert!(
                    found.is_some_and(|i| i < 240),
                    "{rate} B/s, scavenge every {every}, noise {live_noise}, outlier {outlier}: \
                     {found:?} after {asked} post-GC levels"
                );
            }
        }
    }
}

#[test]
fn slow_leaks_whose_start_up_garbage_lingers_are_reported_within_ninety_seconds() {
    // The sampled levels stand 300 KB higher until V8's first major GC,
    // 10 to 30 s in: over the whole span they hardly rise. When that GC
    // comes 20 s into a 5 KB/s leak, the suspicions before it are lost and
    // the report takes ~89 s: the 128 KiB of growth the rules ask for
    // takes 26 s of post-GC levels after it. The bound is the test's name,
    // not today's figure: ninety seconds, 360 samples at 250 ms (the
    // detection-time bench measures 84 s for a real 5 KB/s leak).
    const NINETY_SECONDS: usize = 90_000 / 250;
    for startup in [40, 80, 120] {
        for rate in [5e3, 10e3] {
            let (found, asked) = slow_leak_after_startup(rate, 8, 3e3, 200e3, startup);
            assert!(
                found.is_some_and(|i| i < NINETY_SECONDS),
                "{rate} B/s, start-up garbage for {startup}: {found:?} after {asked} post-GC levels"
            );
        }
    }
}

#[test]
fn a_steady_heap_asks_for_few_post_gc_levels() {
    // The same staircase on a flat heap, its post-GC levels jittering by
    // up to 200 KB: quiet, and few forced GCs over 5 minutes.
    let mut d = GrowthDetector::new(policy(true));
    let mut asked = 0;
    for i in 0..1200 {
        let scavenged = (i / 8 * 8) as f64;
        let step = d.push(Point {
            at_ms: at(i),
            value: 32.0 * MIB + 300.0 * KIB + noise(scavenged as usize) * 100.0 * KIB,
        });
        assert!(!matches!(step, Step::Leak(_)), "reported at {i}");
        if matches!(step, Step::Suspect | Step::Verify) {
            asked += 1;
            assert!(d
                .push_live(Point {
                    at_ms: at(i) + 1.0,
                    value: 32.0 * MIB + noise(i + 5000) * 200.0 * KIB,
                })
                .is_none());
        }
    }
    assert!(asked <= 20, "{asked} post-GC levels asked for");
}

#[test]
fn a_bounded_cache_whose_plateau_steps_and_creeps_stays_quiet_and_stops_asking() {
    // Fills 19 MB over 48 samples, then churns at its cap: the plateau
    // steps once by 225 KB (its table grows) and creeps 3 KB every 8
    // samples; 2 MB/s of evicted entries are promoted between V8's own
    // major GCs, whose levels keep 200 KB allocated while marking.
    for step_at in [70, 100, 140] {
        let live = |i: usize| {
            let fill = (i.saturating_sub(8).min(48) as f64 / 48.0) * 19.0 * MIB;
            let step = if i >= step_at { 225e3 } else { 0.0 };
            let creep = i.saturating_sub(56) as f64 / 8.0 * 3e3;
            8.0 * MIB + fill + step + creep
        };
        let mut d = GrowthDetector::new(policy(true));
        let mut asked_late = 0;
        for i in 0..480 {
            let since_major = (i % 22) as f64 * STEP_MS / 1000.0;
            let step = d.push(Point {
                at_ms: at(i),
                value: live(i) + since_major * 2e6,
            });
            assert!(
                !matches!(step, Step::Leak(_)),
                "step at {step_at}: reported at {i}"
            );
            let leak = if i % 22 == 21 {
                d.push_collector_live(Point {
                    at_ms: at(i) + 1.0,
                    value: live(i) + 200e3,
                })
            } else if i == 8 || matches!(step, Step::Suspect | Step::Verify) {
                if i > step_at + 60 {
                    asked_late += 1;
                }
                d.push_live(Point {
                    at_ms: at(i) + 1.0,
                    value: live(i),
                })
            } else {
                None
            };
            assert!(leak.is_none(), "step at {step_at}: confirmed at {i}");
        }
        assert!(
            asked_late <= 10,
            "step at {step_at}: {asked_late} levels asked after it"
        );
    }
}

/// A process whose live data includes a cache filled and cleared on a timer
/// (`period_ms`, `amp` bytes), with `garbage_per_s` promoted between major
/// GCs and `leak_per_s` kept, sampled at the guard's random gaps: V8's own
/// major GC once 24 MiB of garbage piled up, a forced pair when the
/// detector asks and the budget's random gap (0.5–1.5 × 1,833 ms) allows.
/// Returns the sample index of the first leak.
fn timer_cache_under_garbage(
    period_ms: f64,
    amp: f64,
    garbage_per_s: f64,
    leak_per_s: f64,
    n: usize,
) -> Option<usize> {
    let mut d = GrowthDetector::new(policy(true));
    let live = |t: f64| 30.0 * MIB + (t % period_ms) / period_ms * amp + leak_per_s * t / 1000.0;
    let (mut t, mut garbage, mut last_forced, mut gap) = (0.0, 0.0, f64::NEG_INFINITY, 0.0);
    (0..n).find(|&i| {
        let dt = STEP_MS * (1.0 + 0.5 * noise(i));
        t += dt;
        garbage += garbage_per_s * dt / 1000.0;
        if garbage > 24.0 * MIB {
            garbage = 0.0;
            let own = Point {
                at_ms: t - 1.0,
                value: live(t - 1.0) + 256.0 * KIB,
            };
            if d.push_collector_live(own).is_some() {
                return true;
            }
        }
        let step = d.push(Point {
            at_ms: t,
            value: live(t) + garbage,
        });
        match step {
            Step::Leak(_) => true,
            Step::Suspect | Step::Verify if t - last_forced >= gap => {
                last_forced = t;
                gap = 1833.0 * (1.0 + 0.5 * noise(i + 7919));
                garbage = 0.0;
                d.push_live(Point {
                    at_ms: t + 1.0,
                    value: live(t + 1.0),
                })
                .is_some()
            }
            _ => false,
        }
    })
}

#[test]
fn caches_on_a_timer_under_promoted_garbage_stay_quiet() {
    // Periods near multiples of the 250-ms interval and of V8's own GC
    // cadence, 5 and 12 MiB caches, no garbage or 2 and 5 MB/s of promoted
    // garbage: ten minutes each. With fixed gaps (the guard draws them, see
    // `scheduleTick` in lib/guard/guard.js and `GcBudget` in lib/gc.js), or
    // V8's own levels confirming, the post-GC levels read such a cache a
    // little fuller each time.
    for period_ms in [495.0, 990.0, 1010.0, 1990.0, 3005.0] {
        for amp in [5.0 * MIB, 12.0 * MIB] {
            for garbage in [0.0, 2e6, 5e6] {
                assert_eq!(
                    timer_cache_under_garbage(period_ms, amp, garbage, 0.0, 2400),
                    None,
                    "period {period_ms} ms, {amp} B, {garbage} B/s of garbage"
                );
            }
        }
    }
}

/// A cache the application fills and clears on a timer, as V8 shows it:
/// the cleared entries were promoted, so the sampled level keeps every byte
/// allocated since the latest major GC (the cache's fill, `garbage_per_s`
/// of promoted garbage, the leak) until the next one, which V8 runs once
/// that allocation reaches the live size (24 MiB at least); the live level
/// is what the cache holds then, read at whatever phase it is. Samples and
/// forced pairs come at the guard's random gaps. Returns the sample index
/// of the first leak.
fn timer_cache_as_v8_sees_it(
    period_ms: f64,
    amp: f64,
    garbage_per_s: f64,
    leak_per_s: f64,
    n: usize,
    seed: usize,
) -> Option<usize> {
    let mut d = GrowthDetector::new(policy(true));
    let live = |t: f64| 30.0 * MIB + (t % period_ms) / period_ms * amp + leak_per_s * t / 1000.0;
    let fill_per_s = amp / period_ms * 1000.0;
    let (mut t, mut allocated, mut last_forced, mut gap) = (0.0, 0.0, f64::NEG_INFINITY, 0.0);
    let mut live_at_gc = live(0.0);
    (0..n).find(|&i| {
        let dt = STEP_MS * (1.0 + 0.5 * noise(i + seed * 100_003));
        t += dt;
        allocated += (fill_per_s + garbage_per_s + leak_per_s) * dt / 1000.0;
        if allocated > live_at_gc.max(24.0 * MIB) {
            allocated = 0.0;
            live_at_gc = live(t - 1.0);
            let own = Point {
                at_ms: t - 1.0,
                value: live_at_gc + 256.0 * KIB,
            };
            if d.push_collector_live(own).is_some() {
                return true;
            }
        }
        let step = d.push(Point {
            at_ms: t,
            value: live_at_gc + allocated,
        });
        match step {
            Step::Leak(_) => true,
            Step::Suspect | Step::Verify if t - last_forced >= gap => {
                last_forced = t;
                gap = 1833.0 * (1.0 + 0.5 * noise(i + 7919 + seed * 100_003));
                allocated = 0.0;
                live_at_gc = live(t + 1.0);
                d.push_live(Point {
                    at_ms: t + 1.0,
                    value: live_at_gc,
                })
                .is_some()
            }
            _ => false,
        }
    })
}

#[test]
fn caches_on_a_timer_as_v8_shows_them_stay_quiet() {
    // Caches of 5, 20 and 40 MiB on 1- to 8-s timers, under no, light and
    // heavy promoted garbage, three runs of five minutes each: V8's own
    // major GCs come once the cache's fill has allocated the live size
    // again, at a cadence close to the timer's, so their levels read it a
    // little fuller each time. Judged on V8's levels, 6 of these 108 runs
    // were reported; live trends on the forced levels alone (read at random
    // moments) and follow-ups that agree with the forced levels before
    // them left one, a 20 MiB cache on a 2-s timer under 1 MB/s of
    // garbage, 69 s in; with follow-ups decided by forced levels alone (a
    // V8 level no longer rejects one either), none.
    let mut reported = Vec::new();
    for period_ms in [990.0, 2000.0, 4000.0, 8000.0] {
        for amp in [5.0 * MIB, 20.0 * MIB, 40.0 * MIB] {
            for garbage in [0.0, 1e6, 5e6] {
                for seed in 0..3 {
                    if let Some(i) =
                        timer_cache_as_v8_sees_it(period_ms, amp, garbage, 0.0, 1200, seed)
                    {
                        reported.push((period_ms, amp / MIB, garbage, seed, i));
                    }
                }
            }
        }
    }
    // A cache is never a leak: none may be reported.
    assert!(reported.is_empty(), "reported: {reported:?}");
}

#[test]
fn leaks_over_a_cache_on_a_timer_are_reported_within_ten_minutes() {
    // 500 KB/s kept under 5 and 12 MiB caches on timers near multiples of
    // the 250-ms interval, under 2 and 5 MB/s of promoted garbage, as both
    // simulations show them: every one within ten minutes, and half within
    // three (the live levels scatter over the cache's size, so a leak slower
    // than the cache's swing needs many of them).
    let mut found = Vec::new();
    for period_ms in [990.0, 1010.0, 1990.0, 3005.0] {
        for amp in [5.0 * MIB, 12.0 * MIB] {
            for garbage in [2e6, 5e6] {
                for (sim, at) in [
                    (
                        "sampled",
                        timer_cache_under_garbage(period_ms, amp, garbage, 500e3, 2400),
                    ),
                    (
                        "as V8 shows it",
                        timer_cache_as_v8_sees_it(period_ms, amp, garbage, 500e3, 2400, 0),
                    ),
                ] {
                    let at = at.unwrap_or_else(|| {
                        panic!("{sim}: period {period_ms} ms, {amp} B, {garbage} B/s of garbage: not found")
                    });
                    found.push(at);
                }
            }
        }
    }
    found.sort_unstable();
    let median = found[found.len() / 2];
    assert!(median <= 720, "median {median} samples: {found:?}");
}

/// A level that wanders as malloc's arenas do: an Ornstein–Uhlenbeck
/// process of spread `sigma` and time constant `tau_s` seconds about 30 MiB,
/// at 250-ms steps, plus `leak_per_s`; `n` levels from `seed`.
fn wandering(sigma: f64, tau_s: f64, leak_per_s: f64, n: usize, seed: usize) -> Vec<f64> {
    let keep = (-STEP_MS / 1000.0 / tau_s).exp();
    let step = sigma * (1.0 - keep * keep).sqrt();
    let mut x = 0.0;
    (0..n)
        .map(|i| {
            // Uniform noise scaled to unit variance.
            x = x * keep + step * 3f64.sqrt() * noise(i + seed * 1_000_003);
            30.0 * MIB + x + leak_per_s * at(i) / 1000.0
        })
        .collect()
}

/// The first leak reported on `levels` (sampled with 5 KB of jitter, read
/// exactly after full GCs) by a memory kind's detector.
fn first_on_wandering(levels: &[f64]) -> Option<usize> {
    let mut d = GrowthDetector::new(policy(true));
    first_confirmed(
        &mut d,
        levels.len(),
        |i| levels[i] + 5e3 * noise(i + 77),
        |i| levels[i],
    )
}

#[test]
fn levels_that_wander_stay_quiet() {
    // A spread of 50 KB, time constants of 10 s to 2 min, three runs of ten
    // minutes each. (With spreads of 100 KB and more, an Ornstein–Uhlenbeck
    // wander drifts one way for a window as a slow leak does, and more than
    // half of such runs are reported, with or without the scatter rule. The
    // native levels of clean services spread as widely, 76–137 KB, but in
    // jumps the jitter sees: none of 23 traced runs was reported.)
    let sigma = 50e3;
    let mut reported = Vec::new();
    for tau_s in [10.0, 30.0, 60.0, 120.0] {
        for seed in 0..3 {
            if let Some(i) = first_on_wandering(&wandering(sigma, tau_s, 0.0, 2400, seed)) {
                reported.push((tau_s, seed, i));
            }
        }
    }
    assert!(reported.is_empty(), "reported: {reported:?}");
}

#[test]
fn leaks_over_wandering_levels_are_reported() {
    // 5 to 50 KB/s kept over the same wander: every one within five
    // minutes, the faster ones sooner.
    let sigma = 50e3;
    for tau_s in [10.0, 30.0, 60.0, 120.0] {
        for (rate, within_s) in [(5e3, 300.0), (20e3, 120.0), (50e3, 60.0)] {
            let at = first_on_wandering(&wandering(sigma, tau_s, rate, 2400, 0));
            let at_s = at.map(|i| i as f64 / 4.0);
            assert!(
                at_s.is_some_and(|s| s <= within_s),
                "{rate} B/s over a wander of {sigma} B, {tau_s} s: {at_s:?}"
            );
        }
    }
}

#[test]
fn a_traced_cache_on_a_timer_is_not_suspected() {
    // The heap baselines of a real run of the scenario control
    // `sawtooth-8s-40MB` (a 40 MB cache cleared every 8 s, sampled at the
    // guard's random gaps): each step between them is small, but they
    // scatter over the cache's size. Without the scatter rule its window was
    // suspected 6 times between 80 and 82 s (each a forced pair, and a
    // chance of reading the cache full).
    let mut d = GrowthDetector::new(policy(true));
    let suspected: Vec<f64> = include_str!("testdata/sawtooth-8s-40MB.csv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (at, value) = line.split_once(',')?;
            Some(Point {
                at_ms: at.parse().ok()?,
                value: value.parse().ok()?,
            })
        })
        .filter_map(|p| matches!(d.push(p), Step::Suspect).then_some(p.at_ms / 1000.0))
        .collect();
    assert!(suspected.is_empty(), "suspected at {suspected:?} s");
}

/// A reported leak that speeds up (the window rules' steady line breaks for a
/// while at the knee) is never called over, and its new rate comes as an
/// ongoing trend, so it escalates; swept over how fast it speeds up, its
/// rate before and after, and the window.
#[test]
fn a_leak_that_speeds_up_is_never_called_over() {
    for &min_points in &[12, 24, 44] {
        for &(slow, fast) in &[(1.0, 500.0), (2.0, 60.0), (5.0, 200.0), (1.0, 20.0)] {
            for &factor in &[1.1, 1.3, 2.0] {
                let mut d =
                    GrowthDetector::new(GrowthPolicy::for_counts(min_points, 240, 0.0, false));
                let (mut count, mut per_step, mut reported_at) = (10_000.0, slow, None);
                let mut fastest = 0.0f64;
                for i in 0..(min_points * 8) {
                    count += f64::floor(per_step);
                    if reported_at.is_some() {
                        per_step = (per_step * factor + 1.0).min(fast);
                    }
                    let step = d.push(Point {
                        at_ms: i as f64 * 100.0,
                        value: count,
                    });
                    let case = format!(
                        "min_points {min_points}, {slow} then {fast} a step, ×{factor}, sample {i}"
                    );
                    match step {
                        Step::Leak(_) => {
                            assert!(reported_at.is_none(), "reported afresh: {case}");
                            reported_at = Some(i);
                        }
                        Step::Ongoing(t) => fastest = fastest.max(t.growth_per_minute),
                        Step::Ended => panic!("called over while it speeds up: {case}"),
                        _ => {}
                    }
                }
                assert!(
                    reported_at.is_some(),
                    "never reported: min_points {min_points}, {slow} then {fast}, ×{factor}"
                );
                let fast_per_minute = fast * 600.0;
                assert!(fastest >= 0.9 * fast_per_minute, "min_points {min_points}, {slow} then {fast}, ×{factor}: fastest ongoing rate {fastest:.0}/min of {fast_per_minute:.0}");
            }
        }
    }
}

/// A memory kind's policy while it settles for a minute: 1 MiB over a
/// span, 256 KiB for growth that rose from the span's start, 128 KiB after.
fn settling_policy() -> GrowthPolicy {
    GrowthPolicy {
        min_total_growth: 128.0 * KIB,
        settling_min_total_growth: MIB,
        settling_min_steady_growth: 256.0 * KIB,
        ..policy(true)
    }
}

/// In the settling span, growth that rose from the span's start is judged
/// at the steady minimum; the same growth packed into the span's end (a
/// rise that began late in a mostly flat span) needs the settling minimum,
/// swept over spans, totals and where the rise begins. After the span
/// settled, the plain minimum holds for both.
#[test]
fn a_settling_span_needs_less_growth_when_it_rose_from_its_start() {
    let settling = settling_policy();
    let span = |n: usize, total: f64, rise_from: f64| -> Vec<Point> {
        let start = (rise_from * (n - 1) as f64).round() as usize;
        (0..n)
            .map(|i| Point {
                at_ms: i as f64 * STEP_MS,
                value: 40.0 * MIB
                    + total * i.saturating_sub(start) as f64 / (n - 1 - start) as f64
                    + 2.0 * KIB * noise(i),
            })
            .collect()
    };
    let settled_at = 60_000.0;
    for n in [44, 60, 88, 120] {
        for total in [600.0 * KIB, 900.0 * KIB] {
            let steady = span(n, total, 0.0);
            let fit = theil_sen(&steady).unwrap();
            assert!(
                settling.total_is_reportable(&steady, &fit, settled_at),
                "{n} points, {total} B from the start"
            );
            for rise_from in [0.5, 0.6] {
                let late = span(n, total, rise_from);
                let fit = theil_sen(&late).unwrap();
                // The fitted growth lies between the two minimums: only
                // where the rise began decides.
                let fitted = fit.slope_per_ms * (late[n - 1].at_ms - late[0].at_ms);
                assert!(
                    (256.0 * KIB..MIB).contains(&fitted),
                    "{n} points, {total} B from {rise_from}: {fitted} B fitted"
                );
                assert!(
                    !settling.total_is_reportable(&late, &fit, settled_at),
                    "{n} points, {total} B from {rise_from} of the span"
                );
                // Once settled, the plain minimum (128 KiB) holds.
                assert!(settling.total_is_reportable(&late, &fit, 0.0));
            }
        }
    }
    // Growth that speeds up: a first half at a fifth of the second half's
    // rate did not rise from the start (its share of the span's rate is about
    // a third); at three fifths it did (about three quarters).
    let bent = |first_share: f64| -> Vec<Point> {
        let half = 44;
        let rate = 600.0 * KIB / (half as f64 * (1.0 + first_share));
        (0..2 * half + 1)
            .map(|i: usize| {
                let first = first_share * rate * i.min(half) as f64;
                let second = rate * i.saturating_sub(half) as f64;
                Point {
                    at_ms: i as f64 * STEP_MS,
                    value: 40.0 * MIB + first + second + 2.0 * KIB * noise(i),
                }
            })
            .collect()
    };
    for (first_share, steady) in [(0.2, false), (0.6, true), (1.0, true)] {
        let points = bent(first_share);
        let fit = theil_sen(&points).unwrap();
        let fitted = fit.slope_per_ms * (points[points.len() - 1].at_ms - points[0].at_ms);
        assert!(
            (256.0 * KIB..MIB).contains(&fitted),
            "{first_share}: {fitted} B"
        );
        assert_eq!(
            settling.total_is_reportable(&points, &fit, settled_at),
            steady,
            "a first half at {first_share} of the second's rate"
        );
    }
    // Growth that rose from the start, past the settling minimum.
    let big = span(88, 1.5 * MIB, 0.0);
    assert!(settling.total_is_reportable(&big, &theil_sen(&big).unwrap(), settled_at));
    // Growth under the steady minimum is never enough while settling.
    let small = span(88, 200.0 * KIB, 0.0);
    let fit = theil_sen(&small).unwrap();
    assert!(!settling.total_is_reportable(&small, &fit, settled_at));
    // A steady minimum of 0 leaves the settling minimum alone.
    let plain = GrowthPolicy {
        settling_min_steady_growth: 0.0,
        ..settling
    };
    let steady = span(88, 600.0 * KIB, 0.0);
    assert!(!plain.total_is_reportable(&steady, &theil_sen(&steady).unwrap(), settled_at));
}

/// While the series settles, forced GCs are not asked for until the sampled
/// levels have grown by the least a span could be reported at: the steady
/// minimum where one is set, else the settling minimum.
#[test]
fn settling_asks_for_forced_gcs_from_the_least_reportable_growth() {
    let settling = settling_policy();
    let without_steady = GrowthPolicy {
        settling_min_steady_growth: 0.0,
        ..settling
    };
    assert_eq!(settling.least_settling_growth(), 256.0 * KIB);
    assert_eq!(without_steady.least_settling_growth(), MIB);
    let above = GrowthPolicy {
        settling_min_steady_growth: 2.0 * MIB,
        ..settling
    };
    assert_eq!(above.least_settling_growth(), MIB);
    for (grown, steady_below, plain_below) in [
        (200.0 * KIB, true, true),
        (300.0 * KIB, false, true),
        (1.2 * MIB, false, false),
    ] {
        let below = |policy: GrowthPolicy| {
            let mut detector = GrowthDetector::new(policy);
            // Its owner's clock: a minute of settling from the first point.
            detector.settling_goes_on(0.0, 60_000.0);
            for i in 0..60_usize {
                detector.push(Point {
                    at_ms: i as f64 * STEP_MS,
                    value: 40.0 * MIB + grown * (i.saturating_sub(8) as f64 / 51.0),
                });
            }
            detector.settling_below_its_minimum()
        };
        assert_eq!(below(settling), steady_below, "{grown} B, steady minimum");
        assert_eq!(
            below(without_steady),
            plain_below,
            "{grown} B, settling minimum"
        );
    }
}
