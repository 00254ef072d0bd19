//! The adversarial autoencoder (Makhzani et al. 2015, "Adversarial Autoencoders"; sketched in
//! seed 004): a discriminator learns to tell codes `z = enc(x)` from samples of the prior
//! `N(0, prior_std² I)`, and the encoder is trained, besides reconstructing, to make its codes
//! pass for prior samples. The code distribution is pushed toward the prior without a
//! stochastic encoder or a KL term, so the written file is an ordinary autoencoder.
//!
//! Each batch: (1) one step of the autoencoder on `recon + weight · gen`, where
//! `gen = BCE(D(z), 1)` is the non-saturating generator loss with the discriminator's weights
//! held fixed (gradients reach the encoder through D); (2) one step of the discriminator on
//! `BCE(D(z_prior), 1) + BCE(D(z), 0)` with the batch's codes (detached) and as many prior
//! samples. The discriminator is `latent → hidden → hidden → 1` with leaky-relu(0.2) hidden
//! layers, trained with the autoencoder's optimizer settings. Its weights and optimizer
//! moments are part of the training state (checkpointed, rolled back on Ctrl-C), never of the
//! model file. Validation uses the reconstruction loss only, so early stopping watches quality.

use anyhow::{ensure, Result};
use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::net::{DenseParams, Mat, Net};
use crate::objective::{normal, Loss, Objective, Scalar};
use crate::optim::{Optimizer, OptimizerConfig};
use crate::train::derive_seed;

/// `[model.adversarial]`: the prior and the discriminator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adversarial {
    /// Weight of the generator term against the reconstruction loss.
    #[serde(default = "weight")]
    pub weight: f32,
    /// Width of the discriminator's two hidden layers.
    #[serde(default = "hidden")]
    pub hidden: usize,
    /// Standard deviation of the Gaussian prior on every code value.
    #[serde(default = "prior_std")]
    pub prior_std: f32,
}

fn weight() -> f32 {
    0.003
}
fn hidden() -> usize {
    64
}
fn prior_std() -> f32 {
    1.0
}

impl Default for Adversarial {
    fn default() -> Self {
        Adversarial { weight: weight(), hidden: hidden(), prior_std: prior_std() }
    }
}

impl Adversarial {
    /// Checks the settings' ranges.
    pub fn check(&self) -> Result<()> {
        ensure!(
            self.weight >= 0.0 && self.weight.is_finite(),
            "`model.adversarial.weight` is {}, expected a finite number ≥ 0",
            self.weight
        );
        ensure!(self.hidden >= 1, "`model.adversarial.hidden` must be at least 1");
        ensure!(
            self.prior_std > 0.0 && self.prior_std.is_finite(),
            "`model.adversarial.prior_std` is {}, expected a positive number",
            self.prior_std
        );
        Ok(())
    }
}

/// The stream of the discriminator's initialization, distinct from training's and pruning's.
const STREAM: u64 = 11;
/// Slope of the discriminator's leaky relu.
const LEAK: f32 = 0.2;

/// The discriminator during training: its parameters (per layer: weight `(in, out)`, bias)
/// and its optimizer.
#[derive(Debug, Clone, PartialEq)]
pub struct Adversary {
    /// The settings it was built from.
    pub settings: Adversarial,
    /// `(in, out)` of each layer.
    pub dims: Vec<(usize, usize)>,
    /// Weight and bias values per layer, flattened in that order.
    pub params: Vec<Vec<f32>>,
    /// Its update rule and moments.
    pub optimizer: Optimizer,
}

impl Adversary {
    /// A freshly initialized discriminator for codes of `latent` values.
    pub fn new(
        settings: Adversarial,
        latent: usize,
        optimizer: OptimizerConfig,
        seed: u64,
    ) -> Self {
        let h = settings.hidden;
        let dims = vec![(latent, h), (h, h), (h, 1)];
        let dev = Cpu::default();
        let mut rng = StdRng::seed_from_u64(derive_seed(seed, 0, STREAM));
        let params: Vec<Vec<f32>> = dims
            .iter()
            .flat_map(|&(i, o)| {
                let d = DenseParams::init(&dev, i, o, &mut rng);
                [d.w.as_vec(), d.b.as_vec()]
            })
            .collect();
        let lens: Vec<usize> = params.iter().map(Vec::len).collect();
        Adversary { settings, dims, params, optimizer: Optimizer::new(optimizer, &lens) }
    }

    /// The discriminator of an adversarial objective (`None` for other kinds).
    pub fn for_objective(
        objective: &Objective,
        net: &Net,
        optimizer: OptimizerConfig,
        seed: u64,
    ) -> Option<Self> {
        match objective.kind {
            crate::objective::Kind::Adversarial(a) => {
                Some(Adversary::new(a, net.latent_len(), optimizer, seed))
            }
            _ => None,
        }
    }

    fn layers(&self, dev: &Cpu) -> Vec<DenseParams> {
        self.dims
            .iter()
            .zip(self.params.chunks(2))
            .map(|(&(i, o), p)| DenseParams {
                w: dev.tensor_from_vec(p[0].clone(), (i, o)),
                b: dev.tensor_from_vec(p[1].clone(), (o,)),
            })
            .collect()
    }

