//! Builds a tinyae layer list from a framework graph, one op at a time.
//!
//! The readers (`onnx`, `tflite`) walk their graph in order and call [`Builder`]: layout ops
//! only move positions in a [`View`]; computing ops [`Builder::take`] their input (which turns
//! the positions into the tinyae layers that produce them, or into a permutation a dense layer
//! absorbs) and [`Builder::push`] a layer; element-wise ops attach to the layer before them
//! (`fold.rs`). [`Builder::finish`] checks the output and picks the latent layer.

use tinyae_core::ir::{Flatten, Layer, Op, Repeat, Reshape, Tensor, Upsample2d};
use tinyae_core::Activation;

use crate::error::{ImportError, Result, Site};
use crate::fold::Pending;
use crate::view::View;

/// The layout a computing op reads its input in (tinyae's order, batch axis omitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// A CHW feature map `[c, h, w]`.
    Map([usize; 3]),
    /// `k` values (a dense layer over all of them).
    Vector(usize),
    /// `[steps, features]` rows (an LSTM, or a dense layer applied to every step).
    Rows([usize; 2]),
}

impl Want {
    /// The tinyae shape.
    pub fn shape(self) -> Vec<usize> {
        match self {
            Want::Map(s) => s.to_vec(),
            Want::Vector(k) => vec![k],
            Want::Rows(s) => s.to_vec(),
        }
    }
}

/// What a convolution or a transposed convolution reads, in either format: the view of its
/// input map and the map's `[c, h, w]`, the weight in tinyae's layout (`[out, in, kh, kw]`, or
/// `[in, out, kh, kw]` transposed), the output channels, the kernel size and the bias.
pub struct ConvParts {
    pub input: View,
    pub chw: [usize; 3],
    pub weight: Tensor,
    pub out: usize,
    pub kernel: [usize; 2],
    pub bias: Option<Tensor>,
}

/// What [`Builder::take`] hands a dense layer: input column `k` of the framework's layer reads
/// tinyae value `perm[k]` (`None`: in order), each scaled and shifted first (a pending
/// normalization after an activation, folded into the weights).
#[derive(Debug, Clone, Default)]
pub struct Taken {
    /// Column order, when the framework's flattening order differs from tinyae's (HWC vs CHW).
    pub perm: Option<Vec<usize>>,
    /// `x · scale + shift` per input column, to fold into the consumer.
    pub affine: Option<(Vec<f64>, Vec<f64>)>,
}

/// The layer list under construction.
#[derive(Debug)]
pub struct Builder {
    pub(crate) layers: Vec<Layer>,
    /// Values in the model input.
    pub(crate) input_len: usize,
    /// The input's tinyae shape, fixed by the first op that reads it.
    pub(crate) input_shape: Option<Vec<usize>>,
    /// Normalization on the raw input: `x' = (x - offset) / range`, per input value.
    pub(crate) input_affine: Option<(Vec<f64>, Vec<f64>)>,
    /// An element-wise affine op not yet folded into a layer.
    pub(crate) pending: Option<Pending>,
    /// What the import changed that the user should know (recorded in the provenance).
    pub(crate) notes: Vec<String>,
}

impl Builder {
    /// A builder for a model whose input has `input_len` values.
    pub fn new(input_len: usize) -> Self {
        Builder {
            layers: Vec::new(),
            input_len,
            input_shape: None,
            input_affine: None,
            pending: None,
            notes: Vec::new(),
        }
    }

    /// The tinyae shape of the current value (the last layer's output, or the input's).
    pub fn shape(&self) -> Vec<usize> {
        match self.layers.last() {
            None => self.input_shape.clone().unwrap_or_else(|| vec![self.input_len]),
            Some(_) => {
                let mut shape = self.input_shape.clone().unwrap_or_else(|| vec![self.input_len]);
                for l in &self.layers {
                    shape = tinyae_core::shape::layer_output(l, &shape).unwrap_or_default();
                }
                shape
            }
        }
    }

    /// Values in the current value.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// Adds a layer reading the current value (after [`Builder::take`]).
    pub fn push(&mut self, site: &Site, op: Op) {
        let mut name = site.node.trim_start_matches('/').replace(['/', ':', ' '], ".");
        if name.is_empty() || self.layers.iter().any(|l| l.name == name) {
            name = format!("{name}#{}", self.layers.len());
        }
        self.layers.push(Layer { name, op, activation: Activation::Linear });
    }

