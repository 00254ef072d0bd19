//! Const-generic kernels the generated code calls for layers too large to unroll.
//!
//! Weights are stored in blocks of [`BLOCK`] outputs, each transposed (`w[i][o]`), and applied
//! in "axpy" form: every output of a block starts at its bias and gains `x[i] * w[i][o]` input
//! by input, so each output adds its terms in input order, like the reference interpreter, and
//! results agree bit for bit on every target. How a block is computed depends on the target:
//!
//! - SIMD targets (`simd.rs`): four blocks at a time in vector registers (vectorized across
//!   outputs: Rust never reassociates a float sum, so a dot product per output could not be);
//! - Arm cores with a single-precision FPU, `eabihf` (`vfp.rs`): a register-blocked
//!   micro-kernel that loads sixteen weights per instruction (`blocks.rs` drives it);
//! - other scalar cores (soft float, Xtensa; `blocks.rs`): one small loop shared by every layer.
//!
//! Each product is added separately (`acc + x * w`, two roundings) or fused (one rounding), as
//! the layer's [`Mac`] type says (the macro's `fma` option; `mac.rs`): every kernel above has
//! both forms, and the reference interpreter follows the same choice.
//!
//! No kernel can panic: every index is an iterator over arrays or a checked sub-slice.

pub mod act;
pub mod branchless;
#[cfg(test)]
mod float_cases;
mod mac;

pub use mac::{Fused, Mac, Separate};

// Which targets take the SIMD kernels is named once, in `tinyae-arith`; the code generator
// writes the same predicate before the weight order made for them.
use tinyae_arith::by_simd;

by_simd! {
    yes: {
        mod simd;
        use simd as imp;
        // Used by the scalar cores' block loop; compiled here for its tests.
        #[allow(dead_code)]
        mod exact;
        /// Whether vector registers are there for a loop of branch-free activations to fill.
        const SIMD: bool = true;
    }
    no: {
        mod blocks;
        use blocks as imp;
        mod exact;
        /// Whether vector registers are there for a loop of branch-free activations to fill.
        const SIMD: bool = false;
    }
}
/// `core::arch::asm!` of a micro-kernel that keeps its sums and operands in the
/// single-precision registers: `s0` up to the register named first (`s28`, `s29` or `s31`)
/// declared clobbered (the compiler saves the callee-saved `s16`-`s31` among them), and no
/// stack used. The operands before the clobbers end with a comma.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
macro_rules! asm_clobbering {
    (s28; $($asm:tt)*) => {
        asm_clobbering!(@ [] $($asm)*)
    };
    (s29; $($asm:tt)*) => {
        asm_clobbering!(@ [out("s29") _,] $($asm)*)
    };
    (s31; $($asm:tt)*) => {
        asm_clobbering!(@ [out("s29") _, out("s30") _, out("s31") _,] $($asm)*)
    };
    (@ [$($more:tt)*] $($asm:tt)*) => {
        core::arch::asm!(
            $($asm)*
            out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
            out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _, out("s16") _,
            out("s17") _, out("s18") _, out("s19") _, out("s20") _, out("s21") _,
            out("s22") _, out("s23") _, out("s24") _, out("s25") _, out("s26") _,
            out("s27") _, out("s28") _, $($more)*
            options(nostack),
        )
    };
}

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
pub(crate) mod vfp;
// The convolution kernels of the same cores (`runtime/src/rows.rs` calls them).
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
pub(crate) mod vfp_conv;
// The LSTM's gate sums on the same cores (`runtime/src/lstm.rs` calls them).
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
pub(crate) mod vfp_gates;
// The int8 kernel for Arm DSP cores (`tinyae_arith::dsp::DSP_PREDICATE`).
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
pub(crate) mod dsp;
// The int8 kernel for 32-bit RISC-V cores (`tinyae_arith::rv32::RV32_PREDICATE`).
#[cfg(target_arch = "riscv32")]
pub(crate) mod rv32;

pub use act::Activation;

/// Outputs per block of [`Blocked`] weights: one row of a block is `BLOCK` floats
/// (`tinyae_arith::layout::BLOCK`, which the code generator lays weights out by).
pub use tinyae_arith::layout::BLOCK;

/// Dense-layer weights, blocked by outputs so a block's accumulators stay in registers.
///
/// Output `t * BLOCK + k` (for `t < TILES`) takes its weights from `tiles[t][i][k]`; the last
/// `R < BLOCK` outputs from `tail[i][k]`. Each block's weights are one contiguous run, read front
/// to back once per inference.
// x86: rows of 64 bytes start on cache lines, so no 512-bit load straddles two.
#[cfg_attr(target_arch = "x86_64", repr(align(64)))]
#[derive(Debug)]
pub struct Blocked<const I: usize, const TILES: usize, const R: usize> {
    /// Full blocks of [`BLOCK`] outputs, each transposed: `[input][output in block]`.
    pub tiles: [[[f32; BLOCK]; I]; TILES],
    /// The remaining `R` outputs, transposed.
    pub tail: [[f32; R]; I],
}

/// A dense layer's constant data: weights, bias and (first layer) input scaling, in a
/// `static` the generated code builds at compile time with [`Dense::new`], in the form the
/// target's kernel reads (on scalar cores as slices: one shared function computes every layer
/// of every model, so a layer's call passes one address instead of a dozen constants).
///
/// `M` is how each product is added ([`Separate`] or [`Fused`], the macro's `fma` option): a
/// type, so a kernel is compiled only in the form its model uses.
#[derive(Debug)]
pub struct Dense<
    'a,
    const I: usize,
    const TILES: usize,
    const R: usize,
    const O: usize,
    M: Mac = Separate,
