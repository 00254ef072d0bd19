//! x86-64 forms of the dense kernels, each used when the build enables its features
//! (`-C target-cpu=native`, `-C target-feature=+avx2,+f16c`, ...): here the int8 block with
//! SSE2 (every x86-64) and AVX2 and the f16 block with F16C; `int8.rs`, `f32.rs` and
//! `half.rs` the AVX-512 forms.
//!
//! Why `unsafe`: LLVM vectorizes the portable loops with 32-bit multiplies (`vpmulld`,
//! measured 9.5 µs for the MNIST-sized int8 model) and widens f16 with integer code (30 µs);
//! `vpmaddwd` (two i16 products summed into an i32 lane) and `vcvtph2ps` (eight halves to
//! floats) are reachable only through `core::arch` intrinsics, which are `unsafe` to call from
//! a function without `#[target_feature]`. Each block is narrowly scoped, the loads stay inside
//! arrays whose lengths are types, and the tests compare every result with the portable loop
//! bit for bit (int8 sums are exact integers; f16 widening is exact and the f32 multiply-adds
//! are the portable loop's, in the same order).
#![allow(unsafe_code)]

#[cfg(target_feature = "avx512f")]
pub mod f32;
#[cfg(all(target_feature = "avx512f", target_feature = "f16c"))]
pub mod half;
#[cfg(all(target_feature = "avx512f", target_feature = "avx512bw", target_feature = "avx512vnni"))]
pub mod int8;
#[cfg(target_feature = "avx2")]
pub mod int8_avx2;

/// Sixteen scaled inputs rounded to int8 (`crate::int8::quantize_into`): the 512-bit form in
/// VNNI builds, else two 256-bit halves.
#[cfg(all(
    target_feature = "avx512f",
    target_feature = "avx512bw",
    target_feature = "avx512vnni"
))]
pub use int8::quantize_16;
#[cfg(all(
    target_feature = "avx2",
    not(all(
        target_feature = "avx512f",
        target_feature = "avx512bw",
        target_feature = "avx512vnni"
    ))
))]
pub use int8_avx2::quantize_16;

use core::arch::x86_64::_mm_loadu_si128;
#[cfg(target_feature = "avx2")]
use core::arch::x86_64::{__m256i, _mm256_setzero_si256, _mm256_storeu_si256};
#[cfg(target_feature = "f16c")]
use core::arch::x86_64::{
    _mm256_add_ps, _mm256_cvtph_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps,
    _mm256_storeu_ps,
};

/// `c as i32` for `|c| <= 1024` (the branch-free activations' `trunc_small`, which clamps
/// first): `cvttps2dq`, one instruction per vector in a loop, where Rust's saturating `as`
/// becomes a scalar `cvttss2si`, a NaN test and two `cmov`s per lane.
#[inline(always)]
pub(crate) fn trunc_clamped(c: f32) -> i32 {
    // SAFETY: the caller clamps `c` to [-1024, 1024] with `max`/`min`, which return the other
    // operand for a NaN, so `c` is finite and its truncation fits in an `i32`.
    unsafe { c.to_int_unchecked::<i32>() }
}

/// `acc + x · w` rounded once (`vfmadd…ss`). After inlining, LLVM sees its `llvm.fma.f32`
/// and vectorizes a loop of them into `vfmadd…ps`, as it does `acc + x * w` into `vmulps` and
/// `vaddps`.
#[cfg(target_feature = "fma")]
#[inline(always)]
pub fn fmaf(acc: f32, x: f32, w: f32) -> f32 {
    use core::arch::x86_64::{_mm_cvtss_f32, _mm_fmadd_ss, _mm_set_ss};
    // SAFETY: the build enables FMA (cfg above); the intrinsics only touch registers.
    unsafe { _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(x), _mm_set_ss(w), _mm_set_ss(acc))) }
}

