//! f16 weights on Arm cores with a single-precision FPU (`eabihf`): blocks of sixteen (an odd
//! one of eight) outputs in the `vcvtb`/`vcvtt` micro-kernels of `kernels/vfp.rs`, which widen
//! each half in a register (software widening costs ~20 instructions a weight on these cores).
//!
//! The inputs arrive as an iterator (scaled on the fly in a first layer), so they are taken
//! [`CHUNK`] at a time into a small buffer, and every block of the layer that reads them runs
//! over the chunk; each output still adds its terms in input order.

use super::widen_f16;
use crate::kernels::vfp::{f16_blocks16, f16_blocks8};

/// Inputs per chunk: 128 bytes of stack.
const CHUNK: usize = 32;

/// `acc[b][k] += x[i] * widen(w[b][i][k])` for every input `i` in order, for each of the `B`
/// blocks (the same inputs).
#[inline(always)]
pub(super) fn blocks<const I: usize, const N: usize, const B: usize>(
    w: [&[[u16; N]; I]; B],
    x: impl Iterator<Item = f32>,
    mut acc: [&mut [f32; N]; B],
) {
    let mut x = x;
    let mut buf = [0.0f32; CHUNK];
    let mut start = 0usize;
    loop {
        let mut n = 0;
        // `zip` stops at the buffer's end before taking another input.
        for (b, v) in buf.iter_mut().zip(&mut x) {
            *b = v;
            n += 1;
        }
        let (Some(chunk), Some(end)) = (buf.get(..n), start.checked_add(n)) else { return };
        if n == 0 {
            return;
        }
        for (w, acc) in w.iter().zip(acc.iter_mut()) {
            if let Some(rows) = w.get(start..end) {
                rows_f16(rows.as_flattened(), N, chunk, acc.as_mut_slice());
            }
        }
        start = end;
        if n < CHUNK {
            return;
        }
    }
}

/// The last `N < 32` outputs of a layer: one block of `N`.
#[inline(always)]
pub(super) fn tail<const I: usize, const N: usize>(
    w: &[[u16; N]; I],
    x: impl Iterator<Item = f32>,
    acc: &mut [f32; N],
) {
    // A layer whose outputs are whole blocks has an empty tail: without this, every chunk of
    // its inputs would still be taken (and scaled, in a first layer) for a call that does
    // nothing.
    if N != 0 {
        blocks([w], x, [acc]);
    }
}

/// One chunk of inputs over one block of `width` outputs (`w`: the chunk's rows), shared by
/// every layer: pairs of groups of eight outputs in the 16-wide kernel, an odd group (or every
/// group, if that kernel declines) in the 8-wide one, the rest (all of them if both decline)
/// here, input by input.
#[inline(never)]
fn rows_f16(w: &[u16], width: usize, x: &[f32], acc: &mut [f32]) {
    let groups = width / 8;
    let pairs = groups / 2;
    let mut done = if f16_blocks16(w, width, x, acc, pairs) { 16 * pairs } else { 0 };
    // Widths of whole pairs (every layer of MNIST's) skip the 8-wide kernel's checks.
    let rest = groups - done / 8;
    if rest != 0 {
        if let (Some(w), Some(acc)) = (w.get(done..), acc.get_mut(done..)) {
            if f16_blocks8(w, width, x, acc, rest) {
                done += 8 * rest;
            }
        }
    }
    // Widths that are whole groups (every layer of MNIST's) skip the fallback's setup.
    if done == width {
        return;
    }
    for (k, a) in acc.iter_mut().enumerate().skip(done) {
        for (i, xi) in x.iter().enumerate() {
            if let Some(v) = i.checked_mul(width).and_then(|r| w.get(r + k)) {
                *a += *xi * widen_f16(*v);
            }
        }
    }
}
