//! int8 on AVX2 cores (Zen 3, Haswell to Alder Lake; on VNNI cores the layers under
//! `int8::VNNI_MIN_MACS`, with `vpdpwssd` for `vpmaddwd` + `vpaddd`): a dense layer two blocks
//! of 32 outputs per pass over its inputs, each block started at its biases and finished in
//! registers — requantized eight outputs per instruction, relu as the lower clamp, a table
//! activation by `vpshufb` lookups — then stored as 32 bytes. The portable form requantizes
//! in 64-bit arithmetic per output, which LLVM vectorizes four lanes at a time after
//! gathering each output's shift byte by byte (about ten instructions per output).

use core::arch::x86_64::*;

use crate::int8::{BlockedI8, Finish, OutI8, Rq, BLOCK_I8};

/// A layer's finish as the vector code applies it: requantized values are clamped to
/// `[low, 127]` (`low` is -128, or the output zero point for relu: `max(clamp(v, -128, 127),
/// zp) = clamp(v, zp, 127)`), then mapped through the table if there is one.
#[derive(Clone, Copy)]
pub(crate) struct Fin<'a> {
    low: i32,
    table: Option<&'a [i8; 256]>,
}

impl<'a> Fin<'a> {
    #[inline(always)]
    pub(crate) fn new(f: Finish<'a>) -> Self {
        match f {
            Finish::Linear => Fin { low: -128, table: None },
            Finish::Relu(zp) => Fin { low: i32::from(zp), table: None },
            Finish::Table(t) => Fin { low: -128, table: Some(t) },
        }
    }
}

/// Eight outputs' accumulators requantized (`crate::int8::requantize_high`'s high-word form,
/// equal to the 64-bit definition when every shift exceeds 32, proof there), zero point added
/// and clamped to `[low, 127]`. `rq` points at the eight outputs' parameters, read as two
/// vectors of four `Rq` (`repr(C)`: multiplier, shift). The result's lanes are the outputs in
/// the order 0, 4, 1, 5 | 2, 6, 3, 7 (what the two `vpmuldq` leave; [`pack_32`] restores the
/// order); `bad` gains a set sign bit in some lane if a shift is 32 or less.
///
/// SAFETY: AVX2 enabled; `rq` valid for reading eight `Rq` (64 bytes).
#[inline(always)]
unsafe fn requantize_8(
    a: __m256i,
    rq: *const Rq,
    zp: __m256i,
    low: __m256i,
    bad: &mut __m256i,
) -> __m256i {
    // SAFETY: per the contract: two 32-byte loads inside the eight `Rq`.
    unsafe {
        // [m0 s0 m1 s1 | m2 s2 m3 s3] and the same for outputs 4..8.
        let v0 = _mm256_loadu_si256(rq.cast());
        let v1 = _mm256_loadu_si256(rq.add(4).cast());
        // Accumulators 0..4 and 4..8 in the low halves of the 64-bit lanes (`vpmuldq` reads
        // only those).
        let a_lo = _mm256_permutevar8x32_epi32(a, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
        let a_hi = _mm256_permutevar8x32_epi32(a, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7));
        let p0 = _mm256_mul_epi32(a_lo, v0);
        let p1 = _mm256_mul_epi32(a_hi, v1);
        // High words of the products, `⌊acc · m / 2^32⌋`, and the shifts, in the same order.
        let hi = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(p0), p1);
        let s = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(v0), v1);
        // `k = s - 32` in 1..=30 when every `s` is in 33..=62; `k - 1` is negative otherwise.
        let k1 = _mm256_sub_epi32(s, _mm256_set1_epi32(33));
        *bad = _mm256_or_si256(*bad, k1);
        let k = _mm256_add_epi32(k1, _mm256_set1_epi32(1));
        // `(hi + 2^(k-1)) >> k`: |hi| < 2^30 and 2^(k-1) <= 2^29, no overflow.
        let round = _mm256_sllv_epi32(_mm256_set1_epi32(1), k1);
        let t = _mm256_srav_epi32(_mm256_add_epi32(hi, round), k);
        _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(t, zp), low), _mm256_set1_epi32(127))
    }
}