    /// Makes the current value readable in the layout `want` by a computing op whose input,
    /// in that layout's order (batch axis dropped), is the view `view`: adds the layers the
    /// positions amount to, or returns a column permutation for a dense consumer.
    pub fn take(&mut self, site: &Site, view: &View, want: Want) -> Result<Taken> {
        let mut need: Vec<usize> = view.idx.iter().map(|&i| i as usize).collect();
        self.keep_last_step(&mut need);
        let want_len: usize = want.shape().iter().product();
        if need.len() != want_len {
            return Err(site.err(format!(
                "expected an input of shape {:?} ({want_len} values), found {:?}",
                want.shape(),
                view.shape
            )));
        }
        let affine = self.take_pending(site, &need, want)?;
        let n = self.len();
        let identity = need.len() == n && need.iter().enumerate().all(|(k, &i)| k == i);
        if self.layers.is_empty()
            && self.input_shape.is_none()
            && (identity || matches!(want, Want::Vector(_)))
        {
            self.input_shape = Some(if identity { want.shape() } else { vec![n] });
        }
        if identity {
            self.reshape_to(site, want);
            return Ok(Taken { perm: None, affine });
        }
        if let Some(layer) = self.layout_layer(&need, want) {
            self.push(&Site::new(&site.op, format!("{}.{}", site.node, layer.name())), layer);
            return Ok(Taken { perm: None, affine });
        }
        if is_permutation(&need, n) {
            if let Want::Vector(_) = want {
                self.reshape_to(site, want);
                return Ok(Taken { perm: Some(need), affine });
            }
            if affine.is_none() && crate::fold::permute_outputs(self, &need) {
                self.reshape_to(site, want);
                return Ok(Taken { perm: None, affine: None });
            }
        }
        Err(site
            .err(format!(
                "its input ({:?}) rearranges the {n} values of {} in a way tinyae has no layer for",
                view.shape,
                self.describe_current()
            ))
            .help("tinyae follows reshapes, transposes that only change the layout, nearest upsampling, repeats and the last step of a sequence; export the model without other data movement"))
    }

    /// `flatten`/`reshape` layers so the current value has `want`'s shape (none if it has).
    fn reshape_to(&mut self, site: &Site, want: Want) {
        let shape = self.shape();
        let target = want.shape();
        if shape == target {
            return;
        }
        if self.layers.is_empty() {
            self.input_shape = Some(target);
            return;
        }
        let op = match want {
            Want::Vector(_) => Op::Flatten(Flatten),
            _ => Op::Reshape(Reshape { shape: target }),
        };
        let suffix = if matches!(op, Op::Flatten(_)) { "flatten" } else { "reshape" };
        self.push(&Site::new(&site.op, format!("{}.{suffix}", site.node)), op);
    }

    /// The layer a view amounts to: a nearest upsampling of the current CHW map, or a repeat
    /// of the current vector.
    fn layout_layer(&self, need: &[usize], want: Want) -> Option<Op> {
        let shape = self.shape();
        match (want, shape.as_slice()) {
            (Want::Map([c, oh, ow]), &[sc, h, w]) if c == sc && oh % h == 0 && ow % w == 0 => {
                let (fh, fw) = (oh / h, ow / w);
                let ok = need.iter().enumerate().all(|(k, &i)| {
                    let (ch, y, x) = (k / (oh * ow), k / ow % oh, k % ow);
                    i == (ch * h + y / fh) * w + x / fw
                });
                (ok && (fh, fw) != (1, 1))
                    .then_some(Op::Upsample2d(Upsample2d { scale_factor: [fh, fw] }))
            }
            (Want::Rows([t, f]), &[sf]) if sf == f && t > 1 => {
                let ok = need.iter().enumerate().all(|(k, &i)| i == k % f);
                ok.then_some(Op::Repeat(Repeat { times: t }))
            }
            _ => None,
        }
    }

