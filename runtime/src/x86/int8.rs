//! int8 blocks with VNNI (`vpdpbusd`: four u8 × i8 products summed into each 32-bit lane)
//! and the vectorized requantization, on AVX-512 (F, BW, VNNI) builds.
//!
//! The weights keep codegen's layout (`BlockedI8`: per input pair, 32 outputs × two bytes).
//! `vpdpbusd` wants its unsigned operand per lane as four bytes of one output, so two rows
//! (input pairs `2q` and `2q + 1`) are interleaved word by word in registers (`vpunpcklwd`,
//! `vpunpckhwd`): each 32-bit lane then holds one output's weights for four consecutive inputs,
//! multiplied by those four inputs broadcast, 64 products per `vpdpbusd`. The weights are the
//! unsigned operand after flipping their sign bit (`w ^ 0x80 = w + 128`, one XOR per 64
//! bytes), so each sum is `Σ w·x + 128 · Σ x`; the caller subtracts `128 · Σ x` once per
//! layer. Integer sums are exact and bounded below 2^31 by the format, so the result equals the
//! reference interpreter's whatever the order.

use core::arch::x86_64::*;

use crate::int8::{Rq, BLOCK_I8};

/// `out[g][k] = Σ_p (w[g][p][k][0] + 128) · x[2p] + (w[g][p][k][1] + 128) · x[2p + 1]` for `G`
/// blocks of 32 outputs on the same `I` inputs (`x[I]` reads as 0 when `I` is odd). Four
/// inputs as they lie in memory are the bytes each `vpdpbusd` lane multiplies.
#[inline(always)]
pub fn blocks_vnni<const I: usize, const P: usize, const G: usize>(
    w: &[[[[i8; 2]; BLOCK_I8]; P]; G],
    x: &[i8; I],
    out: &mut [[i32; BLOCK_I8]; G],
) {
    const { assert!(P == I.div_ceil(2)) };
    // SAFETY: AVX-512F/BW/VNNI are enabled (cfg'd by the caller). Each weight load reads the
    // 64 bytes of one `[[i8; 2]; 32]` row (`p < P`); each store writes one `[i32; 32]` (128
    // bytes, two 64-byte halves). Unaligned forms throughout.
    unsafe {
        let flip = _mm512_set1_epi8(i8::MIN);
        let row = |g: usize, p: usize| {
            _mm512_xor_si512(_mm512_loadu_si512(w[g][p].as_ptr().cast()), flip)
        };
        // Lane j of 128-bit lane l: outputs 8l + j in `lo`, 8l + 4 + j in `hi` (j < 4).
        let mut lo = [_mm512_setzero_si512(); G];
        let mut hi = [_mm512_setzero_si512(); G];
        // Inputs 4q..4q + 4 (`bytes`) against rows `a` (pair 2q, the low words) and `b`.
        let mut quad = |bytes: [i8; 4], a: usize, b: usize| {
            let xv = _mm512_set1_epi32(i32::from_le_bytes(bytes.map(|v| v as u8)));
            for g in 0..G {
                let (ra, rb) = (row(g, a), row(g, b));
                lo[g] = _mm512_dpbusd_epi32(lo[g], _mm512_unpacklo_epi16(ra, rb), xv);
                hi[g] = _mm512_dpbusd_epi32(hi[g], _mm512_unpackhi_epi16(ra, rb), xv);
            }
        };
        let (quads, rest) = x.as_chunks::<4>();
        for (q, bytes) in quads.iter().enumerate() {
            quad(*bytes, 2 * q, 2 * q + 1);
        }
        // One to three inputs left, padded with zeros: with one or two, pair `P - 1` is the
        // last and stands in for the missing second row, whose inputs are the zeros.
        if !rest.is_empty() {
            let mut bytes = [0i8; 4];
            for (b, v) in bytes.iter_mut().zip(rest) {
                *b = *v;
            }
            let a = 2 * quads.len();
            quad(bytes, a, (a + 1).min(P - 1));
        }
        // `lo` holds outputs 0-3, 8-11, 16-19, 24-27 and `hi` 4-7, 12-15, 20-23, 28-31.
        let first = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
        let second =
            _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
        for g in 0..G {
            let dst = out[g].as_mut_ptr();
            _mm512_storeu_si512(dst.cast(), _mm512_permutex2var_epi32(lo[g], first, hi[g]));
            _mm512_storeu_si512(
                dst.add(16).cast(),
                _mm512_permutex2var_epi32(lo[g], second, hi[g]),
            );
        }
    }
}

