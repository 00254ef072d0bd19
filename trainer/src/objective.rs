//! What is minimized: the reconstruction loss plus each autoencoder kind's defining term.
//!
//! | kind | input | extra term |
//! |---|---|---|
//! | vanilla | x | — |
//! | denoising | x corrupted (gaussian noise clipped to the data range, or masking) | — |
//! | sparse | x | `weight · mean_batch Σ|z|` (L1) or `weight · Σ_j KL(ρ ‖ ρ̂_j)` |
//! | contractive | x | `weight · mean_batch ‖∂z/∂x‖²_F` |
//! | vae | x | `β · KL(q(z|x) ‖ N(0, I)) / input_len`, z = μ + exp(½ log σ²) ε |
//! | adversarial | x | `weight · BCE(D(z), 1)`, D a discriminator trained against prior samples (`crate::adversarial`) |
//!
//! The reconstruction loss is a mean over all values, so the VAE's per-sample KL is divided by
//! the input length to keep β on the ELBO's scale. The target is always the clean input.

use anyhow::{bail, Result};
use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;
use serde::{Deserialize, Serialize};
use tinyae_core::Activation;

use crate::net::{Mat, Net, NetOp};

/// A scalar loss.
pub type Scalar<T> = Tensor<(), f32, Cpu, T>;
type Cube<T> = Tensor<(usize, usize, usize), f32, Cpu, T>;

/// The reconstruction loss.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Mean squared error.
    #[default]
    Mse,
    /// Mean absolute error.
    Mae,
    /// Binary cross-entropy on a sigmoid output (computed from logits, numerically stable).
    Bce,
}

/// How a denoising autoencoder corrupts its input.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "noise", rename_all = "snake_case", deny_unknown_fields)]
pub enum Noise {
    /// `x + factor · N(0, 1)`, clipped to the training data's range.
    Gaussian {
        /// Noise standard deviation in scaled units.
        factor: f32,
    },
    /// Each value is set to 0 with probability `fraction`.
    Masking {
        /// Probability of masking a value.
        fraction: f32,
    },
}

impl Default for Noise {
    fn default() -> Self {
        Noise::Gaussian { factor: 0.5 }
    }
}

/// A sparse autoencoder's activity penalty on the code.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "penalty", rename_all = "snake_case", deny_unknown_fields)]
pub enum Sparsity {
    /// `weight · mean over the batch of Σ|z_j|`.
    L1 {
        /// Penalty weight.
        weight: f32,
    },
    /// `weight · Σ_j KL(target ‖ mean activation of unit j)`; needs a sigmoid code.
    Kl {
        /// Desired mean activation ρ.
        target: f32,
        /// Penalty weight.
        weight: f32,
    },
}

impl Default for Sparsity {
    fn default() -> Self {
        Sparsity::L1 { weight: 1e-4 }
    }
}

/// The autoencoder kind with its settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Plain reconstruction.
    Vanilla,
    /// Reconstruct the clean input from a corrupted one.
    Denoising(Noise),
    /// Penalize code activity.
    Sparse(Sparsity),
    /// Penalize the encoder's sensitivity to its input.
    Contractive {
        /// Weight λ.
        weight: f32,
    },
    /// Variational autoencoder.
    Vae {
        /// Weight β of the KL term.
        beta: f32,
    },
    /// Adversarial autoencoder: a discriminator pushes the codes toward a Gaussian prior.
    Adversarial(crate::adversarial::Adversarial),
}

impl Kind {
    /// The name used in configs and provenance.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Vanilla => "vanilla",
            Kind::Denoising(_) => "denoising",
            Kind::Sparse(_) => "sparse",
            Kind::Contractive { .. } => "contractive",
            Kind::Vae { .. } => "vae",
            Kind::Adversarial(_) => "adversarial",
        }
    }

    /// Checks the settings' ranges.
    pub fn check(&self) -> Result<()> {
        let bad = |what: &str, v: f32| -> Result<()> { bail!("`{what}` is {v}, out of range") };
        match *self {
            Kind::Denoising(Noise::Gaussian { factor })
                if !(factor >= 0.0 && factor.is_finite()) =>
            {
                bad("model.denoising.factor", factor)
            }
            Kind::Denoising(Noise::Masking { fraction }) if !(0.0..1.0).contains(&fraction) => {
                bad("model.denoising.fraction", fraction)
            }
            Kind::Sparse(Sparsity::L1 { weight }) | Kind::Contractive { weight }
                if !(weight >= 0.0 && weight.is_finite()) =>
            {
                bad("weight", weight)
            }
            Kind::Sparse(Sparsity::Kl { target, weight }) => {
                if !(target > 0.0 && target < 1.0) {
                    return bad("model.sparse.target", target);
                }
                if !(weight >= 0.0 && weight.is_finite()) {
                    return bad("model.sparse.weight", weight);
                }
                Ok(())
            }
            Kind::Vae { beta } if !(beta >= 0.0 && beta.is_finite()) => bad("model.vae.beta", beta),
            Kind::Adversarial(a) => a.check(),
            _ => Ok(()),
        }
    }
}