>(imp::Layer<'a, I, TILES, R, O, M>);

impl<'a, const I: usize, const TILES: usize, const R: usize, const O: usize, M: Mac>
    Dense<'a, I, TILES, R, O, M>
{
    /// The layer `y = act(b + W x')`, where `x' = (x - offset) * scale` (raw inputs scaled on
    /// the fly: no buffer as large as the input) when `scaling` is given, else `x' = x`; an
    /// output starts from `+0.0` when there is no bias.
    pub const fn new(
        w: &'a Blocked<I, TILES, R>,
        bias: Option<&'a [f32; O]>,
        scaling: Option<&'a Scaling<'a, I>>,
    ) -> Self {
        const { assert!(R < BLOCK && TILES * BLOCK + R == O) };
        Dense(imp::Layer::new(w, bias, scaling))
    }
}

/// `y = act(b + W x')` for the layer `layer` (see [`Dense::new`]), each product added in
/// the layer's form `M`.
#[inline(always)]
pub fn dense<const I: usize, const TILES: usize, const R: usize, const O: usize, M: Mac>(
    layer: &Dense<'_, I, TILES, R, O, M>,
    x: &[f32; I],
    y: &mut [f32; O],
    act: impl Activation,
) {
    imp::dense(&layer.0, x, y, act, M::default());
}

/// Raw inputs the scalar-core dense kernel scales at a time into a buffer on its stack, for a
/// first layer of `inputs` inputs: at most a third of the input, 16 to 256 values (fewer,
/// longer chunks cost fewer passes over the weight blocks; a smaller buffer less RAM). SIMD
/// targets scale each input where they read it and need no buffer.
///
/// The generated `FRAME_BYTES` adds this buffer to [`crate::FRAME_ALLOWANCE`], so the RAM
/// constants cover it on every target.
pub const fn scaled_input_chunk(inputs: usize) -> usize {
    if inputs >= 768 {
        256
    } else if inputs >= 384 {
        128
    } else if inputs >= 192 {
        64
    } else {
        16
    }
}

/// Stack bytes of [`scaled_input_chunk`]'s buffer.
pub const fn scaled_input_buffer_bytes(inputs: usize) -> usize {
    scaled_input_chunk(inputs) * core::mem::size_of::<f32>()
}

/// The input scaling `x' = (x - offset) * scale` and its inverse `x = x' * range + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scaling<'a, const N: usize> {
    /// The same constants for every feature (e.g. image pixels).
    Uniform {
        /// Subtracted first.
        offset: f32,
        /// `1 / range`, rounded to f32.
        scale: f32,
        /// Multiplied when mapping back.
        range: f32,
    },
    /// One set of constants per feature.
    PerFeature {
        /// Subtracted first.
        offset: &'a [f32; N],
        /// `1 / range`, rounded to f32.
        scale: &'a [f32; N],
        /// Multiplied when mapping back.
        range: &'a [f32; N],
    },
}

/// Maps model outputs back to user units in place: `y = y * range + offset`.
#[inline(always)]
pub fn unscale<const N: usize>(y: &mut [f32; N], scaling: &Scaling<'_, N>) {
    match *scaling {
        Scaling::Uniform { offset, range, .. } => {
            for v in y.iter_mut() {
                *v = *v * range + offset;
            }
        }
        Scaling::PerFeature { offset, range, .. } => {
            for ((v, r), o) in y.iter_mut().zip(range).zip(offset) {
                *v = *v * *r + *o;
            }
        }
    }
}

/// How reconstruction error is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    Mae,
}

/// The reconstruction error between raw input `x` (scaled on the fly when `scaling` is given)
/// and the model's scaled-space output `y`: terms summed in order, then divided by `N`.
#[inline(always)]
pub fn score<const N: usize>(
    metric: Metric,
    x: &[f32; N],
    scaling: Option<&Scaling<'_, N>>,
    y: &[f32; N],
) -> f32 {
    let term = |d: f32| match metric {
        Metric::Mse => d * d,
        Metric::Mae => d.abs(),
    };
    let mut sum = 0.0f32;
    match scaling {
        Some(Scaling::Uniform { offset, scale, .. }) => {
            for (xi, yi) in x.iter().zip(y) {
                sum += term((*xi - *offset) * *scale - *yi);
            }
        }
        Some(Scaling::PerFeature { offset, scale, .. }) => {
            for (((xi, yi), o), s) in x.iter().zip(y).zip(*offset).zip(*scale) {
                sum += term((*xi - *o) * *s - *yi);
            }
        }
        None => {
            for (xi, yi) in x.iter().zip(y) {
                sum += term(*xi - *yi);
            }
        }
    }
    sum / N as f32
}

/// Turns the means in `z` into samples `z + exp(0.5 * log_var) * eps`, element by element.
#[inline(always)]
pub fn reparameterize_into<const L: usize>(z: &mut [f32; L], log_var: &[f32; L], eps: &[f32; L]) {
    for ((zi, lv), e) in z.iter_mut().zip(log_var).zip(eps) {
        *zi = crate::activation::reparameterize(*zi, *lv, *e);
    }
}
