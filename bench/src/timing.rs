//! Wall-clock time of one call, batch 1, every engine's samples interleaved.
//!
//! A sample times a run of back-to-back calls lasting at least 0.2 ms, so the clock's
//! resolution and the loop do not matter. The driver takes one sample of every engine per
//! round, in a rotating order, for [`ROUNDS`] rounds; an engine's figure is the median of its
//! samples. Interleaving spreads the other core's load and the clock's drift over all engines
//! alike, so ratios within one run are fair even on a shared machine.

use crate::engine::Engine;
pub use crate::sampling::{calls_per_sample, median, sample_ns, ROUNDS};

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