    /// When the current value is an LSTM's whole sequence and the view reads only its last
    /// step, makes the LSTM return only that step (positions renumbered).
    fn keep_last_step(&mut self, need: &mut [usize]) {
        let shape = self.shape();
        let Some(Layer { op: Op::Lstm(lstm), .. }) = self.layers.last_mut() else { return };
        let &[t, h] = shape.as_slice() else { return };
        if lstm.return_sequences && t > 1 && need.iter().all(|&i| i >= (t - 1) * h) {
            lstm.return_sequences = false;
            for i in need.iter_mut() {
                *i -= (t - 1) * h;
            }
        }
    }

    /// For messages: what the current value is.
    pub fn describe_current(&self) -> String {
        match self.layers.last() {
            None => "the model input".to_owned(),
            Some(l) => format!("layer `{}` ({})", l.name, l.op.name()),
        }
    }

    /// Applies an activation to the current value: it becomes the activation of the layer
    /// that produced it.
    pub fn activation(&mut self, site: &Site, act: Activation) -> Result<()> {
        if self.pending.is_some() {
            crate::fold::flush_pending(self, site)?;
        }
        let Some(last) = self.layers.last_mut() else {
            return Err(site
                .err("an activation on the model input has no layer to belong to")
                .help("start the model with a dense or convolution layer"));
        };
        if !last.op.takes_activation() {
            return Err(site
                .err(format!(
                    "follows `{}` ({}), which tinyae applies no activation to",
                    last.name,
                    last.op.name()
                ))
                .help("put the activation right after a dense or convolution layer (e.g. Conv → ReLU → MaxPool)"));
        }
        if last.activation != Activation::Linear {
            return Err(site
                .err(format!(
                    "`{}` already has the activation {}; tinyae applies one activation per layer",
                    last.name,
                    last.activation.name()
                ))
                .help("remove one of the two activations"));
        }
        last.activation = act;
        Ok(())
    }

    /// Checks the model output (the view of the graph's output tensor, batch axis dropped),
    /// and returns the layers with the input shape and normalization.
    pub fn finish(mut self, site: &Site, output: &View) -> Result<Built> {
        if self.pending.is_some() {
            crate::fold::flush_pending(self.by_ref(), site)?;
        }
        let n = self.len();
        let need: Vec<usize> = output.idx.iter().map(|&i| i as usize).collect();
        let identity = need.len() == n && need.iter().enumerate().all(|(k, &i)| k == i);
        let reordered =
            !identity && is_permutation(&need, n) && crate::fold::permute_outputs(&mut self, &need);
        if !(identity || reordered) {
            return Err(site
                .err(format!(
                    "the model output {:?} reorders the values of {} (e.g. channels-last after a convolution)",
                    output.shape,
                    self.describe_current()
                ))
                .help("tinyae outputs feature maps channel-first (CHW); for one channel the orders agree, otherwise export the model with a channel-first output"));
        }
        if self.layers.is_empty() {
            return Err(ImportError::new("the graph has no layer tinyae can run")
                .help("export the whole autoencoder (encoder and decoder)"));
        }
        let input_shape = self.input_shape.clone().unwrap_or_else(|| vec![self.input_len]);
        Ok(Built {
            layers: self.layers,
            input_shape,
            input_affine: self.input_affine,
            notes: self.notes,
        })
    }

    fn by_ref(&mut self) -> &mut Self {
        self
    }

    fn take_pending(
        &mut self,
        site: &Site,
        need: &[usize],
        want: Want,
    ) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
        match (self.pending.take(), want) {
            (None, _) => Ok(None),
            (Some(p), Want::Vector(_)) => Ok(Some(p.columns(need))),
            (Some(p), _) => {
                self.pending = Some(p);
                crate::fold::flush_pending(self, site)?;
                Ok(None)
            }
        }
    }
}

/// What a reader built: layers, the input's shape and the input normalization.
#[derive(Debug)]
pub struct Built {
    /// In evaluation order.
    pub layers: Vec<Layer>,
    /// tinyae input shape.
    pub input_shape: Vec<usize>,
    /// `(offset, range)` per input value: `x' = (x - offset) / range`.
    pub input_affine: Option<(Vec<f64>, Vec<f64>)>,
    /// Differences from the source model the user should know about.
    pub notes: Vec<String>,
}

/// Whether `need` lists each of `0..n` exactly once.
fn is_permutation(need: &[usize], n: usize) -> bool {
    if need.len() != n {
        return false;
    }
    let mut seen = vec![false; n];
    need.iter().all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
}
