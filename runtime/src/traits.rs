//! What every generated model implements, with shapes as const generics.
//!
//! Write firmware against these traits to swap models without touching the calling code:
//! `fn report<M: Autoencoder<140, 8>>(beat: &[f32; 140]) { ... }`.

/// Sizes and costs of a generated model, known at compile time.
pub trait ModelInfo {
    /// Weights plus biases.
    const PARAMS: usize;
    /// Multiply-accumulates of one reconstruction.
    const MACS: usize;
    /// Flash taken by the weights and biases.
    const WEIGHT_BYTES: usize;
    /// Length of the scratch the `*_into` functions take.
    const SCRATCH_LEN: usize;
    /// Bytes of arrays the by-value functions keep on the stack: their scratch, the array they
    /// fill and the copy they return.
    const BUFFER_BYTES: usize;
    /// Stack the `*_into` functions need beyond the caller's buffers: call frames
    /// ([`FRAME_ALLOWANCE`](crate::FRAME_ALLOWANCE)) plus any buffer a kernel keeps on its
    /// stack (raw inputs scaled a chunk at a time on cores without SIMD).
    const FRAME_BYTES: usize = crate::FRAME_ALLOWANCE;
    /// Stack the by-value functions need: [`ModelInfo::BUFFER_BYTES`] plus
    /// [`ModelInfo::FRAME_BYTES`].
    const STACK_BYTES: usize = Self::BUFFER_BYTES + Self::FRAME_BYTES;
    /// The scratch type, [`crate::Scratch<SCRATCH_LEN>`](crate::Scratch).
    type Scratch;
    /// Zeroed scratch.
    fn new_scratch() -> Self::Scratch;
}

/// Maps an `N`-value input (user units) to an `L`-value latent code.
pub trait Encoder<const N: usize, const L: usize>: ModelInfo {
    /// The latent code of `x` (a VAE's mean).
    fn encode(x: &[f32; N]) -> [f32; L];
    /// [`Encoder::encode`] into `z`, with intermediate values in `scratch`.
    fn encode_into(x: &[f32; N], scratch: &mut Self::Scratch, z: &mut [f32; L]);
}

/// Maps an `L`-value latent code back to `N` values in user units.
pub trait Decoder<const L: usize, const N: usize>: ModelInfo {
    /// The decoded values of `z`.
    fn decode(z: &[f32; L]) -> [f32; N];
    /// [`Decoder::decode`] into `y`, with intermediate values in `scratch`.
    fn decode_into(z: &[f32; L], scratch: &mut Self::Scratch, y: &mut [f32; N]);
}

/// An encoder and decoder together, scoring how well an input is reconstructed.
pub trait Autoencoder<const N: usize, const L: usize>: Encoder<N, L> + Decoder<L, N> {
    /// The reconstruction of `x`, in user units.
    fn reconstruct(x: &[f32; N]) -> [f32; N];
    /// [`Autoencoder::reconstruct`] into `y`.
    fn reconstruct_into(x: &[f32; N], scratch: &mut Self::Scratch, y: &mut [f32; N]);
    /// The reconstruction error of `x` with the model's metric, in the scaled space it was
    /// trained in.
    fn anomaly_score(x: &[f32; N]) -> f32;
    /// [`Autoencoder::anomaly_score`] with caller buffers; `y` receives the scaled-space
    /// reconstruction.
    fn anomaly_score_into(x: &[f32; N], scratch: &mut Self::Scratch, y: &mut [f32; N]) -> f32;
}

/// An autoencoder with a calibrated anomaly threshold.
pub trait AnomalyDetector<const N: usize, const L: usize>: Autoencoder<N, L> {
    /// Scores above this are anomalies.
    const THRESHOLD: f32;
    /// `anomaly_score(x) > THRESHOLD`.
    fn is_anomaly(x: &[f32; N]) -> bool {
        Self::anomaly_score(x) > Self::THRESHOLD
    }
}
