//! Magnitude pruning with fine-tuning (`tinyae prune`): the smallest weights, ranked over the
//! whole model (`global`) or within each layer, are set to zero in stages, and the network
//! is fine-tuned after each stage with the pruned weights held at zero (the mask is applied
//! after every optimizer step). Sparsity rises along the cubic schedule of Zhu & Gupta (2017):
//! `s_t = s · (1 - (1 - t/T)^3)`, so most weights go early while the net can still adapt.
//!
//! The pruned model's zeros are exact, so the generated code skips them (docs/FORMAT.md);
//! the file records how it was pruned in its provenance.

use anyhow::{ensure, Result};
use rand::{rngs::StdRng, SeedableRng};
use tinyae_core::ir::Model;

use crate::data::Dataset;
use crate::export::from_model;
use crate::net::Net;
use crate::pipeline::{build_model, Prepared};
use crate::train::{derive_seed, step, validation_loss, Outcome, State};

/// How to prune.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pruning {
    /// Fraction of weights set to zero, in [0, 1).
    pub sparsity: f64,
    /// Whether weights are ranked over the whole model or per layer.
    pub global: bool,
    /// Pruning stages (each followed by fine-tuning).
    pub stages: usize,
    /// Fine-tuning epochs after each stage.
    pub epochs: usize,
    /// Whole input columns per block of 32 outputs (`crate::prune_block`) instead of single
    /// weights.
    pub block: bool,
}

/// The stream of the shuffling generator, distinct from training's streams 0 and 1.
const STREAM: u64 = 7;

/// Keep-masks over the net's parameters (`None` for parameters that are not weights).
fn masks(net: &Net, sparsity: f64, global: bool) -> Vec<Option<Vec<bool>>> {
    let names = net.param_names();
    let values = net.param_values();
    let is_weight: Vec<bool> = names.iter().map(|n| n.ends_with("weight")).collect();
    let mut masks: Vec<Option<Vec<bool>>> =
        values.iter().zip(&is_weight).map(|(v, w)| w.then(|| vec![true; v.len()])).collect();
    let groups: Vec<Vec<usize>> = if global {
        vec![(0..values.len()).filter(|&p| is_weight[p]).collect()]
    } else {
        (0..values.len()).filter(|&p| is_weight[p]).map(|p| vec![p]).collect()
    };
    for group in groups {
        let mut all: Vec<(f32, usize, usize)> = group
            .iter()
            .flat_map(|&p| values[p].iter().enumerate().map(move |(i, v)| (v.abs(), p, i)))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let count = (all.len() as f64 * sparsity).round() as usize;
        for (_, p, i) in all.into_iter().take(count) {
            if let Some(m) = &mut masks[p] {
                m[i] = false;
            }
        }
    }
    masks
}

fn apply(params: &mut [Vec<f32>], masks: &[Option<Vec<bool>>]) {
    for (values, mask) in params.iter_mut().zip(masks) {
        if let Some(mask) = mask {
            for (v, keep) in values.iter_mut().zip(mask) {
                if !keep {
                    *v = 0.0;
                }
            }
        }
    }
}

/// Prunes and fine-tunes `model` (f32) on `prepared`'s data; returns the calibrated model and
/// the validation loss after each stage.
pub fn prune(
    model: &Model,
    prepared: &Prepared,
    p: Pruning,
    mut log: impl FnMut(&str),
) -> Result<(Model, Vec<f64>)> {
    ensure!((0.0..1.0).contains(&p.sparsity), "--sparsity must be in [0, 1), found {}", p.sparsity);
    ensure!(p.stages >= 1, "--stages must be at least 1");
    let mut net = from_model(model)?;
    let settings = &prepared.settings;
    let mut state = State::new(&net, settings.optimizer);
    let train = &prepared.train;
    let mut params = net.param_values();
    let mut losses = Vec::new();
    let mut epoch = 0usize;
    for stage in 1..=p.stages {
        let t = stage as f64 / p.stages as f64;
        let target = p.sparsity * (1.0 - (1.0 - t).powi(3));
        let masks = if p.block {
            crate::prune_block::masks(&net, target, p.global)
        } else {
            masks(&net, target, p.global)
        };
        apply(&mut params, &masks);
        net.set_param_values(&params);
        for _ in 0..p.epochs {
            epoch += 1;
            fine_tune_epoch(&mut net, &mut params, &mut state, &masks, prepared, epoch)?;
        }
        let val = prepared.val.as_ref().unwrap_or(train);
        let loss = validation_loss(&net, &settings.objective, val, settings.batch_size);
        log(&format!(
            "stage {stage}/{}: sparsity {:.3}, {} epochs, validation loss {loss:.6}",
            p.stages, target, p.epochs
        ));
        losses.push(loss);
    }
    state.epochs_done = epoch;
    let mut out = build_model(prepared, &net, &state, Outcome::Completed)?;
    let zeros: usize = out
        .layers
        .iter()
        .flat_map(|l| l.op.dense_parts())
        .map(|d| d.weight.values.iter().filter(|v| **v == 0.0).count())
        .sum();
    let total: usize =
        out.layers.iter().flat_map(|l| l.op.dense_parts()).map(|d| d.weight.values.len()).sum();
    out.provenance.extra.push((
        "pruning".to_owned(),
        format!(
            "{}, {}, target sparsity {:.2}, {} stages (cubic schedule) x {} fine-tuning epochs; {zeros} of {total} weights zero",
            if p.block { "block (whole input columns per 32 outputs)" } else { "magnitude" },
            if p.global { "global" } else { "per layer" },
            p.sparsity,
            p.stages,
            p.epochs
        ),
    ));
    Ok((out, losses))
}

/// One epoch of the training loop of `train::fit`, the masked weights reset to zero after
/// every step.
fn fine_tune_epoch(
    net: &mut Net,
    params: &mut [Vec<f32>],
    state: &mut State,
    masks: &[Option<Vec<bool>>],
    prepared: &Prepared,
    epoch: usize,
) -> Result<()> {
    let settings = &prepared.settings;
    let train: &Dataset = &prepared.train;
    let rows = train.len();
    let mut order: Vec<usize> = (0..rows).collect();
    let mut rng = StdRng::seed_from_u64(derive_seed(settings.seed, epoch, STREAM));
    rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut rng);
    for chunk in order.chunks(settings.batch_size) {
        let value = step(
            net,
            &settings.objective,
            train,
            chunk,
            &mut rng,
            &mut state.optimizer,
            params,
            state.adversary.as_mut(),
            settings.targets.as_deref(),
        );
        ensure!(value.is_finite(), "the loss became {value} while fine-tuning (epoch {epoch})");
        apply(params, masks);
        net.set_param_values(params);
    }
    Ok(())
}