/// The loss and kind, with the data range denoising clips to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    /// The autoencoder kind.
    pub kind: Kind,
    /// The reconstruction loss.
    pub loss: Loss,
    /// Smallest and largest scaled training value.
    pub range: (f32, f32),
}

impl Objective {
    /// The corrupted input of a denoising autoencoder (the clean input for other kinds).
    pub fn corrupt(&self, clean: &[f32], rng: &mut StdRng) -> Vec<f32> {
        match self.kind {
            Kind::Denoising(Noise::Gaussian { factor }) => clean
                .iter()
                .map(|&v| (v + factor * normal(rng)).clamp(self.range.0, self.range.1))
                .collect(),
            Kind::Denoising(Noise::Masking { fraction }) => {
                clean.iter().map(|&v| if rng.gen::<f32>() < fraction { 0.0 } else { v }).collect()
            }
            _ => clean.to_vec(),
        }
    }

    /// The VAE's reparameterization noise for `rows` samples (none for other kinds).
    pub fn noise_eps(&self, net: &Net, rows: usize, rng: &mut StdRng) -> Option<Mat> {
        match self.kind {
            Kind::Vae { .. } => {
                let l = net.latent_len();
                let eps: Vec<f32> = (0..rows * l).map(|_| normal(rng)).collect();
                Some(net.dev.tensor_from_vec(eps, (rows, l)))
            }
            _ => None,
        }
    }

    /// The objective of one batch. `input` may carry a tape (the gradient with respect to the
    /// input itself is not computed: [`Net::run_on_data`]); `eps = None` makes a VAE use its
    /// mean (the deterministic validation loss).
    pub fn evaluate<T>(&self, net: &Net, input: Mat<T>, target: &Mat, eps: Option<Mat>) -> Scalar<T>
    where
        T: Tape<f32, Cpu> + Merge<T>,
    {
        let rows = input.shape().0 as f32;
        let n = net.layers.len();
        let latent = net.latent_layer;
        let raw = self.loss == Loss::Bce;
        match self.kind {
            // The adversarial term needs the discriminator, which the training step holds
            // (`crate::adversarial`); the deterministic objective is the reconstruction.
            Kind::Vanilla | Kind::Denoising(_) | Kind::Adversarial(_) => {
                self.recon(net.run_on_data(n, input, raw), target)
            }
            Kind::Sparse(s) => {
                let code = net.run_on_data(latent + 1, input, false);
                let out = net.run(latent + 1..n, code.with_empty_tape(), raw);
                self.recon(out, target) + sparsity(code, s, rows)
            }
            Kind::Contractive { weight } => {
                let (code, jacobian) = encode_with_jacobian(net, input);
                let out = net.run(latent + 1..n, code, raw);
                self.recon(out, target) + jacobian.square().sum() * (weight / rows)
            }
            Kind::Vae { beta } => {
                let h = net.run_on_data(latent, input, false);
                let NetOp::Gaussian { mu: mu_head, log_var: lv_head } = &net.layers[latent].op
                else {
                    unreachable!("Net::new gives a VAE a Gaussian latent layer")
                };
                let mu = mu_head.forward(h.with_empty_tape());
                let log_var = lv_head.forward(h);
                let z = match eps {
                    Some(eps) => {
                        mu.with_empty_tape() + (log_var.with_empty_tape() * 0.5).exp() * eps
                    }
                    None => mu.with_empty_tape(),
                };
                let out = net.run(latent + 1..n, z, raw);
                // KL(N(mu, sigma^2) || N(0, 1)) summed over the code, averaged over the batch.
                let kl = ((log_var.with_empty_tape() + 1.0) - mu.square() - log_var.exp()).sum()
                    * (-0.5 / rows);
                self.recon(out, target) + kl * (beta / net.input_len() as f32)
            }
        }
    }

