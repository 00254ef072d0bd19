//! im2col and its adjoint for convolutions on flat CHW samples: which input value each tap of
//! each output pixel reads, gathered into a `taps × pixels` matrix (so a convolution is one
//! matrix product), and the scatter-add that undoes the gather (the input's gradient, or a
//! transposed convolution's output).

/// A tap that lands on padding (reads a zero, receives nothing).
const PAD: u32 = u32::MAX;

/// For each tap `(c, ky, kx)` and output pixel `(oy, ox)` of a convolution, the flat index in
/// one `[c, h, w]` sample that it reads, or [`PAD`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Patches {
    /// `taps × pixels`, tap-major.
    index: Vec<u32>,
    /// Taps per pixel: `c · kh · kw`.
    pub(crate) taps: usize,
    /// Output pixels per sample.
    pub(crate) pixels: usize,
    /// Values per input sample: `c · h · w`.
    pub(crate) sample_len: usize,
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
        assert!(c * h * w < PAD as usize, "a sample of {} values is too large", c * h * w);
        // Input row (or column) read by tap k of output row o: o·s + k - before, if inside.
        let source = |o: usize, k: usize, a: usize, n: usize| {
            (o * stride[a] + k).checked_sub(before[a]).filter(|i| *i < n)
        };
        let mut index = Vec::with_capacity(c * kernel[0] * kernel[1] * output[0] * output[1]);
        for ci in 0..c {
            for ky in 0..kernel[0] {
                for kx in 0..kernel[1] {
                    for oy in 0..output[0] {
                        for ox in 0..output[1] {
                            index.push(match (source(oy, ky, 0, h), source(ox, kx, 1, w)) {
                                (Some(iy), Some(ix)) => ((ci * h + iy) * w + ix) as u32,
                                _ => PAD,
                            });
                        }
                    }
                }
            }
        }
        Patches {
            index,
            taps: c * kernel[0] * kernel[1],
            pixels: output[0] * output[1],
            sample_len: c * h * w,
        }
    }

    /// `col[t][s·pixels + p] = sample_s[index[t][p]]` (0 on padding) for the samples in
    /// `src`: a `taps × (samples · pixels)` matrix.
    pub(crate) fn gather(&self, src: &[f32], col: &mut [f32]) {
        let samples = src.len() / self.sample_len;
        let width = samples * self.pixels;
        debug_assert_eq!(col.len(), self.taps * width);
        for (idx, row) in self.index.chunks_exact(self.pixels).zip(col.chunks_exact_mut(width)) {
            for (sample, out) in src.chunks_exact(self.sample_len).zip(row.chunks_exact_mut(self.pixels)) {
                for (o, &i) in out.iter_mut().zip(idx) {
                    *o = if i == PAD { 0.0 } else { sample[i as usize] };
                }
            }
        }
    }

    /// The adjoint of [`Self::gather`]: `dst_s[index[t][p]] += col[t][s·pixels + p]`, in a
    /// fixed order (tap, sample, pixel).
    pub(crate) fn scatter_add(&self, col: &[f32], dst: &mut [f32]) {
        let samples = dst.len() / self.sample_len;
        let width = samples * self.pixels;
        debug_assert_eq!(col.len(), self.taps * width);
        for (idx, row) in self.index.chunks_exact(self.pixels).zip(col.chunks_exact(width)) {
            for (sample, values) in dst.chunks_exact_mut(self.sample_len).zip(row.chunks_exact(self.pixels)) {
                for (&v, &i) in values.iter().zip(idx) {
                    if i != PAD {
                        sample[i as usize] += v;
                    }
                }
            }
        }
    }
}

/// `samples × channels × pixels` (sample-major, the batch layout) to
/// `channels × (samples · pixels)` (channel-major, a matrix product's layout).
pub(crate) fn to_channel_major(src: &[f32], channels: usize, pixels: usize) -> Vec<f32> {
    let samples = src.len() / (channels * pixels);
    let mut out = vec![0.0; src.len()];
    for (s, sample) in src.chunks_exact(channels * pixels).enumerate() {
        for (c, plane) in sample.chunks_exact(pixels).enumerate() {
            let at = (c * samples + s) * pixels;
            out[at..at + pixels].copy_from_slice(plane);
        }
    }
    out
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
        p.scatter_add(&y, &mut back);
        let lhs: f32 = col.iter().zip(&y).map(|(a, b)| a * b).sum();
        let rhs: f32 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
    }

    #[test]
    fn channel_major_round_trips() {
        let x: Vec<f32> = (0..2 * 3 * 4).map(|v| v as f32).collect();
        let cm = to_channel_major(&x, 3, 4);
        assert_eq!(&cm[..8], &[0., 1., 2., 3., 12., 13., 14., 15.]);
        let mut back = vec![0.0; x.len()];
        from_channel_major(&cm, 3, 4, &mut back);
        assert_eq!(back, x);
    }
}
