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

/// Declares an activation: its struct, what the scalar block loop fuses, and `apply`.
/// Without parameters, a unit struct whose `apply` is `|$v| $body`. With parameters, the `f32`
/// parameters `$field` that `crate::activation::$f` takes after the input, then, with
/// `+ wide`, whether the layer is wide; `apply` is `crate::activation::$f`, or in wide layers
/// the branch-free `super::branchless::$f`, which gives the same bits.
macro_rules! activation {
    (
        $(#[$m:meta])*
        $name:ident $fused:ident => |$v:ident| $body:expr
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        activation!(@impl $name $fused, |self, $v| $body);
    };
    (
        $(#[$m:meta])*
        $name:ident { $($(#[$fm:meta])* $field:ident),* $(+ $wide:ident)? } $fused:ident => $f:ident
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name {
            $($(#[$fm])* pub $field: f32,)*
            $(
                /// Whether the layer has enough outputs for the branch-free form to pay.
                pub $wide: bool,
            )?
        }

        activation!(@impl $name $fused, |self, v| {
            activation!(@apply self, v, $f, [$($field),*] $(, $wide)?)
        });
    };
    (@impl $name:ident $fused:ident, |$s:ident, $v:ident| $body:expr) => {
        impl Activation for $name {
            const FUSED: Fused = Fused::$fused;
            #[inline(always)]
            fn apply($s, $v: f32) -> f32 {
                $body
            }
        }
    };
    (@apply $s:ident, $v:ident, $f:ident, [$($field:ident),*]) => {
        crate::activation::$f($v $(, $s.$field)*)
    };
    (@apply $s:ident, $v:ident, $f:ident, [$($field:ident),*], $wide:ident) => {
        if $s.$wide {
            super::branchless::$f($v $(, $s.$field)*)
        } else {
            crate::activation::$f($v $(, $s.$field)*)
        }
    };
}

activation! {
    /// `x`.
    Linear Linear => |v| v
}

activation! {
    /// `crate::activation::relu`.
    Relu Relu => |v| crate::activation::relu(v)
}

activation! {
    /// `crate::activation::sigmoid`; `wide` layers (enough outputs to fill a vector) use the
    /// branch-free form on SIMD targets (`super::branchless`), which gives the same bits.
    Sigmoid { + wide } Sigmoid => sigmoid
}

activation! {
    /// `crate::activation::leaky_relu`.
    LeakyRelu {
        /// The slope for negative inputs.
        alpha
    } Later => leaky_relu
}

activation! {
    /// `crate::activation::hard_sigmoid`.
    HardSigmoid {
        /// Multiplies the input.
        slope,
        /// Added before clamping.
        offset
    } Later => hard_sigmoid
}

activation! {
    /// `crate::activation::tanh`; `wide` as for [`Sigmoid`].
    Tanh { + wide } Later => tanh
}

activation! {
    /// `crate::activation::elu`; `wide` as for [`Sigmoid`].
    Elu {
        /// The scale of the negative part.
        alpha
        + wide
    } Later => elu
}

activation! {
    /// `crate::activation::softplus`; `wide` as for [`Sigmoid`].
    Softplus {
        /// Multiplies the input.
        beta,
        /// Above `beta * x > threshold` the output is `x`.
        threshold
        + wide
    } Later => softplus
}