    /// The reconstruction loss of a batch of outputs (logits for BCE) against `target`.
    pub(crate) fn recon<T: Tape<f32, Cpu>>(&self, out: Mat<T>, target: &Mat) -> Scalar<T> {
        match self.loss {
            // dfdx's `mse_loss`, bit for bit, as one op on both cores.
            Loss::Mse => crate::kernels::loss::mse(out, target),
            Loss::Mae => dfdx::losses::mae_loss(out, target.clone()),
            Loss::Bce => dfdx::losses::binary_cross_entropy_with_logits_loss(out, target.clone()),
        }
    }
}

fn sparsity<T: Tape<f32, Cpu>>(code: Mat<T>, s: Sparsity, rows: f32) -> Scalar<T> {
    match s {
        Sparsity::L1 { weight } => code.abs().sum() * (weight / rows),
        Sparsity::Kl { target, weight } => {
            // rho_hat_j = mean activation of unit j over the batch, kept inside (0, 1).
            let rho_hat = code.mean::<(usize,), Axis<0>>().clamp(1e-6, 1.0 - 1e-6);
            let inv = rho_hat.with_empty_tape().negate() + 1.0;
            let kl = rho_hat.ln().negate() * target
                + inv.ln().negate() * (1.0 - target)
                + (target * target.ln() + (1.0 - target) * (1.0 - target).ln());
            kl.sum() * weight
        }
    }
}

/// Runs the encoder and carries the Jacobian `∂z/∂x` of every sample along (forward mode):
/// `J_1 = W_1 · diag(f'(a_1))`, `J_k = J_{k-1} W_k · diag(f'(a_k))`, shape `(rows, in, width)`.
fn encode_with_jacobian<T>(net: &Net, input: Mat<T>) -> (Mat<T>, Cube<T>)
where
    T: Tape<f32, Cpu> + Merge<T>,
{
    let rows = input.shape().0;
    let n_in = net.input_len();
    let mut h = input;
    let mut jac: Option<Cube<T>> = None;
    for layer in &net.layers[..=net.latent_layer] {
        let dense = layer.parts()[0];
        let width = dense.out_features();
        let shape = (rows, n_in, width);
        let pre = dense.forward(h);
        let slope = derivative(pre.with_empty_tape(), layer.activation)
            .broadcast_like::<_, Axis<1>>(&shape);
        jac = Some(match jac {
            None => slope * dense.w.clone().broadcast_like::<_, Axis<0>>(&shape),
            Some(j) => j.matmul(dense.w.clone()) * slope,
        });
        h = crate::net::activate(pre, layer.activation);
    }
    (h, jac.expect("the encoder has at least one layer"))
}

/// `f'(a)` for a batch of pre-activations, differentiable where `f'` is not piecewise constant.
fn derivative<T: Tape<f32, Cpu>>(pre: Mat<T>, a: Activation) -> Mat<T> {
    let constant = |pre: &Mat<T>, f: &dyn Fn(f32) -> f32| -> Mat<T> {
        let v: Vec<f32> = pre.as_vec().into_iter().map(f).collect();
        pre.device().tensor_from_vec(v, *pre.shape()).retaped::<T>()
    };
    match a {
        Activation::Sigmoid => {
            let s = pre.sigmoid();
            s.with_empty_tape() * (s.negate() + 1.0)
        }
        Activation::Tanh => pre.tanh().square().negate() + 1.0,
        Activation::Softplus { beta, .. } => (pre * beta).sigmoid(),
        Activation::Elu { alpha } => {
            let positive = constant(&pre, &|x| if x > 0.0 { 1.0 } else { 0.0 });
            let negative = constant(&pre, &|x| if x > 0.0 { 0.0 } else { 1.0 });
            let exp = pre.negate().relu().negate().exp() * alpha;
            exp * negative.retaped::<NoneTape>() + positive.retaped::<NoneTape>()
        }
        Activation::Relu => constant(&pre, &|x| if x > 0.0 { 1.0 } else { 0.0 }),
        Activation::LeakyRelu { alpha } => constant(&pre, &|x| if x >= 0.0 { 1.0 } else { alpha }),
        Activation::HardSigmoid { slope, offset } => constant(&pre, &|x| {
            let y = slope * x + offset;
            if y > 0.0 && y < 1.0 {
                slope
            } else {
                0.0
            }
        }),
        Activation::Linear => constant(&pre, &|_| 1.0),
    }
}

/// A standard normal sample (Box–Muller), from the seeded generator.
pub fn normal(rng: &mut StdRng) -> f32 {
    let u1: f64 = 1.0 - rng.gen::<f64>(); // (0, 1]: ln never sees 0
    let u2: f64 = rng.gen();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}
