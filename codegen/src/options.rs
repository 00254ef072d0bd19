//! The macro's options and the policy that turns them into per-layer decisions.

/// How layers are turned into code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unroll {
    /// Every multiply-accumulate is a statement with the weight as an immediate.
    Full,
    /// Weights in `static` arrays, applied by const-generic runtime kernels.
    Loops,
    /// [`Unroll::Full`] for layers of at most [`AUTO_FULL_MAX_MACS`] MACs, loops above.
    Auto,
}

/// Largest layer `auto` unrolls fully.
///
/// Measured on this project's x86 machine (docs/UNROLL.md, `bench/run`): the blocked kernels
/// vectorize across outputs and beat straight-line code from 16 MACs per layer (by 2× and more
/// from 32 MACs, and 4× on the ECG-sized model as a whole), while straight-line code only ties
/// them on the 6-MAC layers of the 3-2-3 sensor model, at the same code size. So `auto`
/// unrolls only such tiny layers, where there is no loop to vectorize.
pub const AUTO_FULL_MAX_MACS: usize = 8;

impl Unroll {
    /// Whether a layer with `macs` multiply-accumulates is emitted fully unrolled.
    pub fn full_for(self, macs: usize) -> bool {
        match self {
            Unroll::Full => true,
            Unroll::Loops => false,
            Unroll::Auto => macs <= AUTO_FULL_MAX_MACS,
        }
    }
}

/// Which halves of the model to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// Encoder and decoder: the whole API.
    All,
    /// Only `encode` (compress on the device, decompress elsewhere).
    Encoder,
    /// Only `decode`.
    Decoder,
}

impl Parts {
    /// Whether the encoder's layers are emitted.
    pub fn encoder(self) -> bool {
        matches!(self, Parts::All | Parts::Encoder)
    }

    /// Whether the decoder's layers are emitted.
    pub fn decoder(self) -> bool {
        matches!(self, Parts::All | Parts::Decoder)
    }
}

/// Everything that shapes the generated code besides the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Unrolling policy.
    pub unroll: Unroll,
    /// Which halves to emit.
    pub parts: Parts,
}

impl Default for Options {
    fn default() -> Self {
        Options { unroll: Unroll::Auto, parts: Parts::All }
    }
}
