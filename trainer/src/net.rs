//! The network as dfdx tensors with run-time dimensions.
//!
//! dfdx 0.13's `nn` modules (`Linear<I, O>`) fix their widths as const generics, so a new width
//! would need a recompile. Instead every layer is a pair of plain tensors with `usize` dims —
//! `Tensor<(usize, usize), f32, Cpu>` weights stored `(in, out)` and `(usize,)` biases — and the
//! forward pass is written with dfdx's tensor ops, which work on run-time shapes and record the
//! gradient tape like the modules do. docs/TRAINER.md explains the choice.

use anyhow::Result;
use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tinyae_core::ir::ModelKind;
use tinyae_core::Activation;

use crate::export_ops::{net_op, Weights};
use crate::layers::{ConvParams, Gather, LstmParams};
use crate::spec::{Defaults, LayerSpec};

/// A batch: `(rows, features)`.
pub type Mat<T = NoneTape> = Tensor<(usize, usize), f32, Cpu, T>;
/// A bias vector.
pub type Vector<T = NoneTape> = Tensor<(usize,), f32, Cpu, T>;

/// `y = x W + b` with `W` stored `(in, out)` (the file stores `[out, in]`; export transposes).
#[derive(Debug, Clone)]
pub struct DenseParams {
    /// `(in, out)`.
    pub w: Mat,
    /// `(out,)`.
    pub b: Vector,
}

impl DenseParams {
    /// Input width.
    pub fn in_features(&self) -> usize {
        self.w.shape().0
    }

    /// Output width.
    pub fn out_features(&self) -> usize {
        self.w.shape().1
    }

    /// Glorot-uniform weights (Keras' default), zero biases.
    pub fn init(dev: &Cpu, inputs: usize, outputs: usize, rng: &mut StdRng) -> Self {
        let bound = (6.0 / (inputs + outputs) as f64).sqrt();
        let w: Vec<f32> =
            (0..inputs * outputs).map(|_| rng.gen_range(-bound..bound) as f32).collect();
        DenseParams {
            w: dev.tensor_from_vec(w, (inputs, outputs)),
            b: dev.tensor_from_vec(vec![0.0; outputs], (outputs,)),
        }
    }

    /// Applies the layer to a batch, keeping the tape (large layers through
    /// [`crate::kernels::dense`], on both cores).
    pub fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        if crate::kernels::dense::applies(self) {
            return crate::kernels::dense::forward(self, x, Activation::Linear);
        }
        let rows = x.shape().0;
        let y = x.matmul(self.w.clone());
        let b = self.b.clone().broadcast_like::<_, Axis<0>>(&(rows, self.out_features()));
        y + b
    }

    /// Applies the layer at every row of `in_features` values of each sample (after an LSTM
    /// that returns sequences): `(rows, steps·in)` → `(rows, steps·out)`.
    pub fn forward_steps<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        let (rows, n) = *x.shape();
        let steps = n / self.in_features();
        let y = self.forward(x.reshape_like(&(rows * steps, self.in_features())));
        y.reshape_like(&(rows, steps * self.out_features()))
    }
}

/// What a layer computes before its activation.
#[derive(Debug, Clone)]
pub enum NetOp {
    /// Fully connected.
    Dense(DenseParams),
    /// The VAE latent layer: mean and log-variance heads on the same input.
    Gaussian {
        /// Mean head.
        mu: DenseParams,
        /// Log-variance head.
        log_var: DenseParams,
    },
    /// Convolution or transposed convolution.
    Conv(ConvParams),
    /// Max pooling.
    MaxPool {
        /// Window `[kh, kw]`.
        kernel: [usize; 2],
        /// Stride `[sh, sw]`.
        stride: [usize; 2],
        /// The windows, gathered.
        gather: Gather,
    },
    /// Nearest-neighbour upsampling.
    Upsample {
        /// Factors `[fh, fw]`.
        factor: [usize; 2],
        /// The copies, gathered.
        gather: Gather,
    },
    /// To one axis (the values do not move).
    Flatten,
    /// To another shape (the values do not move).
    Reshape(Vec<usize>),
    /// LSTM.
    Lstm(LstmParams),
    /// `[features]` → `[times, features]`.
    Repeat {
        /// Copies.
        times: usize,
        /// The copies, gathered.
        gather: Gather,
    },
}

