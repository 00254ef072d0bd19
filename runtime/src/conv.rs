//! Convolution and transposed convolution over flat CHW feature maps.
//!
//! Both kernels accumulate straight into the output: each output plane starts at its bias,
//! then for every input channel `c`, kernel row `ky` and kernel column `kx` in that order, one
//! weight times a strided run of input pixels is added to a run of output pixels ("axpy" over
//! a row). Every output therefore adds its terms in the order `c`, `ky`, `kx`, as the
//! reference interpreter does, so the results agree bit for bit; taps that fall on padding
//! (or, transposed, outside the output) are never added. The transposed convolution scatters
//! each input pixel into the output positions its taps reach, so it never materializes the
//! zero-inserted input: it needs no memory beyond its input and output.
//!
//! No indexing can panic: rows come from `chunks_exact`, runs from `get`, whose `None` (which
//! the ranges computed here never produce) skips the run.

use crate::kernels::act::Activation;

/// The output positions `o` in `0..out` and input positions `i` in `0..n` linked by
/// `o * so + k = i * si + pad` for a kernel tap `k`, as `(first o, first i, count)`.
///
/// A convolution has `so = stride, si = 1` (output `o` reads input `o·s + k - pad`); a
/// transposed one `so = 1, si = stride` (input `i` writes output `i·s + k - pad`).
#[inline(always)]
fn span(
    k: usize,
    pad: usize,
    stride: usize,
    out: usize,
    n: usize,
    transposed: bool,
) -> (usize, usize, usize) {
    if transposed {
        // o = i·s + k - pad: the first i with o ≥ 0, up to o < out and i < n.
        let i0 = if k >= pad { 0 } else { (pad - k).div_ceil(stride) };
        let o0 = i0 * stride + k - pad;
        let by_out = if out > o0 { (out - o0).div_ceil(stride) } else { 0 };
        let count = by_out.min(n.saturating_sub(i0));
        (o0, i0, count)
    } else {
        // i = o·s + k - pad: the first o with i ≥ 0, up to i < n and o < out.
        let o0 = if k >= pad { 0 } else { (pad - k).div_ceil(stride) };
        let i0 = o0 * stride + k - pad;
        let by_in = if n > i0 { (n - i0).div_ceil(stride) } else { 0 };
        let count = by_in.min(out.saturating_sub(o0));
        (o0, i0, count)
    }
}

/// `y[o + j·ys] += w · x[i + j·xs]` for `j < count`.
#[inline(always)]
fn axpy(y: &mut [f32], ys: usize, x: &[f32], xs: usize, w: f32, count: usize) {
    for (yv, xv) in y.iter_mut().step_by(ys).zip(x.iter().step_by(xs)).take(count) {
        *yv += w * *xv;
    }
}

