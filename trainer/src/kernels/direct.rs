//! Direct convolution for layers with few output channels (an autoencoder's last layer maps
//! 8 channels to 1): there im2col would copy every input value `taps` times for a product
//! with a single output row. Instead each sample is copied once into a zero-padded plane
//! layout, where every tap of a stride-1 convolution is one contiguous multiply-add over
//! the whole plane (output rows are computed as wide as the padded rows; the extra columns
//! are dropped). Each output sums its taps in tap order; the gradients are the same loops
//! transposed, with the dropped columns' gradient zero.

use crate::layers::ConvGeometry;

use super::scratch::Scratch;

/// The largest number of output channels convolved directly.
pub(crate) const MAX_CHANNELS: usize = 4;

/// The sizes of a direct convolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Direct {
    /// `[c, h, w]` input.
    input: [usize; 3],
    out: usize,
    /// Padding before (top, left).
    before: [usize; 2],
    /// Padded rows and columns.
    padded: [usize; 2],
    output: [usize; 2],
    /// Flat offset of each tap `(c, ky, kx)` in the padded sample.
    shifts: Vec<usize>,
}

impl Direct {
    /// The direct form of a convolution, when it has stride 1 and at most
    /// [`MAX_CHANNELS`] output channels.
    pub(crate) fn new(g: &ConvGeometry) -> Option<Self> {
        if g.transposed || g.stride != [1, 1] || g.out_channels > MAX_CHANNELS {
            return None;
        }
        let [c, _, _] = g.input;
        // Stride 1: the padded plane is the output plus the kernel minus one.
        let padded = [g.output[0] + g.kernel[0] - 1, g.output[1] + g.kernel[1] - 1];
        let mut shifts = Vec::with_capacity(c * g.kernel[0] * g.kernel[1]);
        for ci in 0..c {
            for ky in 0..g.kernel[0] {
                for kx in 0..g.kernel[1] {
                    shifts.push((ci * padded[0] + ky) * padded[1] + kx);
                }
            }
        }
        Some(Direct {
            input: g.input,
            out: g.out_channels,
            before: g.before,
            padded,
            output: g.output,
            shifts,
        })
    }

    /// Values an output plane spans in the padded width, up to its last real pixel.
    fn span(&self) -> usize {
        (self.output[0] - 1) * self.padded[1] + self.output[1]
    }

    /// Calls `row(from, at, n)` for every input row that lands in the padded layout: `n`
    /// values from `from` in the sample stand at `at` in the padded one. Rows and columns
    /// beyond the padded plane (padding larger than the kernel needs) are never read.
    fn rows(&self, mut row: impl FnMut(usize, usize, usize)) {
        let [c, h, w] = self.input;
        for ci in 0..c {
            for iy in 0..h {
                let (py, px) = (iy + self.before[0], self.before[1]);
                if py >= self.padded[0] {
                    continue;
                }
                let n = w.min(self.padded[1].saturating_sub(px));
                let at = (ci * self.padded[0] + py) * self.padded[1] + px;
                row((ci * h + iy) * w, at, n);
            }
        }
    }

    /// One sample in the zero-padded layout.
    fn pad(&self, x: &[f32], xp: &mut [f32]) {
        xp.fill(0.0);
        self.rows(|from, at, n| xp[at..at + n].copy_from_slice(&x[from..][..n]));
    }

    /// The convolution (no bias) of every sample of a chunk, added to `y` (sample-major).
    pub(crate) fn forward(&self, w: &[f32], x: &[f32], y: &mut [f32]) {
        let (in_len, plane, span) =
            (self.input.iter().product::<usize>(), self.output[0] * self.output[1], self.span());
        let mut xp = Scratch::new(self.input[0] * self.padded[0] * self.padded[1]);
        let mut yp = Scratch::new(span);
        for (x, y) in x.chunks_exact(in_len).zip(y.chunks_exact_mut(self.out * plane)) {
            self.pad(x, &mut xp);
            for (o, y) in y.chunks_exact_mut(plane).enumerate() {
                yp.fill(0.0);
                for (t, shift) in self.shifts.iter().enumerate() {
                    let wt = w[t * self.out + o];
                    yp.iter_mut().zip(&xp[*shift..*shift + span]).for_each(|(d, s)| *d += wt * s);
                }
                for (row, out) in y.chunks_exact_mut(self.output[1]).enumerate() {
                    let at = row * self.padded[1];
                    out.iter_mut().zip(&yp[at..at + self.output[1]]).for_each(|(d, s)| *d += s);
                }
            }
        }
    }

    /// For a chunk: adds the input's gradient to `gx` and returns the weights' `(taps, out)`
    /// gradient, given the pre-activation gradient `gz` (sample-major).
    pub(crate) fn backward(&self, w: &[f32], x: &[f32], gz: &[f32], gx: &mut [f32]) -> Vec<f32> {
        let [c, h, wd] = self.input;
        let (in_len, plane, span) = (c * h * wd, self.output[0] * self.output[1], self.span());
        let mut gw = vec![0.0; self.shifts.len() * self.out];
        let mut xp = Scratch::new(c * self.padded[0] * self.padded[1]);
        let mut gxp = Scratch::new(xp.len());
        let mut gp = Scratch::new(span);
        let samples = x.chunks_exact(in_len).zip(gx.chunks_exact_mut(in_len));
        for ((x, gx), gz) in samples.zip(gz.chunks_exact(self.out * plane)) {
            self.pad(x, &mut xp);
            gxp.fill(0.0);
            for (o, g) in gz.chunks_exact(plane).enumerate() {
                // The plane's gradient in the padded width: zero in the dropped columns.
                gp.fill(0.0);
                for (row, g) in g.chunks_exact(self.output[1]).enumerate() {
                    gp[row * self.padded[1]..][..self.output[1]].copy_from_slice(g);
                }
                for (t, shift) in self.shifts.iter().enumerate() {
                    gw[t * self.out + o] += dot(&gp, &xp[*shift..*shift + span]);
                    let wt = w[t * self.out + o];
                    gxp[*shift..*shift + span]
                        .iter_mut()
                        .zip(gp.iter())
                        .for_each(|(d, g)| *d += wt * g);
                }
            }
            self.rows(|from, at, n| {
                let dst = &mut gx[from..][..n];
                dst.iter_mut().zip(&gxp[at..at + n]).for_each(|(d, s)| *d += s);
            });
        }
        gw
    }
}

/// `Σ a · b` as 16 interleaved partial sums (a fixed order that vectorizes).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    let (ac, bc) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f32 = ac.remainder().iter().zip(bc.remainder()).map(|(a, b)| a * b).sum();
    for (a, b) in ac.zip(bc) {
        for (l, (a, b)) in lanes.iter_mut().zip(a.iter().zip(b)) {
            *l += a * b;
        }
    }
    lanes.iter().sum::<f32>() + tail
}
