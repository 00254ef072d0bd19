//! Wall-clock time of one call, batch 1, every engine's samples interleaved.
//!
//! A sample times a run of back-to-back calls lasting at least 0.2 ms, so the clock's
//! resolution and the loop do not matter. The driver takes one sample of every engine per
//! round, in a rotating order, for [`ROUNDS`] rounds; an engine's figure is the median of its
//! samples. Interleaving spreads the other core's load and the clock's drift over all engines
//! alike, so ratios within one run are fair even on a shared machine.

use std::time::{Duration, Instant};

use crate::engine::Engine;

/// Samples per engine.
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

/// Nanoseconds per call over `calls` back-to-back calls of `f`.
pub fn sample_ns(calls: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed().as_nanos() as f64 / calls as f64
}

/// Median ns per call of every engine (warmed first), samples taken in interleaved rounds.
pub fn interleaved(engines: &mut [&mut Box<dyn Engine>]) -> Result<Vec<f64>, String> {
    for e in engines.iter_mut() {
        e.warm().map_err(|err| format!("{}: {err}", e.name()))?;
    }
    let n = engines.len();
    let mut samples = vec![Vec::with_capacity(ROUNDS); n];
    for round in 0..ROUNDS {
        for k in 0..n {
            let i = (k + round) % n;
            let e = &mut engines[i];
            samples[i].push(e.sample().map_err(|err| format!("{}: {err}", e.name()))?);
        }
    }
    Ok(samples.into_iter().map(median).collect())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