/// Declares a whole-map kernel, `y = act(kernel(x))` over `C`×`H`×`W` in and `O`×`OH`×`OW` out
/// (`NI`/`NO` flat values), weights `[o][c][ky][kx]`: each output plane starts at its bias;
/// for every input channel and kernel row, the output rows and input rows `span` links (the
/// first `$rows` of one side, every `SH`th of the other) gain `$taps` of that kernel row; then
/// the activation. Both kernels are this loop; `$pad_h`, `$pad_w` name their padding.
macro_rules! whole_map {
    (
        $(#[$m:meta])*
        fn $name:ident<.., $pad_h:ident, $pad_w:ident>() where $cond:expr;
        span($transposed:literal) -> $rows:ident;
        out.$out_by:ident($out_n:expr), in.$in_by:ident($in_n:expr), $taps:ident
    ) => {
        $(#[$m])*
        #[allow(clippy::too_many_arguments)]
        #[inline(always)]
        pub fn $name<
            const C: usize,
            const H: usize,
            const W: usize,
            const O: usize,
            const OH: usize,
            const OW: usize,
            const KH: usize,
            const KW: usize,
            const SH: usize,
            const SW: usize,
            const $pad_h: usize,
            const $pad_w: usize,
            const NI: usize,
            const NO: usize,
        >(
            weights: &[[[[f32; KW]; KH]; C]; O],
            bias: Option<&[f32; O]>,
            x: &[f32; NI],
            y: &mut [f32; NO],
            act: impl Activation,
        ) {
            const { assert!(NI == C * H * W && NO == O * OH * OW && SH > 0 && SW > 0 && $cond) };
            for (o, (wo, plane)) in weights.iter().zip(y.chunks_exact_mut(OH * OW)).enumerate() {
                let b = bias.and_then(|b| b.get(o)).copied().unwrap_or(0.0);
                plane.iter_mut().for_each(|v| *v = b);
                for (wc, input) in wo.iter().zip(x.chunks_exact(H * W)) {
                    for (ky, wrow) in wc.iter().enumerate() {
                        let (oy0, iy0, $rows) = span(ky, $pad_h, SH, OH, H, $transposed);
                        let out_rows = plane.chunks_exact_mut(OW).skip(oy0).$out_by($out_n);
                        let in_rows = input.chunks_exact(W).skip(iy0).$in_by($in_n);
                        for (out_row, in_row) in out_rows.zip(in_rows) {
                            $taps::<W, OW, KW, SW, $pad_w>(out_row, in_row, wrow);
                        }
                    }
                }
                plane.iter_mut().for_each(|v| *v = act.apply(*v));
            }
        }
    };
}

whole_map! {
    /// `y = act(conv2d(x))`: `C`×`H`×`W` in, `O`×`OH`×`OW` out, kernel `KH`×`KW`, stride
    /// `SH`×`SW`, `PT` rows and `PL` columns of padding before; `NI`/`NO` are the flat lengths.
    /// Weights are `[o][c][ky][kx]` (PyTorch's `nn.Conv2d`).
    ///
    /// For each output plane, input channel and kernel row, every output row whose window
    /// row `ky` lies inside the input gains that kernel row's taps: output pixels whose taps
    /// all lie inside (the interior) load their sum once, add the `KW` taps in order with the
    /// kernel row in registers and store it; the border pixels add only the taps inside, one
    /// tap at a time. Every output thus adds its terms in the order `c`, `ky`, `kx`, like the
    /// reference interpreter.
    fn conv2d<.., PT, PL>() where KW > 0;
    span(false) -> rows;
    out.take(rows), in.step_by(SH), conv_taps
}

/// One output row gains the taps of kernel row `wrow` over input row `in_row` (`W` values, `PL`
/// columns of padding before, stride `SW`): output pixels whose taps all lie inside (the
/// interior) load their sum once, add the `KW` taps in order with the kernel row in registers
/// and store it; the border pixels add only the taps inside, one tap at a time. Shared by the
/// whole-map kernel and the row stage (`rows.rs`), so both add the same terms in the same order.
#[inline(always)]
pub(crate) fn conv_taps<
    const W: usize,
    const OW: usize,
    const KW: usize,
    const SW: usize,
    const PL: usize,
>(
    out_row: &mut [f32],
    in_row: &[f32],
    wrow: &[f32; KW],
) {
    let (lo, hi) = interior::<W, OW, KW, SW, PL>();
    let Some((left, rest)) = out_row.split_at_mut_checked(lo) else { return };
    let Some((middle, right)) = rest.split_at_mut_checked(hi - lo) else { return };
    let first = (lo * SW).saturating_sub(PL);
    if let Some(windows) = in_row.get(first..) {
        for (out, win) in middle.iter_mut().zip(windows.windows(KW).step_by(SW)) {
            let mut acc = *out;
            for (w, v) in wrow.iter().zip(win) {
                acc += *w * *v;
            }
            *out = acc;
        }
    }
    border(left, 0, wrow, in_row, PL, SW);
    border(right, hi, wrow, in_row, PL, SW);
}

/// The output columns `lo..hi` of a convolution whose taps all lie inside the input row (`W`
/// values, `PL` columns of padding before, stride `SW`, kernel width `KW`, `OW` outputs).
#[inline(always)]
fn interior<const W: usize, const OW: usize, const KW: usize, const SW: usize, const PL: usize>(
) -> (usize, usize) {
    let lo = PL.div_ceil(SW).min(OW);
    let hi = if W + PL >= KW { ((W + PL - KW) / SW + 1).clamp(lo, OW) } else { lo };
    (lo, hi)
}

/// Output pixels `from..from + out.len()` of a row gain the taps of `wrow` that lie inside
/// `in_row`, in order.
#[inline(always)]
fn border(out: &mut [f32], from: usize, wrow: &[f32], in_row: &[f32], pad: usize, stride: usize) {
    for (k, out) in out.iter_mut().enumerate() {
        let left = (from + k) * stride;
        let mut acc = *out;
        for (kx, w) in wrow.iter().enumerate() {
            if let Some(v) = (left + kx).checked_sub(pad).and_then(|ix| in_row.get(ix)) {
                acc += *w * *v;
            }
        }
        *out = acc;
    }
}

whole_map! {
    /// `y = act(conv_transpose2d(x))`: `C`×`H`×`W` in, `O`×`OH`×`OW` out, kernel `KH`×`KW`,
    /// stride `SH`×`SW`, `PH`/`PW` rows and columns removed from each side. Weights are
    /// `[o][c][ky][kx]`: PyTorch's `[c][o][ky][kx]` with the first two axes swapped at compile
    /// time, so each output plane's weights are contiguous.
    fn conv_transpose2d<.., PH, PW>() where true;
    span(true) -> rows;
    out.step_by(SH), in.take(rows), scatter_taps
}

/// One output row of a transposed convolution gains kernel row `wrow` times input row
/// `in_row`: each tap `kx` adds `w · x` from the run of input pixels it reaches into the strided
/// run of output pixels (`span`). Shared by the whole-map kernel and the row stage.
#[inline(always)]
pub(crate) fn scatter_taps<
    const W: usize,
    const OW: usize,
    const KW: usize,
    const SW: usize,
    const PW: usize,
>(
    out_row: &mut [f32],
    in_row: &[f32],
    wrow: &[f32; KW],
) {
    for (kx, &w) in wrow.iter().enumerate() {
        let (ox0, ix0, count) = span(kx, PW, SW, OW, W, true);
        if let (Some(yr), Some(xr)) = (out_row.get_mut(ox0..), in_row.get(ix0..)) {
            axpy(yr, SW, xr, 1, w, count);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    #[test]
    fn spans_list_exactly_the_valid_taps() {
        for transposed in [false, true] {
            for (k, pad, s, out, n) in
                [(0, 1, 1, 5, 5), (2, 1, 2, 3, 6), (0, 2, 2, 7, 3), (3, 0, 2, 4, 9)]
            {
                let (o0, i0, count) = span(k, pad, s, out, n, transposed);
                let linked: Vec<(usize, usize)> = (0..out)
                    .flat_map(|o| (0..n).map(move |i| (o, i)))
                    .filter(|&(o, i)| {
                        // Convolution: input o·s + k - pad; transposed: output i·s + k - pad.
                        if transposed {
                            i * s + k == o + pad
                        } else {
                            o * s + k == i + pad
                        }
                    })
                    .collect();
                let (so, si) = if transposed { (1, s) } else { (s, 1) };
                let listed: Vec<(usize, usize)> =
                    (0..count).map(|j| (o0 + j * si, i0 + j * so)).collect();
                assert_eq!(listed, linked, "k {k} pad {pad} s {s} out {out} n {n} t {transposed}");
            }
        }
    }
}