/// `acc[k] += Σ_p w[p][k][0] · x[2p] + w[p][k][1] · x[2p + 1]` for a block of 32 outputs,
/// with `x` packed as `x[2p] & 0xffff | x[2p + 1] << 16` per pair, with SSE2 only (generic
/// x86-64; AVX2 builds take `x86/int8_avx2.rs`): bytes sign-extended to i16 by unpacking each
/// byte into the high half of a word and shifting right arithmetically, then `pmaddwd` (two
/// i16 products summed into an i32 lane).
#[cfg_attr(target_feature = "avx2", allow(dead_code))]
#[inline(always)]
pub fn block_i8_32_sse2<const P: usize>(w: &[[[i8; 2]; 32]; P], x: &[i32; P], acc: &mut [i32; 32]) {
    use core::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_madd_epi16, _mm_set1_epi32, _mm_setzero_si128, _mm_srai_epi16,
        _mm_storeu_si128, _mm_unpackhi_epi8, _mm_unpacklo_epi8,
    };
    // SAFETY: SSE2 is part of x86-64. Every load reads 16 bytes inside one `[[i8; 2]; 32]`
    // row (offsets 0, 16, 32, 48 of 64), every store writes 16 bytes inside `sums` (offsets
    // 0 to 112 of 128); unaligned loads and stores are used.
    unsafe {
        let mut a: [__m128i; 8] = [_mm_setzero_si128(); 8];
        for (row, pair) in w.iter().zip(x) {
            let xv = _mm_set1_epi32(*pair);
            let bytes = row.as_ptr().cast::<i8>();
            for j in 0..4 {
                let w8 = _mm_loadu_si128(bytes.add(16 * j).cast());
                // Byte b into the high half of word b, then >> 8: the byte sign-extended.
                let lo = _mm_srai_epi16::<8>(_mm_unpacklo_epi8(w8, w8));
                let hi = _mm_srai_epi16::<8>(_mm_unpackhi_epi8(w8, w8));
                a[2 * j] = _mm_add_epi32(a[2 * j], _mm_madd_epi16(lo, xv));
                a[2 * j + 1] = _mm_add_epi32(a[2 * j + 1], _mm_madd_epi16(hi, xv));
            }
        }
        let mut sums = [0i32; 32];
        for (j, aj) in a.iter().enumerate() {
            _mm_storeu_si128(sums.as_mut_ptr().add(4 * j).cast(), *aj);
        }
        for (acc, s) in acc.iter_mut().zip(sums) {
            *acc = acc.wrapping_add(s);
        }
    }
}

/// One half widened by F16C (`vcvtph2ps`): exactly [`crate::half::f16_to_f32`] for every
/// finite half (model files hold no infinities or NaNs), in three instructions instead of
/// the portable form's dozen (biases widen through it).
#[cfg(target_feature = "f16c")]
#[inline(always)]
pub fn widen_f16(h: u16) -> f32 {
    use core::arch::x86_64::{_mm_cvtph_ps, _mm_cvtsi32_si128, _mm_cvtss_f32};
    // SAFETY: F16C is enabled (cfg above); the intrinsics only touch registers.
    unsafe { _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(i32::from(h)))) }
}

/// `acc[k] += x[i] · widen(w[i][k])` for the `N < 32` outputs after a layer's last full
/// block, input by input (as [`blocks_f16`]). Without it the tail took the portable loop,
/// which LLVM widens with integer code: a fifth of MNIST f16's time for its 16 tail outputs.
#[cfg(target_feature = "f16c")]
#[inline(always)]
pub fn tail_f16<const I: usize, const N: usize>(
    w: &[[u16; N]; I],
    x: impl Iterator<Item = f32>,
    acc: &mut [f32; N],
) {
    use core::arch::x86_64::{_mm256_castps_si256, _mm256_castsi256_ps};
    // SAFETY (both closures): AVX and F16C are enabled (cfg'd by the caller); registers only.
    let broadcast = |v: f32| unsafe { _mm256_castps_si256(_mm256_set1_ps(v)) };
    tail_lanes(w, x.map(broadcast), acc, |a, h, xv| unsafe {
        // Multiply, then add: the portable loop's two roundings.
        let (a, xv) = (_mm256_castsi256_ps(a), _mm256_castsi256_ps(xv));
        _mm256_castps_si256(_mm256_add_ps(a, _mm256_mul_ps(xv, _mm256_cvtph_ps(h))))
    });
}

