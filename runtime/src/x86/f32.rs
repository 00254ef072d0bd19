//! f32 dense blocks with 512-bit vectors, on AVX-512 builds.
//!
//! LLVM vectorizes the portable loop (`kernels/simd.rs`) with 256-bit registers on Intel
//! cores (its `prefer-vector-width=256`), which halves the work per instruction; explicit
//! `__m512` code does not depend on that preference. Each output still starts at its bias and
//! gains `x[i] · w[i][k]` input by input, a multiply then an add (two roundings), or one
//! `vfmadd231ps` with the `fma` option ([`Mac::FUSED`]): the reference interpreter's operations
//! in its order, so results are equal bit for bit.

use core::arch::x86_64::*;

use crate::kernels::Mac;

/// Outputs per group: four blocks of eight, stored `[input][32]` by codegen (`emit/dense.rs`).
pub const GROUP_OUTPUTS: usize = 32;

/// `acc[g][k] += x[i] · w[g][i][k]` for every input `i` in order, `G` groups of 32 outputs on
/// the same inputs (`2G` independent accumulator registers). A group is four blocks of eight
/// outputs as `Blocked` declares them, which codegen fills input by input with 32 outputs
/// each (`[input][32]`, the same floats): row `i` of group `g` is floats `32i..32i + 32`.
#[inline(always)]
pub fn groups<const I: usize, const G: usize, M: Mac>(
    w: &[[[[f32; 8]; I]; 4]; G],
    x: impl Iterator<Item = f32>,
    acc: &mut [[f32; GROUP_OUTPUTS]; G],
    _mac: M,
) {
    // SAFETY: AVX-512F is enabled (cfg'd by the caller). A group holds `4 · I · 8 = 32 · I`
    // floats; every load reads 16 floats at offset `32i` or `32i + 16` (`i < I`) of one group
    // (unaligned form); the accumulators load and store through `load32`/`store32`.
    unsafe {
        let mut a = acc.each_ref().map(load32);
        for (i, xi) in (0..I).zip(x) {
            let xv = _mm512_set1_ps(xi);
            for (a, group) in a.iter_mut().zip(w) {
                let r = group.as_ptr().cast::<f32>().add(GROUP_OUTPUTS * i);
                let (w0, w1) = (_mm512_loadu_ps(r), _mm512_loadu_ps(r.add(16)));
                // A constant per monomorphization: no branch survives.
                if <M as Mac>::FUSED {
                    a[0] = _mm512_fmadd_ps(xv, w0, a[0]);
                    a[1] = _mm512_fmadd_ps(xv, w1, a[1]);
                } else {
                    a[0] = _mm512_add_ps(a[0], _mm512_mul_ps(xv, w0));
                    a[1] = _mm512_add_ps(a[1], _mm512_mul_ps(xv, w1));
                }
            }
        }
        for (a, acc) in a.into_iter().zip(acc.iter_mut()) {
            store32(a, acc);
        }
    }
}

/// 32 accumulators in two 512-bit registers (an f32 group's, an f16 block's).
#[inline(always)]
pub(crate) fn load32(acc: &[f32; 32]) -> [__m512; 2] {
    // SAFETY: AVX-512F is enabled (this module is cfg'd on it); 16 floats at offsets 0 and 16
    // of 32, unaligned form.
    unsafe { [_mm512_loadu_ps(acc.as_ptr()), _mm512_loadu_ps(acc.as_ptr().add(16))] }
}

/// The registers of [`load32`] back into `acc`.
#[inline(always)]
pub(crate) fn store32(a: [__m512; 2], acc: &mut [f32; 32]) {
    // SAFETY: as in `load32`, for stores.
    unsafe {
        _mm512_storeu_ps(acc.as_mut_ptr(), a[0]);
        _mm512_storeu_ps(acc.as_mut_ptr().add(16), a[1]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_equal_a_multiply_then_add_per_input_in_order() {
        let mut bits = crate::x86::tests::stream(5);
        let mut next = move || f32::from_bits(0x3f00_0000 | (bits() >> 9)) - 1.25;
        let w: [[[[f32; 8]; 19]; 4]; 3] = core::array::from_fn(|_| {
            core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| next())))
        });
        // Row i of a group: floats 32i..32i + 32 of its memory.
        let row = |g: usize, i: usize, k: usize| w[g].as_flattened().as_flattened()[32 * i + k];
        let x: [f32; 19] = core::array::from_fn(|_| next() * 7.0);
        let start: [[f32; 32]; 3] = core::array::from_fn(|_| core::array::from_fn(|_| next()));
        let mut fast = start;
        let mut fused = start;
        super::groups(&w, x.iter().copied(), &mut fast, crate::kernels::Separate);
        super::groups(&w, x.iter().copied(), &mut fused, crate::kernels::Fused);
        for g in 0..3 {
            for k in 0..32 {
                let (mut expected, mut expected_fused) = (start[g][k], start[g][k]);
                for (i, xi) in x.iter().enumerate() {
                    let product = xi * row(g, i, k);
                    expected += product;
                    expected_fused = libm::fmaf(*xi, row(g, i, k), expected_fused);
                }
                assert_eq!(fast[g][k].to_bits(), expected.to_bits(), "group {g} output {k}");
                let fused = fused[g][k].to_bits();
                assert_eq!(fused, expected_fused.to_bits(), "fused: group {g} output {k}");
            }
        }
    }
}
