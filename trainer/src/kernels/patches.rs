//! im2col and its adjoint for convolutions on flat CHW samples: which input value each tap of
//! each output pixel reads, gathered into a `taps × pixels` matrix (so a convolution is one
//! matrix product), and the scatter-add that undoes the gather (the input's gradient, or a
//! transposed convolution's output).

/// Where one tap reads: output pixel `(oy, ox)` with `oy` in `rows` and `ox` in `cols` reads
/// input value `start + oy · row_step + ox · step` of the sample; the other pixels read
/// padding (zeros).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tap {
    start: isize,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
}

/// For each tap `(c, ky, kx)` of a convolution and each output pixel, the value of one
/// `[c, h, w]` sample it reads, as one [`Tap`] per tap: gathering and scattering then move
/// contiguous (or evenly strided) runs instead of looking up every index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Patches {
    taps_at: Vec<Tap>,
    /// Input values between vertically neighbouring output pixels (`stride · w`).
    row_step: usize,
    /// Input values between horizontally neighbouring output pixels (the stride).
    step: usize,
    /// Output columns.
    width: usize,
    /// Taps per pixel: `c · kh · kw`.
    pub(crate) taps: usize,
    /// Output pixels per sample.
    pub(crate) pixels: usize,
    /// Values per input sample: `c · h · w`.
    pub(crate) sample_len: usize,
}

/// Output positions `o` whose input position `o · stride + k - before` lies in `0..n`.
fn inside(
    n: usize,
    k: usize,
    stride: usize,
    before: usize,
    outputs: usize,
) -> std::ops::Range<usize> {
    let lo = before.saturating_sub(k).div_ceil(stride);
    let hi = (n + before).saturating_sub(k).div_ceil(stride).min(outputs);
    lo.min(hi)..hi
}

impl Patches {
    /// A convolution of `[c, h, w]` samples by `kernel` every `stride`, with `before` zeros
    /// before the first row and column, producing `output` rows and columns.
    pub(crate) fn new(
        [c, h, w]: [usize; 3],
        kernel: [usize; 2],
        stride: [usize; 2],
        before: [usize; 2],
        output: [usize; 2],
    ) -> Self {
        let mut taps_at = Vec::with_capacity(c * kernel[0] * kernel[1]);
        for ci in 0..c {
            for ky in 0..kernel[0] {
                for kx in 0..kernel[1] {
                    let (dy, dx) =
                        (ky as isize - before[0] as isize, kx as isize - before[1] as isize);
                    taps_at.push(Tap {
                        start: ((ci * h) as isize + dy) * w as isize + dx,
                        rows: inside(h, ky, stride[0], before[0], output[0]),
                        cols: inside(w, kx, stride[1], before[1], output[1]),
                    });
                }
            }
        }
        Patches {
            taps_at,
            row_step: stride[0] * w,
            step: stride[1],
            width: output[1],
            taps: c * kernel[0] * kernel[1],
            pixels: output[0] * output[1],
            sample_len: c * h * w,
        }
    }

    /// The input index of output pixel `(oy, ox)` for `tap` (inside its rows and columns).
    fn source(&self, tap: &Tap, oy: usize, ox: usize) -> usize {
        (tap.start + (oy * self.row_step + ox * self.step) as isize) as usize
    }

    /// `col[t][s·pixels + p]` = the value tap `t` of pixel `p` reads in sample `s` (0 on
    /// padding) for the samples in `src`: a `taps × (samples · pixels)` matrix.
    pub(crate) fn gather(&self, src: &[f32], col: &mut [f32]) {
        let samples = src.len() / self.sample_len;
        debug_assert_eq!(col.len(), self.taps * samples * self.pixels);
        // Rows of input and output line up: a tap's whole block of rows is one copy.
        let aligned = self.step == 1 && self.row_step == self.width;
        for (tap, col) in self.taps_at.iter().zip(col.chunks_exact_mut(samples * self.pixels)) {
            for (sample, out) in
                src.chunks_exact(self.sample_len).zip(col.chunks_exact_mut(self.pixels))
            {
                let (rows, cols) = (tap.rows.clone(), tap.cols.clone());
                if rows.is_empty() || cols.is_empty() {
                    out.fill(0.0);
                    continue;
                }
                out[..rows.start * self.width].fill(0.0);
                out[rows.end * self.width..].fill(0.0);
                if aligned {
                    let (first, last) = (
                        rows.start * self.width + cols.start,
                        (rows.end - 1) * self.width + cols.end,
                    );
                    let from = self.source(tap, rows.start, cols.start);
                    out[first..last].copy_from_slice(&sample[from..from + last - first]);
                    self.zero_outside(&cols, &rows, out);
                    continue;
                }
                self.zero_outside(&cols, &rows, out);
                for oy in rows {
                    let row = &mut out[oy * self.width + cols.start..oy * self.width + cols.end];
                    let from = sample[self.source(tap, oy, cols.start)..].iter().step_by(self.step);
                    row.iter_mut().zip(from).for_each(|(d, s)| *d = *s);
                }
            }
        }
    }

