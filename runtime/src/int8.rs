//! int8 layers: integer-only inference between quantizing the input and dequantizing the
//! output, exactly as `tinyae_core::quant` defines it (docs/FORMAT.md, "int8 layers").
//!
//! Accumulators are i32 and start at a bias with the input zero point folded in at compile
//! time (`bias - zero_point · Σ w`): integer sums are exact (the format bounds them below
//! 2^31), so any order and any folding give the reference's value. Then each output is
//! requantized with its fixed-point multiplier and shift and finished (relu, or a table).

/// How a layer's requantized values become its outputs.
#[derive(Debug, Clone, Copy)]
pub enum Finish<'a> {
    /// Requantized to the output parameters.
    Linear,
    /// Requantized to the output parameters, then `max(q, zero_point)`.
    Relu(i8),
    /// Requantized to the pre-activation parameters, then mapped: entry `q + 128`.
    Table(&'a [i8; 256]),
}

/// The fixed-point requantization of one output channel.
///
/// `repr(C)` with a 32-bit shift: eight bytes per output and no padding, so x86 loads four
/// outputs' parameters as one 256-bit vector (`x86/int8_avx2.rs`, multipliers in the even
/// lanes, shifts in the odd ones).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Rq {
    /// Multiplier in `[2^30, 2^31)`.
    pub m: i32,
    /// Right shift in `[1, 62]`.
    pub s: u32,
}

/// An int8 layer's requantization, as the generated code passes it to every dense kernel: the
/// sums start at `bias` (the input zero point's share folded in), then output `o` is
/// requantized by `rq[o]` to `zero_point`. `O` ties them to the layer's outputs at compile time.
///
/// The [`Finish`] stays a separate argument: moved into this struct it is copied once more
/// between stack slots, LLVM then drops that slot's lifetime markers and the Cortex-M4F frames
/// and instruction counts of the int8 firmware change (scripts/quant-measure.py).
#[derive(Debug, Clone, Copy)]
pub struct OutI8<'a, const O: usize> {
    /// The i32 sums' starting values.
    pub bias: &'a [i32; O],
    /// Each output's fixed-point requantization.
    pub rq: &'a [Rq; O],
    /// The zero point of the requantized values.
    pub zero_point: i32,
}

/// `clamp(((acc · m + 2^(s-1)) >> s) + zero_point, -128, 127)`, in 64-bit arithmetic
/// (`tinyae_arith::quant::requantize`, the reference's definition); on 32-bit cores through
/// [`requantize_high`].
#[inline(always)]
pub fn requantize(acc: i32, rq: Rq, zero_point: i32) -> i8 {
    #[cfg(target_pointer_width = "32")]
    return requantize_high(acc, rq, zero_point);
    #[cfg(not(target_pointer_width = "32"))]
    tinyae_arith::quant::requantize(acc, rq.m, rq.s, zero_point)
}

/// [`requantize`] for 32-bit cores: for the usual shifts `s > 32` only the high word of the
/// product is needed. With `acc · m = hi · 2^32 + lo` (`0 <= lo < 2^32`) and `k = s - 32`,
/// `(acc · m + 2^(s-1)) >> s = ⌊(hi + 2^(k-1) + lo / 2^32) / 2^k⌋ = (hi + 2^(k-1)) >> k`,
/// because adding a fraction below 1 to an integer never crosses a multiple of `2^k`. Neither
/// sum overflows: `|acc · m| < 2^62`, so `|hi| < 2^30`, and `2^(k-1) <= 2^29`. On RV32 that is
/// one `mulh` and a 32-bit shift instead of a 64-bit multiply, add and variable shift.
/// Shifts up to 32 take the 64-bit definition.
#[inline(always)]
pub fn requantize_high(acc: i32, rq: Rq, zero_point: i32) -> i8 {
    let s = rq.s;
    if s <= 32 {
        return tinyae_arith::quant::requantize(acc, rq.m, s, zero_point);
    }
    let hi = ((i64::from(acc) * i64::from(rq.m)) >> 32) as i32;
    let k = s - 32;
    let t = hi.wrapping_add(1i32.wrapping_shl(k - 1)).wrapping_shr(k);
    t.wrapping_add(zero_point).clamp(-128, 127) as i8
}

