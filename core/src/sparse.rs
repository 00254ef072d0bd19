//! Zero weights: how many a layer has, and which form the generated code stores it in.
//!
//! A zero weight contributes no term (docs/FORMAT.md, "Evaluation semantics"): unrolled code
//! emits no multiply for it, and a layer whose weights are largely zero is stored compressed
//! (the non-zero values, their input indices and a count per output: `rt::Csr`). For float
//! layers any zero forces a form that skips it, because `acc + 0 · x` is not always `acc`
//! (`-0.0 + 0.0`, `0 · inf`); int8 products are exact, so int8 layers switch to the
//! compressed form only when it is smaller and faster: at most [`INT8_SPARSE_DENSITY`] of the
//! weights non-zero.

use crate::ir::{Dense, Storage};

/// The largest fraction of non-zero weights at which an int8 layer is stored compressed.
pub const INT8_SPARSE_DENSITY: f64 = 0.5;

/// The compressed form indexes inputs with `u8` or `u16`.
pub const MAX_SPARSE_INPUTS: usize = 1 << 16;

/// Non-zero weights of a layer.
pub fn nonzeros(d: &Dense) -> usize {
    d.weight.values.iter().filter(|w| **w != 0.0).count()
}

/// The fraction of weights that are zero.
pub fn sparsity(d: &Dense) -> f64 {
    let n = d.weight.values.len();
    if n == 0 {
        0.0
    } else {
        1.0 - nonzeros(d) as f64 / n as f64
    }
}

/// Whether the loop form of this layer is the compressed one.
pub fn compressed(d: &Dense) -> bool {
    if d.in_features > MAX_SPARSE_INPUTS {
        return false;
    }
    let nnz = nonzeros(d);
    let total = d.weight.values.len();
    match d.quant {
        Some(_) => (nnz as f64) <= INT8_SPARSE_DENSITY * total as f64,
        None => nnz < total,
    }
}

/// Bytes of one stored input index of the compressed form.
pub fn index_bytes(d: &Dense) -> usize {
    if d.in_features <= 256 {
        1
    } else {
        2
    }
}

/// Bytes the generated code's constant data takes for this layer's weights: every weight in
/// the blocked form, or the non-zero ones with their indices and per-output counts (`u16`)
/// in the compressed form; unrolled code holds only the non-zero weights (as immediates).
/// Biases and int8 requantization constants are not included.
pub fn weight_bytes(d: &Dense, unrolled: bool) -> usize {
    let value = match d.weight.storage {
        Storage::F32 | Storage::I32 => 4,
        Storage::F16 | Storage::Bf16 => 2,
        Storage::I8 => 1,
    };
    if unrolled {
        nonzeros(d) * value
    } else if let Some(p) = crate::block_sparse::pattern(d) {
        crate::block_sparse::weight_bytes(d, &p, value)
    } else if compressed(d) {
        nonzeros(d) * (value + index_bytes(d)) + 2 * d.out_features
    } else {
        d.weight.values.len() * value
    }
}

/// Which weights magnitude pruning ranks together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// All weight matrices of the model at once: small layers may lose more or less.
    Global,
    /// Every weight matrix to the same sparsity.
    PerLayer,
}

