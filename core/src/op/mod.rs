//! The layer kinds: one module per op, each the single place that knows its file document,
//! output shape, validation rules, cost, reference evaluation and tensors.
//!
//! [`for_each_op!`](crate::for_each_op) lists the ops once. This module turns the list into
//! the IR's [`Op`] enum, the file's [`OpDoc`] enum (`{"op": "dense", ...}`, a serde tag) and
//! the one dispatch point, [`Op::spec`]; the code generator and the trainer generate their own
//! dispatch from the same list. Adding a layer kind is a new module here implementing
//! [`OpSpec`] and [`OpFile`], one line in the list, and its emitter in `tinyae-codegen`
//! (docs/ARCHITECTURE.md has the checklist).

pub mod common;

use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::cost::LayersCost;
use crate::error::Error;
use crate::format::{Encoded, Tensors};
use crate::ir::{Layer, Tensor};
pub use common::{ShapeSite, Size2};

/// Where docs/FORMAT.md defines the documents of the convolutional and recurrent ops.
const OPS_SECTION: &str = "§Convolution and recurrent ops for this op's fields";

/// Every layer kind of the format, in the order the format documents them: `Variant(module::Type)
/// = "name in the file"`. Invokes `$callback! { ... }` with the list, so every crate's dispatch
/// over ops is generated from this one place.
#[macro_export]
macro_rules! for_each_op {
    ($callback:ident) => {
        $callback! {
            /// Fully connected.
            Dense(dense::Dense) = "dense",
            /// VAE latent head (the activation applies to neither head; it must be linear).
            GaussianHead(gaussian_head::GaussianHead) = "gaussian_head",
            /// 2-D convolution over a CHW feature map.
            Conv2d(conv2d::Conv2d) = "conv2d",
            /// Transposed 2-D convolution over a CHW feature map.
            ConvTranspose2d(conv_transpose2d::ConvTranspose2d) = "conv_transpose2d",
            /// Max pooling over a CHW feature map (no activation).
            MaxPool2d(max_pool2d::MaxPool2d) = "max_pool2d",
            /// Nearest-neighbour upsampling of a CHW feature map (no activation).
            Upsample2d(upsample2d::Upsample2d) = "upsample2d",
            /// Any shape → one axis; the values do not move (no activation).
            Flatten(flatten::Flatten) = "flatten",
            /// A new shape for the same values (no activation).
            Reshape(reshape::Reshape) = "reshape",
            /// LSTM over a `[steps, features]` sequence (no activation).
            Lstm(lstm::Lstm) = "lstm",
            /// `[features]` → `[times, features]` (no activation).
            Repeat(repeat::Repeat) = "repeat",
        }
    };
}

/// What core knows about one layer kind, independent of the file (object safe: [`Op::spec`]
/// hands out `&dyn OpSpec`).
pub trait OpSpec {
    /// Whether the layer may carry a non-linear activation.
    fn takes_activation(&self) -> bool {
        false
    }

    /// Whether the op only reinterprets its input's shape: the values and their order stay,
    /// so the generated code moves nothing.
    fn is_view(&self) -> bool {
        false
    }

    /// Declared input and output widths: a dense layer's features, a convolution's channels,
    /// an LSTM's features and hidden units; `(0, 0)` for ops without weights.
    fn widths(&self) -> (usize, usize) {
        (0, 0)
    }

    /// The output shape for an input of shape `input`, or the error that says why the layer
    /// cannot take it.
    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error>;

    /// The output shape when the input's is unknown: only layers that declare their output
    /// width have one.
    fn declared_output(&self) -> Option<Vec<usize>> {
        None
    }

    /// Declared sizes are at least 1 and at most [`crate::format::MAX_DIM`].
    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>);

    /// Parameters from the declared sizes, saturating (checked against the limit before the
    /// tensors are known to match them).
    fn declared_params(&self) -> usize {
        0
    }

    /// Every tensor has the shape the declared sizes give it (PyTorch's layout).
    fn check_tensors(&self, _layer: &str, _errors: &mut Vec<Error>) {}

    /// Parameters, multiply-accumulates and stored bytes on an input of shape `input` (a valid
    /// model's shapes).
    fn cost(&self, _input: &[usize]) -> LayersCost {
        LayersCost::default()
    }

    /// The reference evaluation (activation not applied) of an input of shape `input`.
    fn reference(&self, input: &[usize], x: &[f32]) -> Vec<f32>;

    /// [`OpSpec::reference`] with the multiply-accumulates of dense layers in the form `mac`
    /// (the macro's `fma` option): dense layers and Gaussian heads take it; the other ops'
    /// kernels keep separate multiply-adds, so their reference ignores it.
    fn reference_with(&self, input: &[usize], x: &[f32], mac: tinyae_arith::mac::Mac) -> Vec<f32> {
        let _ = mac;
        self.reference(input, x)
    }

    /// Every tensor of the layer (weights first, then biases).
    fn tensors(&self) -> Vec<&Tensor> {
        Vec::new()
    }

    /// Extra scratch values the generated code needs while the layer runs (an LSTM's state).
    fn state_len(&self) -> usize {
        0
    }
}

/// The layer kind in the file: its JSON document (docs/FORMAT.md), read and written.
pub trait OpFile: OpSpec + Sized {
    /// The document, `name`, sizes, tensor keys and (where the op takes one) `activation`;
    /// the `op` field is the enum's tag.
    type Doc: Serialize + for<'de> Deserialize<'de>;

    /// The section of docs/FORMAT.md that defines the document.
    const SECTION: &'static str;