/// The output of one channel: requantized, then finished.
#[inline(always)]
pub fn finish_one(acc: i32, rq: Rq, zero_point: i32, f: Finish<'_>) -> i8 {
    apply(requantize(acc, rq, zero_point), f)
}

/// [`finish_one`] with the 64-bit requantization on every target, for straight-line code: it
/// reads each output's multiplier and shift from a `static`, and there the branch of
/// [`requantize_high`] cost more than it saved (Cortex-M4F, ECG5000 int8 80 % pruned
/// `unroll = full`: 8,568 instructions against 8,000).
#[inline(always)]
pub fn finish_one_wide(acc: i32, rq: Rq, zero_point: i32, f: Finish<'_>) -> i8 {
    apply(tinyae_arith::quant::requantize(acc, rq.m, rq.s, zero_point), f)
}

/// A requantized value finished: kept, clamped below at the zero point, or mapped.
#[inline(always)]
fn apply(q: i8, f: Finish<'_>) -> i8 {
    match f {
        Finish::Linear => q,
        Finish::Relu(zp) => q.max(zp),
        Finish::Table(t) => t[usize::from(q as u8 ^ 0x80)],
    }
}

pub use tinyae_arith::layout::BLOCK_I8;

mod dsp;
pub use dsp::{dense_i8_dsp, DspI8};
mod rv32;
pub use rv32::{dense_i8_rv32, Rv32I8};

/// Dense int8 weights blocked by outputs, input pairs interleaved: `tiles[t][p][k]` holds the
/// weights of inputs `2p` and `2p + 1` into output `t * 32 + k` (a zero pads an odd input
/// count), so one load feeds two multiply-adds per output (`vpmaddwd` on x86).
// x86: rows of 64 bytes start on cache lines, so no 512-bit load straddles two.
#[cfg_attr(target_arch = "x86_64", repr(align(64)))]
#[derive(Debug)]
pub struct BlockedI8<const P: usize, const TILES: usize, const R: usize> {
    /// Full blocks of 32 outputs.
    pub tiles: [[[[i8; 2]; BLOCK_I8]; P]; TILES],
    /// The remaining `R < 32` outputs.
    pub tail: [[[i8; 2]; R]; P],
}

/// VNNI builds run a layer of fewer MACs than this in the AVX2 form (`x86/int8_avx2.rs`, with
/// `vpdpwssd` for its multiply-adds): its blocks finish in registers, while the `vpdpbusd`
/// form (`x86/int8.rs`) pays passes over the whole layer's sums (bias, requantization,
/// activation) that only a large layer's faster multiply-adds repay. Measured on AMD Zen 4
/// (docs/BENCHMARKS.md): with 64 products per `vpdpbusd` and VBMI table lookups, ECG5000 int8
/// `reconstruct_q` (layers of 256 and 4,480 MACs) 275 ns at 8,192 and 262 ns at 2,048 or 4,096
/// (its 4,480-MAC layers in `vpdpbusd`); MNIST int8 2.58 µs at each. (When `vpdpbusd` took 32
/// products, the AVX2 form had taken ECG5000 from 370 to 306 ns at 8,192.)
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx512f",
    target_feature = "avx512bw",
    target_feature = "avx512vnni"
))]
const VNNI_MIN_MACS: usize = 2048;

/// A quantized dense layer: `y[o] = finish(requantize(bias[o] + Σ_i w[o][i] · x[i]))`, with
/// `bias` already holding the input zero point's share.
#[inline(always)]
pub fn dense_i8<
    const I: usize,
    const P: usize,
    const TILES: usize,
    const R: usize,
    const O: usize,
>(
    w: &BlockedI8<P, TILES, R>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: OutI8<'_, O>,
    f: Finish<'_>,
) {
    const { assert!(R < BLOCK_I8 && BLOCK_I8 * TILES + R == O && P == I.div_ceil(2)) };
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx512f",
        target_feature = "avx512bw",
        target_feature = "avx512vnni"
    ))]
    if const { I * O < VNNI_MIN_MACS } {
        crate::x86::int8_avx2::dense(w, x, y, out, f);
    } else {
        let mut acc = [0i32; O];
        accumulate_vnni(w, out.bias, x, &mut acc);
        crate::x86::int8::requantize_all(&acc, out.rq, out.zero_point, y);
        finish_requantized(y, f);
    }
    // AVX2 without VNNI: two blocks per pass, finished in registers (`x86/int8_avx2.rs`).
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        not(all(
            target_feature = "avx512f",
            target_feature = "avx512bw",
            target_feature = "avx512vnni"
        ))
    ))]
    crate::x86::int8_avx2::dense(w, x, y, out, f);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
    blocked(w, x, y, out, f);
}

