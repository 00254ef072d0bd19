//! Pruned dense layers: only the non-zero weights are stored and multiplied.
//!
//! Rows are compressed (one row per output): `counts[o]` non-zero weights of output `o`, then
//! their values and input indices, rows one after the other, indices increasing within a row.
//! Each output starts at its bias and adds `w · x[i]` over its non-zero weights in input
//! order: the reference interpreter's order, which skips zero weights too, so results agree
//! bit for bit. Indices are `u8` for inputs of at most 256 values, `u16` up to 65,536.

use crate::kernels::act::Activation;

use crate::half::Stored;

/// An input index as stored.
pub trait Index: Copy {
    /// As `usize`.
    fn at(self) -> usize;
}

impl Index for u8 {
    #[inline(always)]
    fn at(self) -> usize {
        usize::from(self)
    }
}

impl Index for u16 {
    #[inline(always)]
    fn at(self) -> usize {
        usize::from(self)
    }
}

/// The non-zero weights of a layer with `O` outputs, `NNZ` of them in all.
#[derive(Debug)]
pub struct Csr<W, X, const O: usize, const NNZ: usize> {
    /// Non-zero weights per output.
    pub counts: [u16; O],
    /// Their values, row after row.
    pub values: [W; NNZ],
    /// Their input indices, row after row.
    pub index: [X; NNZ],
}

/// `y = act(b + W x')` over the non-zero weights, with `x' = (x - offset) · scale` when
/// `scaling` is given (the first layer; computed per use, the same f32 operations each time).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn dense_sparse<
    W: Copy,
    B: Copy,
    X: Index,
    const I: usize,
    const O: usize,
    const NNZ: usize,
>(
    w: &Csr<W, X, O, NNZ>,
    ws: impl Stored<W>,
    bias: Option<&[B; O]>,
    bs: impl Stored<B>,
    x: &[f32; I],
    scaling: Option<&crate::Scaling<'_, I>>,
    y: &mut [f32; O],
    act: impl Activation,
) {
    match scaling {
        None => rows(w, ws, bias, bs, |i| x.get(i).copied(), y, act),
        Some(crate::Scaling::Uniform { offset, scale, .. }) => {
            let (offset, scale) = (*offset, *scale);
            rows(w, ws, bias, bs, |i| x.get(i).map(|v| (*v - offset) * scale), y, act);
        }
        Some(crate::Scaling::PerFeature { offset, scale, .. }) => {
            let at = |i: usize| Some((*x.get(i)? - *offset.get(i)?) * *scale.get(i)?);
            rows(w, ws, bias, bs, at, y, act);
        }
    }
}

#[inline(always)]
fn rows<W: Copy, B: Copy, X: Index, const O: usize, const NNZ: usize>(
    w: &Csr<W, X, O, NNZ>,
    ws: impl Stored<W>,
    bias: Option<&[B; O]>,
    bs: impl Stored<B>,
    input: impl Fn(usize) -> Option<f32>,
    y: &mut [f32; O],
    act: impl Activation,
) {
    let mut nz = w.values.iter().zip(&w.index);
    for (o, (y, count)) in y.iter_mut().zip(&w.counts).enumerate() {
        let mut acc = match bias {
            Some(b) => b.get(o).map_or(0.0, |b| bs.widen(*b)),
            None => 0.0,
        };
        for (v, i) in nz.by_ref().take(usize::from(*count)) {
            // Always in range: the macro writes indices below `I` (checked when emitting).
            if let Some(xi) = input(i.at()) {
                acc += ws.widen(*v) * xi;
            }
        }
        *y = act.apply(acc);
    }
}

/// The int8 form: `y[o] = finish(requantize(bias[o] + Σ w · x[i]))` over the non-zero
/// weights, the input zero point folded into `bias` (exact integer arithmetic).
#[inline(always)]
pub fn dense_sparse_i8<X: Index, const I: usize, const O: usize, const NNZ: usize>(
    w: &Csr<i8, X, O, NNZ>,
    x: &[i8; I],
    y: &mut [i8; O],
    out: crate::int8::OutI8<'_, O>,
    f: crate::int8::Finish<'_>,
) {
    let mut nz = w.values.iter().zip(&w.index);
    for (((y, count), b), r) in y.iter_mut().zip(&w.counts).zip(out.bias).zip(out.rq) {
        let mut acc = *b;
        for (v, i) in nz.by_ref().take(usize::from(*count)) {
            if let Some(xi) = x.get(i.at()) {
                acc = acc.wrapping_add(i32::from(*v).wrapping_mul(i32::from(*xi)));
            }
        }
        *y = crate::int8::finish_one(acc, *r, out.zero_point, f);
    }
}