    /// The layer a document describes, its tensor keys resolved.
    /// `at` names the layer in messages (`layer 3 (`enc.0`)`).
    fn read(doc: Self::Doc, at: &str, tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>>;

    /// The document of `self` as layer `name` with `activation` (its tensors are written by
    /// [`OpFile::encode_tensors`]).
    fn write(&self, name: &str, activation: Activation) -> Self::Doc;

    /// Adds the layer's tensors to `out` as stored in the file. Every op writes its
    /// [`OpSpec::tensors`] as they are, in that order; only an int8 dense layer writes others
    /// (its quantized weights and scales), so only it overrides this.
    fn encode_tensors(&self, out: &mut Vec<Encoded>) -> Result<(), String> {
        encode_as_stored(self, out);
        Ok(())
    }
}

/// `op`'s [`OpSpec::tensors`] as they are, in that order: what every layer writes but an int8
/// dense one (which falls back to it when it has no quantization).
pub(crate) fn encode_as_stored(op: &impl OpSpec, out: &mut Vec<Encoded>) {
    out.extend(op.tensors().into_iter().map(crate::format::encode));
}

macro_rules! define_ops {
    ($( $(#[$doc:meta])* $variant:ident($module:ident::$ty:ident) = $name:literal, )*) => {
        $( pub mod $module; )*
        $( pub use $module::$ty; )*

        /// What a layer computes (before its activation).
        #[derive(Debug, Clone, PartialEq)]
        pub enum Op {
            $( $(#[$doc])* $variant($ty), )*
        }

        /// A layer's document in `tinyae.graph` (docs/FORMAT.md), tagged by `op`.
        #[derive(Debug, Serialize, Deserialize)]
        #[serde(tag = "op")]
        pub enum OpDoc {
            $( $(#[$doc])* #[serde(rename = $name)] $variant(<$ty as OpFile>::Doc), )*
        }

        /// The op names of the format, in the list's order.
        pub const NAMES: &[&str] = &[$($name),*];

        impl Op {
            /// The name used in the file.
            pub fn name(&self) -> &'static str {
                match self { $( Op::$variant(_) => $name, )* }
            }

            /// The op's behaviour: the one dispatch point over layer kinds.
            pub fn spec(&self) -> &dyn OpSpec {
                match self { $( Op::$variant(op) => op, )* }
            }

            /// The document of a layer with this op, its tensors added to `out`.
            pub(crate) fn write(
                &self,
                name: &str,
                activation: Activation,
                out: &mut Vec<Encoded>,
            ) -> Result<OpDoc, String> {
                // Only the tensors can fail (an int8 dense layer's quantized weights).
                Ok(match self {
                    $( Op::$variant(op) => {
                        op.encode_tensors(out)?;
                        OpDoc::$variant(op.write(name, activation))
                    } )*
                })
            }
        }

        impl OpDoc {
            /// The document of a layer whose `op` is `name`, read strictly
            /// (`format::strict`): the failing field's path and what is wrong.
            pub(crate) fn from_value(name: &str, value: &serde_json::Value) -> Result<OpDoc, (String, String)> {
                let mut fields = value.clone();
                if let Some(map) = fields.as_object_mut() {
                    map.remove("op");
                }
                match name {
                    $( $name => crate::format::strict::read(&fields).map(OpDoc::$variant), )*
                    other => Err((String::new(), format!("unknown op `{other}`"))),
                }
            }

            /// The layer the document describes.
            pub(crate) fn read(self, at: &str, tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
                match self { $( OpDoc::$variant(doc) => <$ty as OpFile>::read(doc, at, tensors), )* }
            }
        }

        /// The docs/FORMAT.md section defining the document of op `name`.
        pub(crate) fn section(name: &str) -> &'static str {
            match name { $( $name => <$ty as OpFile>::SECTION, )* _ => "§Layers" }
        }
    };
}

for_each_op!(define_ops);

impl Op {
    /// Declared input width of a dense layer or Gaussian head; other ops: their declared input
    /// channels or features, or 0 for ops without weights ([`crate::Model::shapes`] has sizes).
    pub fn in_features(&self) -> usize {
        self.spec().widths().0
    }

    /// Declared output width of a dense layer or Gaussian head (the latent size); other ops:
    /// their declared output channels or hidden size, or 0 for ops without weights.
    pub fn out_features(&self) -> usize {
        self.spec().widths().1
    }

    /// The dense parts, for code that treats every weight matrix alike (empty for the other
    /// ops, whose tensors [`Op::tensors`] lists).
    pub fn dense_parts(&self) -> Vec<&Dense> {
        match self {
            Op::Dense(d) => vec![d],
            Op::GaussianHead(h) => vec![&h.mu, &h.log_var],
            _ => Vec::new(),
        }
    }

    /// The dense parts, writable (weights pruned or converted in place).
    pub fn dense_parts_mut(&mut self) -> Vec<&mut Dense> {
        match self {
            Op::Dense(d) => vec![d],
            Op::GaussianHead(h) => vec![&mut h.mu, &mut h.log_var],
            _ => Vec::new(),
        }
    }

    /// Every tensor of the layer (weights first, then biases).
    pub fn tensors(&self) -> Vec<&Tensor> {
        self.spec().tensors()
    }

    /// Whether the op only reinterprets its input's shape (flatten, reshape).
    pub fn is_view(&self) -> bool {
        self.spec().is_view()
    }

    /// Whether the layer may carry a non-linear activation (dense, convolutions; the others
    /// must be `linear`).
    pub fn takes_activation(&self) -> bool {
        self.spec().takes_activation()
    }
}