/// [`dense_i8`] a block of 32 outputs at a time, finishing each block while it is in registers
/// (x86 with AVX2 takes `x86/int8_avx2.rs`'s form).
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
#[inline(always)]
fn blocked<const I: usize, const P: usize, const TILES: usize, const R: usize, const O: usize>(
    w: &BlockedI8<P, TILES, R>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: OutI8<'_, O>,
    f: Finish<'_>,
) {
    let OutI8 { bias, rq, zero_point } = out;
    // x86: the input pairs as broadcastable i16x2 words, once per layer.
    #[cfg(target_arch = "x86_64")]
    let packed: [i32; P] = {
        let mut packed = [0i32; P];
        for (p, (x0, x1)) in packed.iter_mut().zip(pairs(x)) {
            *p = (x0 & 0xffff) | (x1 << 16);
        }
        packed
    };
    let mut y_blocks = y.chunks_exact_mut(BLOCK_I8);
    let mut b_blocks = bias.chunks_exact(BLOCK_I8);
    let mut r_blocks = rq.chunks_exact(BLOCK_I8);
    for ((tile, yb), (bb, rb)) in
        w.tiles.iter().zip(&mut y_blocks).zip((&mut b_blocks).zip(&mut r_blocks))
    {
        let mut acc = [0i32; BLOCK_I8];
        for (a, b) in acc.iter_mut().zip(bb) {
            *a = *b;
        }
        #[cfg(target_arch = "x86_64")]
        crate::x86::block_i8_32_sse2(tile, &packed, &mut acc);
        #[cfg(not(target_arch = "x86_64"))]
        block(tile, x, &mut acc);
        finish_block(&acc, rb, zero_point, yb, f);
    }
    let mut acc = [0i32; R];
    for (a, b) in acc.iter_mut().zip(b_blocks.remainder()) {
        *a = *b;
    }
    block(&w.tail, x, &mut acc);
    finish_block(&acc, r_blocks.remainder(), zero_point, y_blocks.into_remainder(), f);
}

/// `acc = bias + W x` through the VNNI blocks (`x86/int8.rs`): their sums carry
/// `128 · Σ x` (unsigned weights), taken off here once per layer.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx512f",
    target_feature = "avx512bw",
    target_feature = "avx512vnni"
))]
#[inline(always)]
fn accumulate_vnni<
    const I: usize,
    const P: usize,
    const TILES: usize,
    const R: usize,
    const O: usize,
>(
    w: &BlockedI8<P, TILES, R>,
    bias: &[i32; O],
    x: &[i8; I],
    acc: &mut [i32; O],
) {
    use crate::x86::int8::blocks_vnni;
    let offset = x.iter().fold(0i32, |s, v| s.wrapping_add(i32::from(*v))).wrapping_mul(128);
    let (blocks, tail) = acc.as_chunks_mut::<BLOCK_I8>();
    let (groups, rest) = w.tiles.as_chunks::<4>();
    let (acc_groups, acc_rest) = blocks.as_chunks_mut::<4>();
    for (group, a) in groups.iter().zip(acc_groups) {
        blocks_vnni(group, x, a);
    }
    if let (Ok(three), Ok(a)) = (<&[_; 3]>::try_from(rest), <&mut [_; 3]>::try_from(&mut *acc_rest))
    {
        blocks_vnni(three, x, a);
    } else if let (Ok(two), Ok(a)) =
        (<&[_; 2]>::try_from(rest), <&mut [_; 2]>::try_from(&mut *acc_rest))
    {
        blocks_vnni(two, x, a);
    } else if let (Ok(one), Ok(a)) =
        (<&[_; 1]>::try_from(rest), <&mut [_; 1]>::try_from(&mut *acc_rest))
    {
        blocks_vnni(one, x, a);
    }
    for (a, b) in blocks.as_flattened_mut().iter_mut().zip(bias) {
        *a = a.wrapping_add(*b).wrapping_sub(offset);
    }
    if R > 0 {
        let mut t = [0i32; R];
        for (t, b) in t.iter_mut().zip(bias.iter().skip(TILES * BLOCK_I8)) {
            *t = *b;
        }
        // The AVX2 tail (eight outputs per `vpmaddwd`); the portable `block` gathers weights
        // byte by byte.
        let packed = crate::x86::int8_avx2::pack_pairs::<I, P>(x);
        crate::x86::int8_avx2::tail_i8(&w.tail, &packed, &mut t);
        for (a, t) in tail.iter_mut().zip(t) {
            *a = t;
        }
    }
}

