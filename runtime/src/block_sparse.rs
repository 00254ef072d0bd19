//! Block-sparse dense layers: in every block of [`BLOCK_SPARSE`] outputs the layer keeps the
//! same number `K` of whole input columns (`tinyae prune --pattern block`), stored as `K`
//! input indices and `K` rows of 32 weights per block. A block runs like a dense block over
//! its kept inputs, 32 accumulators at a time, with one index per 32 weights instead of one
//! per weight (the compressed rows of `sparse.rs`); blocks advance in lockstep, four at a
//! time, so their sums are independent chains.
//!
//! Each output starts at its bias and adds `x[i] · w` over its kept inputs in increasing
//! order. The code generator uses the f32 form only when every weight of a kept column is
//! non-zero, so these are exactly the reference interpreter's terms (it skips zero weights)
//! in its order: results agree bit for bit. int8 sums are exact integers, so the int8 form may
//! hold zeros and pads (any order gives the same sum).

use crate::int8::{Finish, OutI8};
use crate::kernels::act::Activation;
use crate::Scaling;

pub use tinyae_arith::layout::BLOCK_SPARSE;

/// Full blocks processed in lockstep.
const LOCKSTEP: usize = 4;

/// f32 weights of a block-sparse layer: `G` blocks of 32 outputs and a tail of `R < 32`, each
/// keeping `K` input columns.
// x86: rows of 128 bytes start on cache lines, so no 512-bit load straddles two.
#[cfg_attr(target_arch = "x86_64", repr(align(64)))]
#[derive(Debug)]
pub struct BlockSparse<const K: usize, const G: usize, const R: usize> {
    /// `tiles[g][s][k]`: the weight of input `index[g][s]` into output `32g + k`.
    pub tiles: [[[f32; BLOCK_SPARSE]; K]; G],
    /// `tail[s][k]`: the weight of input `tail_index[s]` into output `32G + k`.
    pub tail: [[f32; R]; K],
    /// Kept inputs of each full block, increasing.
    pub index: [[u16; K]; G],
    /// Kept inputs of the tail, increasing.
    pub tail_index: [u16; K],
}

/// `y = act(b + W x')` over the kept columns, with `x' = (x - offset) · scale` when `scaling`
/// is given (the first layer; computed per use, the same f32 operations each time).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn dense_block_sparse<
    const I: usize,
    const K: usize,
    const G: usize,
    const R: usize,
    const O: usize,
>(
    w: &BlockSparse<K, G, R>,
    bias: Option<&[f32; O]>,
    x: &[f32; I],
    scaling: Option<&Scaling<'_, I>>,
    y: &mut [f32; O],
    act: impl Activation,
) {
    const { assert!(R < BLOCK_SPARSE && G * BLOCK_SPARSE + R == O) };
    // Indices are below `I` (the code generator writes them so); `0.0` is never used.
    match scaling {
        None => blocks(w, bias, |i| x.get(i).copied().unwrap_or(0.0), y, act),
        Some(Scaling::Uniform { offset, scale, .. }) => {
            let (offset, scale) = (*offset, *scale);
            blocks(w, bias, |i| x.get(i).map_or(0.0, |v| (*v - offset) * scale), y, act);
        }
        Some(Scaling::PerFeature { offset, scale, .. }) => {
            let at = |i: usize| match (x.get(i), offset.get(i), scale.get(i)) {
                (Some(v), Some(o), Some(s)) => (*v - *o) * *s,
                _ => 0.0,
            };
            blocks(w, bias, at, y, act);
        }
    }
}

/// Full blocks [`LOCKSTEP`] at a time, then the rest one by one, then the tail.
#[inline(always)]
fn blocks<const K: usize, const G: usize, const R: usize, const O: usize>(
    w: &BlockSparse<K, G, R>,
    bias: Option<&[f32; O]>,
    input: impl Fn(usize) -> f32 + Copy,
    y: &mut [f32; O],
    act: impl Activation,
) {
    let (tiles, tiles_rest) = w.tiles.as_chunks::<LOCKSTEP>();
    let (index, index_rest) = w.index.as_chunks::<LOCKSTEP>();
    let mut y_blocks = y.chunks_exact_mut(BLOCK_SPARSE * LOCKSTEP);
    let mut b_blocks = bias.map(|b| b.chunks_exact(BLOCK_SPARSE * LOCKSTEP));
    for ((t, ix), yb) in tiles.iter().zip(index).zip(&mut y_blocks) {
        let b = b_blocks.as_mut().and_then(Iterator::next);
        lockstep(t, ix, b, input, yb, act);
    }
    let (y_rest, b_rest) = (y_blocks.into_remainder(), b_blocks.map(|b| b.remainder()));
    let mut y_one = y_rest.chunks_exact_mut(BLOCK_SPARSE);
    let mut b_one = b_rest.map(|b| b.chunks_exact(BLOCK_SPARSE));
    for ((t, ix), yb) in tiles_rest.iter().zip(index_rest).zip(&mut y_one) {
        let b = b_one.as_mut().and_then(Iterator::next);
        lockstep::<1, BLOCK_SPARSE, K>(
            core::array::from_ref(t),
            core::array::from_ref(ix),
            b,
            input,
            yb,
            act,
        );
    }
    let (y_tail, b_tail) = (y_one.into_remainder(), b_one.map(|b| b.remainder()));
    lockstep::<1, R, K>(
        core::array::from_ref(&w.tail),
        core::array::from_ref(&w.tail_index),
        b_tail,
        input,
        y_tail,
        act,
    );
}

