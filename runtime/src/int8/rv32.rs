//! Dense int8 layers in the RISC-V weight order (`tinyae_arith::rv32`): blocks of 16, 8, 4 and
//! 1 outputs, each block's weights input by input. Blocks of 16 run in the `lb`/`mul`/`add`
//! micro-kernel (`kernels/rv32.rs`) on 32-bit RISC-V cores, the narrower blocks (and every
//! block on other targets, for the host tests) in plain Rust. Every layer of every model calls
//! one shared function, so a layer costs a call rather than an unrolled block.

use super::{requantize, Finish, OutI8, Rq};
use tinyae_arith::rv32::{widths, BLOCK};

/// Dense int8 weights in the RISC-V order (`tinyae_arith::rv32::order`): `B = I · O` bytes.
#[derive(Debug)]
pub struct Rv32I8<const B: usize> {
    /// The blocks' weights, each block input by input.
    pub w: [i8; B],
}

/// A quantized dense layer (as [`super::dense_i8`]) over weights in the RISC-V order.
#[inline(always)]
pub fn dense_i8_rv32<const I: usize, const B: usize, const O: usize>(
    w: &Rv32I8<B>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: OutI8<'_, O>,
    f: Finish<'_>,
) {
    const { assert!(B == I * O) };
    layer(&w.w, out.bias, out.rq, out.zero_point, x, y, f);
}

/// The layer, shared by every layer of every model: each block of outputs starts at its
/// biases, gains every input in the kernel of its width, and is finished (one copy of the
/// requantization for every width).
#[inline(never)]
fn layer(
    w: &[i8],
    bias: &[i32],
    rq: &[Rq],
    zero_point: i32,
    x: &[i8],
    y: &mut [i8],
    f: Finish<'_>,
) {
    let (mut w, mut bias, mut rq, mut y) = (w, bias, rq, y);
    // Each block sets the first `n` sums before reading them.
    let mut acc = [0i32; BLOCK];
    for n in widths(y.len()) {
        // Never short for the generated code (`I · O` weights, `O` biases and multipliers).
        let Some((wb, w_rest)) = w.split_at_checked(n.saturating_mul(x.len())) else { return };
        let Some((bb, b_rest)) = bias.split_at_checked(n) else { return };
        let Some((rb, r_rest)) = rq.split_at_checked(n) else { return };
        let Some((yb, y_rest)) = core::mem::take(&mut y).split_at_mut_checked(n) else { return };
        if let (BLOCK, Some(b16)) = (n, bb.first_chunk::<BLOCK>()) {
            block16(wb, x, b16, &mut acc);
        } else {
            for (a, b) in acc.iter_mut().zip(bb) {
                *a = *b;
            }
            // `first_chunk_mut` never fails here (`N <= BLOCK`); it keeps the types exact.
            match n {
                8 => acc.first_chunk_mut::<8>().map(|a| block(wb, x, a)).unwrap_or_default(),
                4 => acc.first_chunk_mut::<4>().map(|a| block(wb, x, a)).unwrap_or_default(),
                _ => acc.first_chunk_mut::<1>().map(|a| block(wb, x, a)).unwrap_or_default(),
            }
        }
        finish(&acc, rb, zero_point, yb, f);
        (w, bias, rq, y) = (w_rest, b_rest, r_rest, y_rest);
    }
}

/// Requantizes and finishes a block, the finish chosen once per block rather than per output.
#[inline(always)]
fn finish(acc: &[i32], rq: &[Rq], zero_point: i32, y: &mut [i8], f: Finish<'_>) {
    let outputs = y.iter_mut().zip(acc).zip(rq);
    match f {
        Finish::Linear => outputs.for_each(|((y, a), r)| *y = requantize(*a, *r, zero_point)),
        Finish::Relu(zp) => {
            outputs.for_each(|((y, a), r)| *y = requantize(*a, *r, zero_point).max(zp));
        }
        Finish::Table(t) => outputs.for_each(|((y, a), r)| {
            *y = t[usize::from(requantize(*a, *r, zero_point) as u8 ^ 0x80)];
        }),
    }
}

