//! A model's `*_into` functions alone, for a board whose RAM holds the model's scratch and one
//! caller buffer but not what the by-value functions keep on the stack (`STACK_BYTES`): the
//! streamed `mnist_conv` on the Cortex-M0's 16 KB (8,400 bytes of scratch and a 3,136-byte
//! output; `reconstruct` by value would need 15,312 bytes of stack on top of the harness).
//!
//! The same report lines as `run.rs` for the functions it runs. The encoder's and the rest's
//! buffers live in separate frames, so at most one scratch and one buffer are alive at once;
//! the inputs and codes are read in place from flash.

use core::hint::black_box;

use tinyae::AnomalyDetector;

use crate::measure::{bench, stack_peak};
use crate::run::{
    constants, once_anomaly_score_into, once_encode_into, once_reconstruct_into, out, region, stack,
};
use crate::Console;

/// `encode_into`, `reconstruct_into`, `anomaly_score_into` and `decode_into` of `M` on the
/// vectors, their stack peaks and their counted regions.
pub(crate) fn exercise<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(
    c: &mut impl Console,
    name: &str,
    inputs: &[[f32; N]],
    latents: &[[f32; L]],
    stack_bottom: usize,
) {
    constants::<M>(c, name);
    encoder::<M, N, L>(c, name, inputs, stack_bottom);
    rest::<M, N, L>(c, name, inputs, latents, stack_bottom);
}

#[inline(never)]
fn encoder<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(
    c: &mut impl Console,
    name: &str,
    inputs: &[[f32; N]],
    stack_bottom: usize,
) {
    let mut scratch = M::new_scratch();
    let mut z = [0.0f32; L];
    for (k, x) in inputs.iter().enumerate() {
        M::encode_into(x, &mut scratch, &mut z);
        out(c, name, "encode_into", k, &z);
    }
    if let Some(x) = inputs.first() {
        let peak = stack_peak(stack_bottom, &mut || M::encode_into(x, &mut scratch, &mut z));
        stack(c, name, "encode_into", peak);
        bench(|| once_encode_into::<M, N, L>(x, &mut scratch, &mut z));
        region(c, name, "encode_into", 0, None);
    }
    black_box(&z);
}

#[inline(never)]
fn rest<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(
    c: &mut impl Console,
    name: &str,
    inputs: &[[f32; N]],
    latents: &[[f32; L]],
    stack_bottom: usize,
) {
    let mut scratch = M::new_scratch();
    let mut y = [0.0f32; N];
    for (k, x) in inputs.iter().enumerate() {
        M::reconstruct_into(x, &mut scratch, &mut y);
        out(c, name, "reconstruct_into", k, &y);
        let score = M::anomaly_score_into(x, &mut scratch, &mut y);
        out(c, name, "score_into", k, &[score]);
    }
    for (k, latent) in latents.iter().enumerate() {
        M::decode_into(latent, &mut scratch, &mut y);
        out(c, name, "decode_into", k, &y);
    }
    if let Some(x) = inputs.first() {
        let peak = stack_peak(stack_bottom, &mut || M::reconstruct_into(x, &mut scratch, &mut y));
        stack(c, name, "reconstruct_into", peak);
        let peak = stack_peak(stack_bottom, &mut || {
            black_box(M::anomaly_score_into(x, &mut scratch, &mut y));
        });
        stack(c, name, "anomaly_score_into", peak);
    }
    for (k, x) in inputs.iter().enumerate() {
        bench(|| once_reconstruct_into::<M, N, L>(x, &mut scratch, &mut y));
        region(c, name, "reconstruct_into", k, None);
    }
    if let Some(x) = inputs.first() {
        bench(|| {
            black_box(once_anomaly_score_into::<M, N, L>(x, &mut scratch, &mut y));
        });
        region(c, name, "anomaly_score_into", 0, None);
    }
    black_box(&y);
}
