//! The activation a dense kernel applies, as a value the kernel can inspect.
//!
//! The generated code passes [`Linear`], [`Relu`], [`Sigmoid`] or [`Map`] (any other
//! activation, as a closure over `crate::activation`). SIMD kernels call [`Activation::apply`]
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

/// Any other activation, as a closure.
#[derive(Debug, Clone, Copy)]
pub struct Map<F>(pub F);

impl<F: Fn(f32) -> f32 + Copy> Activation for Map<F> {
    const FUSED: Fused = Fused::Later;
    #[inline(always)]
    fn apply(self, v: f32) -> f32 {
        (self.0)(v)
    }
}
