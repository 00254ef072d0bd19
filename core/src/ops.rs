//! The convolutional and recurrent ops of the IR (docs/FORMAT.md, "Convolution and recurrent
//! ops"): plain data with PyTorch's tensor layouts, and the size arithmetic every stage shares.
//!
//! Feature maps are CHW (`[channels, height, width]`) and sequences `[steps, features]`, both
//! row-major, batch dimension omitted: PyTorch's memory layout, so its tensors and ours are the
//! same bytes.

use crate::ir::Tensor;

/// How a convolution pads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// No padding: only windows that fit entirely.
    Valid,
    /// Output size `ceil(input / stride)`; the padding needed is split with the smaller half
    /// before (top, left) and the larger after, as TensorFlow and PyTorch (`padding="same"`) do.
    Same,
    /// `[ph, pw]` zeros on both sides of height and width (PyTorch's integer padding).
    Explicit([usize; 2]),
}

/// Padding resolved for one input size: `[top, left, bottom, right]`.
pub type Pads = [usize; 4];

impl Padding {
    /// The padding on each side and the output size `[oh, ow]` for an input of `[h, w]`, or
    /// `None` when the kernel does not fit.
    pub fn resolve(
        &self,
        input: [usize; 2],
        kernel: [usize; 2],
        stride: [usize; 2],
    ) -> Option<(Pads, [usize; 2])> {
        let mut pads = [0usize; 4];
        let mut out = [0usize; 2];
        for a in 0..2 {
            let (n, k, s) = (input[a], kernel[a], stride[a]);
            let (before, after) = match self {
                Padding::Valid => (0, 0),
                Padding::Explicit(p) => (p[a], p[a]),
                Padding::Same => {
                    let o = n.checked_div(s)? + usize::from(n % s != 0);
                    let total = o.checked_sub(1)?.checked_mul(s)?.checked_add(k)?.saturating_sub(n);
                    (total / 2, total - total / 2)
                }
            };
            let padded = n.checked_add(before)?.checked_add(after)?;
            out[a] = padded.checked_sub(k)?.checked_div(s)? + 1;
            pads[a] = before;
            pads[a + 2] = after;
        }
        Some((pads, out))
    }

    /// The name or value used in the file.
    pub fn describe(&self) -> String {
        match self {
            Padding::Valid => "valid".to_owned(),
            Padding::Same => "same".to_owned(),
            Padding::Explicit([h, w]) => format!("[{h}, {w}]"),
        }
    }
}

/// A 2-D convolution, PyTorch's `nn.Conv2d` (no groups, no dilation).
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2d {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// `[kh, kw]`.
    pub kernel_size: [usize; 2],
    /// `[sh, sw]`.
    pub stride: [usize; 2],
    /// Padding of the input.
    pub padding: Padding,
    /// `[out, in, kh, kw]`.
    pub weight: Tensor,
    /// `[out]`, or none.
    pub bias: Option<Tensor>,
}

impl Conv2d {
    /// Weight `w[o][c][ky][kx]`.
    pub fn w(&self, o: usize, c: usize, ky: usize, kx: usize) -> f32 {
        let [kh, kw] = self.kernel_size;
        self.weight.values[((o * self.in_channels + c) * kh + ky) * kw + kx]
    }

    /// Bias `b[o]`, 0 without bias.
    pub fn b(&self, o: usize) -> f32 {
        self.bias.as_ref().map_or(0.0, |b| b.values[o])
    }

    /// Padding and output `[oh, ow]` for an input of `[h, w]`.
    pub fn geometry(&self, input: [usize; 2]) -> Option<(Pads, [usize; 2])> {
        self.padding.resolve(input, self.kernel_size, self.stride)
    }
}

/// A transposed 2-D convolution, PyTorch's `nn.ConvTranspose2d` (no groups, no dilation).
#[derive(Debug, Clone, PartialEq)]
pub struct ConvTranspose2d {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// `[kh, kw]`.
    pub kernel_size: [usize; 2],
    /// `[sh, sw]`.
    pub stride: [usize; 2],
    /// `[ph, pw]`: rows and columns removed from each side of the full output.
    pub padding: [usize; 2],
    /// `[oh, ow]`: extra rows and columns at the bottom and right, each `< stride`.
    pub output_padding: [usize; 2],
    /// `[in, out, kh, kw]` (PyTorch's layout for transposed convolutions).
    pub weight: Tensor,
    /// `[out]`, or none.
    pub bias: Option<Tensor>,
}