/// A borrowed parameter tensor of any rank.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    /// A matrix.
    Mat(&'a Mat),
    /// A vector.
    Vector(&'a Vector),
}

impl Param<'_> {
    /// Row-major values.
    pub fn values(&self) -> Vec<f32> {
        match self {
            Param::Mat(t) => t.as_vec(),
            Param::Vector(t) => t.as_vec(),
        }
    }

    /// The shape as stored here.
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Param::Mat(t) => vec![t.shape().0, t.shape().1],
            Param::Vector(t) => vec![t.shape().0],
        }
    }

    /// Its gradient.
    pub fn grad(&self, grads: &Gradients<f32, Cpu>) -> Vec<f32> {
        match self {
            Param::Mat(t) => crate::kernels::tape::values(&grads.get(*t)),
            Param::Vector(t) => crate::kernels::tape::values(&grads.get(*t)),
        }
    }

    /// Its gradient, moved out of `grads` (which keeps an empty buffer in its place).
    pub fn take_grad(&self, grads: &mut Gradients<f32, Cpu>) -> Vec<f32> {
        let g = match self {
            Param::Mat(t) => grads.get_or_alloc_mut(*t),
            Param::Vector(t) => grads.get_or_alloc_mut(*t),
        };
        std::mem::take(&mut **g.expect("a gradient buffer on the CPU"))
    }
}

/// One layer.
#[derive(Debug, Clone)]
pub struct NetLayer {
    /// Name in the file (`enc.0`, `dec.1`, ...).
    pub name: String,
    /// Its parameters.
    pub op: NetOp,
    /// Applied after the op.
    pub activation: Activation,
}

impl NetLayer {
    /// The dense parts, mean head first (none for the other ops).
    pub fn parts(&self) -> Vec<&DenseParams> {
        match &self.op {
            NetOp::Dense(d) => vec![d],
            NetOp::Gaussian { mu, log_var } => vec![mu, log_var],
            _ => Vec::new(),
        }
    }

    /// The parameters with their name suffixes, in a fixed order: a dense part's weight then
    /// bias (a Gaussian layer's mean head first), a convolution's weight then bias, an LSTM's
    /// input weight, recurrent weight and bias.
    pub fn params(&self) -> Vec<(&'static str, Param<'_>)> {
        match &self.op {
            NetOp::Dense(d) => vec![("weight", Param::Mat(&d.w)), ("bias", Param::Vector(&d.b))],
            NetOp::Gaussian { mu, log_var } => vec![
                ("mu.weight", Param::Mat(&mu.w)),
                ("mu.bias", Param::Vector(&mu.b)),
                ("log_var.weight", Param::Mat(&log_var.w)),
                ("log_var.bias", Param::Vector(&log_var.b)),
            ],
            NetOp::Conv(c) => vec![("weight", Param::Mat(&c.w)), ("bias", Param::Vector(&c.b))],
            NetOp::Lstm(l) => vec![
                ("weight_ih", Param::Mat(&l.w_ih)),
                ("weight_hh", Param::Mat(&l.w_hh)),
                ("bias", Param::Vector(&l.b)),
            ],
            _ => Vec::new(),
        }
    }

