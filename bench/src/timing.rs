//! Median wall-clock time of one call, batch 1.
//!
//! Each sample times a run of calls long enough (≥ 0.2 ms) that the clock's resolution and the
//! loop do not matter; the median over the samples ignores interruptions by the other core's
//! work. Nothing here is engine-specific: every engine is timed by the same function.

use std::time::{Duration, Instant};

/// Samples per measurement.
const SAMPLES: usize = 101;
/// Least duration of one sample.
const SAMPLE_TIME: Duration = Duration::from_micros(200);

/// Median nanoseconds per call of `f`.
pub fn median_ns(f: impl FnMut()) -> f64 {
    let (median, min) = median_min_ns(f);
    if std::env::var_os("TINYAE_BENCH_MIN").is_some() {
        eprintln!("  min {min:.1} ns, median {median:.1} ns");
    }
    median
}

/// Median and minimum nanoseconds per call of `f`.
pub fn median_min_ns(mut f: impl FnMut()) -> (f64, f64) {
    // Warm caches, branch predictors and lazily initialized engine state.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(20) {
        f();
    }
    let mut calls = 1usize;
    loop {
        let start = Instant::now();
        for _ in 0..calls {
            f();
        }
        if start.elapsed() >= SAMPLE_TIME {
            break;
        }
        calls *= 2;
    }
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            start.elapsed().as_nanos() as f64 / calls as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    (samples[SAMPLES / 2], samples[0])
}
