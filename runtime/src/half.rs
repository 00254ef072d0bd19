//! Dense layers whose weights are stored as f16 or bf16 (half the flash of f32) and computed
//! in f32: every stored value widens to f32 exactly, so results equal the reference
//! interpreter's on the same file bit for bit (it widens the same way when reading).
//!
//! The kernel is the f32 kernels' axpy form over blocks of outputs: each output starts at its
//! bias and gains `x[i] * w[i][o]` input by input, in input order.

use crate::kernels::act::Activation;

/// How values stored as `V` widen to f32 (exactly): a marker passed by value, so the
/// generated code names the storage without spelling out generic arguments.
pub trait Stored<V: Copy>: Copy {
    /// `v` as f32, exactly.
    fn widen(self, v: V) -> f32;

    /// A full block of 32 outputs: `acc[k] += x[i] * widen(w[i][k])` input by input.
    #[inline(always)]
    fn block<const I: usize>(
        self,
        w: &[[V; BLOCK_W]; I],
        x: impl Iterator<Item = f32>,
        acc: &mut [f32; BLOCK_W],
    ) {
        block(w, self, x, acc);
    }

    /// Two full blocks on the same inputs.
    #[inline(always)]
    fn block2<const I: usize>(
        self,
        wa: &[[V; BLOCK_W]; I],
        wb: &[[V; BLOCK_W]; I],
        x: impl Iterator<Item = f32> + Clone,
        a: &mut [f32; BLOCK_W],
        b: &mut [f32; BLOCK_W],
    ) {
        self.block(wa, x.clone(), a);
        self.block(wb, x, b);
    }

    /// The last `N < 32` outputs.
    #[inline(always)]
    fn tail<const I: usize, const N: usize>(
        self,
        w: &[[V; N]; I],
        x: impl Iterator<Item = f32>,
        acc: &mut [f32; N],
    ) {
        block(w, self, x, acc);
    }
}

/// Values stored as f32.
#[derive(Debug, Clone, Copy)]
pub struct F32;

/// Values stored as the bits of IEEE binary16 (`u16`).
#[derive(Debug, Clone, Copy)]
pub struct F16;

/// Values stored as the bits of bfloat16 (`u16`).
#[derive(Debug, Clone, Copy)]
pub struct Bf16;

impl Stored<f32> for F32 {
    #[inline(always)]
    fn widen(self, v: f32) -> f32 {
        v
    }
}

// The builds with an f16 kernel that widens in registers: Arm cores with a single-precision
// FPU (`vcvtb`/`vcvtt`, `half/arm.rs`) and x86 with AVX2 and F16C (`vcvtph2ps`, eight halves
// per instruction in `x86.rs`, sixteen with AVX-512 in `x86/half.rs`). Each takes one block
// or two on the same inputs (`f16_blocks`) and the last `N < 32` outputs (`f16_tail`).
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod arm;
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "f16c",
    not(target_feature = "avx512f")
))]
use crate::x86::blocks_f16 as f16_blocks;
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f", target_feature = "f16c"))]
use crate::x86::half::blocks_f16 as f16_blocks;
#[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "f16c"))]
use crate::x86::tail_f16 as f16_tail;
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
use arm::{blocks as f16_blocks, tail as f16_tail};

// The builds with an f16 kernel (above) take it for the blocks and the tail; other builds the
// trait's portable block loops over `widen`.
impl Stored<u16> for F16 {
    #[inline(always)]
    fn widen(self, v: u16) -> f32 {
        widen_f16(v)
    }