/// The `N < 32` outputs after a layer's last full block, eight outputs per step (the f16 and
/// int8 tails): the accumulators, four bytes each, in four 256-bit registers; for every row and
/// chunk of eight outputs, `a = step(a, the chunk's 16 bytes of weights, the row's broadcast
/// input)`. A last chunk of fewer than eight weights is read from a zero-padded copy; padding
/// lanes are never stored back.
#[cfg(target_feature = "avx2")]
#[inline(always)]
pub(crate) fn tail_lanes<const I: usize, const N: usize, W: Copy + Default, A: Copy + Default>(
    w: &[[W; N]; I],
    x: impl Iterator<Item = __m256i>,
    acc: &mut [A; N],
    step: impl Fn(__m256i, core::arch::x86_64::__m128i, __m256i) -> __m256i,
) {
    use core::arch::x86_64::_mm256_loadu_si256;
    // Eight weights are 16 bytes, eight accumulators 32: what the loads below read.
    const { assert!(size_of::<W>() == 2 && size_of::<A>() == 4) };
    let chunks = N.div_ceil(8);
    let full = N / 8;
    let mut padded = [A::default(); 32];
    for (p, a) in padded.iter_mut().zip(acc.iter()) {
        *p = *a;
    }
    // SAFETY: AVX2 is enabled (cfg above). Full chunks read 16 bytes at offset 16j of one
    // `[W; N]` row (2-byte `W`) with 8(j + 1) <= N; the partial chunk reads a local `[W; 8]`;
    // accumulator loads and stores touch offsets 8j < 32 of `padded` (4-byte `A`).
    unsafe {
        let mut a = [_mm256_setzero_si256(); 4];
        for (j, aj) in a.iter_mut().enumerate().take(chunks) {
            *aj = _mm256_loadu_si256(padded.as_ptr().add(8 * j).cast());
        }
        for (row, xv) in w.iter().zip(x) {
            for (j, aj) in a.iter_mut().enumerate().take(chunks) {
                let w8 = if j < full {
                    _mm_loadu_si128(row.as_ptr().add(8 * j).cast())
                } else {
                    let mut last = [W::default(); 8];
                    for (l, v) in last.iter_mut().zip(&row[8 * full..]) {
                        *l = *v;
                    }
                    _mm_loadu_si128(last.as_ptr().cast())
                };
                *aj = step(*aj, w8, xv);
            }
        }
        for (j, aj) in a.iter().enumerate().take(chunks) {
            _mm256_storeu_si256(padded.as_mut_ptr().add(8 * j).cast(), *aj);
        }
    }
    for (a, p) in acc.iter_mut().zip(padded) {
        *a = p;
    }
}

