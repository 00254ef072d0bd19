//! Scratch of a mixed-precision model: an int8 encoder and a float decoder (or the reverse)
//! each run in their own scratch, and the latent code passes between them as f32.

/// Scratch for a mixed-precision model's `*_into` functions: the encoder's scratch, the f32
/// latent code the decoder reads, and the decoder's scratch. `new_scratch()` of the generated
/// type builds one; put it in a `static` like any scratch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitScratch<E, D, const L: usize> {
    /// The encoder half's scratch (`Scratch` or `ScratchI8`).
    pub encoder: E,
    /// The latent code between the halves, in f32 (dequantized from, or quantized into, the
    /// int8 half).
    pub latent: [f32; L],
    /// The decoder half's scratch.
    pub decoder: D,
}

impl<E, D, const L: usize> SplitScratch<E, D, L> {
    /// The halves' scratch with a zeroed latent code; `const` so it can initialize a `static`.
    pub const fn new(encoder: E, decoder: D) -> Self {
        SplitScratch { encoder, latent: [0.0; L], decoder }
    }
}
