//! tinyae's generated code for every fixture in every unroll mode, expanded by the macro
//! exactly as a user's crate would.

use std::hint::black_box;

use tinyae::{Autoencoder, ModelInfo};

use crate::engine::Engine;
use crate::timing::median_ns;

macro_rules! modes {
    ($module:ident, $file:literal) => {
        pub mod $module {
            tinyae::autoencoder!(pub Full = $file, unroll = full);
            tinyae::autoencoder!(pub Loops = $file, unroll = loops);
            tinyae::autoencoder!(pub Auto = $file, unroll = auto);
        }
    };
}

modes!(sensor, "../tests/fixtures/sensor.safetensors");
modes!(ecg, "../tests/fixtures/ecg.safetensors");

/// MNIST fully unrolled is 221,184 straight-line statements; it is compiled only with the
/// `mnist-full` feature (see docs/UNROLL.md for what it costs).
pub mod mnist {
    #[cfg(feature = "mnist-full")]
    tinyae::autoencoder!(pub Full = "../tests/fixtures/mnist.safetensors", unroll = full);
    tinyae::autoencoder!(pub Loops = "../tests/fixtures/mnist.safetensors", unroll = loops);
    tinyae::autoencoder!(pub Auto = "../tests/fixtures/mnist.safetensors", unroll = auto);
}

/// The unroll modes, in table order.
pub const MODES: [&str; 3] = ["full", "loops", "auto"];

/// Runs `M::reconstruct_into`: raw input to raw output, with caller-provided buffers.
struct Generated<M: ModelInfo, const N: usize, const L: usize> {
    mode: &'static str,
    scratch: M::Scratch,
}

impl<M: Autoencoder<N, L>, const N: usize, const L: usize> Engine for Generated<M, N, L> {
    fn name(&self) -> String {
        format!("tinyae {}", self.mode)
    }

    fn raw_units(&self) -> bool {
        true
    }

    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        let x: &[f32; N] = x.try_into().map_err(|_| format!("expected {N} inputs"))?;
        let mut y = [0.0f32; N];
        M::reconstruct_into(x, &mut self.scratch, &mut y);
        Ok(y.to_vec())
    }

    fn time(&mut self, x: &[f32]) -> Result<f64, String> {
        let x: [f32; N] = x.try_into().map_err(|_| format!("expected {N} inputs"))?;
        let mut y = [0.0f32; N];
        let scratch = &mut self.scratch;
        Ok(median_ns(|| {
            M::reconstruct_into(black_box(&x), scratch, &mut y);
            black_box(&mut y);
        }))
    }
}

pub fn boxed<M: Autoencoder<N, L> + 'static, const N: usize, const L: usize>(
    mode: &'static str,
) -> Box<dyn Engine> {
    Box::new(Generated::<M, N, L> { mode, scratch: M::new_scratch() })
}

/// tinyae's engines for fixture `model` in `mode`; `None` when that pair is not compiled in.
pub fn engine(model: &str, mode: &'static str) -> Option<Box<dyn Engine>> {
    Some(match (model, mode) {
        ("sensor", "full") => boxed::<sensor::Full, 3, 2>(mode),
        ("sensor", "loops") => boxed::<sensor::Loops, 3, 2>(mode),
        ("sensor", "auto") => boxed::<sensor::Auto, 3, 2>(mode),
        ("ecg", "full") => boxed::<ecg::Full, 140, 8>(mode),
        ("ecg", "loops") => boxed::<ecg::Loops, 140, 8>(mode),
        ("ecg", "auto") => boxed::<ecg::Auto, 140, 8>(mode),
        #[cfg(feature = "mnist-full")]
        ("mnist", "full") => boxed::<mnist::Full, 784, 32>(mode),
        ("mnist", "loops") => boxed::<mnist::Loops, 784, 32>(mode),
        ("mnist", "auto") => boxed::<mnist::Auto, 784, 32>(mode),
        _ => return None,
    })
}