#[cfg(target_feature = "f16c")]
// AVX-512 builds use `half.rs` (512-bit); the tests still compare this one.
#[cfg_attr(target_feature = "avx512f", allow(dead_code))]
/// `acc[g][k] += x[i] · widen(w[g][i][k])` for every input in order, `G` blocks of 32 f16
/// weights per input on the same inputs, accumulators in registers (`4G` of them).
#[inline(always)]
pub fn blocks_f16<const I: usize, const G: usize>(
    w: [&[[u16; 32]; I]; G],
    x: impl Iterator<Item = f32>,
    acc: [&mut [f32; 32]; G],
) {
    // SAFETY: AVX2 and F16C are enabled (cfg'd by the caller); every load reads 16 bytes
    // inside one `[u16; 32]` row (offsets 0, 16, 32, 48 of 64), every accumulator load and
    // store 32 bytes inside one `[f32; 32]` (offsets 0, 32, 64, 96 of 128); unaligned forms.
    unsafe {
        let mut a = [[_mm256_set1_ps(0.0); 4]; G];
        for (a, acc) in a.iter_mut().zip(&acc) {
            for (j, aj) in a.iter_mut().enumerate() {
                *aj = _mm256_loadu_ps(acc.as_ptr().add(8 * j));
            }
        }
        for (i, xi) in (0..I).zip(x) {
            let xv = _mm256_set1_ps(xi);
            for (a, w) in a.iter_mut().zip(w) {
                let halves = w[i].as_ptr();
                for (j, aj) in a.iter_mut().enumerate() {
                    let h = _mm_loadu_si128(halves.add(8 * j).cast());
                    // Multiply, then add: the portable loop's two roundings (no fused form).
                    *aj = _mm256_add_ps(*aj, _mm256_mul_ps(xv, _mm256_cvtph_ps(h)));
                }
            }
        }
        for (a, acc) in a.iter().zip(acc) {
            for (j, aj) in a.iter().enumerate() {
                _mm256_storeu_ps(acc.as_mut_ptr().add(8 * j), *aj);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// The xorshift stream of the x86 modules' test data.
    pub(crate) use crate::test_data::stream;

    /// `I` rows of `N` finite halves from `next` (subnormals included; model files hold no
    /// infinities or NaNs), then `I` inputs in `[-0.5, 0.5)`: the f16 kernels' test data.
    #[cfg(target_feature = "f16c")]
    pub(crate) fn f16_data<const I: usize, const N: usize>(
        next: &mut impl FnMut() -> u32,
    ) -> ([[u16; N]; I], [f32; I]) {
        let mut w = [[0u16; N]; I];
        for v in w.iter_mut().flatten() {
            *v = loop {
                let h = next() as u16;
                if h & 0x7c00 != 0x7c00 {
                    break h;
                }
            };
        }
        let x = core::array::from_fn(|_| f32::from_bits(0x3f00_0000 | (next() >> 9)) - 1.0);
        (w, x)
    }

    #[test]
    fn int8_block_equals_the_portable_loop() {
        let mut next = stream(7);
        let mut w = [[[0i8; 2]; 32]; 71];
        for v in w.iter_mut().flatten().flatten() {
            *v = (next() % 255) as i32 as i8; // -127..=127 and -128 too
        }
        let mut x = [0i8; 141]; // odd: the last pair is padded
        for v in x.iter_mut() {
            *v = next() as i8;
        }
        let start: [i32; 32] = core::array::from_fn(|k| k as i32 * 1000 - 7000);
        let (mut fast, mut portable) = (start, start);
        let packed: [i32; 71] = core::array::from_fn(|p| {
            let (x0, x1) = (i32::from(x[2 * p]), x.get(2 * p + 1).map_or(0, |v| i32::from(*v)));
            (x0 & 0xffff) | (x1 << 16)
        });
        super::block_i8_32_sse2(&w, &packed, &mut fast);
        #[cfg(target_feature = "avx2")]
        {
            let sums = super::int8_avx2::blocks([&w], &packed, [&start]);
            let mut avx2 = [0i32; 32];
            for (j, v) in sums[0].iter().enumerate() {
                // SAFETY: AVX2 is enabled (cfg above); stores 32 bytes at offset 8j.
                unsafe {
                    core::arch::x86_64::_mm256_storeu_si256(avx2.as_mut_ptr().add(8 * j).cast(), *v)
                };
            }
            assert_eq!(avx2, fast);
        }
        for (row, (x0, x1)) in w.iter().zip(crate::int8::pairs(&x)) {
            for (a, wp) in portable.iter_mut().zip(row) {
                *a += i32::from(wp[0]) * x0 + i32::from(wp[1]) * x1;
            }
        }
        assert_eq!(fast, portable);
    }

    #[cfg(target_feature = "f16c")]
    #[test]
    fn f16c_widening_equals_the_portable_form_for_every_finite_half() {
        for h in 0..=u16::MAX {
            if h & 0x7c00 != 0x7c00 {
                let (hw, portable) = (super::widen_f16(h), crate::half::f16_to_f32(h));
                assert_eq!(hw.to_bits(), portable.to_bits(), "{h:#06x}");
            }
        }
    }

    /// `tail_f16` on `N` outputs against the portable loop, bit for bit.
    #[cfg(target_feature = "f16c")]
    fn check_f16_tail<const N: usize>(seed: u32) {
        use crate::half::F16;
        let (w, x) = f16_data::<41, N>(&mut stream(seed));
        let start: [f32; N] = core::array::from_fn(|k| k as f32 * 0.25 - 3.0);
        let (mut fast, mut portable) = (start, start);
        super::tail_f16(&w, x.iter().copied(), &mut fast);
        crate::half::block(&w, F16, x.iter().copied(), &mut portable);
        assert_eq!(fast.map(f32::to_bits), portable.map(f32::to_bits), "N = {N}");
    }

    #[cfg(target_feature = "f16c")]
    #[test]
    fn f16_tail_equals_the_portable_loop_bit_for_bit() {
        check_f16_tail::<1>(3);
        check_f16_tail::<7>(4);
        check_f16_tail::<8>(5);
        check_f16_tail::<13>(6);
        check_f16_tail::<16>(7);
        check_f16_tail::<31>(8);
    }

    #[cfg(target_feature = "f16c")]
    #[test]
    fn f16_block_equals_the_portable_loop_bit_for_bit() {
        use crate::half::{Stored, F16};
        let (w, x) = f16_data::<97, 32>(&mut stream(11));
        let start: [f32; 32] = core::array::from_fn(|k| k as f32 * 0.25 - 3.0);
        let (mut fast, mut portable) = (start, start);
        super::blocks_f16([&w], x.iter().copied(), [&mut fast]);
        crate::half::block(&w, F16, x.iter().copied(), &mut portable);
        assert_eq!(fast.map(f32::to_bits), portable.map(f32::to_bits));
        let (mut a, mut b) = (start, start);
        super::blocks_f16([&w, &w], x.iter().copied(), [&mut a, &mut b]);
        assert_eq!(a.map(f32::to_bits), portable.map(f32::to_bits));
        assert_eq!(b.map(f32::to_bits), portable.map(f32::to_bits));
        let _ = F16.widen(0);
    }
}