    #[cfg(any(
        all(target_arch = "arm", target_abi = "eabihf"),
        all(target_arch = "x86_64", target_feature = "avx2", target_feature = "f16c")
    ))]
    #[inline(always)]
    fn block<const I: usize>(
        self,
        w: &[[u16; BLOCK_W]; I],
        x: impl Iterator<Item = f32>,
        acc: &mut [f32; BLOCK_W],
    ) {
        f16_blocks([w], x, [acc]);
    }

    #[cfg(any(
        all(target_arch = "arm", target_abi = "eabihf"),
        all(target_arch = "x86_64", target_feature = "avx2", target_feature = "f16c")
    ))]
    #[inline(always)]
    fn block2<const I: usize>(
        self,
        wa: &[[u16; BLOCK_W]; I],
        wb: &[[u16; BLOCK_W]; I],
        x: impl Iterator<Item = f32> + Clone,
        a: &mut [f32; BLOCK_W],
        b: &mut [f32; BLOCK_W],
    ) {
        f16_blocks([wa, wb], x, [a, b]);
    }

    #[cfg(any(
        all(target_arch = "arm", target_abi = "eabihf"),
        all(target_arch = "x86_64", target_feature = "avx2", target_feature = "f16c")
    ))]
    #[inline(always)]
    fn tail<const I: usize, const N: usize>(
        self,
        w: &[[u16; N]; I],
        x: impl Iterator<Item = f32>,
        acc: &mut [f32; N],
    ) {
        f16_tail(w, x, acc);
    }
}

/// One half as f32, exactly: by F16C's `vcvtph2ps` or the Arm FPU's `vcvtb` where the build
/// has it (three instructions instead of the portable form's dozen; biases widen through it),
/// else [`f16_to_f32`].
#[inline(always)]
fn widen_f16(v: u16) -> f32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "f16c"))]
    return crate::x86::widen_f16(v);
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    return crate::kernels::vfp::widen_f16(v);
    #[cfg(not(any(
        all(target_arch = "x86_64", target_feature = "f16c"),
        all(target_arch = "arm", target_abi = "eabihf")
    )))]
    f16_to_f32(v)
}

impl Stored<u16> for Bf16 {
    #[inline(always)]
    fn widen(self, v: u16) -> f32 {
        tinyae_arith::half::bf16_to_f32(v)
    }
}

pub use tinyae_arith::half::f16_to_f32;

pub use tinyae_arith::layout::BLOCK_W;

/// Dense weights of any stored type `W`, blocked like the f32 kernels': `tiles[t][i][k]`
/// multiplies input `i` into output `t * 32 + k`; `tail[i][k]` into output `TILES * 32 + k`.
// x86: rows of 64 bytes start on cache lines, so no 512-bit load straddles two.
// Arm FPU cores: `vldmia` loads rows of halves as words.
#[cfg_attr(target_arch = "x86_64", repr(align(64)))]
#[cfg_attr(all(target_arch = "arm", target_abi = "eabihf"), repr(align(4)))]
#[derive(Debug)]
pub struct BlockedW<W, const I: usize, const TILES: usize, const R: usize> {
    /// Full blocks of 32 outputs, each transposed.
    pub tiles: [[[W; BLOCK_W]; I]; TILES],
    /// The remaining `R < 32` outputs, transposed.
    pub tail: [[W; R]; I],
}

/// `y = act(b + W x')` with `x' = (x - offset) * scale` when `scaling` is given; an output
/// starts from `+0.0` without bias.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn dense_w<
    W: Copy,
    B: Copy,
    const I: usize,
    const TILES: usize,
    const R: usize,
    const O: usize,
