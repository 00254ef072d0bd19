//! One emitter per layer kind, dispatched from core's list of ops
//! ([`tinyae_core::for_each_op!`]): each module implements [`EmitOp`] for its IR type, and a
//! new op without an emitter does not compile.

use proc_macro2::TokenStream;
use tinyae_core::emission::Options;
use tinyae_core::ir::{Affine, Layer, MaxPool2d, Op};
use tinyae_core::plan::Values;

/// What an op's emitter knows about the layer it emits.
#[derive(Debug)]
pub struct LayerCtx<'a> {
    /// Index of the layer (names its functions: `layer_j`).
    pub j: usize,
    /// The layer.
    pub layer: &'a Layer,
    /// The layer's input shape (an LSTM after a fused repeat reads the repeat's input instead:
    /// see [`LayerCtx::fused`]).
    pub input: &'a [usize],
    /// The shape it writes.
    pub output: &'a [usize],
    /// The model's input scaling when this layer scales raw inputs on the fly (the first
    /// layer, when it is a dense layer over the whole sample).
    pub scaling: Option<&'a Affine>,
    /// The macro's options.
    pub options: Options,
    /// Whether the layer is an LSTM reading a fused repeat's input (`plan::fused_repeat`).
    pub fused: bool,
    /// What the values between layers are.
    pub values: Values,
    /// Whether float dense layers take the expansion's `Mac` alias (the `fma` option).
    pub fma: bool,
}

impl LayerCtx<'_> {
    /// Values in the layer's input.
    pub fn input_len(&self) -> usize {
        self.input.iter().product()
    }

    /// Values it writes.
    pub fn output_len(&self) -> usize {
        self.output.iter().product()
    }
}

/// What a row stage's emitter knows besides its layer (`tinyae_core::rows::Stage`).
#[derive(Debug)]
pub struct StageCtx<'a> {
    /// Input rows in the stage's ring.
    pub depth: usize,
    /// Values of the ring.
    pub ring: usize,
    /// The `max_pool2d` fused into a `conv2d`, with its output shape.
    pub pool: Option<(&'a MaxPool2d, &'a [usize])>,
    /// Values of the fused pool's conv rows.
    pub tmp: usize,
}

/// Code for one layer kind.
pub trait EmitOp {
    /// The body of the layer's function `fn layer_j(x: &[T; IN], y: &mut [T; OUT])` (an LSTM's
    /// also takes `state: &mut [f32; E]`). Helper functions the body calls (a per-step dense
    /// layer's row function, a Gaussian head's log-variance head) go to `items`.
    fn body(&self, ctx: &LayerCtx<'_>, items: &mut TokenStream) -> TokenStream;

    /// The body of the layer's row stage `fn layer_j_rows(src, ring[, tmp]) -> impl rt::Rows`
    /// (`runtime/src/rows.rs`), for the kinds `tinyae_core::rows` streams; nothing for others,
    /// which the row plan never includes.
    fn stage(&self, _ctx: &LayerCtx<'_>, _stage: &StageCtx<'_>) -> TokenStream {
        TokenStream::new()
    }
}

macro_rules! define_emitters {
    ($( $(#[$doc:meta])* $variant:ident($module:ident::$ty:ident) = $name:literal, )*) => {
        $( mod $module; )*

        /// The emitter of `op`: the one dispatch point over layer kinds in this crate.
        pub fn emitter(op: &Op) -> &dyn EmitOp {
            match op { $( Op::$variant(op) => op, )* }
        }
    };
}

tinyae_core::for_each_op!(define_emitters);