    /// Zeros the columns outside `cols` of the rows `rows` of one sample's `pixels` values:
    /// a strided write per column (a tap misses at most a few columns, so this is a handful of
    /// writes per row instead of two tiny fills).
    fn zero_outside(
        &self,
        cols: &std::ops::Range<usize>,
        rows: &std::ops::Range<usize>,
        out: &mut [f32],
    ) {
        let block = &mut out[rows.start * self.width..rows.end * self.width];
        for c in (0..cols.start).chain(cols.end..self.width) {
            block[c..].iter_mut().step_by(self.width).for_each(|v| *v = 0.0);
        }
    }

    /// The adjoint of [`Self::gather`]: adds `col[t][s·pixels + p]` to the value tap `t` of
    /// pixel `p` reads in sample `s` of `dst`, in a fixed order (tap, sample, pixel). The
    /// values of `col` on padding are overwritten with zeros.
    pub(crate) fn scatter_add(&self, col: &mut [f32], dst: &mut [f32]) {
        let samples = dst.len() / self.sample_len;
        debug_assert_eq!(col.len(), self.taps * samples * self.pixels);
        let aligned = self.step == 1 && self.row_step == self.width;
        for (tap, col) in self.taps_at.iter().zip(col.chunks_exact_mut(samples * self.pixels)) {
            let (rows, cols) = (tap.rows.clone(), tap.cols.clone());
            if rows.is_empty() || cols.is_empty() {
                continue;
            }
            for (sample, values) in
                dst.chunks_exact_mut(self.sample_len).zip(col.chunks_exact_mut(self.pixels))
            {
                if aligned {
                    // Zero the values on padding, then the tap's rows are one contiguous add.
                    self.zero_outside(&cols, &rows, values);
                    let (first, last) = (
                        rows.start * self.width + cols.start,
                        (rows.end - 1) * self.width + cols.end,
                    );
                    let at = self.source(tap, rows.start, cols.start);
                    let dst = &mut sample[at..at + last - first];
                    dst.iter_mut().zip(&values[first..last]).for_each(|(d, v)| *d += v);
                    continue;
                }
                for oy in rows.clone() {
                    let src = &values[oy * self.width + cols.start..oy * self.width + cols.end];
                    let dst =
                        sample[self.source(tap, oy, cols.start)..].iter_mut().step_by(self.step);
                    dst.zip(src).for_each(|(d, v)| *d += v);
                }
            }
        }
    }
}

/// `samples × channels × pixels` (sample-major, the batch layout) to
/// `channels × (samples · pixels)` (channel-major, a matrix product's layout), into `out`.
pub(crate) fn to_channel_major(src: &[f32], channels: usize, pixels: usize, out: &mut [f32]) {
    let samples = src.len() / (channels * pixels);
    for (s, sample) in src.chunks_exact(channels * pixels).enumerate() {
        for (c, plane) in sample.chunks_exact(pixels).enumerate() {
            let at = (c * samples + s) * pixels;
            out[at..at + pixels].copy_from_slice(plane);
        }
    }
}

/// The inverse of [`to_channel_major`], into `dst`.
pub(crate) fn from_channel_major(src: &[f32], channels: usize, pixels: usize, dst: &mut [f32]) {
    let samples = dst.len() / (channels * pixels);
    for (s, sample) in dst.chunks_exact_mut(channels * pixels).enumerate() {
        for (c, plane) in sample.chunks_exact_mut(pixels).enumerate() {
            let at = (c * samples + s) * pixels;
            plane.copy_from_slice(&src[at..at + pixels]);
        }
    }
}