/// `y[k] = clamp(((acc[k] · m + 2^(s-1)) >> s) + zero_point, -128, 127)` for every output
/// (`crate::int8::requantize`, eight outputs per instruction in 64-bit lanes).
#[inline(always)]
pub fn requantize_all<const O: usize>(
    acc: &[i32; O],
    rq: &[Rq; O],
    zero_point: i32,
    y: &mut [i8; O],
) {
    let (acc_chunks, acc_rest) = acc.as_chunks::<8>();
    let (rq_chunks, rq_rest) = rq.as_chunks::<8>();
    let (y_chunks, y_rest) = y.as_chunks_mut::<8>();
    for ((a, r), out) in acc_chunks.iter().zip(rq_chunks).zip(y_chunks) {
        let m: [i64; 8] = core::array::from_fn(|k| i64::from(r[k].m));
        let s: [i64; 8] = core::array::from_fn(|k| i64::from(r[k].s));
        // SAFETY: AVX-512F is enabled (cfg'd by the caller); the loads read the 8 values of
        // `a` (32 bytes), `m` and `s` (64 bytes each); the store writes the 8 bytes of `out`.
        unsafe {
            let acc64 = _mm512_cvtepi32_epi64(_mm256_loadu_si256(a.as_ptr().cast()));
            let m = _mm512_loadu_si512(m.as_ptr().cast());
            let s = _mm512_loadu_si512(s.as_ptr().cast());
            let one = _mm512_set1_epi64(1);
            let round = _mm512_sllv_epi64(one, _mm512_sub_epi64(s, one));
            // `vpmuldq`: the signed low halves, multiplied into 64 bits.
            let t = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mul_epi32(acc64, m), round), s);
            let q = _mm512_cvtsepi64_epi8(_mm512_add_epi64(
                t,
                _mm512_set1_epi64(i64::from(zero_point)),
            ));
            _mm_storel_epi64(out.as_mut_ptr().cast(), q);
        }
    }
    for ((a, r), out) in acc_rest.iter().zip(rq_rest).zip(y_rest) {
        *out = crate::int8::requantize(*a, *r, zero_point);
    }
}

/// `y[k] = table[y[k] + 128]` for 64 outputs (an int8 activation's lookup, in registers by
/// `int8_avx2::lookup_64`).
#[cfg(target_feature = "avx512vbmi")]
#[inline(always)]
pub fn look_up_64(table: &[i8; 256], y: &mut [i8; 64]) {
    // SAFETY: AVX-512F/BW are enabled (cfg'd by the caller); the load reads and the store
    // writes the 64 bytes of `y`.
    unsafe {
        let q = _mm512_loadu_si512(y.as_ptr().cast());
        let v = super::int8_avx2::lookup_64(q, table);
        _mm512_storeu_si512(y.as_mut_ptr().cast(), v);
    }
}

