//! The training loop: seeded shuffling, mini-batches, validation, early stopping with the best
//! weights restored, and a hook after every epoch (checkpoints, progress, Ctrl-C).
//!
//! Determinism: every random choice comes from a generator seeded with `(seed, epoch, stream)`,
//! so an epoch's shuffling and noise do not depend on what ran before it — resuming from a
//! checkpoint after epoch k gives the same weights as an uninterrupted run. dfdx's matrix
//! products split work across threads by output blocks only, never along the summed
//! dimension, so the thread count does not change any sum (a test checks this).

use std::time::Instant;

use anyhow::Result;
use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::adversarial::Adversary;
use crate::config::EarlyStopping;
use crate::data::{shuffled_indices, Dataset};
use crate::net::Net;
use crate::objective::Objective;
use crate::optim::{Optimizer, OptimizerConfig};

/// How to train.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Upper bound on epochs.
    pub epochs: usize,
    /// Samples per update (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Seeds shuffling and noise.
    pub seed: u64,
    /// Stop after `patience` epochs without validation improvement.
    pub early_stopping: Option<EarlyStopping>,
    /// Loss and kind.
    pub objective: Objective,
    /// Update rule.
    pub optimizer: OptimizerConfig,
    /// Training targets row for row, when they are not the clean inputs (distillation's
    /// blended teacher outputs, `crate::distill`).
    pub targets: Option<std::sync::Arc<Dataset>>,
}

/// One line of the training history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based.
    pub epoch: usize,
    /// Mean training objective over the epoch's batches (with noise, as optimized).
    pub train_loss: f64,
    /// Deterministic objective on the validation data.
    pub val_loss: Option<f64>,
    /// Wall time of the epoch.
    pub seconds: f64,
}

/// The best weights seen so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    /// The epoch they are from (1-based).
    pub epoch: usize,
    /// Their validation loss.
    pub val_loss: f64,
    /// The parameters, as [`Net::param_values`].
    pub params: Vec<Vec<f32>>,
}

/// Everything needed to continue training: saved in checkpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Completed epochs.
    pub epochs_done: usize,
    /// Optimizer moments and step count.
    pub optimizer: Optimizer,
    /// One record per completed epoch.
    pub history: Vec<EpochRecord>,
    /// Best validation loss so far (when there is validation data).
    pub best: Option<Best>,
    /// Epochs since the best one.
    pub since_best: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// The discriminator of an adversarial autoencoder (`None` for other kinds).
    pub adversary: Option<Adversary>,
}