    /// Overwrites the parameters in [`Self::params`] order from `values`.
    fn set_params<'a>(&mut self, values: &mut impl Iterator<Item = &'a Vec<f32>>) {
        let mat = |t: &mut Mat, v: Option<&Vec<f32>>| v.into_iter().for_each(|v| t.copy_from(v));
        match &mut self.op {
            NetOp::Dense(d) => {
                mat(&mut d.w, values.next());
                values.next().into_iter().for_each(|v| d.b.copy_from(v));
            }
            NetOp::Gaussian { mu, log_var } => {
                for d in [mu, log_var] {
                    mat(&mut d.w, values.next());
                    values.next().into_iter().for_each(|v| d.b.copy_from(v));
                }
            }
            NetOp::Conv(c) => {
                mat(&mut c.w, values.next());
                values.next().into_iter().for_each(|v| c.b.copy_from(v));
            }
            NetOp::Lstm(l) => {
                mat(&mut l.w_ih, values.next());
                mat(&mut l.w_hh, values.next());
                values.next().into_iter().for_each(|v| l.b.copy_from(v));
            }
            _ => {}
        }
    }

    /// Applies the op and then `act` to a batch whose samples have shape `input`; the
    /// kernels of convolutions and large dense layers apply it in the same op.
    pub fn forward_activated<T: Tape<f32, Cpu> + Merge<T>>(
        &self,
        x: Mat<T>,
        input: &[usize],
        act: Activation,
    ) -> Mat<T> {
        self.forward_activated_from(x, input, act, false)
    }

    /// [`Self::forward_activated`]; with `on_data`, `x` is a batch of data whose gradient
    /// nobody reads, which a dense kernel then does not compute.
    fn forward_activated_from<T: Tape<f32, Cpu> + Merge<T>>(
        &self,
        x: Mat<T>,
        input: &[usize],
        act: Activation,
        on_data: bool,
    ) -> Mat<T> {
        let n: usize = input.iter().product();
        match &self.op {
            NetOp::Conv(c) => c.forward_activated(x, act),
            NetOp::Dense(d) if d.in_features() == n && crate::kernels::dense::applies(d) => {
                if on_data {
                    crate::kernels::dense::forward_on_data(d, x, act)
                } else {
                    crate::kernels::dense::forward(d, x, act)
                }
            }
            _ => activate(self.forward(x, input), act),
        }
    }

    /// Applies the op (not the activation) to a batch whose samples have shape `input`.
    pub fn forward<T: Tape<f32, Cpu> + Merge<T>>(&self, x: Mat<T>, input: &[usize]) -> Mat<T> {
        let n: usize = input.iter().product();
        match &self.op {
            NetOp::Dense(d) if d.in_features() == n => d.forward(x),
            NetOp::Dense(d) => d.forward_steps(x),
            NetOp::Gaussian { mu, .. } => mu.forward(x),
            NetOp::Conv(c) => c.forward(x),
            NetOp::MaxPool { gather, .. }
            | NetOp::Upsample { gather, .. }
            | NetOp::Repeat { gather, .. } => gather.forward(x),
            NetOp::Flatten | NetOp::Reshape(_) => x,
            NetOp::Lstm(l) => l.forward(x, input.first().copied().unwrap_or(1)),
        }
    }
}

/// A dense autoencoder (or VAE) being trained.
#[derive(Debug, Clone)]
pub struct Net {
    /// The dfdx device (CPU).
    pub dev: Cpu,
    /// Plain or variational.
    pub kind: ModelKind,
    /// Shape of one sample.
    pub input_shape: Vec<usize>,
    /// Layers in evaluation order.
    pub layers: Vec<NetLayer>,
    /// Index of the layer whose output is the code.
    pub latent_layer: usize,
    /// The input shape (index 0) and every layer's output shape (index `j + 1`).
    pub shapes: Vec<Vec<usize>>,
}

/// The layers and activations of a network to build.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// Plain or variational.
    pub kind: ModelKind,
    /// Shape of one sample.
    pub input_shape: Vec<usize>,
    /// Encoder layers after the input, ending with the code (plain numbers: dense widths).
    pub encoder: Vec<LayerSpec>,
    /// Decoder layers; when they are all dense, the output layer (the input's width) is
    /// added, otherwise the last one must produce the input's shape.
    pub decoder: Vec<LayerSpec>,
    /// After every hidden layer.
    pub hidden: Activation,
    /// After the latent layer (linear for a VAE).
    pub latent: Activation,
    /// After the last layer.
    pub output: Activation,
}

impl Architecture {
    /// Whether every layer is a dense width (the dense models: the output layer is implied).
    pub fn is_dense(&self) -> bool {
        self.encoder.iter().chain(&self.decoder).all(|s| matches!(s, LayerSpec::Width(_)))
    }

    /// The decoder as planned: a dense decoder gains its output layer of the input's width.
    pub fn full_decoder(&self) -> Vec<LayerSpec> {
        let mut decoder = self.decoder.clone();
        if self.is_dense() {
            decoder.push(LayerSpec::Width(self.input_shape.iter().product()));
        }
        decoder
    }