/// `q[k] = clamp(roundf(v[k] · inv_scale) + zero_point, -128, 127)` (round half away from
/// zero, NaN to the zero point: `crate::int8::quantize_into`'s rule), sixteen at a time.
#[inline(always)]
pub fn quantize_16(v: &[f32; 16], inv_scale: f32, zero_point: i32, q: &mut [i8; 16]) {
    // SAFETY: AVX-512F is enabled (cfg'd by the caller); the load reads the 16 floats of `v`,
    // the store writes the 16 bytes of `q`.
    unsafe {
        let w = _mm512_mul_ps(_mm512_loadu_ps(v.as_ptr()), _mm512_set1_ps(inv_scale));
        // NaN becomes 0 (`NaN as i32` is 0 and no rounding step applies to it).
        let w = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask::<_CMP_ORD_Q>(w, w), w);
        // Past ±2^20 every value ends at -128 or 127 alike; inside, truncation is exact.
        let limit = _mm512_set1_ps(1_048_576.0);
        let w = _mm512_max_ps(_mm512_min_ps(w, limit), _mm512_sub_ps(_mm512_setzero_ps(), limit));
        let t = _mm512_cvttps_epi32(w);
        // Exact: below 2^23 the difference is the fraction.
        let fraction = _mm512_sub_ps(w, _mm512_cvtepi32_ps(t));
        let one = _mm512_set1_epi32(1);
        let up = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(fraction, _mm512_set1_ps(0.5));
        let down = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(fraction, _mm512_set1_ps(-0.5));
        let r = _mm512_mask_sub_epi32(_mm512_mask_add_epi32(t, up, t, one), down, t, one);
        // Saturating narrowing: the clamp to [-128, 127].
        let r = _mm512_add_epi32(r, _mm512_set1_epi32(zero_point));
        _mm_storeu_si128(q.as_mut_ptr().cast(), _mm512_cvtsepi32_epi8(r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::int8::{requantize, Rq};
    use crate::x86::tests::stream;

    /// Every width modulo four (a whole last quad, one, two or three inputs left over).
    #[test]
    fn vnni_blocks_equal_the_plain_sum_plus_128_times_the_input_sum() {
        fn check<const I: usize, const P: usize>(seed: u32) {
            let mut next = stream(seed);
            let mut w = [[[[0i8; 2]; BLOCK_I8]; P]; 3];
            for v in w.iter_mut().flatten().flatten().flatten() {
                *v = (next() % 255) as i32 as i8; // -128..=126 and the extremes
            }
            w[0][0][0] = [-128, 127];
            let x: [i8; I] = core::array::from_fn(|i| if i < 2 { -128 } else { next() as i8 });
            let at = |i: usize| x.get(i).map_or(0, |v| i32::from(*v));
            let mut out = [[0i32; BLOCK_I8]; 3];
            blocks_vnni(&w, &x, &mut out);
            let x_sum: i32 = x.iter().map(|v| i32::from(*v)).sum();
            for g in 0..3 {
                for k in 0..BLOCK_I8 {
                    let plain: i32 = (0..P)
                        .map(|p| {
                            i32::from(w[g][p][k][0]) * at(2 * p)
                                + i32::from(w[g][p][k][1]) * at(2 * p + 1)
                        })
                        .sum();
                    assert_eq!(out[g][k], plain + 128 * x_sum, "I {I} block {g} output {k}");
                }
            }
        }
        check::<74, 37>(3);
        check::<73, 37>(5);
        check::<75, 38>(7);
        check::<76, 38>(11);
    }

    #[cfg(target_feature = "avx512vbmi")]
    #[test]
    fn vbmi_lookup_equals_indexing_the_table() {
        let mut next = stream(23);
        let table: [i8; 256] = core::array::from_fn(|_| next() as i8);
        for round in 0..8 {
            // Round 0 holds every value -128..=127 in its four chunks.
            let y: [i8; 256] = core::array::from_fn(|k| match round {
                0 => (k as u8).wrapping_add(128) as i8,
                _ => next() as i8,
            });
            for chunk in y.as_chunks::<64>().0 {
                let mut out = *chunk;
                look_up_64(&table, &mut out);
                for (o, v) in out.iter().zip(chunk) {
                    assert_eq!(*o, table[usize::from(*v as u8 ^ 0x80)], "value {v}");
                }
            }
        }
    }

    #[test]
    fn vector_quantization_equals_roundf_then_clamp() {
        let mut next = stream(17);
        let specials = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.5,
            -0.5,
            1.5,
            -2.5,
            0.499_999_97,
            -0.499_999_97,
            127.5,
            -128.5,
            3e9,
            -3e9,
            8_388_609.0,
            -0.0,
            1e-40,
        ];
        for round in 0..200 {
            let v: [f32; 16] = core::array::from_fn(|k| match round {
                0 => specials[k],
                _ => f32::from_bits(next()) * if k % 2 == 0 { 1.0 } else { 1e-36 },
            });
            for (inv_scale, zero_point) in [(1.0, 0), (255.0, -128), (0.01, 127), (3.7, 5)] {
                let mut q = [0i8; 16];
                quantize_16(&v, inv_scale, zero_point, &mut q);
                for k in 0..16 {
                    let r = libm::roundf(v[k] * inv_scale) as i32;
                    let expected = r.saturating_add(zero_point).clamp(-128, 127) as i8;
                    assert_eq!(q[k], expected, "{:e} x {inv_scale} + {zero_point}", v[k]);
                }
            }
        }
    }

    #[test]
    fn vector_requantization_equals_the_scalar_one() {
        let mut next = stream(9);
        let mut acc = [0i32; 45];
        let mut rq = [Rq { m: 1 << 30, s: 1 }; 45];
        for (k, (a, r)) in acc.iter_mut().zip(&mut rq).enumerate() {
            *a = match k {
                0 => i32::MAX,
                1 => i32::MIN,
                2 => 0,
                _ => next() as i32 >> (next() % 31),
            };
            *r = Rq { m: (1 << 30) + (next() >> 2) as i32, s: 1 + next() % 62 };
        }
        for zero_point in [-128, -3, 0, 101, 127] {
            let mut y = [0i8; 45];
            requantize_all(&acc, &rq, zero_point, &mut y);
            for k in 0..45 {
                assert_eq!(
                    y[k],
                    requantize(acc[k], rq[k], zero_point),
                    "output {k}, zp {zero_point}"
                );
            }
        }
    }
}
