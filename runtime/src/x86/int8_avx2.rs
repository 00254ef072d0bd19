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

#[cfg(test)]
mod tests {
    use crate::int8::{requantize, Rq};

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
