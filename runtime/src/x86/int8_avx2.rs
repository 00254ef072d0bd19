//! int8 on AVX2 cores without VNNI (Zen 3, Haswell to Alder Lake): a block's requantization
//! eight outputs per instruction. The portable form is 64-bit arithmetic per output, which
//! LLVM vectorizes four lanes at a time after gathering each output's shift byte by byte
//! (about ten instructions per output: a fifth of MNIST int8's time).

use core::arch::x86_64::*;

use crate::int8::{Rq, BLOCK_I8};

/// `y[k] = requantize(acc[k], rq[k], zero_point)` for a block of 32 outputs when every shift
/// exceeds 32 (the usual case: multipliers below 1); returns `false` and writes nothing
/// otherwise. It is `crate::int8::requantize_high`'s high-word form (equal to the 64-bit
/// definition, proof there), eight lanes at a time: `vpmuldq` on the even and the odd lanes
/// for the high words of the products, `vpsravd` for the per-output shift, then the clamp.
#[inline(always)]
pub fn requantize_32(
    acc: &[i32; BLOCK_I8],
    rq: &[Rq; BLOCK_I8],
    zero_point: i32,
    y: &mut [i8; BLOCK_I8],
) -> bool {
    let m: [i32; BLOCK_I8] = core::array::from_fn(|k| rq[k].m);
    // `k = s - 32`, in 1..=30 when every `s` is in 33..=62.
    let shift: [i32; BLOCK_I8] = core::array::from_fn(|k| i32::from(rq[k].s) - 32);
    if shift.iter().fold(i32::MAX, |a, s| a.min(*s)) < 1 {
        return false;
    }
    // SAFETY: AVX2 is enabled (cfg'd by the caller). Every load reads 8 lanes at offset 8j
    // (j < 4) of a 32-lane array; the one store writes the 32 bytes of `y`.
    unsafe {
        let one = _mm256_set1_epi32(1);
        let zp = _mm256_set1_epi32(zero_point);
        let (low, high) = (_mm256_set1_epi32(-128), _mm256_set1_epi32(127));
        let mut q = [_mm256_setzero_si256(); 4];
        for (j, q) in q.iter_mut().enumerate() {
            let a = _mm256_loadu_si256(acc.as_ptr().add(8 * j).cast());
            let mv = _mm256_loadu_si256(m.as_ptr().add(8 * j).cast());
            let k = _mm256_loadu_si256(shift.as_ptr().add(8 * j).cast());
            // 64-bit products of the even lanes and of the odd lanes; their high words,
            // `⌊acc · m / 2^32⌋`, back into lanes 0..8 in order.
            let even = _mm256_mul_epi32(a, mv);
            let odd = _mm256_mul_epi32(_mm256_srli_epi64::<32>(a), _mm256_srli_epi64::<32>(mv));
            let hi = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(even), odd);
            // `(hi + 2^(k-1)) >> k`: |hi| < 2^30 and 2^(k-1) <= 2^29, no overflow.
            let round = _mm256_sllv_epi32(one, _mm256_sub_epi32(k, one));
            let t = _mm256_srav_epi32(_mm256_add_epi32(hi, round), k);
            *q = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(t, zp), low), high);
        }
        // Already in -128..=127: the saturating packs are exact. Packing interleaves the
        // 128-bit lanes; the permutation restores output order.
        let words01 = _mm256_packs_epi32(q[0], q[1]);
        let words23 = _mm256_packs_epi32(q[2], q[3]);
        let bytes = _mm256_packs_epi16(words01, words23);
        let ordered = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256(y.as_mut_ptr().cast(), ordered);
    }
    true
}