/// Sixteen outputs from their biases: the whole quads of inputs in the RISC-V micro-kernel
/// (`kernels/rv32.rs`), the last `I % 4` inputs in [`block`].
#[inline(always)]
fn block16(w: &[i8], x: &[i8], bias: &[i32; BLOCK], acc: &mut [i32; BLOCK]) {
    let whole = x.len() / 4 * 4;
    dot16(w, x, bias, acc);
    if let (Some((_, w_rest)), Some((_, x_rest))) =
        (w.split_at_checked(whole * BLOCK), x.split_at_checked(whole))
    {
        block(w_rest, x_rest, acc);
    }
}

#[cfg(target_arch = "riscv32")]
use crate::kernels::rv32::dot16;

/// The micro-kernel's contract in plain Rust (other targets: the host tests run
/// [`block16`]'s split through it): `acc = bias + ` the whole quads of inputs.
#[cfg(not(target_arch = "riscv32"))]
fn dot16(w: &[i8], x: &[i8], bias: &[i32; BLOCK], acc: &mut [i32; BLOCK]) {
    let whole = x.len() / 4 * 4;
    if let (Some((w, _)), Some((x, _))) =
        (w.split_at_checked(whole * BLOCK), x.split_at_checked(whole))
    {
        *acc = *bias;
        block(w, x, acc);
    }
}

/// `acc[k] += Σ_i w[i][k] · x[i]` over the block's weights `w` (`x.len()` rows of `N`), in
/// plain Rust. Integer sums are exact (the format bounds them below 2^31), so the order does
/// not matter.
#[inline(never)]
fn block<const N: usize>(w: &[i8], x: &[i8], acc: &mut [i32; N]) {
    let (rows, _) = w.as_chunks::<N>();
    let mut a = *acc;
    for (row, v) in rows.iter().zip(x) {
        let v = i32::from(*v);
        for (a, w) in a.iter_mut().zip(row) {
            *a = a.wrapping_add(i32::from(*w).wrapping_mul(v));
        }
    }
    *acc = a;
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;
    use tinyae_arith::rv32::order;

    /// Every block width and remainder of inputs (0–3 past the last four) against the plain
    /// sum, requantized by the reference's definition.
    #[test]
    fn matches_the_plain_dot_product() {
        fn check<const I: usize, const B: usize, const O: usize>() {
            let w = |o: usize, i: usize| ((o * 131 + i * 71 + 7) % 255) as i32 as i8;
            let bytes: Vec<i8> = order(w, I, O).collect();
            let weights = Rv32I8::<B> { w: bytes.try_into().expect("I · O bytes") };
            let x: [i8; I] = core::array::from_fn(|i| ((i * 97 + 3) % 256) as u8 as i8);
            let bias: [i32; O] = core::array::from_fn(|o| o as i32 * 1000 - 3000);
            let rq = [Rq { m: 1 << 30, s: 40 }; O]; // ÷ 1024
            let mut y = [0i8; O];
            let out = OutI8 { bias: &bias, rq: &rq, zero_point: 3 };
            dense_i8_rv32(&weights, &x, &mut y, out, Finish::Linear);
            for o in 0..O {
                let sum: i32 =
                    bias[o] + (0..I).map(|i| i32::from(w(o, i)) * i32::from(x[i])).sum::<i32>();
                let want = tinyae_arith::quant::requantize(sum, 1 << 30, 40, 3);
                assert_eq!(y[o], want, "{I}x{O} output {o}");
            }
        }
        check::<8, 256, 32>();
        check::<7, 217, 31>();
        check::<3, 3, 1>();
        check::<13, 377, 29>();
        check::<140, 1960, 14>();
        check::<1, 16, 16>();
    }
}
