//! The layers without weights: max pooling, nearest-neighbour upsampling and repeat. Each
//! output is one input value (the first maximum of its window, PyTorch's and Keras' choice,
//! or a copy), so the backward pass adds each output's gradient to the input it came from,
//! sample by sample in a fixed order (output order for pooling; for copies, the copies in
//! order).

use dfdx::prelude::*;
use rayon::prelude::*;

use super::tape::{record, records, values, Backward};
use super::vector::add_into;
use crate::net::Mat;

/// Samples per parallel task.
const SAMPLES: usize = 16;

/// Which input value each output takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resample {
    /// The maximum of a window of a `[c, h, w]` sample.
    MaxPool {
        /// `[c, h, w]`.
        input: [usize; 3],
        /// `[kh, kw]`.
        kernel: [usize; 2],
        /// `[sh, sw]`.
        stride: [usize; 2],
    },
    /// `[c, h, w]` → `[c, h·fh, w·fw]`, each value copied into a `fh × fw` block.
    Upsample {
        /// `[c, h, w]`.
        input: [usize; 3],
        /// `[fh, fw]`.
        factor: [usize; 2],
    },
    /// `[features]` → `[times, features]`.
    Repeat {
        /// Values per sample.
        features: usize,
        /// Copies.
        times: usize,
    },
}

impl Resample {
    /// Values per input sample.
    pub fn input_len(&self) -> usize {
        match self {
            Resample::MaxPool { input, .. } | Resample::Upsample { input, .. } => {
                input.iter().product()
            }
            Resample::Repeat { features, .. } => *features,
        }
    }

    /// Values per output sample.
    pub fn output_len(&self) -> usize {
        match *self {
            Resample::MaxPool { input: [c, h, w], kernel, stride } => {
                c * ((h - kernel[0]) / stride[0] + 1) * ((w - kernel[1]) / stride[1] + 1)
            }
            Resample::Upsample { input: [c, h, w], factor } => c * h * factor[0] * w * factor[1],
            Resample::Repeat { features, times } => features * times,
        }
    }

    /// For one max-pooled sample, the index (within the sample) of each window's first
    /// maximum.
    pub(crate) fn argmax(&self, x: &[f32], from: &mut [u32]) {
        let Resample::MaxPool { input: [_, h, w], kernel, stride } = *self else {
            unreachable!("only max pooling has windows")
        };
        let (oh, ow) = ((h - kernel[0]) / stride[0] + 1, (w - kernel[1]) / stride[1] + 1);
        for (k, out) in from.chunks_exact_mut(ow).enumerate() {
            let (ci, oy) = (k / oh, k % oh);
            let base = (ci * h + oy * stride[0]) * w;
            if kernel == [2, 2] && stride == [2, 2] {
                // The common 2×2 window as compares and selects, which vectorize.
                let (top, bottom) = (&x[base..base + 2 * ow], &x[base + w..base + w + 2 * ow]);
                let pairs = top.chunks_exact(2).zip(bottom.chunks_exact(2));
                for (ox, (f, (t, b))) in out.iter_mut().zip(pairs).enumerate() {
                    let (mut best, mut at) = (t[0], 0);
                    if t[1] > best {
                        (best, at) = (t[1], 1);
                    }
                    if b[0] > best {
                        (best, at) = (b[0], w);
                    }
                    if b[1] > best {
                        at = w + 1;
                    }
                    *f = (base + 2 * ox + at) as u32;
                }
                continue;
            }
            for (ox, f) in out.iter_mut().enumerate() {
                let mut best = base + ox * stride[1];
                let mut top = x[best];
                for ky in 0..kernel[0] {
                    let row = base + ky * w + ox * stride[1];
                    for (i, &v) in x[row..row + kernel[1]].iter().enumerate() {
                        if v > top {
                            (top, best) = (v, row + i);
                        }
                    }
                }
                *f = best as u32;
            }
        }
    }