/// Four groups from [`requantize_8`] (outputs 0..8, 8..16, 16..24, 24..32), already in
/// -128..=127, as 32 bytes in output order.
#[inline(always)]
fn pack_32(q: [__m256i; 4]) -> __m256i {
    // SAFETY: AVX2 is enabled (cfg'd by the caller); registers only.
    unsafe {
        // The saturating packs are exact. They interleave 128-bit lanes: the bytes end as
        // dwords [0 4 1 5] [8 12 9 13] [16 20 17 21] [24 28 25 29] [2 6 3 7] [10 14 11 15]
        // [18 22 19 23] [26 30 27 31]; the dword permutation brings 0..16 into the low half,
        // the byte shuffle sorts each half.
        let words01 = _mm256_packs_epi32(q[0], q[1]);
        let words23 = _mm256_packs_epi32(q[2], q[3]);
        let bytes = _mm256_packs_epi16(words01, words23);
        let halves = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        let order = _mm_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);
        _mm256_shuffle_epi8(halves, _mm256_broadcastsi128_si256(order))
    }
}

/// `t[q + 128]` for 32 int8 values `q`: for each of the table's sixteen rows of sixteen,
/// `vpshufb` looks up every value's low nibble in the row and `vpblendvb` keeps it where the
/// value's high nibble selects that row (row `r` holds `q` with high nibble `r ^ 8`). With
/// VBMI, [`lookup_64`] on the low half of a register instead (four table loads and five
/// operations on registers, not 16 rows of four).
#[inline(always)]
fn lookup_32(q: __m256i, t: &[i8; 256]) -> __m256i {
    #[cfg(all(target_feature = "avx512bw", target_feature = "avx512vbmi"))]
    // SAFETY: AVX-512F/BW/VBMI are enabled (cfg above); registers only (the upper half of the
    // widened register is undefined and its lookups are dropped).
    let out = unsafe { _mm512_castsi512_si256(lookup_64(_mm512_castsi256_si512(q), t)) };
    #[cfg(not(all(target_feature = "avx512bw", target_feature = "avx512vbmi")))]
    // SAFETY: AVX2 is enabled (cfg'd by the caller); each row load reads 16 bytes at offset
    // 16r (r < 16) of the 256-byte table.
    let out = unsafe {
        let nibble = _mm256_set1_epi8(0x0f);
        let low = _mm256_and_si256(q, nibble);
        let high = _mm256_and_si256(_mm256_srli_epi16::<4>(q), nibble);
        let mut out = _mm256_setzero_si256();
        for r in 0..16 {
            let row = _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr().add(16 * r).cast()));
            let hit = _mm256_cmpeq_epi8(high, _mm256_set1_epi8((r ^ 8) as i8));
            out = _mm256_blendv_epi8(out, _mm256_shuffle_epi8(row, low), hit);
        }
        out
    };
    out
}

/// `t[q + 128]` for 64 int8 values `q` with VBMI: each half of the table is 128 bytes, two
/// registers that `vpermi2b` indexes by the low seven bits of `q + 128`, and its top bit picks
/// the half.
#[cfg(all(target_feature = "avx512bw", target_feature = "avx512vbmi"))]
#[inline(always)]
pub(crate) fn lookup_64(q: __m512i, t: &[i8; 256]) -> __m512i {
    // SAFETY: AVX-512F/BW/VBMI are enabled (cfg above); the loads read the four 64-byte
    // quarters of the 256-byte table.
    unsafe {
        let quarter = |k: usize| _mm512_loadu_si512(t.as_ptr().add(64 * k).cast());
        let index = _mm512_xor_si512(q, _mm512_set1_epi8(i8::MIN));
        let low = _mm512_permutex2var_epi8(quarter(0), index, quarter(1));
        let high = _mm512_permutex2var_epi8(quarter(2), index, quarter(3));
        _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high)
    }
}

