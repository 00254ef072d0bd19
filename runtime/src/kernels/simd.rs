//! Dense layers on SIMD targets (x86 SSE2/AVX, Arm NEON, wasm simd128, RISC-V V): four blocks
//! of [`BLOCK`] outputs at a time, their 32 accumulators in vector registers (four AVX or eight
//! SSE registers; 64 spill the 16 SSE registers, measured in docs/UNROLL.md), each block's
//! weights one contiguous stream.

use super::act::Activation;
use super::mac::Mac;
use super::{Blocked, Scaling, BLOCK};

/// Blocks processed together.
const GROUP: usize = 4;

/// A dense layer's static data as this kernel reads it.
#[derive(Debug)]
pub(super) struct Layer<'a, const I: usize, const TILES: usize, const R: usize, const O: usize, M> {
    w: &'a Blocked<I, TILES, R>,
    bias: Option<&'a [f32; O]>,
    scaling: Option<&'a Scaling<'a, I>>,
    mac: core::marker::PhantomData<M>,
}

impl<'a, const I: usize, const TILES: usize, const R: usize, const O: usize, M>
    Layer<'a, I, TILES, R, O, M>
{
    pub(super) const fn new(
        w: &'a Blocked<I, TILES, R>,
        bias: Option<&'a [f32; O]>,
        scaling: Option<&'a Scaling<'a, I>>,
    ) -> Self {
        Layer { w, bias, scaling, mac: core::marker::PhantomData }
    }
}

/// The layer: dispatches on the input's scaling, so the inputs are one replayable iterator.
#[inline(always)]
pub(super) fn dense<const I: usize, const TILES: usize, const R: usize, const O: usize, M>(
    layer: &Layer<'_, I, TILES, R, O, M>,
    x: &[f32; I],
    y: &mut [f32; O],
    act: impl Activation,
    mac: impl Mac,
) {
    let (w, bias) = (layer.w, layer.bias);
    match layer.scaling {
        None => blocks_of(w, bias, x.iter().copied(), y, act, mac),
        Some(Scaling::Uniform { offset, scale, .. }) => {
            blocks_of(w, bias, x.iter().map(|v| (*v - *offset) * *scale), y, act, mac);
        }
        Some(Scaling::PerFeature { offset, scale, .. }) => {
            let xs = x.iter().zip(*offset).zip(*scale).map(|((v, o), s)| (*v - *o) * *s);
            blocks_of(w, bias, xs, y, act, mac);
        }
    }
}

/// Groups of [`GROUP`] blocks, then the remaining zero to three blocks together with the tail
/// outputs (one loop, so their sums advance side by side as when a block held 32 outputs).
#[inline(always)]
fn blocks_of<const I: usize, const TILES: usize, const R: usize, const O: usize>(
    w: &Blocked<I, TILES, R>,
    bias: Option<&[f32; O]>,
    x: impl Iterator<Item = f32> + Clone,
    y: &mut [f32; O],
    act: impl Activation,
    mac: impl Mac,
) {
    let (groups, rest) = w.tiles.as_chunks::<GROUP>();
    let mut y_blocks = y.chunks_exact_mut(BLOCK * GROUP);
    let mut b_blocks = bias.map(|b| b.chunks_exact(BLOCK * GROUP));
    // x86 with AVX-512: up to four groups at a time in 512-bit registers (`x86/f32.rs`).
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    let groups = {
        let (fours, rest) = groups.as_chunks::<4>();
        for four in fours {
            wide(four, &mut b_blocks, x.clone(), &mut y_blocks, act, mac);
        }
        let (twos, rest) = rest.as_chunks::<2>();
        for two in twos {
            wide(two, &mut b_blocks, x.clone(), &mut y_blocks, act, mac);
        }
        rest
    };
    for (group, y_group) in groups.iter().zip(&mut y_blocks) {
        let b_group = b_blocks.as_mut().and_then(Iterator::next);
        group_of_four(group, b_group, x.clone(), y_group, act, mac);
    }
    let y_rest = y_blocks.into_remainder();
    let b_rest = b_blocks.map(|b| b.remainder());
    if let Ok(three) = <&[_; 3]>::try_from(rest) {
        blocks(three, &w.tail, b_rest, x, y_rest, act, mac);
    } else if let Ok(two) = <&[_; 2]>::try_from(rest) {
        blocks(two, &w.tail, b_rest, x, y_rest, act, mac);
    } else if let Ok(one) = <&[_; 1]>::try_from(rest) {
        blocks(one, &w.tail, b_rest, x, y_rest, act, mac);
    } else {
        blocks::<I, 0, R>(&[], &w.tail, b_rest, x, y_rest, act, mac);
    }
}

