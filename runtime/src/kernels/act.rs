//! The activation a dense kernel applies, as a value the kernel can inspect.
//!
//! The generated code passes one value type per activation ([`Linear`], [`Relu`],
//! [`Sigmoid`], [`Tanh`], ...), never a closure or function pointer: LLVM left those out of line
//! in some crates (a call per output, no vectorization; measured 1.4x on the ECG-sized model). SIMD kernels call [`Activation::apply`]
//! on each output; the scalar cores' block loop is one function shared by every layer, so it
//! applies the common activations itself ([`Activation::FUSED`]) and leaves the others to a
//! pass over the outputs. Every form gives the bits of `crate::activation`.

/// An element-wise activation, applied by the dense kernels.
pub trait Activation: Copy {
    /// What the scalar cores' shared block loop applies before storing a block.
    const FUSED: Fused;
    /// The activation of one value.
    fn apply(self, v: f32) -> f32;
}

/// The activations the scalar cores' block loop applies in place; [`Fused::Later`] leaves the
/// raw sums in `y` for a pass of [`Activation::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fused {
    /// `x`.
    Linear,
    /// `crate::activation::relu`.
    Relu,
    /// `crate::activation::sigmoid`.
    Sigmoid,
    /// Applied afterwards.
    Later,
}

/// `x`.
#[derive(Debug, Clone, Copy)]
pub struct Linear;

impl Activation for Linear {
    const FUSED: Fused = Fused::Linear;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        v
    }
}

/// `crate::activation::relu`.
#[derive(Debug, Clone, Copy)]
pub struct Relu;

impl Activation for Relu {
    const FUSED: Fused = Fused::Relu;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        crate::activation::relu(v)
    }
}

/// `crate::activation::sigmoid`; `wide` layers (enough outputs to fill a vector) use the
/// branch-free form on SIMD targets (`super::branchless`), which gives the same bits.
#[derive(Debug, Clone, Copy)]
pub struct Sigmoid {
    /// Whether the layer has enough outputs for the branch-free form to pay.
    pub wide: bool,
}

impl Activation for Sigmoid {
    const FUSED: Fused = Fused::Sigmoid;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        if self.wide {
            super::branchless::sigmoid(v)
        } else {
            crate::activation::sigmoid(v)
        }
    }
}

/// `crate::activation::leaky_relu`.
#[derive(Debug, Clone, Copy)]
pub struct LeakyRelu {
    /// The slope for negative inputs.
    pub alpha: f32,
}

impl Activation for LeakyRelu {
    const FUSED: Fused = Fused::Later;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        crate::activation::leaky_relu(v, self.alpha)
    }
}

/// `crate::activation::hard_sigmoid`.
#[derive(Debug, Clone, Copy)]
pub struct HardSigmoid {
    /// Multiplies the input.
    pub slope: f32,
    /// Added before clamping.
    pub offset: f32,
}

impl Activation for HardSigmoid {
    const FUSED: Fused = Fused::Later;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        crate::activation::hard_sigmoid(v, self.slope, self.offset)
    }
}

/// `crate::activation::tanh`; `wide` as for [`Sigmoid`].
#[derive(Debug, Clone, Copy)]
pub struct Tanh {
    /// Whether the layer has enough outputs for the branch-free form to pay.
    pub wide: bool,
}

impl Activation for Tanh {
    const FUSED: Fused = Fused::Later;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        if self.wide {
            super::branchless::tanh(v)
        } else {
            crate::activation::tanh(v)
        }
    }
}

/// `crate::activation::elu`; `wide` as for [`Sigmoid`].
#[derive(Debug, Clone, Copy)]
pub struct Elu {
    /// The scale of the negative part.
    pub alpha: f32,
    /// Whether the layer has enough outputs for the branch-free form to pay.
    pub wide: bool,
}

impl Activation for Elu {
    const FUSED: Fused = Fused::Later;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        if self.wide {
            super::branchless::elu(v, self.alpha)
        } else {
            crate::activation::elu(v, self.alpha)
        }
    }
}

/// `crate::activation::softplus`; `wide` as for [`Sigmoid`].
#[derive(Debug, Clone, Copy)]
pub struct Softplus {
    /// Multiplies the input.
    pub beta: f32,
    /// Above `beta * x > threshold` the output is `x`.
    pub threshold: f32,
    /// Whether the layer has enough outputs for the branch-free form to pay.
    pub wide: bool,
}

impl Activation for Softplus {
    const FUSED: Fused = Fused::Later;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        if self.wide {
            super::branchless::softplus(v, self.beta, self.threshold)
        } else {
            crate::activation::softplus(v, self.beta, self.threshold)
        }
    }
}