impl State {
    /// The state before the first epoch.
    pub fn new(net: &Net, optimizer: OptimizerConfig) -> Self {
        let lens: Vec<usize> = net.param_values().iter().map(Vec::len).collect();
        State {
            epochs_done: 0,
            optimizer: Optimizer::new(optimizer, &lens),
            history: Vec::new(),
            best: None,
            since_best: 0,
            stopped_early: false,
            adversary: None,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// All epochs ran.
    Completed,
    /// Early stopping triggered (best weights restored).
    EarlyStopped,
    /// The monitor asked to stop (Ctrl-C); the net holds the last completed epoch's weights.
    Interrupted,
}

/// Hooks the caller gets during training.
pub trait Monitor {
    /// After every batch.
    fn batch(&mut self, _epoch: usize, _batch: usize, _batches: usize, _loss: f32) {}
    /// After every epoch, with the net and the state as a checkpoint would save them.
    fn epoch_end(&mut self, _net: &Net, _state: &State) -> Result<()> {
        Ok(())
    }
    /// Polled between batches; `true` stops at once, discarding the unfinished epoch.
    fn interrupted(&self) -> bool {
        false
    }
}

/// A monitor that does nothing.
#[derive(Debug, Default)]
pub struct Silent;

impl Monitor for Silent {}

/// A 64-bit mix of the seed with an epoch and a stream number (SplitMix64 finalizer).
pub fn derive_seed(seed: u64, epoch: usize, stream: u64) -> u64 {
    let mut z = seed
        .wrapping_add((epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One optimizer step on the rows `chunk` of `train` (the training loop's and pruning's
/// fine-tuning): gather them, corrupt the input (denoising kinds), forward, loss, backward, and
/// update `params`, which the caller writes back to `net` (after masking, when pruning); an
/// adversarial autoencoder's discriminator then takes its step. The batch's loss, which the
/// caller checks is finite; `params` is then not to be used.
#[allow(clippy::too_many_arguments)]
pub(crate) fn step(
    net: &Net,
    objective: &Objective,
    train: &Dataset,
    chunk: &[usize],
    rng: &mut StdRng,
    optimizer: &mut Optimizer,
    params: &mut [Vec<f32>],
    adversary: Option<&mut Adversary>,
    targets: Option<&Dataset>,
) -> f32 {
    let n = train.features();
    // The batch's rows, copied on the rayon pool.
    let rows = |data: &Dataset| {
        let mut v = vec![0.0; chunk.len() * n];
        let pairs = v.par_chunks_mut(n.max(1)).zip(chunk).with_min_len(16);
        pairs.for_each(|(v, &i)| v.copy_from_slice(data.row(i)));
        v
    };
    let clean = rows(train);
    let input = objective.corrupt(&clean, rng);
    let eps = objective.noise_eps(net, chunk.len(), rng);
    let target = net.batch(targets.map_or(clean, rows), chunk.len());
    let x = net.batch(input, chunk.len()).traced(Gradients::leaky());
    let (loss, codes) = match adversary.as_deref() {
        Some(a) => {
            let (loss, codes) = a.autoencoder_loss(net, objective, x, &target);
            (loss, Some(codes))
        }
        None => (objective.evaluate(net, x, &target, eps), None),
    };
    let value = loss.array();
    if value.is_finite() {
        let mut grads = loss.backward();
        optimizer.update(params, &net.take_param_grads(&mut grads));
        if let (Some(a), Some(codes)) = (adversary, codes) {
            a.train_discriminator(&codes, net.latent_len(), rng);
        }
    }
    value
}

/// Trains `net` on `train` (already scaled) from `state` until the epoch budget, early
/// stopping, or an interruption.
pub fn fit(
    net: &mut Net,
    train: &Dataset,
    val: Option<&Dataset>,
    settings: &Settings,
    state: &mut State,
    monitor: &mut dyn Monitor,
) -> Result<Outcome> {
    let rows = train.len();
    anyhow::ensure!(rows > 0, "{}: no training rows", train.source);
    let batches = rows.div_ceil(settings.batch_size);
    let objective = &settings.objective;
    crate::kernels::memory::keep_freed_memory();
    if state.adversary.is_none() {
        state.adversary =
            Adversary::for_objective(objective, net, settings.optimizer, settings.seed);
    }
    let mut params = net.param_values();
    while state.epochs_done < settings.epochs && !state.stopped_early {
        let epoch = state.epochs_done + 1;
        let started = Instant::now();
        // An interrupted epoch is rolled back to here, so the state matches the checkpoint.
        let snapshot = (params.clone(), state.optimizer.clone(), state.adversary.clone());
        let order = shuffled_indices(rows, derive_seed(settings.seed, epoch, 0));
        let mut rng = StdRng::seed_from_u64(derive_seed(settings.seed, epoch, 1));
        let mut total = 0.0f64;
        for (b, chunk) in order.chunks(settings.batch_size).enumerate() {
            if monitor.interrupted() {
                net.set_param_values(&snapshot.0);
                state.optimizer = snapshot.1.clone();
                state.adversary = snapshot.2.clone();
                return Ok(Outcome::Interrupted);
            }
            let value = step(
                net,
                objective,
                train,
                chunk,
                &mut rng,
                &mut state.optimizer,
                &mut params,
                state.adversary.as_mut(),
                settings.targets.as_deref(),
            );
            anyhow::ensure!(
                value.is_finite(),
                "the loss became {value} at epoch {epoch}, batch {}; lower `train.learning_rate` \
                 or check the data scaling",
                b + 1
            );
            net.set_param_values(&params);
            total += f64::from(value) * chunk.len() as f64;
            monitor.batch(epoch, b + 1, batches, value);
        }
        let val_loss = val.map(|v| validation_loss(net, objective, v, settings.batch_size));
        state.history.push(EpochRecord {
            epoch,
            train_loss: total / rows as f64,
            val_loss,
            seconds: started.elapsed().as_secs_f64(),
        });
        state.epochs_done = epoch;
        if let Some(v) = val_loss {
            let min_delta = settings.early_stopping.map_or(0.0, |e| e.min_delta);
            if state.best.as_ref().is_none_or(|b| v < b.val_loss - min_delta) {
                state.best = Some(Best { epoch, val_loss: v, params: params.clone() });
                state.since_best = 0;
            } else {
                state.since_best += 1;
            }
            if let Some(es) = settings.early_stopping {
                if state.since_best >= es.patience {
                    state.stopped_early = true;
                }
            }
        }
        monitor.epoch_end(net, state)?;
    }
    if settings.early_stopping.is_some() {
        if let Some(best) = &state.best {
            net.set_param_values(&best.params);
        }
    }
    Ok(if state.stopped_early { Outcome::EarlyStopped } else { Outcome::Completed })
}

/// The deterministic objective over `data` (no noise; a VAE uses its mean), averaged per row.
pub fn validation_loss(net: &Net, objective: &Objective, data: &Dataset, batch: usize) -> f64 {
    let n = data.features();
    let mut total = 0.0f64;
    for chunk in data.x.chunks(batch.max(1) * n) {
        let rows = chunk.len() / n;
        let x = net.batch(chunk.to_vec(), rows);
        let loss = objective.evaluate(net, x.clone(), &x, None).array();
        total += f64::from(loss) * rows as f64;
    }
    total / data.len().max(1) as f64
}
