//! The network as dfdx tensors with run-time dimensions.
//!
//! dfdx 0.13's `nn` modules (`Linear<I, O>`) fix their widths as const generics, so a new width
//! would need a recompile. Instead every layer is a pair of plain tensors with `usize` dims —
//! `Tensor<(usize, usize), f32, Cpu>` weights stored `(in, out)` and `(usize,)` biases — and the
//! forward pass is written with dfdx's tensor ops, which work on run-time shapes and record the
//! gradient tape like the modules do. docs/TRAINER.md explains the choice.

use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tinyae_core::ir::ModelKind;
use tinyae_core::Activation;

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

    /// Applies the layer to a batch, keeping the tape.
    pub fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        let rows = x.shape().0;
        let y = x.matmul(self.w.clone());
        let b = self.b.clone().broadcast_like::<_, Axis<0>>(&(rows, self.out_features()));
        y + b
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
    /// The dense parts, mean head first.
    pub fn parts(&self) -> Vec<&DenseParams> {
        match &self.op {
            NetOp::Dense(d) => vec![d],
            NetOp::Gaussian { mu, log_var } => vec![mu, log_var],
        }
    }

    /// The dense parts, mutably.
    pub fn parts_mut(&mut self) -> Vec<&mut DenseParams> {
        match &mut self.op {
            NetOp::Dense(d) => vec![d],
            NetOp::Gaussian { mu, log_var } => vec![mu, log_var],
        }
    }

    /// Output width.
    pub fn out_features(&self) -> usize {
        self.parts()[0].out_features()
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
}

/// The widths and activations of a network to build.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// Plain or variational.
    pub kind: ModelKind,
    /// Shape of one sample.
    pub input_shape: Vec<usize>,
    /// Encoder widths after the input, ending with the latent width.
    pub encoder: Vec<usize>,
    /// Decoder widths before the output (the output width is the input size).
    pub decoder: Vec<usize>,
    /// After every hidden layer.
    pub hidden: Activation,
    /// After the latent layer (linear for a VAE).
    pub latent: Activation,
    /// After the last layer.
    pub output: Activation,
}

impl Net {
    /// A freshly initialized network, weights drawn from a generator seeded with `seed`.
    pub fn new(arch: &Architecture, seed: u64) -> Self {
        let dev = Cpu::default();
        let mut rng = StdRng::seed_from_u64(seed);
        let n: usize = arch.input_shape.iter().product();
        let mut layers = Vec::new();
        let mut width = n;
        for (j, &w) in arch.encoder.iter().enumerate() {
            let last = j + 1 == arch.encoder.len();
            let op = if last && arch.kind == ModelKind::Vae {
                let mu = DenseParams::init(&dev, width, w, &mut rng);
                let log_var = DenseParams::init(&dev, width, w, &mut rng);
                NetOp::Gaussian { mu, log_var }
            } else {
                NetOp::Dense(DenseParams::init(&dev, width, w, &mut rng))
            };
            let activation = if last { arch.latent } else { arch.hidden };
            layers.push(NetLayer { name: format!("enc.{j}"), op, activation });
            width = w;
        }
        let latent_layer = layers.len() - 1;
        let widths = arch.decoder.iter().copied().chain([n]);
        for (j, w) in widths.enumerate() {
            let activation = if j == arch.decoder.len() { arch.output } else { arch.hidden };
            let op = NetOp::Dense(DenseParams::init(&dev, width, w, &mut rng));
            layers.push(NetLayer { name: format!("dec.{j}"), op, activation });
            width = w;
        }
        Net { dev, kind: arch.kind, input_shape: arch.input_shape.clone(), layers, latent_layer }
    }

    /// Values per sample.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Values in the code.
    pub fn latent_len(&self) -> usize {
        self.layers[self.latent_layer].out_features()
    }

    /// A batch tensor from row-major values.
    pub fn batch(&self, x: Vec<f32>, rows: usize) -> Mat {
        let n = x.len() / rows.max(1);
        self.dev.tensor_from_vec(x, (rows, n))
    }

    /// Runs `layers[range]` on a batch; a Gaussian layer yields its mean. With `raw_last`, the
    /// last layer's activation is skipped (logits for a BCE loss).
    pub fn run<T: Tape<f32, Cpu>>(
        &self,
        range: std::ops::Range<usize>,
        mut h: Mat<T>,
        raw_last: bool,
    ) -> Mat<T> {
        let end = range.end;
        for j in range {
            let layer = &self.layers[j];
            h = layer.parts()[0].forward(h);
            if !(raw_last && j + 1 == end) {
                h = activate(h, layer.activation);
            }
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
            let heads: &[&str] = match layer.op {
                NetOp::Dense(_) => &[""],
                NetOp::Gaussian { .. } => &[".mu", ".log_var"],
            };
            for head in heads {
                names.push(format!("{}{head}.weight", layer.name));
                names.push(format!("{}{head}.bias", layer.name));
            }
        }
        names
    }

    /// Shapes of the parameters as stored here (weights `(in, out)`).
    pub fn param_shapes(&self) -> Vec<Vec<usize>> {
        let mut shapes = Vec::new();
        for d in self.layers.iter().flat_map(NetLayer::parts) {
            shapes.push(vec![d.in_features(), d.out_features()]);
            shapes.push(vec![d.out_features()]);
        }
        shapes
    }

    /// The parameter values.
    pub fn param_values(&self) -> Vec<Vec<f32>> {
        let mut values = Vec::new();
        for d in self.layers.iter().flat_map(NetLayer::parts) {
            values.push(d.w.as_vec());
            values.push(d.b.as_vec());
        }
        values
    }

    /// Overwrites the parameters with `values` (same order and lengths as [`Self::param_values`]).
    pub fn set_param_values(&mut self, values: &[Vec<f32>]) {
        let mut it = values.iter();
        for d in self.layers.iter_mut().flat_map(NetLayer::parts_mut) {
            if let (Some(w), Some(b)) = (it.next(), it.next()) {
                d.w.copy_from(w);
                d.b.copy_from(b);
            }
        }
    }

    /// The gradients of the parameters. Every objective reaches every parameter (a VAE's
    /// log-variance head through the KL term), so each one has a gradient.
    pub fn param_grads(&self, grads: &Gradients<f32, Cpu>) -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        for d in self.layers.iter().flat_map(NetLayer::parts) {
            out.push(grads.get(&d.w).as_vec());
            out.push(grads.get(&d.b).as_vec());
        }
        out
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