>(
    w: &BlockedW<W, I, TILES, R>,
    ws: impl Stored<W>,
    bias: Option<&[B; O]>,
    bs: impl Stored<B>,
    x: &[f32; I],
    scaling: Option<&crate::Scaling<'_, I>>,
    y: &mut [f32; O],
    act: impl Activation,
) {
    const { assert!(R < BLOCK_W && BLOCK_W * TILES + R == O) };
    match scaling {
        None => blocks(w, ws, bias, bs, x.iter().copied(), y, act),
        Some(crate::Scaling::Uniform { offset, scale, .. }) => {
            let (offset, scale) = (*offset, *scale);
            blocks(w, ws, bias, bs, x.iter().map(move |v| (*v - offset) * scale), y, act);
        }
        Some(crate::Scaling::PerFeature { offset, scale, .. }) => {
            let xs = x.iter().zip(*offset).zip(*scale).map(|((v, o), s)| (*v - *o) * *s);
            blocks(w, ws, bias, bs, xs, y, act);
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn blocks<W: Copy, B: Copy, const I: usize, const TILES: usize, const R: usize, const O: usize>(
    w: &BlockedW<W, I, TILES, R>,
    ws: impl Stored<W>,
    bias: Option<&[B; O]>,
    bs: impl Stored<B>,
    x: impl Iterator<Item = f32> + Clone,
    y: &mut [f32; O],
    act: impl Activation,
) {
    let mut y_blocks = y.chunks_exact_mut(BLOCK_W);
    let mut b_blocks = bias.map(|b| b.chunks_exact(BLOCK_W));
    // Two blocks at a time: twice the independent accumulators (x86 hides the latency of
    // its adds with them), and each scaled input computed once for both.
    let mut pairs = w.tiles.chunks_exact(2);
    for pair in &mut pairs {
        let (Some(ta), Some(tb)) = (pair.first(), pair.get(1)) else { continue };
        let (Some(ya), Some(yb)) = (y_blocks.next(), y_blocks.next()) else { continue };
        let (mut a, mut b) = ([0.0f32; BLOCK_W], [0.0f32; BLOCK_W]);
        start(&mut a, b_blocks.as_mut().and_then(Iterator::next), bs);
        start(&mut b, b_blocks.as_mut().and_then(Iterator::next), bs);
        ws.block2(ta, tb, x.clone(), &mut a, &mut b);
        // Two plain loops (a chained iterator does not vectorize).
        for (y, v) in ya.iter_mut().zip(a) {
            *y = act.apply(v);
        }
        for (y, v) in yb.iter_mut().zip(b) {
            *y = act.apply(v);
        }
    }
    for (tile, y_block) in pairs.remainder().iter().zip(&mut y_blocks) {
        let mut acc = [0.0f32; BLOCK_W];
        start(&mut acc, b_blocks.as_mut().and_then(Iterator::next), bs);
        ws.block(tile, x.clone(), &mut acc);
        for (y, a) in y_block.iter_mut().zip(acc) {
            *y = act.apply(a);
        }
    }
    let mut acc = [0.0f32; R];
    start(&mut acc, b_blocks.map(|b| b.remainder()), bs);
    ws.tail(&w.tail, x, &mut acc);
    for (y, a) in y_blocks.into_remainder().iter_mut().zip(acc) {
        *y = act.apply(a);
    }
}

/// Accumulators start at the widened bias (or `+0.0`).
#[inline(always)]
fn start<B: Copy, const N: usize>(acc: &mut [f32; N], bias: Option<&[B]>, bs: impl Stored<B>) {
    if let Some(b) = bias {
        for (a, b) in acc.iter_mut().zip(b) {
            *a = bs.widen(*b);
        }
    }
}

/// One block of `N` outputs, portable: every input in order, each output gaining
/// `x[i] * widen(w[i][k])`.
#[inline(always)]
pub fn block<W: Copy, const I: usize, const N: usize>(
    w: &[[W; N]; I],
    ws: impl Stored<W>,
    x: impl Iterator<Item = f32>,
    acc: &mut [f32; N],
) {
    for (xi, row) in x.zip(w) {
        // Widen the row first: a vector of conversions, then a vector of multiply-adds.
        let mut wide = [0.0f32; N];
        for (v, w) in wide.iter_mut().zip(row) {
            *v = ws.widen(*w);
        }
        for (a, w) in acc.iter_mut().zip(wide) {
            *a += xi * w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_widening_is_exact_for_every_finite_value() {
        for h in 0..=u16::MAX {
            if (h & 0x7c00) == 0x7c00 {
                continue; // inf and NaN: not allowed in a model file
            }
            let expected = f64::from(h & 0x3ff) * 2f64.powi(-24) * {
                let e = i32::from((h >> 10) & 0x1f);
                if e == 0 {
                    1.0
                } else {
                    2f64.powi(e - 1)
                }
            } + if (h >> 10) & 0x1f == 0 {
                0.0
            } else {
                2f64.powi(i32::from((h >> 10) & 0x1f) - 15)
            };
            let expected = if h & 0x8000 != 0 { -expected } else { expected };
            let got = f16_to_f32(h);
            assert_eq!(f64::from(got), expected, "{h:#06x}");
            assert_eq!(got.is_sign_negative(), h & 0x8000 != 0, "{h:#06x} sign");
        }
    }

    #[test]
    fn bf16_is_the_high_half() {
        assert_eq!(Bf16.widen(0x3f80), 1.0);
        assert_eq!(Bf16.widen(0xc040), -3.0);
    }
}