/// Adds a `channels × (samples · pixels)` matrix to `dst` (sample-major).
pub(crate) fn add_from_channel_major(src: &[f32], channels: usize, pixels: usize, dst: &mut [f32]) {
    let samples = dst.len() / (channels * pixels);
    for (s, sample) in dst.chunks_exact_mut(channels * pixels).enumerate() {
        for (c, plane) in sample.chunks_exact_mut(pixels).enumerate() {
            let at = (c * samples + s) * pixels;
            plane.iter_mut().zip(&src[at..at + pixels]).for_each(|(d, v)| *d += v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_same_padded_3x3_patch_reads_its_neighbours_and_zeros_outside() {
        // One 1×3×3 sample holding 1..=9; output 3×3, stride 1, one zero before.
        let p = Patches::new([1, 3, 3], [3, 3], [1, 1], [1, 1], [3, 3]);
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let mut col = vec![0.0; 9 * 9];
        p.gather(&x, &mut col);
        // Column 4 is the centre pixel: its patch is the whole image.
        let centre: Vec<f32> = (0..9).map(|t| col[t * 9 + 4]).collect();
        assert_eq!(centre, x);
        // Column 0 (top left): the taps above and left of the image read zeros.
        let corner: Vec<f32> = (0..9).map(|t| col[t * 9]).collect();
        assert_eq!(corner, [0., 0., 0., 0., 1., 2., 0., 4., 5.]);
        // The scatter is the gather's adjoint: <gather(x), y> = <x, scatter(y)>.
        let y: Vec<f32> = (0..81).map(|v| (v % 7) as f32 - 3.0).collect();
        let mut back = vec![0.0; 9];
        p.scatter_add(&mut y.clone(), &mut back);
        let lhs: f32 = col.iter().zip(&y).map(|(a, b)| a * b).sum();
        let rhs: f32 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
    }

    /// Every geometry the planner allows, against the textbook definition of im2col.
    #[test]
    fn gather_equals_the_definition_for_strides_and_paddings() {
        for (c, h, w, k, s, before) in
            [(2, 5, 7, 3, 1, 1), (1, 6, 6, 3, 2, 0), (3, 7, 5, 2, 2, 1), (1, 4, 9, 4, 3, 2)]
        {
            let (oh, ow) = ((h + 2 * before - k) / s + 1, (w + 2 * before - k) / s + 1);
            let p = Patches::new([c, h, w], [k, k], [s, s], [before, before], [oh, ow]);
            let x: Vec<f32> = (0..2 * c * h * w).map(|v| v as f32 + 1.0).collect();
            let mut col = vec![f32::NAN; p.taps * 2 * oh * ow];
            p.gather(&x, &mut col);
            for (t, (ci, ky, kx)) in (0..c)
                .flat_map(|ci| (0..k).flat_map(move |ky| (0..k).map(move |kx| (ci, ky, kx))))
                .enumerate()
            {
                for sample in 0..2 {
                    for oy in 0..oh {
                        for ox in 0..ow {
                            let (iy, ix) = (
                                (oy * s + ky) as isize - before as isize,
                                (ox * s + kx) as isize - before as isize,
                            );
                            let inside =
                                (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix);
                            let want = if inside {
                                x[sample * c * h * w + (ci * h + iy as usize) * w + ix as usize]
                            } else {
                                0.0
                            };
                            assert_eq!(
                                col[t * 2 * oh * ow + sample * oh * ow + oy * ow + ox],
                                want
                            );
                        }
                    }
                }
            }
            // The scatter is the gather's adjoint: <gather(x), y> = <x, scatter(y)>.
            let y: Vec<f32> = (0..col.len()).map(|v| (v % 13) as f32 - 6.0).collect();
            let mut back = vec![0.0; x.len()];
            p.scatter_add(&mut y.clone(), &mut back);
            let dot = |a: &[f32], b: &[f32]| {
                a.iter().zip(b).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum::<f64>()
            };
            assert_eq!(dot(&col, &y), dot(&x, &back), "geometry {:?}", (c, h, w, k, s, before));
        }
    }

    #[test]
    fn channel_major_round_trips() {
        let x: Vec<f32> = (0..2 * 3 * 4).map(|v| v as f32).collect();
        let mut cm = vec![0.0; x.len()];
        to_channel_major(&x, 3, 4, &mut cm);
        assert_eq!(&cm[..8], &[0., 1., 2., 3., 12., 13., 14., 15.]);
        let mut back = vec![0.0; x.len()];
        from_channel_major(&cm, 3, 4, &mut back);
        assert_eq!(back, x);
    }
}