/// `y = finish(requantize(acc))` for a block of 32 outputs whose sums are in registers
/// (outputs 8j..8j + 8 in `acc[j]`); `false` and nothing written if some shift is 32 or less
/// (then the caller takes the scalar form).
#[inline(always)]
fn finish_32(
    acc: &[__m256i; 4],
    rq: &[Rq; BLOCK_I8],
    zero_point: i32,
    fin: Fin<'_>,
    y: &mut [i8; BLOCK_I8],
) -> bool {
    // SAFETY: AVX2 is enabled (cfg'd by the caller); `requantize_8` reads the eight `Rq` at
    // offset 8j (j < 4) of the 32; the store writes the 32 bytes of `y`.
    unsafe {
        let (zp, low) = (_mm256_set1_epi32(zero_point), _mm256_set1_epi32(fin.low));
        let mut bad = _mm256_setzero_si256();
        let q: [__m256i; 4] = core::array::from_fn(|j| {
            requantize_8(acc[j], rq.as_ptr().add(8 * j), zp, low, &mut bad)
        });
        if _mm256_movemask_ps(_mm256_castsi256_ps(bad)) != 0 {
            return false;
        }
        let mut bytes = pack_32(q);
        if let Some(t) = fin.table {
            bytes = lookup_32(bytes, t);
        }
        _mm256_storeu_si256(y.as_mut_ptr().cast(), bytes);
    }
    true
}

/// [`finish_32`] for sums in memory, else the scalar form: a full block of 32 outputs, or
/// the `N < 32` outputs after a layer's last full block (through zero-padded copies).
#[inline(always)]
pub(crate) fn finish_block(acc: &[i32], rq: &[Rq], zero_point: i32, y: &mut [i8], f: Finish<'_>) {
    let n = y.len().min(acc.len()).min(rq.len());
    if n > 0 {
        let mut a = [0i32; BLOCK_I8];
        // A shift above 32 in the padding: the vector form takes the block.
        let mut r = [Rq { m: 1 << 30, s: 40 }; BLOCK_I8];
        a[..n].copy_from_slice(&acc[..n]);
        r[..n].copy_from_slice(&rq[..n]);
        let mut out = [0i8; BLOCK_I8];
        // SAFETY: AVX2 is enabled (cfg'd by the caller); the loads read the 32 lanes of `a`.
        let v: [__m256i; 4] =
            core::array::from_fn(|j| unsafe { _mm256_loadu_si256(a.as_ptr().add(8 * j).cast()) });
        if finish_32(&v, &r, zero_point, Fin::new(f), &mut out) {
            y[..n].copy_from_slice(&out[..n]);
            return;
        }
    }
    crate::int8::finish_scalar(acc, rq, zero_point, y, f);
}

/// The scalar finish of a block whose sums are in registers (some shift is 32 or less).
#[cold]
#[inline(never)]
fn finish_32_scalar(
    acc: &[__m256i; 4],
    rq: &[Rq; BLOCK_I8],
    zero_point: i32,
    f: Finish<'_>,
    y: &mut [i8; BLOCK_I8],
) {
    let mut a = [0i32; BLOCK_I8];
    for (j, v) in acc.iter().enumerate() {
        // SAFETY: AVX2 is enabled (cfg'd by the caller); stores 32 bytes at offset 8j of `a`.
        unsafe { _mm256_storeu_si256(a.as_mut_ptr().add(8 * j).cast(), *v) };
    }
    crate::int8::finish_scalar(&a, rq, zero_point, y, f);
}

