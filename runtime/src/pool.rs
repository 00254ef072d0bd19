//! Max pooling and nearest-neighbour upsampling over flat CHW feature maps.

/// `y[c][oy][ox]` = the largest value of the `KH`×`KW` window at `(oy·SH, ox·SW)`: `m` starts
/// at the window's first value, then `if v > m { m = v }` for each value in row-major order
/// (the reference interpreter's rule; a comparison, so no `fmaxf` call on cores without a
/// max instruction).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn max_pool2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const NI: usize,
    const NO: usize,
>(
    x: &[f32; NI],
    y: &mut [f32; NO],
) {
    const {
        assert!(NI == C * H * W && NO == C * OH * OW && KH > 0 && KW > 0);
        assert!(OH > 0 && OW > 0 && (OH - 1) * SH + KH <= H && (OW - 1) * SW + KW <= W);
    };
    for (input, plane) in x.chunks_exact(H * W).zip(y.chunks_exact_mut(OH * OW)) {
        for (oy, out_row) in plane.chunks_exact_mut(OW).enumerate() {
            pool_row::<KW, SW>(input.chunks_exact(W).skip(oy * SH).take(KH), out_row, false);
        }
    }
}

/// One pooled row from the input rows of its window (`rows`, top to bottom): each output is
/// the largest value of its `KW` columns, `m` starting at the window's first value, then
/// `if v > m { m = v }` in row-major order. Shared by the whole-map kernel and the row stages
/// (`rows.rs`).
///
/// With `relu`, the rows are a convolution's sums before its relu, and each output is the
/// pooling of their relu, `max(relu(v))`: `m` starts at `relu` of the first value (`+0.0`
/// unless it is above zero), then the same comparisons. This is that value bit for bit:
/// relu's outputs are `+0.0` or positive, so the pooling of them is `+0.0` or the largest
/// value above zero, and the comparisons from `+0.0` skip exactly the values relu turns into
/// `+0.0` (NaN, zeros, negatives are never `> m`). One comparison per value instead of two.
#[inline(always)]
pub(crate) fn pool_row<'r, const KW: usize, const SW: usize>(
    rows: impl Iterator<Item = &'r [f32]> + Clone,
    out_row: &mut [f32],
    relu: bool,
) {
    // Row by row rather than one `flat_map` over the window: the same comparisons in the same
    // order, which LLVM unrolls into straight loads and compares (a `flat_map` it did not).
    for (ox, out) in out_row.iter_mut().enumerate() {
        let mut m: Option<f32> = None;
        for row in rows.clone() {
            for &v in row.get(ox * SW..).unwrap_or(&[]).iter().take(KW) {
                m = Some(match m {
                    None if relu => crate::activation::relu(v),
                    Some(m) if v > m => v,
                    Some(m) => m,
                    None => v,
                });
            }
        }
        if let Some(m) = m {
            *out = m;
        }
    }
}

/// `y[c][oy][ox] = x[c][oy / FH][ox / FW]`.
#[inline(always)]
pub fn upsample2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const FH: usize,
    const FW: usize,
    const NI: usize,
    const NO: usize,
>(
    x: &[f32; NI],
    y: &mut [f32; NO],
) {
    const { assert!(NI == C * H * W && NO == C * H * FH * W * FW && FH > 0 && FW > 0) };
    for (in_row, out_rows) in x.chunks_exact(W).zip(y.chunks_exact_mut(W * FW * FH)) {
        for out_row in out_rows.chunks_exact_mut(W * FW) {
            upsample_row::<FW>(in_row, out_row);
        }
    }
}

/// One upsampled row: every input value repeated `FW` times.
#[inline(always)]
pub(crate) fn upsample_row<const FW: usize>(in_row: &[f32], out_row: &mut [f32]) {
    for (v, run) in in_row.iter().zip(out_row.chunks_exact_mut(FW)) {
        run.iter_mut().for_each(|o| *o = *v);
    }
}

#[cfg(test)]
mod tests {
    use super::pool_row;
    use crate::activation::relu;

    /// Values where relu and max pooling disagree if reordered carelessly: NaNs of both signs,
    /// both zeros, negatives, subnormals, positives, infinities.
    const SPECIAL: [f32; 10] = [
        f32::NAN,
        -f32::NAN,
        0.0,
        -0.0,
        -1.5,
        1.0e-40,
        0.25,
        2.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];

    /// `pool_row` with `relu` on raw sums equals, bit for bit, the pooling (without) of their
    /// relu: every 2×2 window over the special values, in every order.
    #[test]
    fn pooling_a_relu_equals_pooling_after_it() {
        for a in SPECIAL {
            for b in SPECIAL {
                for c in SPECIAL {
                    for d in SPECIAL {
                        let raw = [[a, b], [c, d]];
                        let activated = raw.map(|row| row.map(relu));
                        let (mut fused, mut reference) = ([7.0f32], [7.0f32]);
                        pool_row::<2, 2>(raw.iter().map(|r| &r[..]), &mut fused, true);
                        pool_row::<2, 2>(activated.iter().map(|r| &r[..]), &mut reference, false);
                        assert_eq!(fused[0].to_bits(), reference[0].to_bits(), "{raw:?}");
                    }
                }
            }
        }
    }
}