/// Applies the finish to already requantized outputs.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx512f",
    target_feature = "avx512bw",
    target_feature = "avx512vnni"
))]
#[inline(always)]
fn finish_requantized(y: &mut [i8], f: Finish<'_>) {
    match f {
        Finish::Linear => {}
        Finish::Relu(zp) => {
            for v in y.iter_mut() {
                *v = (*v).max(zp);
            }
        }
        Finish::Table(t) => {
            // VBMI: 64 lookups per two byte permutes (`x86/int8.rs`), the rest one by one.
            #[cfg(target_feature = "avx512vbmi")]
            let y = {
                let (chunks, rest) = y.as_chunks_mut::<64>();
                for chunk in chunks {
                    crate::x86::int8::look_up_64(t, chunk);
                }
                rest
            };
            for v in y.iter_mut() {
                *v = t[usize::from(*v as u8 ^ 0x80)];
            }
        }
    }
}

/// The int8 values of input pair `p` as `(x[2p], x[2p + 1])`, 0 past the end.
#[inline(always)]
pub(crate) fn pairs(x: &[i8]) -> impl Iterator<Item = (i32, i32)> + '_ {
    x.chunks(2).map(|c| {
        (i32::from(c.first().copied().unwrap_or(0)), i32::from(c.get(1).copied().unwrap_or(0)))
    })
}

/// One block of `N` outputs, portable: i32 accumulators gain both inputs of every pair in
/// turn (axpy form, so the loop vectorizes across outputs).
// x86 with AVX2 takes `x86/int8_avx2.rs`'s `tail_i8` instead.
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
#[inline(always)]
fn block<const P: usize, const N: usize, const I: usize>(
    w: &[[[i8; 2]; N]; P],
    x: &[i8; I],
    acc: &mut [i32; N],
) {
    for (row, (x0, x1)) in w.iter().zip(pairs(x)) {
        for (a, wp) in acc.iter_mut().zip(row) {
            let t =
                i32::from(wp[0]).wrapping_mul(x0).wrapping_add(i32::from(wp[1]).wrapping_mul(x1));
            *a = a.wrapping_add(t);
        }
    }
}

/// Requantizes and finishes a block's sums (x86 with AVX2 finishes in registers instead,
/// `x86/int8_avx2.rs`).
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
#[inline(always)]
pub(crate) fn finish_block(acc: &[i32], rq: &[Rq], zero_point: i32, y: &mut [i8], f: Finish<'_>) {
    finish_scalar(acc, rq, zero_point, y, f);
}

/// [`finish_one`] output by output: the scalar finish every vector form falls back to.
#[inline(always)]
pub(crate) fn finish_scalar(acc: &[i32], rq: &[Rq], zero_point: i32, y: &mut [i8], f: Finish<'_>) {
    for ((y, a), r) in y.iter_mut().zip(acc).zip(rq) {
        *y = finish_one(*a, *r, zero_point, f);
    }
}