    /// The discriminator's logits `(rows, 1)` for a batch of codes.
    fn logits<T: Tape<f32, Cpu>>(layers: &[DenseParams], z: Mat<T>) -> Mat<T> {
        let last = layers.len() - 1;
        let mut h = z;
        for (j, layer) in layers.iter().enumerate() {
            h = layer.forward(h);
            if j < last {
                h = h.prelu(LEAK);
            }
        }
        h
    }

    /// What the discriminator says about codes: the mean probability it gives them of being
    /// prior samples.
    pub fn belief(&self, codes: &[f32], latent: usize) -> f32 {
        let dev = Cpu::default();
        let rows = codes.len() / latent.max(1);
        let z: Mat = dev.tensor_from_vec(codes.to_vec(), (rows, latent));
        let p = Self::logits(&self.layers(&dev), z).sigmoid().as_vec();
        p.iter().sum::<f32>() / p.len().max(1) as f32
    }

    /// The autoencoder's loss on a batch, `recon + weight · BCE(D(z), 1)`, with the
    /// discriminator fixed, and the batch's codes (for [`Self::train_discriminator`]).
    pub fn autoencoder_loss<T>(
        &self,
        net: &Net,
        objective: &Objective,
        input: Mat<T>,
        target: &Mat,
    ) -> (Scalar<T>, Vec<f32>)
    where
        T: Tape<f32, Cpu> + Merge<T>,
    {
        let (n, latent) = (net.layers.len(), net.latent_layer);
        let code = net.run_on_data(latent + 1, input, false);
        let codes = code.as_vec();
        let out = net.run(latent + 1..n, code.with_empty_tape(), objective.loss == Loss::Bce);
        let logits = Self::logits(&self.layers(&net.dev), code);
        let ones = net.dev.tensor_from_vec(vec![1.0; logits.shape().0], (logits.shape().0, 1));
        let fool = dfdx::losses::binary_cross_entropy_with_logits_loss(logits, ones);
        (objective.recon(out, target) + fool * self.settings.weight, codes)
    }

    /// One step of the discriminator: `codes` (a batch of `latent`-value codes) against as
    /// many prior samples. Returns its loss.
    pub fn train_discriminator(&mut self, codes: &[f32], latent: usize, rng: &mut StdRng) -> f32 {
        let dev = Cpu::default();
        let rows = codes.len() / latent.max(1);
        let std = self.settings.prior_std;
        let mut input: Vec<f32> = (0..rows * latent).map(|_| std * normal(rng)).collect();
        input.extend_from_slice(codes);
        let target: Vec<f32> = (0..2 * rows).map(|i| if i < rows { 1.0 } else { 0.0 }).collect();
        let layers = self.layers(&dev);
        let x = dev.tensor_from_vec(input, (2 * rows, latent)).traced(Gradients::leaky());
        let logits = Self::logits(&layers, x);
        let target = dev.tensor_from_vec(target, (2 * rows, 1));
        let loss = dfdx::losses::binary_cross_entropy_with_logits_loss(logits, target);
        let value = loss.array();
        if value.is_finite() {
            let grads = loss.backward();
            let g: Vec<Vec<f32>> = layers
                .iter()
                .flat_map(|d| [grads.get(&d.w).as_vec(), grads.get(&d.b).as_vec()])
                .collect();
            self.optimizer.update(&mut self.params, &g);
        }
        value
    }

    /// Checkpoint tensors: `(name, shape, values)` of the parameters and optimizer moments.
    pub fn tensors(&self) -> Vec<(String, Vec<usize>, Vec<f32>)> {
        let shape = |k: usize| {
            let (i, o) = self.dims[k / 2];
            if k.is_multiple_of(2) {
                vec![i, o]
            } else {
                vec![o]
            }
        };
        let mut out = Vec::new();
        for (prefix, values) in
            [("param", &self.params), ("m", &self.optimizer.m), ("v", &self.optimizer.v)]
        {
            for (k, v) in values.iter().enumerate() {
                out.push((format!("adversary.{prefix}.{k}"), shape(k), v.clone()));
            }
        }
        out
    }

    /// Restores what [`Self::tensors`] saved; `read(name, len)` returns a tensor's values.
    pub fn restore(
        &mut self,
        step: u64,
        mut read: impl FnMut(&str, usize) -> Result<Vec<f32>>,
    ) -> Result<()> {
        let lens: Vec<usize> = self.params.iter().map(Vec::len).collect();
        let mut load = |prefix: &str| -> Result<Vec<Vec<f32>>> {
            lens.iter()
                .enumerate()
                .map(|(k, &len)| read(&format!("adversary.{prefix}.{k}"), len))
                .collect()
        };
        self.params = load("param")?;
        self.optimizer.m = load("m")?;
        if !self.optimizer.v.is_empty() {
            self.optimizer.v = load("v")?;
        }
        self.optimizer.step = step;
        Ok(())
    }
}
