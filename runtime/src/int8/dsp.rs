//! Dense int8 layers in the Arm DSP weight order (`tinyae_arith::dsp`): groups of four
//! outputs, chunks of four inputs. On Arm `eabihf` cores the whole chunks run in the `smlad`
//! micro-kernel (`kernels/dsp.rs`); elsewhere (host tests) the same lane arithmetic in plain
//! Rust, wrapping as the hardware does, so the host tests check the packed sums too.
//! Every layer of every model calls one shared function, so a layer costs a call rather than
//! an unrolled block.

use super::{finish_one, Finish, OutI8, Rq};
use tinyae_arith::dsp::{fold, weight, CHUNK, GROUP, SEGMENT};

/// Dense int8 weights in the DSP order: `groups[g][c]` are the four words of outputs
/// `4g..4g + 4` and inputs `4c..4c + 4` (`tinyae_arith::dsp::words`), zero past the layer.
#[derive(Debug)]
pub struct DspI8<const C: usize, const G: usize> {
    /// `G = ⌈O / 4⌉` groups of `C = ⌈I / 4⌉` chunks.
    pub groups: [[[u32; 4]; C]; G],
}

/// A quantized dense layer (as [`super::dense_i8`]) over weights in the DSP order.
#[inline(always)]
pub fn dense_i8_dsp<const I: usize, const C: usize, const G: usize, const O: usize>(
    w: &DspI8<C, G>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: OutI8<'_, O>,
    f: Finish<'_>,
) {
    const { assert!(C == I.div_ceil(CHUNK) && G == O.div_ceil(GROUP)) };
    layer(w.groups.as_flattened(), C, out.bias, out.rq, out.zero_point, x, y, f);
}

/// The layer, shared by every layer of every model: each group of four outputs starts at its
/// biases, gains the whole chunks of inputs in the kernel (at most [`SEGMENT`] at a time, each
/// segment's packed sums folded into the outputs' own) and the last `I % 4` inputs here, and
/// is finished.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn layer(
    words: &[[u32; 4]],
    chunks: usize,
    bias: &[i32],
    rq: &[Rq],
    zero_point: i32,
    x: &[i8],
    y: &mut [i8],
    f: Finish<'_>,
) {
    let whole = x.len() / CHUNK;
    let (x_whole, x_rest) = x.split_at(whole * CHUNK);
    let groups = words.chunks_exact(chunks.max(1));
    let outputs = y.chunks_mut(GROUP).zip(bias.chunks(GROUP).zip(rq.chunks(GROUP)));
    for (group, (y, (bias, rq))) in groups.zip(outputs) {
        // A whole group's biases as one array (a loop here becomes a `memcpy` call).
        let mut acc = match <&[i32; GROUP]>::try_from(bias) {
            Ok(b) => *b,
            Err(_) => core::array::from_fn(|k| bias.get(k).copied().unwrap_or(0)),
        };
        let (full, last) = group.split_at(whole.min(group.len()));
        for (words, x) in full.chunks(SEGMENT).zip(x_whole.chunks(CHUNK * SEGMENT)) {
            let [ab, a, cd, c] = pair_sums(words, x);
            let sums = [fold(ab, a), fold(cd, c)];
            for (acc, sum) in acc.iter_mut().zip(sums.as_flattened()) {
                *acc = acc.wrapping_add(*sum);
            }
        }
        if let Some(last) = last.first() {
            for (k, a) in acc.iter_mut().enumerate() {
                for (r, v) in x_rest.iter().enumerate() {
                    *a = a.wrapping_add(i32::from(weight(last, k, r)) * i32::from(*v));
                }
            }
        }
        for ((y, a), r) in y.iter_mut().zip(acc).zip(rq) {
            *y = finish_one(a, *r, zero_point, f);
        }
    }
}

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
use crate::kernels::dsp::pair_sums;

/// The kernel's arithmetic in plain Rust, as `tinyae_arith::dsp` defines it.
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
use tinyae_arith::dsp::pair_sums;

#[cfg(test)]
mod tests {
    use super::*;
    use tinyae_arith::dsp::words;

    /// Every shape class (whole chunks or not, whole groups or not) against the plain sum.
    #[test]
    fn matches_the_plain_dot_product() {
        fn check<const I: usize, const C: usize, const G: usize, const O: usize>() {
            let w = |o: usize, i: usize| {
                if o < O && i < I {
                    (((o * 131 + i * 71 + 7) % 255) as i32 - 127) as i8
                } else {
                    0
                }
            };
            let groups: [[[u32; 4]; C]; G] =
                core::array::from_fn(|g| core::array::from_fn(|c| words(w, g, c)));
            let x: [i8; I] = core::array::from_fn(|i| ((i * 97 + 3) % 256) as u8 as i8);
            let bias: [i32; O] = core::array::from_fn(|o| o as i32 * 1000 - 3000);
            let rq = [Rq { m: 1 << 30, s: 40 }; O]; // ÷ 1024
            let mut y = [0i8; O];
            let out = OutI8 { bias: &bias, rq: &rq, zero_point: 0 };
            dense_i8_dsp(&DspI8 { groups }, &x, &mut y, out, Finish::Linear);
            for o in 0..O {
                let sum: i32 =
                    bias[o] + (0..I).map(|i| i32::from(w(o, i)) * i32::from(x[i])).sum::<i32>();
                let want = tinyae_arith::quant::requantize(sum, 1 << 30, 40, 0);
                assert_eq!(y[o], want, "{I}x{O} output {o}");
            }
        }
        check::<8, 2, 2, 8>();
        check::<7, 2, 2, 6>();
        check::<3, 1, 1, 1>();
        check::<13, 4, 3, 9>();
    }

    /// Layers longer than a segment, at the weights' and inputs' extremes: each output's bias
    /// cancels its exact sum, so `y` is the output's index exactly, and any error a fold made
    /// (a multiple of 256 or more) would saturate it.
    #[test]
    fn long_layers_at_the_extremes_stay_exact() {
        const I: usize = 2 * CHUNK * SEGMENT + 4 * 3 + 3;
        const C: usize = I.div_ceil(CHUNK);
        const O: usize = 6;
        let patterns: [fn(usize, usize) -> i8; 3] = [
            |o, _| if o.is_multiple_of(2) { 127 } else { -127 },
            |o, i| if (o + i).is_multiple_of(3) { -127 } else { 127 },
            |o, i| ((o * 37 + i * 101) % 255) as i32 as i8,
        ];
        for (p, w) in patterns.into_iter().enumerate() {
            let w = |o: usize, i: usize| if o < O && i < I { w(o, i).max(-127) } else { 0 };
            let groups: [[[u32; 4]; C]; 2] =
                core::array::from_fn(|g| core::array::from_fn(|c| words(w, g, c)));
            for x_value in [-128i8, 127] {
                let x = [x_value; I];
                let sum =
                    |o: usize| (0..I).map(|i| i32::from(w(o, i)) * i32::from(x[i])).sum::<i32>();
                let bias: [i32; O] = core::array::from_fn(|o| o as i32 - sum(o));
                let rq = [Rq { m: 1 << 30, s: 30 }; O]; // × 1
                let mut y = [0i8; O];
                let out = OutI8 { bias: &bias, rq: &rq, zero_point: 0 };
                dense_i8_dsp(&DspI8 { groups }, &x, &mut y, out, Finish::Linear);
                assert_eq!(y, core::array::from_fn(|o| o as i8), "pattern {p}, x {x_value}");
            }
        }
    }
}