/// `acc[k] += w[p][k][0] · x[2p] + w[p][k][1] · x[2p + 1]` for the `N < 32` outputs after a
/// layer's last full block, `x` packed in pairs as for [`crate::x86::block_i8_32`] (eight
/// outputs per `vpmaddwd`). The portable loop there is vectorized by LLVM across input pairs,
/// gathering weights byte by byte: about 50 instructions per pair for MNIST's 16 tail outputs.
#[inline(always)]
pub fn tail_i8<const P: usize, const N: usize>(
    w: &[[[i8; 2]; N]; P],
    x: &[i32; P],
    acc: &mut [i32; N],
) {
    // SAFETY (both closures): AVX2 is enabled (cfg'd by the caller); registers only.
    let broadcast = |pair: &i32| unsafe { _mm256_set1_epi32(*pair) };
    crate::x86::tail_lanes(w, x.iter().map(broadcast), acc, |a, w8, xv| unsafe {
        _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_cvtepi8_epi16(w8), xv))
    });
}

/// `q[k] = clamp(roundf(v[k] · inv_scale) + zero_point, -128, 127)` (round half away from
/// zero, NaN to the zero point: `crate::int8::quantize_into`'s rule), sixteen at a time: the
/// AVX-512 form's steps (`x86/int8.rs`, `quantize_16`) on two 256-bit halves. The portable
/// form's saturating `as i32` is a scalar `cvttss2si` and two `cmov`s per value on x86.
// VNNI builds take the 512-bit form; the tests still compare this one.
#[cfg_attr(
    all(target_feature = "avx512f", target_feature = "avx512bw", target_feature = "avx512vnni"),
    allow(dead_code)
)]
#[inline(always)]
pub fn quantize_16(v: &[f32; 16], inv_scale: f32, zero_point: i32, q: &mut [i8; 16]) {
    // SAFETY: AVX2 is enabled (cfg'd by the caller); the loads read the 16 floats of `v`
    // (offsets 0 and 8), the store writes the 16 bytes of `q`.
    unsafe {
        let limit = _mm256_set1_ps(1_048_576.0);
        let (half, minus_half) = (_mm256_set1_ps(0.5), _mm256_set1_ps(-0.5));
        let zp = _mm256_set1_epi32(zero_point);
        let mut r = [_mm256_setzero_si256(); 2];
        for (j, r) in r.iter_mut().enumerate() {
            let w =
                _mm256_mul_ps(_mm256_loadu_ps(v.as_ptr().add(8 * j)), _mm256_set1_ps(inv_scale));
            // NaN becomes 0 (`NaN as i32` is 0 and no rounding step applies to it).
            let w = _mm256_and_ps(w, _mm256_cmp_ps::<_CMP_ORD_Q>(w, w));
            // Past ±2^20 every value ends at -128 or 127 alike; inside, truncation is exact.
            let w =
                _mm256_max_ps(_mm256_min_ps(w, limit), _mm256_sub_ps(_mm256_setzero_ps(), limit));
            let t = _mm256_cvttps_epi32(w);
            // Exact: below 2^23 the difference is the fraction.
            let fraction = _mm256_sub_ps(w, _mm256_cvtepi32_ps(t));
            // All-ones masks: subtracting `up` adds one, adding `down` subtracts one.
            let up = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_GE_OQ>(fraction, half));
            let down = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_LE_OQ>(fraction, minus_half));
            let t = _mm256_add_epi32(_mm256_sub_epi32(t, up), down);
            // |t| <= 2^20 + 1: adding the zero point cannot overflow.
            *r = _mm256_add_epi32(t, zp);
        }
        // Saturating packs clamp to [-128, 127]; the permutation undoes their lane order.
        let words = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(r[0], r[1]));
        let bytes =
            _mm_packs_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256::<1>(words));
        _mm_storeu_si128(q.as_mut_ptr().cast(), bytes);
    }
}

#[cfg(test)]
mod tests {
    use crate::int8::{requantize, Rq};

