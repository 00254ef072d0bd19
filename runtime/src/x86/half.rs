//! f16 dense blocks with 512-bit vectors on AVX-512 builds: `vcvtph2ps` widens sixteen halves
//! per instruction (exactly), then a multiply and an add per output in input order, as the
//! portable loop of `half.rs` does, so results are equal bit for bit.

use core::arch::x86_64::*;

use super::f32::{load32, store32};
use crate::half::BLOCK_W;

/// `acc[g][k] += x[i] · widen(w[g][i][k])` for every input in order, `G` blocks of 32 f16
/// weights per input on the same inputs (`2G` accumulator registers).
#[inline(always)]
pub fn blocks_f16<const I: usize, const G: usize>(
    w: [&[[u16; BLOCK_W]; I]; G],
    x: impl Iterator<Item = f32>,
    acc: [&mut [f32; BLOCK_W]; G],
) {
    // SAFETY: AVX-512F (with F16C) is enabled (cfg'd by the caller). Every weight load reads 32
    // bytes at offset 0 or 32 of one `[u16; 32]` row (64 bytes), unaligned form; the
    // accumulators load and store through `load32`/`store32`.
    unsafe {
        let mut a = acc.each_ref().map(|acc| load32(acc));
        for (i, xi) in (0..I).zip(x) {
            let xv = _mm512_set1_ps(xi);
            for (a, w) in a.iter_mut().zip(w) {
                let h = w[i].as_ptr();
                let lo = _mm512_cvtph_ps(_mm256_loadu_si256(h.cast()));
                let hi = _mm512_cvtph_ps(_mm256_loadu_si256(h.add(16).cast()));
                // Multiply, then add: the portable loop's two roundings.
                a[0] = _mm512_add_ps(a[0], _mm512_mul_ps(xv, lo));
                a[1] = _mm512_add_ps(a[1], _mm512_mul_ps(xv, hi));
            }
        }
        for (a, acc) in a.into_iter().zip(acc) {
            store32(a, acc);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::half::{Stored, F16};

    #[test]
    fn f16_blocks_equal_the_portable_loop_bit_for_bit() {
        use crate::x86::tests::{f16_data, stream};
        let (w, x) = f16_data::<53, 32>(&mut stream(11));
        let start: [f32; 32] = core::array::from_fn(|k| k as f32 * 0.25 - 3.0);
        let mut expected = start;
        for (xi, row) in x.iter().zip(&w) {
            for (a, h) in expected.iter_mut().zip(row) {
                let product = *xi * F16.widen(*h);
                *a += product;
            }
        }
        let (mut a, mut b) = (start, start);
        super::blocks_f16([&w, &w], x.iter().copied(), [&mut a, &mut b]);
        assert_eq!(a.map(f32::to_bits), expected.map(f32::to_bits));
        assert_eq!(b.map(f32::to_bits), expected.map(f32::to_bits));
    }
}
