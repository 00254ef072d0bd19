//! Model parts on the device: the encoder-only part of the MNIST autoencoder (`parts =
//! encoder`: compress on the device, decode elsewhere, `cargo run -p tinyae-examples --bin
//! compression`), and a VAE's encoder part drawing `sample_latent(x, ε)` with ε from the
//! device's own generator (`crate::noise`). Report lines as in `crate::run`.

use core::hint::black_box;

use tinyae::Encoder;

use crate::measure::{bench, stack_peak};
use crate::run::{constants, out, stack};
use crate::Console;

/// The seed of the device's noise for `sample_latent` (the host test uses the same).
#[cfg(feature = "mnist_vae16")]
pub const NOISE_SEED: u32 = 2015;

/// Runs the parts compiled in.
pub fn run(c: &mut impl Console, stack_bottom: usize) {
    #[cfg(feature = "mnist_encoder")]
    {
        use crate::models::mnist_encoder::{Model, INPUTS};
        encoder::<Model, 784, 32>(c, "mnist_encoder", &INPUTS, stack_bottom);
    }
    #[cfg(feature = "mnist_vae16")]
    {
        use crate::models::mnist_vae16::{Model, INPUTS};
        encoder::<Model, 784, 16>(c, "mnist_vae16", &INPUTS, stack_bottom);
        let mut noise = crate::noise::Noise::new(NOISE_SEED);
        for (k, x) in INPUTS.iter().enumerate() {
            let eps = noise.normals::<16>();
            out(c, "mnist_vae16", "sample_latent", k, &Model::sample_latent(x, &eps));
        }
    }
    let _ = (c, stack_bottom);
}

/// The constants, `encode` and `encode_into` on every input, their stack, and the
/// instructions of one `encode_into`.
#[allow(dead_code)] // unused when no part is compiled in
fn encoder<M: Encoder<N, L>, const N: usize, const L: usize>(
    c: &mut impl Console,
    name: &str,
    inputs: &[[f32; N]],
    stack_bottom: usize,
) {
    constants::<M>(c, name);
    let mut scratch = M::new_scratch();
    let mut z = [0.0f32; L];
    for (k, x) in inputs.iter().enumerate() {
        out(c, name, "encode", k, &M::encode(x));
        M::encode_into(x, &mut scratch, &mut z);
        out(c, name, "encode_into", k, &z);
    }
    if let Some(x) = inputs.first() {
        let x = *x;
        let peak = stack_peak(stack_bottom, &mut || {
            black_box(M::encode(&x));
        });
        stack(c, name, "encode", peak);
        let peak = stack_peak(stack_bottom, &mut || M::encode_into(&x, &mut scratch, &mut z));
        stack(c, name, "encode_into", peak);
        bench(|| once_encode_into::<M, N, L>(&x, &mut scratch, &mut z));
        c.str("bench ");
        c.str(name);
        c.str(" encode_into 0\n");
    }
    black_box(&z);
}

#[inline(never)]
fn once_encode_into<M: Encoder<N, L>, const N: usize, const L: usize>(
    x: &[f32; N],
    s: &mut M::Scratch,
    z: &mut [f32; L],
) {
    M::encode_into(black_box(x), s, z);
}