    /// Copies one upsampled or repeated sample.
    fn spread(&self, x: &[f32], y: &mut [f32]) {
        match *self {
            Resample::Upsample { input: [_, h, w], factor: [fh, fw] } => {
                for (plane, out) in x.chunks_exact(h * w).zip(y.chunks_exact_mut(h * w * fh * fw)) {
                    for (row, out) in plane.chunks_exact(w).zip(out.chunks_exact_mut(w * fw * fh)) {
                        for out in out.chunks_exact_mut(w * fw) {
                            for (v, out) in row.iter().zip(out.chunks_exact_mut(fw)) {
                                out.fill(*v);
                            }
                        }
                    }
                }
            }
            Resample::Repeat { features, .. } => {
                y.chunks_exact_mut(features).for_each(|out| out.copy_from_slice(x));
            }
            Resample::MaxPool { .. } => unreachable!("max pooling is not a copy"),
        }
    }

    /// Adds the gradient of one upsampled or repeated sample to its input's, copies in order.
    fn gather_back(&self, gy: &[f32], gx: &mut [f32]) {
        match *self {
            Resample::Upsample { input: [_, h, w], factor: [fh, fw] } => {
                for (plane, out) in gx.chunks_exact_mut(h * w).zip(gy.chunks_exact(h * w * fh * fw))
                {
                    for (row, out) in plane.chunks_exact_mut(w).zip(out.chunks_exact(w * fw * fh)) {
                        for out in out.chunks_exact(w * fw) {
                            for (v, out) in row.iter_mut().zip(out.chunks_exact(fw)) {
                                out.iter().for_each(|g| *v += g);
                            }
                        }
                    }
                }
            }
            Resample::Repeat { features, .. } => {
                gy.chunks_exact(features).for_each(|g| add_into(gx, g));
            }
            Resample::MaxPool { .. } => unreachable!("max pooling is not a copy"),
        }
    }

    /// The layer on a batch: `(rows, input_len)` → `(rows, output_len)`.
    pub(crate) fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        let (n_in, n_out) = (self.input_len(), self.output_len());
        let xv = values(&x);
        let rows = x.shape().0;
        let mut y = vec![0.0; rows * n_out];
        let per_task = |n: usize| SAMPLES * n;
        if !matches!(self, Resample::MaxPool { .. }) {
            y.par_chunks_mut(per_task(n_out)).zip(xv.par_chunks(per_task(n_in))).for_each(
                |(y, x)| {
                    for (y, x) in y.chunks_exact_mut(n_out).zip(x.chunks_exact(n_in)) {
                        self.spread(x, y);
                    }
                },
            );
            let this = self.clone();
            let backward = records::<T>().then(|| -> Backward {
                Box::new(move |gy, gx| {
                    gx.par_chunks_mut(per_task(n_in)).zip(gy.par_chunks(per_task(n_out))).for_each(
                        |(gx, gy)| {
                            for (gx, gy) in gx.chunks_exact_mut(n_in).zip(gy.chunks_exact(n_out)) {
                                this.gather_back(gy, gx);
                            }
                        },
                    );
                    Vec::new()
                })
            });
            return record(x, y, n_out, Vec::new(), backward);
        }
        let mut from = vec![0u32; rows * n_out];
        from.par_chunks_mut(per_task(n_out))
            .zip(y.par_chunks_mut(per_task(n_out)))
            .zip(xv.par_chunks(per_task(n_in)))
            .for_each(|((from, y), x)| {
                for ((from, y), x) in from
                    .chunks_exact_mut(n_out)
                    .zip(y.chunks_exact_mut(n_out))
                    .zip(x.chunks_exact(n_in))
                {
                    self.argmax(x, from);
                    for (v, &i) in y.iter_mut().zip(from.iter()) {
                        *v = x[i as usize];
                    }
                }
            });
        let backward = records::<T>().then(|| -> Backward {
            Box::new(move |gy, gx| {
                scatter(&from, gy, gx, n_in, n_out);
                Vec::new()
            })
        });
        record(x, y, n_out, Vec::new(), backward)
    }
}

/// `gx_s[from_s[k]] += gy_s[k]` for every sample, in output order.
fn scatter(from: &[u32], gy: &[f32], gx: &mut [f32], n_in: usize, n_out: usize) {
    gx.par_chunks_mut(SAMPLES * n_in)
        .zip(gy.par_chunks(SAMPLES * n_out))
        .zip(from.par_chunks(SAMPLES * n_out))
        .for_each(|((gx, gy), from)| {
            for ((gx, gy), from) in
                gx.chunks_exact_mut(n_in).zip(gy.chunks_exact(n_out)).zip(from.chunks_exact(n_out))
            {
                for (&g, &i) in gy.iter().zip(from) {
                    gx[i as usize] += g;
                }
            }
        });
}