/// Keep-masks of magnitude pruning to `sparsity` (fraction of weights zeroed, in [0, 1)):
/// one per dense weight matrix, in the order of `Op::dense_parts`, the smallest `|w|`
/// dropped (ties broken by position, so the result is deterministic).
pub fn magnitude_masks(model: &crate::Model, sparsity: f64, scope: Scope) -> Vec<Vec<bool>> {
    let parts: Vec<&Dense> = model.layers.iter().flat_map(|l| l.op.dense_parts()).collect();
    let drop_smallest =
        |values: Vec<(f32, usize, usize)>, count: usize, masks: &mut Vec<Vec<bool>>| {
            let mut v = values;
            // The order is total (indices break ties), so the `count` smallest are one set
            // however they are found: partitioning is O(n) where a sort was O(n log n).
            let by_magnitude = |a: &(f32, usize, usize), b: &(f32, usize, usize)| {
                a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
            };
            if count > 0 && count < v.len() {
                v.select_nth_unstable_by(count - 1, by_magnitude);
            }
            for (_, part, i) in v.into_iter().take(count) {
                masks[part][i] = false;
            }
        };
    let mut masks: Vec<Vec<bool>> =
        parts.iter().map(|d| vec![true; d.weight.values.len()]).collect();
    let entries = |p: usize, d: &Dense| {
        d.weight.values.iter().enumerate().map(move |(i, w)| (w.abs(), p, i)).collect::<Vec<_>>()
    };
    match scope {
        Scope::Global => {
            let all: Vec<_> = parts.iter().enumerate().flat_map(|(p, d)| entries(p, d)).collect();
            let count = (all.len() as f64 * sparsity).round() as usize;
            drop_smallest(all, count, &mut masks);
        }
        Scope::PerLayer => {
            for (p, d) in parts.iter().enumerate() {
                let e = entries(p, d);
                let count = (e.len() as f64 * sparsity).round() as usize;
                drop_smallest(e, count, &mut masks);
            }
        }
    }
    masks
}

/// The model with the weights outside `masks` set to zero (float models).
pub fn apply_masks(model: &crate::Model, masks: &[Vec<bool>]) -> crate::Model {
    let mut m = model.clone();
    let mut k = 0;
    for layer in &mut m.layers {
        let parts: Vec<&mut Dense> = match &mut layer.op {
            crate::ir::Op::Dense(d) => vec![d],
            crate::ir::Op::GaussianHead(h) => vec![&mut h.mu, &mut h.log_var],
            _ => Vec::new(),
        };
        for d in parts {
            if let Some(mask) = masks.get(k) {
                for (w, keep) in d.weight.values.iter_mut().zip(mask) {
                    if !keep {
                        *w = 0.0;
                    }
                }
            }
            k += 1;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{dense_autoencoder, Rng};
    use crate::Activation;

    /// Independent definition: rank every weight by (|w|, part, index) with a full sort and
    /// drop the first `round(n · sparsity)` of each scope.
    fn by_sorting(model: &crate::Model, sparsity: f64, scope: Scope) -> Vec<Vec<bool>> {
        let parts: Vec<&Dense> = model.layers.iter().flat_map(|l| l.op.dense_parts()).collect();
        let mut masks: Vec<Vec<bool>> =
            parts.iter().map(|d| vec![true; d.weight.values.len()]).collect();
        let groups: Vec<Vec<usize>> = match scope {
            Scope::Global => vec![(0..parts.len()).collect()],
            Scope::PerLayer => (0..parts.len()).map(|p| vec![p]).collect(),
        };
        for group in groups {
            let mut all: Vec<(f32, usize, usize)> = group
                .iter()
                .flat_map(|&p| {
                    parts[p].weight.values.iter().enumerate().map(move |(i, w)| (w.abs(), p, i))
                })
                .collect();
            let count = (all.len() as f64 * sparsity).round() as usize;
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            for &(_, p, i) in &all[..count] {
                masks[p][i] = false;
            }
        }
        masks
    }

    #[test]
    fn partitioning_drops_the_same_weights_as_a_full_sort() {
        let mut model =
            dense_autoencoder(&[24, 8, 3, 8, 24], Activation::Relu, Activation::Linear, 7);
        // Ties across and within layers, signed zeros, a NaN: the index order must decide.
        let mut rng = Rng::new(3);
        for layer in &mut model.layers {
            if let crate::ir::Op::Dense(d) = &mut layer.op {
                for w in d.weight.values.iter_mut() {
                    let r = rng.next_f32();
                    if r < 0.3 {
                        *w = if r < 0.15 { 0.25 } else { -0.25 };
                    } else if r < 0.4 {
                        *w = if r < 0.35 { 0.0 } else { -0.0 };
                    }
                }
                d.weight.values[1] = f32::NAN;
            }
        }
        for scope in [Scope::Global, Scope::PerLayer] {
            for sparsity in [0.0, 0.01, 0.3, 0.5, 0.8, 0.999] {
                assert_eq!(
                    magnitude_masks(&model, sparsity, scope),
                    by_sorting(&model, sparsity, scope),
                    "{scope:?} at {sparsity}"
                );
            }
        }
    }
}