    /// Every layer lowered to the core's IR and checked by its shape inference and
    /// validation; an error names the first layer that cannot take its input.
    pub fn plan(&self) -> Result<crate::lower::Plan> {
        let defaults = Defaults { hidden: self.hidden, latent: self.latent, output: self.output };
        let activation = |v: &toml::Value, layer: &str| -> Result<Activation> {
            let json = serde_json::to_value(v)?;
            Activation::from_json(&json, layer).map_err(|e| anyhow::anyhow!("{e}"))
        };
        let layers = (&self.encoder[..], &self.full_decoder()[..]);
        crate::lower::plan(self.kind, &self.input_shape, layers, defaults, &activation)
    }
}

/// `[c, h, w]` of a planned image shape.
pub fn image(shape: &[usize]) -> [usize; 3] {
    match *shape {
        [c, h, w] => [c, h, w],
        _ => [0, 0, 0],
    }
}

impl Net {
    /// A freshly initialized network, weights drawn from a generator seeded with `seed`.
    ///
    /// Panics if the architecture does not plan (see [`Net::try_new`]); configs are checked
    /// by [`crate::config::Config::architecture`].
    pub fn new(arch: &Architecture, seed: u64) -> Self {
        Self::try_new(arch, seed).unwrap_or_else(|e| panic!("invalid architecture: {e:#}"))
    }

    /// A freshly initialized network, or why the architecture cannot be built.
    pub fn try_new(arch: &Architecture, seed: u64) -> Result<Self> {
        let plan = arch.plan()?;
        let dev = Cpu::default();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut layers = Vec::new();
        for (j, layer) in plan.model.layers.iter().enumerate() {
            let weights = Weights::Init(&mut rng);
            let op = net_op(&dev, &layer.op, &plan.shapes[j], &layer.name, weights)?;
            layers.push(NetLayer { name: layer.name.clone(), op, activation: layer.activation });
        }
        Ok(Net {
            dev,
            kind: arch.kind,
            input_shape: arch.input_shape.clone(),
            layers,
            latent_layer: plan.model.latent_layer,
            shapes: plan.shapes,
        })
    }

    /// Values per sample.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Values in the code.
    pub fn latent_len(&self) -> usize {
        self.shapes[self.latent_layer + 1].iter().product()
    }

    /// A batch tensor from row-major values.
    pub fn batch(&self, x: Vec<f32>, rows: usize) -> Mat {
        let n = x.len() / rows.max(1);
        self.dev.tensor_from_vec(x, (rows, n))
    }

    /// Runs `layers[range]` on a batch; a Gaussian layer yields its mean. With `raw_last`, the
    /// last layer's activation is skipped (logits for a BCE loss).
    pub fn run<T: Tape<f32, Cpu> + Merge<T>>(
        &self,
        range: std::ops::Range<usize>,
        h: Mat<T>,
        raw_last: bool,
    ) -> Mat<T> {
        self.run_from(range, h, raw_last, false)
    }

    /// [`Self::run`] of `layers[..end]` on a batch of data whose gradient nobody reads (the
    /// objectives' input): a first layer with a dense kernel skips computing it.
    pub fn run_on_data<T: Tape<f32, Cpu> + Merge<T>>(
        &self,
        end: usize,
        x: Mat<T>,
        raw_last: bool,
    ) -> Mat<T> {
        self.run_from(0..end, x, raw_last, true)
    }

    fn run_from<T: Tape<f32, Cpu> + Merge<T>>(
        &self,
        range: std::ops::Range<usize>,
        mut h: Mat<T>,
        raw_last: bool,
        on_data: bool,
    ) -> Mat<T> {
        let (mut j, end) = (range.start, range.end);
        while j < end {
            let layer = &self.layers[j];
            let act = if raw_last && j + 1 == end { Activation::Linear } else { layer.activation };
            // A convolution and the max pooling after it run as one op.
            if let (NetOp::Conv(conv), Some(NetOp::MaxPool { gather, .. })) =
                (&layer.op, self.layers[..end].get(j + 1).map(|l| &l.op))
            {
                if crate::kernels::conv_pool::fuses(conv, &gather.resample) {
                    h = crate::kernels::conv_pool::forward(conv, &gather.resample, h, act);
                    j += 2;
                    continue;
                }
            }
            let on_data = on_data && j == range.start;
            h = layer.forward_activated_from(h, &self.shapes[j], act, on_data);
            j += 1;
        }
        h
    }