/// Quantizes raw input for the first int8 layer: scaled as f32 (`(x - offset) · scale`) when
/// the model has input scaling, then `clamp(roundf(v · inv_scale) + zero_point)`.
#[inline(always)]
pub fn quantize_into<const N: usize>(
    x: &[f32; N],
    scaling: Option<&crate::Scaling<'_, N>>,
    inv_scale: f32,
    zero_point: i32,
    q: &mut [i8; N],
) {
    // x86 with AVX2 (AVX-512 builds too): scaled with the same f32 operations, rounded sixteen
    // at a time by `x86::quantize_16`. Each chunk is scaled in place by straight vector code
    // (`scale_16`); built element by element instead (`array::from_fn` around the scaling
    // `match`), each chunk was an out-of-line call whose sixteen scalar stores were read back
    // as one vector, a failed store forward per chunk (MNIST int8's 784 inputs: about 0.3 µs
    // of `reconstruct_into`'s 3.2 on AMD Zen 4).
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    {
        let (chunks, rest) = x.as_chunks::<16>();
        let (q_chunks, q_rest) = q.as_chunks_mut::<16>();
        for (c, (xc, out)) in chunks.iter().zip(q_chunks).enumerate() {
            let mut v = *xc;
            scale_16(scaling, c, &mut v);
            crate::x86::quantize_16(&v, inv_scale, zero_point, out);
        }
        // The last `N % 16` through a zero-padded chunk: vector code as well.
        if !rest.is_empty() {
            let mut v = [0.0f32; 16];
            for (vk, xk) in v.iter_mut().zip(rest) {
                *vk = *xk;
            }
            scale_16(scaling, chunks.len(), &mut v);
            let mut out = [0i8; 16];
            crate::x86::quantize_16(&v, inv_scale, zero_point, &mut out);
            for (qi, o) in q_rest.iter_mut().zip(out) {
                *qi = o;
            }
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
    let quantize = |v: f32| tinyae_arith::quant::quantize(v, inv_scale, zero_point);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
    match scaling {
        None => {
            for (q, v) in q.iter_mut().zip(x) {
                *q = quantize(*v);
            }
        }
        Some(crate::Scaling::Uniform { offset, scale, .. }) => {
            for (q, v) in q.iter_mut().zip(x) {
                *q = quantize((*v - *offset) * *scale);
            }
        }
        Some(crate::Scaling::PerFeature { offset, scale, .. }) => {
            for (((q, v), o), s) in q.iter_mut().zip(x).zip(*offset).zip(*scale) {
                *q = quantize((*v - *o) * *s);
            }
        }
    }
}

/// Chunk `c` of the raw input (`v`, inputs `16c..16c + 16`) scaled in place: `(v - offset) ·
/// scale`, the reference's two f32 operations; past the `N` features (a zero-padded last
/// chunk) the per-feature constants read as 0.
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(always)]
fn scale_16<const N: usize>(scaling: Option<&crate::Scaling<'_, N>>, c: usize, v: &mut [f32; 16]) {
    match scaling {
        None => {}
        Some(crate::Scaling::Uniform { offset, scale, .. }) => {
            for e in v.iter_mut() {
                *e = (*e - *offset) * *scale;
            }
        }
        Some(crate::Scaling::PerFeature { offset, scale, .. }) => {
            match (offset.as_chunks::<16>().0.get(c), scale.as_chunks::<16>().0.get(c)) {
                (Some(o), Some(s)) => {
                    for ((e, o), s) in v.iter_mut().zip(o).zip(s) {
                        *e = (*e - *o) * *s;
                    }
                }
                _ => {
                    let at = |a: &[f32; N], k: usize| a.get(16 * c + k).copied().unwrap_or(0.0);
                    for (k, e) in v.iter_mut().enumerate() {
                        *e = (*e - at(offset, k)) * at(scale, k);
                    }
                }
            }
        }
    }
}

pub use tinyae_arith::quant::round_half_away;

/// `y = (q - zero_point) · scale` in f32.
#[inline(always)]
pub fn dequantize_into<const N: usize>(q: &[i8; N], scale: f32, zero_point: i32, y: &mut [f32; N]) {
    for (y, q) in y.iter_mut().zip(q) {
        *y = (i32::from(*q) - zero_point) as f32 * scale;
    }
}

crate::scratch::scratch_type! {
    /// Scratch for an int8 model's `*_into` functions: `S` bytes of int8 activations.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct ScratchI8([i8; S] = 0);
    views q_front, q_back, q_front_to_back, q_back_to_front;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `quantize_into` equals the definition (`(v - offset) · scale`, then `quant::quantize`)
    /// on every input, for each kind of scaling, on widths with and without a partial last
    /// chunk of sixteen (the x86 forms' padded chunk) and with values at the rounding ties,
    /// the saturation limits and NaN.
    #[test]
    fn quantize_into_is_the_definition() {
        fn check<const N: usize>(seed: u32) {
            let mut next = crate::test_data::stream(seed);
            let mut value = move || {
                f32::from_bits(next() % 0x4380_0000)
                    * if seed.is_multiple_of(2) { 1.0 } else { -1.0 }
            };
            let mut x: [f32; N] = core::array::from_fn(|_| value());
            let edges = [0.5, -0.5, 1.5, -2.5, 127.5, -128.5, 1e9, -1e9, f32::NAN, 0.0];
            for (v, e) in x.iter_mut().zip(edges) {
                *v = e;
            }
            let offset: [f32; N] = core::array::from_fn(|i| (i % 7) as f32 * 0.25 - 0.5);
            let scale: [f32; N] = core::array::from_fn(|i| 1.0 + (i % 5) as f32 * 0.125);
            let range: [f32; N] = core::array::from_fn(|i| 1.0 / scale[i]);
            let scalings = [
                None,
                Some(crate::Scaling::Uniform { offset: 0.75, scale: 1.5, range: 2.0 / 3.0 }),
                Some(crate::Scaling::PerFeature { offset: &offset, scale: &scale, range: &range }),
            ];
            for (inv_scale, zero_point) in [(1.0, 0), (0.37, -11), (3.0, 100)] {
                for scaling in &scalings {
                    let mut q = [0i8; N];
                    quantize_into(&x, scaling.as_ref(), inv_scale, zero_point, &mut q);
                    for (i, (q, v)) in q.iter().zip(&x).enumerate() {
                        let scaled = match scaling {
                            None => *v,
                            Some(crate::Scaling::Uniform { offset, scale, .. }) => {
                                (*v - *offset) * *scale
                            }
                            Some(crate::Scaling::PerFeature { offset, scale, .. }) => {
                                (*v - offset[i]) * scale[i]
                            }
                        };
                        let want = tinyae_arith::quant::quantize(scaled, inv_scale, zero_point);
                        assert_eq!(*q, want, "N {N}, input {i} ({v:e}), zero point {zero_point}");
                    }
                }
            }
        }
        check::<3>(1);
        check::<16>(2);
        check::<40>(3);
        check::<140>(4);
    }

    /// The high-word requantization equals the 64-bit definition on every shift, on the
    /// extreme accumulators and multipliers and on a dense pseudo-random sample.
    #[test]
    fn requantize_high_is_the_definition() {
        let mut next = crate::test_data::stream64(0x2545_f491_4f6c_dd1d);
        let edges =
            [i32::MIN, i32::MIN + 1, -1 << 20, -65_536, -1, 0, 1, 65_535, 1 << 20, i32::MAX];
        for s in 1u32..=62 {
            for m in [1 << 30, (1 << 30) + 1, 1_518_500_250, i32::MAX - 1, i32::MAX] {
                for zp in [-128, -3, 0, 5, 127] {
                    for acc in edges {
                        let want = tinyae_arith::quant::requantize(acc, m, s, zp);
                        assert_eq!(requantize_high(acc, Rq { m, s }, zp), want, "{acc} {m} {s}");
                    }
                }
            }
            for _ in 0..20_000 {
                let r = next();
                let acc = r as i32 >> (r >> 59); // every magnitude
                let m = (1 << 30) | (next() as i32 & ((1 << 30) - 1));
                let zp = (next() % 256) as i32 - 128;
                let want = tinyae_arith::quant::requantize(acc, m, s, zp);
                assert_eq!(requantize_high(acc, Rq { m, s }, zp), want, "{acc} {m} {s} {zp}");
            }
        }
    }

    #[test]
    fn table_index_is_q_plus_128() {
        let mut t = [0i8; 256];
        t[0] = 5;
        t[255] = 9;
        let rq = Rq { m: 1 << 30, s: 30 }; // × 1
        assert_eq!(finish_one(-128, rq, 0, Finish::Table(&t)), 5);
        assert_eq!(finish_one(127, rq, 0, Finish::Table(&t)), 9);
    }
}