/// `N` blocks of `W` outputs side by side: accumulators start at the bias, then each kept
/// column `s` adds `x[index[n][s]] · tiles[n][s][k]` to output `k` of block `n`.
#[inline(always)]
fn lockstep<const N: usize, const W: usize, const K: usize>(
    tiles: &[[[f32; W]; K]; N],
    index: &[[u16; K]; N],
    bias: Option<&[f32]>,
    input: impl Fn(usize) -> f32,
    y: &mut [f32],
    act: impl Activation,
) {
    let mut acc = [[0.0f32; W]; N];
    if let Some(b) = bias {
        for (a, b) in acc.as_flattened_mut().iter_mut().zip(b) {
            *a = *b;
        }
    }
    for s in 0..K {
        for ((a, t), ix) in acc.iter_mut().zip(tiles).zip(index) {
            let xi = input(usize::from(ix[s]));
            for (a, w) in a.iter_mut().zip(&t[s]) {
                *a += xi * *w;
            }
        }
    }
    for (y, a) in y.iter_mut().zip(acc.as_flattened()) {
        *y = act.apply(*a);
    }
}

/// int8 weights of a block-sparse layer, kept columns in pairs: `tiles[g][p][k]` holds the
/// weights of inputs `index[g][p][0]` and `index[g][p][1]` into output `32g + k`.
#[cfg_attr(target_arch = "x86_64", repr(align(64)))]
#[derive(Debug)]
pub struct BlockSparseI8<const P: usize, const G: usize, const R: usize> {
    /// Full blocks of 32 outputs.
    pub tiles: [[[[i8; 2]; BLOCK_SPARSE]; P]; G],
    /// The remaining `R < 32` outputs.
    pub tail: [[[i8; 2]; R]; P],
    /// Kept input pairs of each full block.
    pub index: [[[u16; 2]; P]; G],
    /// Kept input pairs of the tail.
    pub tail_index: [[u16; 2]; P],
}

/// The int8 form: `y[o] = finish(requantize(bias[o] + Σ w · x[i]))` over the kept columns,
/// the input zero point folded into `bias` (exact integer arithmetic).
#[inline(always)]
pub fn dense_block_sparse_i8<
    const I: usize,
    const P: usize,
    const G: usize,
    const R: usize,
    const O: usize,
>(
    w: &BlockSparseI8<P, G, R>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: OutI8<'_, O>,
    f: Finish<'_>,
) {
    const { assert!(R < BLOCK_SPARSE && G * BLOCK_SPARSE + R == O) };
    // AVX2: kept pairs looked up inside the multiply-add loop, blocks finished in registers.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    crate::x86::int8_avx2::dense_block_sparse(w, x, y, out, f);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
    blocks_i8(w, x, y, out, f);
}

/// [`dense_block_sparse_i8`] block by block, each block's kept pairs packed from their indices.
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
#[inline(always)]
fn blocks_i8<const I: usize, const P: usize, const G: usize, const R: usize, const O: usize>(
    w: &BlockSparseI8<P, G, R>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: OutI8<'_, O>,
    f: Finish<'_>,
) {
    let OutI8 { bias, rq, zero_point } = out;
    // A pad index may be `I` (odd input counts): its weights are zero, read as input 0.
    let at = |i: u16| x.get(usize::from(i)).map_or(0, |v| i32::from(*v));
    let mut y_blocks = y.chunks_exact_mut(BLOCK_SPARSE);
    let (mut b_blocks, mut r_blocks) =
        (bias.chunks_exact(BLOCK_SPARSE), rq.chunks_exact(BLOCK_SPARSE));
    for ((tile, ix), (yb, (bb, rb))) in
        w.tiles.iter().zip(&w.index).zip((&mut y_blocks).zip((&mut b_blocks).zip(&mut r_blocks)))
    {
        let mut acc = [0i32; BLOCK_SPARSE];
        acc.copy_from_slice(bb);
        let packed: [i32; P] = core::array::from_fn(|p| {
            let [i0, i1] = ix[p];
            (at(i0) & 0xffff) | (at(i1) << 16)
        });
        #[cfg(target_arch = "x86_64")]
        crate::x86::block_i8_32_sse2(tile, &packed, &mut acc);
        #[cfg(not(target_arch = "x86_64"))]
        pairs_block(tile, &packed, &mut acc);
        crate::int8::finish_block(&acc, rb, zero_point, yb, f);
    }
    let mut acc = [0i32; R];
    for (a, b) in acc.iter_mut().zip(b_blocks.remainder()) {
        *a = *b;
    }
    let packed: [i32; P] = core::array::from_fn(|p| {
        let [i0, i1] = w.tail_index[p];
        (at(i0) & 0xffff) | (at(i1) << 16)
    });
    pairs_block(&w.tail, &packed, &mut acc);
    crate::int8::finish_block(&acc, r_blocks.remainder(), zero_point, y_blocks.into_remainder(), f);
}

/// `acc[k] += w[p][k][0] · x0 + w[p][k][1] · x1` for every packed pair `x0 & 0xffff | x1 << 16`
/// (portable; vectorizes across outputs).
// x86 with AVX2 takes `x86/int8_avx2.rs`'s form instead.
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
#[inline(always)]
fn pairs_block<const P: usize, const N: usize>(
    w: &[[[i8; 2]; N]; P],
    packed: &[i32; P],
    acc: &mut [i32; N],
) {
    for (row, pair) in w.iter().zip(packed) {
        let (x0, x1) = (i32::from(*pair as i16), *pair >> 16);
        for (a, wp) in acc.iter_mut().zip(row) {
            let t =
                i32::from(wp[0]).wrapping_mul(x0).wrapping_add(i32::from(wp[1]).wrapping_mul(x1));
            *a = a.wrapping_add(t);
        }
    }
}
