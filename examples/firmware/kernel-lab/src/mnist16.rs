//! The shipped MNIST model's `reconstruct_into` rebuilt on the proposed kernel: every dense
//! layer as blocks of 16 outputs through `asm_block16`, then the runtime's own activations and
//! the same scaling arithmetic as the generated code. `main` checks the output is bit for bit
//! the generated code's and counts both.

use crate::kernels::asm_block16;

mod weights {
    include!(concat!(env!("OUT_DIR"), "/mnist16.rs"));
}

use weights::*;

fn dense<const I: usize, const T: usize, const O: usize>(
    w: &[[[f32; 16]; I]; T],
    b: &[f32; O],
    x: &[f32; I],
    y: &mut [f32; O],
    act: impl Fn(f32) -> f32,
) {
    for ((tile, y), b) in w.iter().zip(y.chunks_exact_mut(16)).zip(b.chunks_exact(16)) {
        let mut acc = [0.0f32; 16];
        acc.copy_from_slice(b);
        asm_block16(tile, x, &mut acc);
        for (y, a) in y.iter_mut().zip(acc) {
            *y = act(a);
        }
    }
}

/// `reconstruct_into` for the MNIST model: `x` in pixels 0..255, `y` likewise.
#[inline(never)]
pub fn reconstruct_into(x: &[f32; 784], s: &mut [f32; 784], y: &mut [f32; 784]) {
    use tinyae::activation::{relu, sigmoid};
    // The scaling the generated code folds into the first layer, as a pass of its own.
    for (s, x) in s.iter_mut().zip(x) {
        *s = (*x - OFFSET) * SCALE;
    }
    let (mut h1, mut h2, mut h3) = ([0.0f32; 128], [0.0f32; 64], [0.0f32; 32]);
    dense(&W0, &B0, s, &mut h1, relu);
    dense(&W1, &B1, &h1, &mut h2, relu);
    dense(&W2, &B2, &h2, &mut h3, relu);
    dense(&W3, &B3, &h3, &mut h2, relu);
    dense(&W4, &B4, &h2, &mut h1, relu);
    dense(&W5, &B5, &h1, y, sigmoid);
    for v in y.iter_mut() {
        *v = *v * RANGE + OFFSET;
    }
}