/// `G` full groups through `x86/f32.rs`, then the activation.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
#[inline(always)]
fn wide<const I: usize, const G: usize>(
    groups: &[[[[f32; BLOCK]; I]; GROUP]; G],
    bias: &mut Option<core::slice::ChunksExact<'_, f32>>,
    x: impl Iterator<Item = f32>,
    y: &mut core::slice::ChunksExactMut<'_, f32>,
    act: impl Activation,
    mac: impl Mac,
) {
    let mut acc = [[0.0f32; BLOCK * GROUP]; G];
    for a in acc.iter_mut() {
        if let Some(b) = bias.as_mut().and_then(Iterator::next) {
            for (a, b) in a.iter_mut().zip(b) {
                *a = *b;
            }
        }
    }
    crate::x86::f32::groups(groups, x, &mut acc, mac);
    for (a, y) in acc.iter().zip(y) {
        for (y, a) in y.iter_mut().zip(a) {
            *y = act.apply(*a);
        }
    }
}

/// A full group of [`GROUP`] blocks. On SIMD targets the generated code stores a full group's
/// weights input by input, `[input][GROUP * BLOCK outputs]` (the same values, reordered within
/// the group; codegen's `emit/dense.rs`), so each input's 32 weights are one contiguous run,
/// read front to back: no shuffles to fill a vector register.
#[inline(always)]
fn group_of_four<const I: usize>(
    tiles: &[[[f32; BLOCK]; I]; GROUP],
    bias: Option<&[f32]>,
    x: impl Iterator<Item = f32>,
    y: &mut [f32],
    act: impl Activation,
    mac: impl Mac,
) {
    let (rows, _) = tiles.as_flattened().as_flattened().as_chunks::<{ GROUP * BLOCK }>();
    let mut acc = [0.0f32; GROUP * BLOCK];
    if let Some(b) = bias {
        for (a, b) in acc.iter_mut().zip(b) {
            *a = *b;
        }
    }
    for (xi, row) in x.zip(rows) {
        for (a, w) in acc.iter_mut().zip(row) {
            *a = mac.mac(*a, xi, *w);
        }
    }
    for (y, a) in y.iter_mut().zip(acc) {
        *y = act.apply(a);
    }
}

/// `G` blocks of outputs and `R` more: accumulators in local arrays (registers), bias first,
/// then every input in order; finally `y = act(acc)`.
#[inline(always)]
fn blocks<const I: usize, const G: usize, const R: usize>(
    tiles: &[[[f32; BLOCK]; I]; G],
    tail: &[[f32; R]; I],
    bias: Option<&[f32]>,
    x: impl Iterator<Item = f32>,
    y: &mut [f32],
    act: impl Activation,
    mac: impl Mac,
) {
    let mut acc = [[0.0f32; BLOCK]; G];
    let mut acc_tail = [0.0f32; R];
    if let Some(b) = bias {
        for (a, b) in acc.as_flattened_mut().iter_mut().chain(&mut acc_tail).zip(b) {
            *a = *b;
        }
    }
    for (xi, i) in x.zip(0..I) {
        for (a, tile) in acc.iter_mut().zip(tiles) {
            for (a, w) in a.iter_mut().zip(&tile[i]) {
                *a = mac.mac(*a, xi, *w);
            }
        }
        for (a, w) in acc_tail.iter_mut().zip(&tail[i]) {
            *a = mac.mac(*a, xi, *w);
        }
    }
    // Two plain loops, not one over a chained iterator: each vectorizes (a branch-free
    // activation over a whole block at a time), the chain did not (measured: ECG5000 2.2x
    // slower on x86 with it).
    match y.split_at_mut_checked(G * BLOCK) {
        Some((y_blocks, y_tail)) => {
            for (y, a) in y_blocks.iter_mut().zip(acc.as_flattened()) {
                *y = act.apply(*a);
            }
            for (y, a) in y_tail.iter_mut().zip(&acc_tail) {
                *y = act.apply(*a);
            }
        }
        None => {
            for (y, a) in y.iter_mut().zip(acc.as_flattened().iter().chain(&acc_tail)) {
                *y = act.apply(*a);
            }
        }
    }
}