/// The input pairs of a layer as broadcastable i16x2 words (`x[2p] & 0xffff | x[2p + 1] <<
/// 16`, 0 past the end): `vpmovsxbw` sign-extends sixteen inputs into eight words at a time.
#[inline(always)]
pub(crate) fn pack_pairs<const I: usize, const P: usize>(x: &[i8; I]) -> [i32; P] {
    const { assert!(P == I.div_ceil(2)) };
    let mut packed = [0i32; P];
    let (chunks, rest) = x.as_chunks::<16>();
    let (p_chunks, p_rest) = packed.as_chunks_mut::<8>();
    for (c, p) in chunks.iter().zip(p_chunks) {
        // SAFETY: AVX2 is enabled (cfg'd by the caller); the load reads the 16 bytes of `c`,
        // the store writes the 32 bytes of `p`.
        unsafe {
            let words = _mm256_cvtepi8_epi16(_mm_loadu_si128(c.as_ptr().cast()));
            _mm256_storeu_si256(p.as_mut_ptr().cast(), words);
        }
    }
    for (p, (x0, x1)) in p_rest.iter_mut().zip(crate::int8::pairs(rest)) {
        *p = (x0 & 0xffff) | (x1 << 16);
    }
    packed
}

/// The sums of `G` blocks of 32 outputs on the same inputs, each started at its biases:
/// `acc[g][k] = bias[g][k] + Σ_p w[g][p][k][0] · x[2p] + w[g][p][k][1] · x[2p + 1]`, outputs
/// 8j..8j + 8 of block `g` in `acc[g][j]`. Each broadcast input pair feeds all `G` blocks
/// (`vpmovsxbw` widens sixteen weights, `vpmaddwd` multiplies pairs and sums them).
#[inline(always)]
pub(crate) fn blocks<const P: usize, const G: usize>(
    w: [&[[[i8; 2]; BLOCK_I8]; P]; G],
    x: &[i32; P],
    bias: [&[i32; BLOCK_I8]; G],
) -> [[__m256i; 4]; G] {
    blocks_by(w, |p| x[p], bias)
}

/// [`blocks`] with input pair `p` computed by `pair(p)` inside the loop (block-sparse layers
/// look their kept inputs up there: the scalar lookups overlap the vector multiply-adds).
#[inline(always)]
fn blocks_by<const P: usize, const G: usize>(
    w: [&[[[i8; 2]; BLOCK_I8]; P]; G],
    pair: impl Fn(usize) -> i32,
    bias: [&[i32; BLOCK_I8]; G],
) -> [[__m256i; 4]; G] {
    // SAFETY: AVX2 is enabled (cfg'd by the caller). The bias loads read 32 bytes at offset
    // 8j (j < 4) of a `[i32; 32]`; every weight load reads 16 bytes inside one
    // `[[i8; 2]; 32]` row (offsets 0, 16, 32, 48 of 64); the broadcast reads one `i32` of `x`.
    unsafe {
        let mut a: [[__m256i; 4]; G] = core::array::from_fn(|g| {
            core::array::from_fn(|j| _mm256_loadu_si256(bias[g].as_ptr().add(8 * j).cast()))
        });
        for p in 0..P {
            // Two i16 lanes: x[2p] low, x[2p + 1] high.
            let xv = _mm256_set1_epi32(pair(p));
            for (ag, wg) in a.iter_mut().zip(&w) {
                let bytes = wg[p].as_ptr().cast::<i8>();
                for (j, aj) in ag.iter_mut().enumerate() {
                    let w16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(bytes.add(16 * j).cast()));
                    *aj = madd_acc(*aj, w16, xv);
                }
            }
        }
        a
    }
}

