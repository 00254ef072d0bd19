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
    let start = |o: usize| match bias {
        Some(b) => b.get(o).map_or(0.0, |b| bs.widen(*b)),
        None => 0.0,
    };
    // Out-of-order cores: four rows side by side, so four independent chains of adds hide
    // the add latency (one row at a time waits for each add: ~4 cycles per weight on x86).
    #[cfg(target_arch = "x86_64")]
    if O >= 4 {
        four_rows(w, ws, start, &input, y, act);
        return;
    }
    let mut nz = w.values.iter().zip(&w.index);
    for (o, (y, count)) in y.iter_mut().zip(&w.counts).enumerate() {
        let mut acc = start(o);
        for (v, i) in nz.by_ref().take(usize::from(*count)) {
            // Always in range: the macro writes indices below `I` (checked when emitting).
            if let Some(xi) = input(i.at()) {
                acc += ws.widen(*v) * xi;
            }
        }
        *y = act.apply(acc);
    }
}

/// [`rows`] four rows at a time: the rows' common length in lockstep, then each row's rest;
/// every output still adds its terms in input order.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn four_rows<W: Copy, X: Index, const O: usize, const NNZ: usize>(
    w: &Csr<W, X, O, NNZ>,
    ws: impl Stored<W>,
    start: impl Fn(usize) -> f32,
    input: &impl Fn(usize) -> Option<f32>,
    y: &mut [f32; O],
    act: impl Activation,
) {
    let term = |v: &W, i: &X| input(i.at()).map(|xi| ws.widen(*v) * xi);
    let mut offset = 0usize;
    let (y4, y_rest) = y.as_chunks_mut::<4>();
    let (c4, c_rest) = w.counts.as_chunks::<4>();
    for (q, (y4, c4)) in y4.iter_mut().zip(c4).enumerate() {
        let rows: [(&[W], &[X]); 4] = core::array::from_fn(|k| {
            let from = offset;
            offset += c4.get(k).map_or(0, |c| usize::from(*c));
            let (v, i) = (w.values.get(from..offset), w.index.get(from..offset));
            (v.unwrap_or_default(), i.unwrap_or_default())
        });
        let mut acc: [f32; 4] = core::array::from_fn(|k| start(4 * q + k));
        let common = rows.iter().map(|(v, _)| v.len()).min().unwrap_or(0);
        for j in 0..common {
            for (a, (v, i)) in acc.iter_mut().zip(&rows) {
                if let (Some(v), Some(i)) = (v.get(j), i.get(j)) {
                    if let Some(t) = term(v, i) {
                        *a += t;
                    }
                }
            }
        }
        for (a, (v, i)) in acc.iter_mut().zip(&rows) {
            for (v, i) in v.iter().zip(*i).skip(common) {
                if let Some(t) = term(v, i) {
                    *a += t;
                }
            }
        }
        for (y, a) in y4.iter_mut().zip(acc) {
            *y = act.apply(a);
        }
    }
    let first = O - y_rest.len();
    for (k, (y, c)) in y_rest.iter_mut().zip(c_rest).enumerate() {
        let to = offset + usize::from(*c);
        let (v, i) = (w.values.get(offset..to), w.index.get(offset..to));
        offset = to;
        let mut acc = start(first + k);
        for (v, i) in v.unwrap_or_default().iter().zip(i.unwrap_or_default()) {
            if let Some(t) = term(v, i) {
                acc += t;
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
    bias: &[i32; O],
    rq: &[crate::int8::Rq; O],
    zero_point: i32,
    x: &[i8; I],
    y: &mut [i8; O],
    f: crate::int8::Finish<'_>,
) {
    let mut nz = w.values.iter().zip(&w.index);
    for (((y, count), b), r) in y.iter_mut().zip(&w.counts).zip(bias).zip(rq) {
        let mut acc = *b;
        for (v, i) in nz.by_ref().take(usize::from(*count)) {
            if let Some(xi) = x.get(i.at()) {
                acc = acc.wrapping_add(i32::from(*v).wrapping_mul(i32::from(*xi)));
            }
        }
        *y = crate::int8::finish_one(acc, *r, zero_point, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::half::F32;
    use crate::kernels::act::Linear;

    /// Seven outputs (a group of four and three more) with rows of different lengths, one of
    /// them empty: each output equals its bias plus its terms added in input order.
    #[test]
    fn rows_add_their_terms_in_input_order() {
        let rows: [&[(u8, f32)]; 7] = [
            &[(0, 0.1), (3, -2.5), (9, 1e-3)],
            &[(1, 3.0)],
            &[],
            &[(2, 0.7), (4, 0.3), (5, -0.9), (6, 1.1), (9, 2.0)],
            &[(0, -1.0), (1, 1.0)],
            &[(3, 0.25), (7, 4.0), (8, -0.125)],
            &[(9, 1.5)],
        ];
        let mut csr = Csr { counts: [0u16; 7], values: [0.0f32; 15], index: [0u8; 15] };
        let mut n = 0;
        for (o, row) in rows.iter().enumerate() {
            csr.counts[o] = row.len() as u16;
            for (i, v) in row.iter() {
                csr.values[n] = *v;
                csr.index[n] = *i;
                n += 1;
            }
        }
        let bias: [f32; 7] = core::array::from_fn(|o| o as f32 * 0.5 - 1.0);
        let x: [f32; 10] = core::array::from_fn(|i| (i as f32 * 0.77).sin() * 3.0);
        let mut y = [0.0f32; 7];
        dense_sparse(&csr, F32, Some(&bias), F32, &x, None, &mut y, Linear);
        for (o, row) in rows.iter().enumerate() {
            let mut expected = bias[o];
            for (i, v) in row.iter() {
                expected += *v * x[usize::from(*i)];
            }
            assert_eq!(y[o].to_bits(), expected.to_bits(), "output {o}");
        }
    }
}