impl ConvTranspose2d {
    /// Weight `w[c][o][ky][kx]` (`c` an input channel).
    pub fn w(&self, c: usize, o: usize, ky: usize, kx: usize) -> f32 {
        let [kh, kw] = self.kernel_size;
        self.weight.values[((c * self.out_channels + o) * kh + ky) * kw + kx]
    }

    /// Bias `b[o]`, 0 without bias.
    pub fn b(&self, o: usize) -> f32 {
        self.bias.as_ref().map_or(0.0, |b| b.values[o])
    }

    /// Output `[oh, ow]` for an input of `[h, w]`: `(h - 1) * s - 2p + k + output_padding`,
    /// or `None` when that is below 1.
    pub fn output_size(&self, input: [usize; 2]) -> Option<[usize; 2]> {
        let mut out = [0; 2];
        for a in 0..2 {
            let full = input[a]
                .checked_sub(1)?
                .checked_mul(self.stride[a])?
                .checked_add(self.kernel_size[a])?
                .checked_add(self.output_padding[a])?;
            out[a] = full.checked_sub(self.padding[a].checked_mul(2)?).filter(|o| *o >= 1)?;
        }
        Some(out)
    }
}

/// Max pooling over windows, PyTorch's `nn.MaxPool2d` without padding (floor mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool2d {
    /// `[kh, kw]`.
    pub kernel_size: [usize; 2],
    /// `[sh, sw]` (the file's default is the kernel size).
    pub stride: [usize; 2],
}

impl MaxPool2d {
    /// Output `[oh, ow]` for an input of `[h, w]`, or `None` when the window does not fit.
    pub fn output_size(&self, input: [usize; 2]) -> Option<[usize; 2]> {
        let mut out = [0; 2];
        for a in 0..2 {
            out[a] = input[a].checked_sub(self.kernel_size[a])?.checked_div(self.stride[a])? + 1;
        }
        Some(out)
    }
}

/// Nearest-neighbour upsampling by integer factors, PyTorch's `nn.Upsample(mode="nearest")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upsample2d {
    /// `[fh, fw]`.
    pub scale_factor: [usize; 2],
}

/// A new shape for the same values (row-major order unchanged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reshape {
    /// The shape of one sample after the layer.
    pub shape: Vec<usize>,
}

/// A single-layer LSTM over a `[steps, input_size]` sequence, PyTorch's `nn.LSTM` (gate order
/// i, f, g, o), starting from zero hidden and cell states.
#[derive(Debug, Clone, PartialEq)]
pub struct Lstm {
    /// Features per step.
    pub input_size: usize,
    /// Hidden units.
    pub hidden_size: usize,
    /// Output every step's hidden state (`[steps, hidden]`) or only the last (`[hidden]`).
    pub return_sequences: bool,
    /// `[4 * hidden, input]`.
    pub weight_ih: Tensor,
    /// `[4 * hidden, hidden]`.
    pub weight_hh: Tensor,
    /// `[4 * hidden]`, or none.
    pub bias_ih: Option<Tensor>,
    /// `[4 * hidden]`, or none.
    pub bias_hh: Option<Tensor>,
}

impl Lstm {
    /// Input weight of gate row `r` (`r = gate * hidden + unit`) for input `i`.
    pub fn w_ih(&self, r: usize, i: usize) -> f32 {
        self.weight_ih.values[r * self.input_size + i]
    }

    /// Recurrent weight of gate row `r` for hidden unit `j`.
    pub fn w_hh(&self, r: usize, j: usize) -> f32 {
        self.weight_hh.values[r * self.hidden_size + j]
    }

    /// The bias a gate row starts from: `bias_ih[r] + bias_hh[r]`, added in f32 (either may be
    /// absent: 0).
    pub fn b(&self, r: usize) -> f32 {
        let ih = self.bias_ih.as_ref().map_or(0.0, |b| b.values[r]);
        let hh = self.bias_hh.as_ref().map_or(0.0, |b| b.values[r]);
        ih + hh
    }

    /// Values of extra scratch the generated code needs while the layer runs: the cell state,
    /// plus a second hidden-state buffer when only the last step is returned (otherwise the
    /// previous step's hidden state is the output's previous row).
    pub fn state_len(&self) -> usize {
        if self.return_sequences {
            self.hidden_size
        } else {
            2 * self.hidden_size
        }
    }
}

/// `[features]` → `[times, features]`: the vector repeated once per step (Keras'
/// `RepeatVector`), feeding a sequence decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    /// Number of copies (steps).
    pub times: usize,
}