/// `acc + (pairs of i16 products summed)`: one `vpdpwssd` where AVX-512 VNNI has it (256-bit
/// form: VL), else `vpmaddwd` then `vpaddd`. Equal: the pair sums and the total are exact
/// (the format bounds every accumulator below 2^31).
#[inline(always)]
fn madd_acc(acc: __m256i, w16: __m256i, x: __m256i) -> __m256i {
    #[cfg(all(target_feature = "avx512vnni", target_feature = "avx512vl"))]
    // SAFETY: AVX-512 VNNI and VL are enabled (cfg above); registers only.
    unsafe {
        _mm256_dpwssd_epi32(acc, w16, x)
    }
    #[cfg(not(all(target_feature = "avx512vnni", target_feature = "avx512vl")))]
    // SAFETY: AVX2 is enabled (cfg'd by the caller); registers only.
    unsafe {
        _mm256_add_epi32(acc, _mm256_madd_epi16(w16, x))
    }
}

/// One block of 32 outputs from its sums to its int8 outputs.
#[inline(always)]
pub(crate) fn finish_sums(
    acc: &[__m256i; 4],
    rq: &[Rq; BLOCK_I8],
    zero_point: i32,
    f: Finish<'_>,
    y: &mut [i8; BLOCK_I8],
) {
    if !finish_32(acc, rq, zero_point, Fin::new(f), y) {
        finish_32_scalar(acc, rq, zero_point, f, y);
    }
}

/// `crate::int8::dense_i8` on AVX2: blocks two at a time, then the odd one, then the tail.
#[inline(always)]
pub fn dense<const I: usize, const P: usize, const TILES: usize, const R: usize, const O: usize>(
    w: &BlockedI8<P, TILES, R>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: OutI8<'_, O>,
    f: Finish<'_>,
) {
    let OutI8 { bias, rq, zero_point } = out;
    let packed: [i32; P] = pack_pairs(x);
    let (b_blocks, b_tail) = bias.as_chunks::<BLOCK_I8>();
    let (r_blocks, r_tail) = rq.as_chunks::<BLOCK_I8>();
    let (y_blocks, y_tail) = y.as_chunks_mut::<BLOCK_I8>();
    let (w2, w1) = w.tiles.as_chunks::<2>();
    let (b2, b1) = b_blocks.as_chunks::<2>();
    let (r2, r1) = r_blocks.as_chunks::<2>();
    let (y2, y1) = y_blocks.as_chunks_mut::<2>();
    for (((wt, bt), rt), yt) in w2.iter().zip(b2).zip(r2).zip(y2) {
        let [a0, a1] = blocks([&wt[0], &wt[1]], &packed, [&bt[0], &bt[1]]);
        let [y0, y1] = yt;
        finish_sums(&a0, &rt[0], zero_point, f, y0);
        finish_sums(&a1, &rt[1], zero_point, f, y1);
    }
    for (((wt, bt), rt), yt) in w1.iter().zip(b1).zip(r1).zip(y1) {
        let [a] = blocks([wt], &packed, [bt]);
        finish_sums(&a, rt, zero_point, f, yt);
    }
    if R > 0 {
        let mut acc = [0i32; R];
        acc.copy_from_slice(b_tail);
        tail_i8(&w.tail, &packed, &mut acc);
        finish_block(&acc, r_tail, zero_point, y_tail, f);
    }
}

/// `crate::block_sparse::dense_block_sparse_i8` on AVX2: per block of 32 outputs, the dense
/// block with each kept input pair looked up
/// inside the multiply-add loop (the scalar lookups overlap the vector work; `vpgatherdd`
/// measured slower on Zen 3, docs/BENCHMARKS.md), then its finish in registers.
#[inline(always)]
pub fn dense_block_sparse<
    const I: usize,
    const P: usize,
    const G: usize,
    const R: usize,
    const O: usize,