    #[test]
    fn quantize_16_equals_roundf_with_saturation() {
        let mut next = crate::x86::tests::stream(31);
        for round in 0..4000 {
            let v: [f32; 16] = core::array::from_fn(|k| match (round + k) % 5 {
                0 => f32::from_bits(next()),
                1 => (next() as i32 >> 20) as f32 + 0.5,
                2 => (next() as i32 >> 8) as f32 * 0.001,
                3 => [f32::NAN, f32::INFINITY, -f32::INFINITY, -0.5, 2.5, 1e9][k % 6],
                _ => f32::from_bits(next() & 0x437f_ffff) * if k % 2 == 0 { 1.0 } else { -1.0 },
            });
            for (inv_scale, zero_point) in [(1.0, 0), (255.0, -128), (0.01, 127), (3.7, 5)] {
                let mut q = [0i8; 16];
                super::quantize_16(&v, inv_scale, zero_point, &mut q);
                for k in 0..16 {
                    let expected = tinyae_arith::quant::quantize(v[k], inv_scale, zero_point);
                    let r = libm::roundf(v[k] * inv_scale);
                    let by_roundf = if r.is_nan() { 0 } else { r as i32 };
                    let by_roundf = by_roundf.saturating_add(zero_point).clamp(-128, 127) as i8;
                    assert_eq!(expected, by_roundf, "{:e}", v[k]);
                    assert_eq!(q[k], expected, "{:e} x {inv_scale} + {zero_point}", v[k]);
                }
            }
        }
    }

    /// `tail_i8` on `N` outputs against the plain sum of products.
    fn check_tail<const N: usize>(seed: u32) {
        let mut next = crate::x86::tests::stream(seed);
        let mut w = [[[0i8; 2]; N]; 37];
        for v in w.iter_mut().flatten().flatten() {
            *v = next() as i8;
        }
        let x: [i8; 74] = core::array::from_fn(|_| next() as i8);
        let packed: [i32; 37] = core::array::from_fn(|p| {
            (i32::from(x[2 * p]) & 0xffff) | (i32::from(x[2 * p + 1]) << 16)
        });
        let start: [i32; N] = core::array::from_fn(|k| k as i32 * 1000 - 9000);
        let mut fast = start;
        super::tail_i8(&w, &packed, &mut fast);
        for k in 0..N {
            let sum: i32 = (0..37)
                .map(|p| {
                    i32::from(w[p][k][0]) * i32::from(x[2 * p])
                        + i32::from(w[p][k][1]) * i32::from(x[2 * p + 1])
                })
                .sum();
            assert_eq!(fast[k], start[k] + sum, "N = {N}, output {k}");
        }
    }

    #[test]
    fn tail_i8_equals_the_sum_of_products() {
        check_tail::<1>(1);
        check_tail::<5>(2);
        check_tail::<8>(3);
        check_tail::<12>(4);
        check_tail::<16>(5);
        check_tail::<31>(6);
    }

    #[test]
    fn requantize_32_equals_the_64_bit_definition() {
        let mut next = crate::x86::tests::stream(21);
        for round in 0..2000 {
            let rq: [Rq; 32] = core::array::from_fn(|_| Rq {
                m: (1 << 30) | (next() as i32 & 0x3fff_ffff),
                s: 33 + (next() % 30) as u8,
            });
            let acc: [i32; 32] = core::array::from_fn(|k| match (round + k) % 4 {
                // Large sums, small sums, exact halves (the rounding), extremes.
                0 => next() as i32,
                1 => (next() as i32) >> 16,
                2 => ((next() as i32) >> 8) & !0xff | 0x80,
                _ => [i32::MIN, i32::MAX, 0, -1][k % 4],
            });
            let zp = (next() % 256) as i32 - 128;
            let mut y = [0i8; 32];
            assert!(super::requantize_32(&acc, &rq, zp, &mut y));
            for k in 0..32 {
                assert_eq!(y[k], requantize(acc[k], rq[k], zp), "round {round} output {k}");
            }
        }
    }

    #[test]
    fn requantize_32_declines_shifts_up_to_32() {
        let mut rq = [Rq { m: 1 << 30, s: 40 }; 32];
        rq[17].s = 32;
        let mut y = [5i8; 32];
        assert!(!super::requantize_32(&[1000; 32], &rq, 0, &mut y));
        assert_eq!(y, [5; 32]);
    }
}
