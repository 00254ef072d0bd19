//! The clock side of a benchmark, shared by `tinyae-bench` (`timing.rs`) and `fma-bench`:
//! a sample times a run of back-to-back calls lasting at least 0.2 ms, so the clock's
//! resolution and the loop do not matter; a figure is the median of its samples.

use std::time::{Duration, Instant};

/// Samples per engine (or per form).
pub const ROUNDS: usize = 61;
/// Least duration of one sample.
const SAMPLE_TIME: Duration = Duration::from_micros(200);

/// Warms `f` up for 20 ms, then returns how many back-to-back calls last ≥ 0.2 ms.
pub fn calls_per_sample(mut f: impl FnMut()) -> usize {
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
            return calls;
        }
        calls *= 2;
    }
}

/// Nanoseconds per call over `calls` back-to-back calls of `f`, after one untimed call.
///
/// The untimed call refills the caches the previous sample (another engine's) evicted, so
/// no figure depends on which engine ran before it. Without it, the second of two engines
/// reading the same weights gained from the first: `mnist` `auto` and `loops` expand to the
/// same code and share their weight statics (the binary holds one copy of each), and whichever came
/// second in the rotation measured about 15 % faster (docs/BENCHMARKS.md, "Method").
pub fn sample_ns(calls: usize, mut f: impl FnMut()) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed().as_nanos() as f64 / calls as f64
}

/// The middle value of `v` (upper middle for an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
