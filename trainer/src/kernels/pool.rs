//! The layers without weights: max pooling, nearest-neighbour upsampling and repeat. Each
//! output is one input value (the first maximum of its window, PyTorch's and Keras' choice,
//! or a copy), so the backward pass adds each output's gradient to the input it came from,
//! sample by sample in a fixed order.

use dfdx::prelude::*;
use rayon::prelude::*;

use super::tape::{record, records, values, Backward};
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

    /// For one sample, the index (within the sample) each output value comes from.
    fn sources(&self, x: &[f32], from: &mut [u32]) {
        match *self {
            Resample::MaxPool { input: [_, h, w], kernel, stride } => {
                let (oh, ow) = ((h - kernel[0]) / stride[0] + 1, (w - kernel[1]) / stride[1] + 1);
                for (k, out) in from.chunks_exact_mut(ow).enumerate() {
                    let (ci, oy) = (k / oh, k % oh);
                    let base = (ci * h + oy * stride[0]) * w;
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
            Resample::Upsample { input: [_, h, w], factor } => {
                let (oh, ow) = (h * factor[0], w * factor[1]);
                for (k, f) in from.iter_mut().enumerate() {
                    let (ci, oy, ox) = (k / (oh * ow), k / ow % oh, k % ow);
                    *f = ((ci * h + oy / factor[0]) * w + ox / factor[1]) as u32;
                }
            }
            Resample::Repeat { features, .. } => {
                for (k, f) in from.iter_mut().enumerate() {
                    *f = (k % features) as u32;
                }
            }
        }
    }

    /// The layer on a batch: `(rows, input_len)` → `(rows, output_len)`.
    pub(crate) fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        let (n_in, n_out) = (self.input_len(), self.output_len());
        let xv = values(&x);
        let rows = x.shape().0;
        let mut from = vec![0u32; rows * n_out];
        let mut y = vec![0.0; rows * n_out];
        from.par_chunks_mut(SAMPLES * n_out)
            .zip(y.par_chunks_mut(SAMPLES * n_out))
            .zip(xv.par_chunks(SAMPLES * n_in))
            .for_each(|((from, y), x)| {
                for ((from, y), x) in
                    from.chunks_exact_mut(n_out).zip(y.chunks_exact_mut(n_out)).zip(x.chunks_exact(n_in))
                {
                    self.sources(x, from);
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