    /// The reconstruction of a batch without a tape (a VAE decodes its mean).
    pub fn reconstruct(&self, x: Mat) -> Mat {
        self.run(0..self.layers.len(), x, false)
    }

    /// The codes of a batch without a tape (a VAE's mean).
    pub fn encode(&self, x: Mat) -> Mat {
        self.run(0..self.latent_layer + 1, x, false)
    }
}

/// Parameter tensors in a fixed order (per layer: weight, bias; a Gaussian layer: mean head,
/// then log-variance head), as flat row-major values, for optimizers and checkpoints.
impl Net {
    /// Names of the parameters, in order (`enc.0.weight`, `enc.0.bias`, ...).
    pub fn param_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for layer in &self.layers {
            for (suffix, _) in layer.params() {
                names.push(format!("{}.{suffix}", layer.name));
            }
        }
        names
    }

    /// Shapes of the parameters as stored here (dense weights `(in, out)`).
    pub fn param_shapes(&self) -> Vec<Vec<usize>> {
        self.layers.iter().flat_map(|l| l.params()).map(|(_, p)| p.shape()).collect()
    }

    /// The parameter values.
    pub fn param_values(&self) -> Vec<Vec<f32>> {
        self.layers.iter().flat_map(|l| l.params()).map(|(_, p)| p.values()).collect()
    }

    /// Overwrites the parameters with `values` (same order and lengths as [`Self::param_values`]).
    pub fn set_param_values(&mut self, values: &[Vec<f32>]) {
        let mut it = values.iter();
        for layer in &mut self.layers {
            layer.set_params(&mut it);
        }
    }

    /// The gradients of the parameters. Every objective reaches every parameter (a VAE's
    /// log-variance head through the KL term), so each one has a gradient.
    pub fn param_grads(&self, grads: &Gradients<f32, Cpu>) -> Vec<Vec<f32>> {
        self.layers.iter().flat_map(|l| l.params()).map(|(_, p)| p.grad(grads)).collect()
    }

    /// [`Self::param_grads`] moved out of `grads` instead of copied (a training step's, read
    /// once by the optimizer).
    pub fn take_param_grads(&self, grads: &mut Gradients<f32, Cpu>) -> Vec<Vec<f32>> {
        self.layers.iter().flat_map(|l| l.params()).map(|(_, p)| p.take_grad(grads)).collect()
    }

    /// Number of trainable values.
    pub fn param_count(&self) -> usize {
        self.param_shapes().iter().map(|s| s.iter().product::<usize>()).sum()
    }
}

/// Applies an activation with dfdx ops, matching [`Activation::apply`] (softplus uses the
/// overflow-free form `relu(x) + ln(1 + exp(-|βx|)) / β`, equal to PyTorch's within f32 rounding
/// below the threshold and within `exp(-threshold)` above it).
pub fn activate<T: Tape<f32, Cpu>>(x: Mat<T>, a: Activation) -> Mat<T> {
    match a {
        Activation::Linear => x,
        Activation::Relu => x.relu(),
        Activation::LeakyRelu { alpha } => x.prelu(alpha),
        Activation::Sigmoid => x.sigmoid(),
        Activation::Tanh => x.tanh(),
        Activation::HardSigmoid { slope, offset } => (x * slope + offset).clamp(0.0, 1.0),
        Activation::Elu { alpha } => {
            // exp(min(x, 0)) never overflows, so the gradient of the unused branch stays 0.
            let negative = (x.with_empty_tape().negate().relu().negate().exp() - 1.0) * alpha;
            x.relu() + negative
        }
        Activation::Softplus { beta, .. } => {
            let tail = ((x.with_empty_tape() * beta).abs().negate().exp() + 1.0).ln() / beta;
            x.relu() + tail
        }
    }
}