>(
    w: &crate::block_sparse::BlockSparseI8<P, G, R>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: OutI8<'_, O>,
    f: Finish<'_>,
) {
    let OutI8 { bias, rq, zero_point } = out;
    let (b_blocks, b_tail) = bias.as_chunks::<BLOCK_I8>();
    let (r_blocks, r_tail) = rq.as_chunks::<BLOCK_I8>();
    let (y_blocks, y_tail) = y.as_chunks_mut::<BLOCK_I8>();
    for ((((tile, ix), bb), rb), yb) in
        w.tiles.iter().zip(&w.index).zip(b_blocks).zip(r_blocks).zip(y_blocks)
    {
        let [a] = blocks_by([tile], |p| kept_pair(x, ix[p]), [bb]);
        finish_sums(&a, rb, zero_point, f, yb);
    }
    if R > 0 {
        let packed = gather_pairs(x, &w.tail_index);
        let mut acc = [0i32; R];
        acc.copy_from_slice(b_tail);
        tail_i8(&w.tail, &packed, &mut acc);
        finish_block(&acc, r_tail, zero_point, y_tail, f);
    }
}

/// `x[i0] & 0xffff | x[i1] << 16` for a kept pair `[i0, i1]`; an index past the inputs (the
/// pad of an odd count, whose weights are zero) reads 0.
#[inline(always)]
fn kept_pair<const I: usize>(x: &[i8; I], [i0, i1]: [u16; 2]) -> i32 {
    let at = |i: u16| x.get(usize::from(i)).map_or(0, |v| i32::from(*v));
    (at(i0) & 0xffff) | (at(i1) << 16)
}

