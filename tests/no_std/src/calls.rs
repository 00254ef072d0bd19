//! Calls of every generated function, through the inherent API and through the traits.
//!
//! Inputs pass through `opaque` so nothing is constant-folded; every output is passed to
//! `opaque` so nothing is removed as dead code.

use tinyae::{AnomalyDetector, Decoder, Encoder};

use crate::{
    opaque, Conv, ConvEncoder, ConvVae, ConvValid, EcgAuto, EcgDecoder, EcgEncoder, EcgLoops, Lstm,
    LstmDecoder, LstmStack, Mnist, SensorAuto, SensorFull, SensorLoops, Vae,
};

/// Every trait method of an anomaly detector, with by-value and caller-provided buffers.
pub fn detector<M, const N: usize, const L: usize>(x: [f32; N])
where
    M: AnomalyDetector<N, L>,
{
    let x = opaque(x);
    let z = opaque(M::encode(&x));
    opaque(M::decode(&z));
    opaque(M::reconstruct(&x));
    opaque(M::anomaly_score(&x));
    opaque(M::is_anomaly(&x));
    opaque(M::THRESHOLD);

    let mut scratch = M::new_scratch();
    let (mut z, mut y) = ([0.0f32; L], [0.0f32; N]);
    M::encode_into(&x, &mut scratch, &mut z);
    opaque(&z);
    M::decode_into(&z, &mut scratch, &mut y);
    opaque(&y);
    M::reconstruct_into(&x, &mut scratch, &mut y);
    opaque(&y);
    opaque(M::anomaly_score_into(&x, &mut scratch, &mut y));
    opaque(&y);
    opaque((M::PARAMS, M::MACS, M::WEIGHT_BYTES, M::SCRATCH_LEN, M::BUFFER_BYTES));
}

/// The encoder-only half.
fn encoder<M: Encoder<N, L>, const N: usize, const L: usize>(x: [f32; N]) {
    let x = opaque(x);
    opaque(M::encode(&x));
    let mut scratch = M::new_scratch();
    let mut z = [0.0f32; L];
    M::encode_into(&x, &mut scratch, &mut z);
    opaque(&z);
}

/// The decoder-only half.
fn decoder<M: Decoder<L, N>, const L: usize, const N: usize>(z: [f32; L]) {
    let z = opaque(z);
    opaque(M::decode(&z));
    let mut scratch = M::new_scratch();
    let mut y = [0.0f32; N];
    M::decode_into(&z, &mut scratch, &mut y);
    opaque(&y);
}

pub fn sensor() {
    let x = [0.12f32, 61.0, 101.3];
    detector::<SensorAuto, 3, 2>(x);
    detector::<SensorFull, 3, 2>(x);
    detector::<SensorLoops, 3, 2>(x);
    // The inherent functions, as a user calls them.
    let x = opaque(x);
    opaque(SensorAuto::encode(&x));
    opaque(SensorAuto::anomaly_score(&x));
    opaque(SensorAuto::is_anomaly(&x));
    let mut scratch = SensorAuto::new_scratch();
    let mut y = [0.0f32; 3];
    SensorAuto::reconstruct_into(&x, &mut scratch, &mut y);
    opaque(&y);
}

pub fn ecg() {
    let x = [0.25f32; 140];
    detector::<EcgAuto, 140, 8>(x);
    detector::<EcgLoops, 140, 8>(x);
    encoder::<EcgEncoder, 140, 8>(x);
    decoder::<EcgDecoder, 8, 140>([0.5f32; 8]);
}

pub fn mnist() {
    let x = [128.0f32; 784];
    detector::<Mnist, 784, 32>(x);
}

pub fn vae() {
    let x = opaque([1.0f32, -2.0, 0.5, 10.0, 0.0, 3.0]);
    let eps = opaque([0.3f32, -1.1]);
    opaque(Vae::sample_latent(&x, &eps));
    let mut scratch = Vae::new_scratch();
    let mut z = [0.0f32; 2];
    Vae::sample_latent_into(&x, &eps, &mut scratch, &mut z);
    opaque(&z);
    encoder::<Vae, 6, 2>(x);
    decoder::<Vae, 2, 6>(z);
    opaque(Vae::reconstruct(&x));
    opaque(Vae::anomaly_score(&x));
}

/// Every op of the convolutional and recurrent fixtures, all generated functions.
pub fn conv_lstm() {
    detector::<Conv, 120, 8>([100.0f32; 120]);
    encoder::<ConvEncoder, 120, 8>([100.0f32; 120]);
    encoder::<ConvValid, 162, 12>([0.5f32; 162]);
    decoder::<ConvValid, 12, 162>([0.5f32; 12]);
    opaque(<ConvValid as tinyae::Autoencoder<162, 12>>::reconstruct(&opaque([0.5f32; 162])));
    detector::<Lstm, 20, 6>([0.5f32; 20]);
    decoder::<LstmDecoder, 6, 20>([0.1f32; 6]);
    detector::<LstmStack, 12, 5>([50.0f32; 12]);
    let x = opaque([0.5f32; 64]);
    let eps = opaque([0.3f32, -1.1, 0.2, 0.9]);
    opaque(ConvVae::sample_latent(&x, &eps));
    encoder::<ConvVae, 64, 4>(x);
    decoder::<ConvVae, 4, 64>([0.1f32; 4]);
    opaque(ConvVae::reconstruct(&x));
}

/// An index the optimizer cannot prove in bounds: keeps `panic_bounds_check` alive, so the
/// release link must fail.
#[cfg(feature = "deliberate-panic")]
pub fn deliberate_panic() {
    let y = SensorAuto::reconstruct(&opaque([0.12f32, 61.0, 101.3]));
    opaque(y[opaque(3usize)]);
}