/// The kept pairs of the tail, packed for [`tail_i8`].
#[inline(always)]
fn gather_pairs<const I: usize, const P: usize>(x: &[i8; I], index: &[[u16; 2]; P]) -> [i32; P] {
    core::array::from_fn(|p| kept_pair(x, index[p]))
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
    use crate::int8::Rq;

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

    /// The vector finish of a block of `N` outputs against `finish_one`, on random
    /// parameters with every shift above 32 (the vector path), and with one at or below.
    fn check_finish<const N: usize>(seed: u32, low_shift: bool) {
        use crate::int8::{finish_one, Finish};
        let mut next = crate::x86::tests::stream(seed);
        let mut table = [0i8; 256];
        for v in table.iter_mut() {
            *v = next() as i8;
        }
        for round in 0..500 {
            let mut rq: [Rq; N] = core::array::from_fn(|_| Rq {
                m: (1 << 30) | (next() as i32 & 0x3fff_ffff),
                s: 33 + next() % 30,
            });
            if low_shift {
                rq[round % N].s = 1 + next() % 32;
            }
            let acc: [i32; N] = core::array::from_fn(|k| match (round + k) % 4 {
                // Large sums, small sums, exact halves (the rounding), extremes.
                0 => next() as i32,
                1 => (next() as i32) >> 16,
                2 => ((next() as i32) >> 8) & !0xff | 0x80,
                _ => [i32::MIN, i32::MAX, 0, -1][k % 4],
            });
            let zp = (next() % 256) as i32 - 128;
            let relu = (next() % 256) as i32 as i8;
            for f in [Finish::Linear, Finish::Relu(relu), Finish::Table(&table)] {
                let mut y = [0i8; N];
                super::finish_block(&acc, &rq, zp, &mut y, f);
                for k in 0..N {
                    let want = finish_one(acc[k], rq[k], zp, f);
                    assert_eq!(y[k], want, "N {N} round {round} output {k} {f:?}");
                }
                if let (Ok(a), Ok(r)) =
                    (<&[i32; 32]>::try_from(&acc[..]), <&[Rq; 32]>::try_from(&rq[..]))
                {
                    let v: [core::arch::x86_64::__m256i; 4] = core::array::from_fn(|j| unsafe {
                        core::arch::x86_64::_mm256_loadu_si256(a.as_ptr().add(8 * j).cast())
                    });
                    let mut y2 = [0i8; 32];
                    super::finish_sums(&v, r, zp, f, &mut y2);
                    assert_eq!(&y2[..], &y[..], "finish_sums, round {round} {f:?}");
                }
            }
        }
    }

    #[test]
    fn vector_finish_equals_finish_one() {
        check_finish::<32>(21, false);
        check_finish::<32>(22, true);
        check_finish::<1>(23, false);
        check_finish::<7>(24, true);
        check_finish::<16>(25, false);
        check_finish::<31>(26, false);
    }

    #[test]
    fn table_lookup_maps_every_value() {
        let mut next = crate::x86::tests::stream(5);
        let table: [i8; 256] = core::array::from_fn(|_| next() as i8);
        for start in (0..256).step_by(32) {
            let q: [i8; 32] = core::array::from_fn(|k| (start + k) as u8 as i8);
            let mut y = [0i8; 32];
            // SAFETY: AVX2 is enabled (this module's cfg); loads and stores 32 bytes.
            unsafe {
                use core::arch::x86_64::*;
                let v = super::lookup_32(_mm256_loadu_si256(q.as_ptr().cast()), &table);
                _mm256_storeu_si256(y.as_mut_ptr().cast(), v);
            }
            for k in 0..32 {
                assert_eq!(y[k], table[usize::from(q[k] as u8 ^ 0x80)], "q = {}", q[k]);
            }
        }
    }

    #[test]
    fn packed_pairs_equal_the_portable_packing() {
        let x: [i8; 45] = core::array::from_fn(|i| (i as i32 * 37 - 100) as i8);
        let packed: [i32; 23] = super::pack_pairs(&x);
        for (p, (x0, x1)) in packed.iter().zip(crate::int8::pairs(&x)) {
            assert_eq!(*p, (x0 & 0xffff) | (x1 << 16));
        }
    }

    #[test]
    fn two_blocks_equal_the_sum_of_products() {
        let mut next = crate::x86::tests::stream(41);
        let mut w = [[[[0i8; 2]; 32]; 29]; 2];
        for v in w.iter_mut().flatten().flatten().flatten() {
            *v = next() as i8;
        }
        let x: [i8; 58] = core::array::from_fn(|_| next() as i8);
        let packed: [i32; 29] = super::pack_pairs(&x);
        let bias: [[i32; 32]; 2] =
            core::array::from_fn(|g| core::array::from_fn(|k| (g * 32 + k) as i32 * 977 - 30_000));
        let sums = super::blocks([&w[0], &w[1]], &packed, [&bias[0], &bias[1]]);
        for g in 0..2 {
            let mut got = [0i32; 32];
            for (j, v) in sums[g].iter().enumerate() {
                // SAFETY: AVX2 is enabled (this module's cfg); stores 32 bytes at offset 8j.
                unsafe {
                    core::arch::x86_64::_mm256_storeu_si256(got.as_mut_ptr().add(8 * j).cast(), *v)
                };
            }
            for k in 0..32 {
                let sum: i32 = (0..29)
                    .map(|p| {
                        i32::from(w[g][p][k][0]) * i32::from(x[2 * p])
                            + i32::from(w[g][p][k][1]) * i32::from(x[2 * p + 1])
                    })
                    .sum();
                assert_eq!(got[k], bias[g][k] + sum, "block {g} output {k}");
            }
        }
    }

    #[test]
    fn kept_pairs_equal_the_indexed_inputs() {
        let mut next = crate::x86::tests::stream(61);
        let x: [i8; 45] = core::array::from_fn(|_| next() as i8);
        // Index 45 is the pad of an odd count: it reads 0.
        let index: [[u16; 2]; 19] = core::array::from_fn(|p| {
            [(next() % 45) as u16, if p % 5 == 4 { 45 } else { (next() % 45) as u16 }]
        });
        let packed = super::gather_pairs(&x, &index);
        for (p, [i0, i1]) in index.iter().enumerate() {
            let at = |i: u16| x.get(usize::from(i)).map_or(0, |v| i32::from(*v));
            assert_eq!(packed[p], (at(*i0) & 0xffff) | (at(*i1) << 16), "pair {p}");
        }
    }
}
