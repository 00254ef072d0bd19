//! Block sparsity: pruned layers whose zeros fall in whole input columns of each block of
//! [`BLOCK_SPARSE`] outputs, the same number of columns kept in every block
//! (`tinyae prune --pattern block` makes them). The generated code stores only the kept
//! columns, with one input index per column of a block, and runs dense blocks of 32
//! accumulators over the kept inputs: no per-weight index, and the blocks of a layer advance
//! in lockstep because they all keep the same number of columns.
//!
//! Float layers take this form only when every weight of a kept column is non-zero: each
//! output then adds exactly its non-zero terms in input order, which is the reference
//! interpreter's sum (it skips zero weights), so results agree bit for bit; a layer with any
//! other zero keeps the compressed rows of `crate::sparse`. int8 sums are exact integers, so
//! an int8 layer may keep zeros inside its kept columns, and a block with fewer columns is
//! padded with zero columns up to the layer's count (rounded up to even: the int8 kernel
//! reads input pairs).

use crate::ir::{Dense, Storage};
use crate::sparse::MAX_SPARSE_INPUTS;

pub use tinyae_arith::layout::BLOCK_SPARSE;

/// The largest fraction of input columns an int8 layer may keep per block to take the block
/// form (above it the dense int8 kernel is as fast and stores no indices).
pub const INT8_BLOCK_DENSITY: f64 = 0.5;

/// The kept input columns of a block-sparse layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// Per block of [`BLOCK_SPARSE`] outputs (the last one narrower when the output count is
    /// not a multiple), its kept input indices, increasing; every block keeps as many.
    pub columns: Vec<Vec<usize>>,
}

impl Pattern {
    /// Input columns kept per block.
    pub fn kept(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }
}

/// Output ranges of the blocks of a layer with `outputs` outputs.
pub fn blocks(outputs: usize) -> impl Iterator<Item = core::ops::Range<usize>> {
    (0..outputs.div_ceil(BLOCK_SPARSE))
        .map(move |b| b * BLOCK_SPARSE..((b + 1) * BLOCK_SPARSE).min(outputs))
}

/// The layer's block pattern, when its loop form is the block-sparse one (see the module
/// documentation for when that is).
pub fn pattern(d: &Dense) -> Option<Pattern> {
    let float = d.quant.is_none();
    let f32_storage = |s: Storage| s == Storage::F32;
    if d.in_features > MAX_SPARSE_INPUTS || !d.weight.values.contains(&0.0) {
        return None;
    }
    if float
        && (!f32_storage(d.weight.storage)
            || d.bias.as_ref().is_some_and(|b| !f32_storage(b.storage)))
    {
        return None;
    }
    let mut columns = Vec::new();
    for outs in blocks(d.out_features) {
        let width = outs.len();
        let mut kept = Vec::new();
        for i in 0..d.in_features {
            let nonzero = outs.clone().filter(|&o| d.w(o, i) != 0.0).count();
            if nonzero == width || (!float && nonzero > 0) {
                kept.push(i);
            } else if nonzero > 0 {
                return None;
            }
        }
        columns.push(kept);
    }
    let most = columns.iter().map(Vec::len).max().unwrap_or(0);
    if float {
        return columns.iter().all(|c| c.len() == most).then_some(Pattern { columns });
    }
    let k = (most + most % 2).min(d.in_features + d.in_features % 2);
    if k as f64 > INT8_BLOCK_DENSITY * d.in_features as f64 {
        return None;
    }
    for kept in &mut columns {
        pad(kept, k);
    }
    Some(Pattern { columns })
}

/// `kept` grown to `k` columns with the lowest unused inputs (zero weights in this block),
/// kept sorted; an odd input count may need one index past the end, whose weights are zero
/// pads too (the int8 kernel reads it as input 0).
fn pad(kept: &mut Vec<usize>, k: usize) {
    let mut next = 0;
    while kept.len() < k {
        if !kept.contains(&next) {
            kept.push(next);
        }
        next += 1;
    }
    kept.sort_unstable();
}

/// Bytes of the block form's weights: the kept columns' values and a `u16` index per kept
/// column of every block.
pub fn weight_bytes(d: &Dense, p: &Pattern, value_bytes: usize) -> usize {
    p.kept() * (d.out_features * value_bytes + 2 * p.columns.len())
}

/// Keep-mask of block pruning for one weight matrix stored `[output][input]`: in every block
/// of outputs the `keep` input columns of largest squared norm (ties to the lower input).
pub fn column_mask(values: &[f32], outputs: usize, inputs: usize, keep: usize) -> Vec<bool> {
    let mut mask = vec![false; values.len()];
    for outs in blocks(outputs) {
        let norm = |i: usize| outs.clone().map(|o| values[o * inputs + i].powi(2)).sum::<f32>();
        let mut order: Vec<(f32, usize)> = (0..inputs).map(|i| (norm(i), i)).collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, i) in order.iter().take(keep) {
            for o in outs.clone() {
                mask[o * inputs + i] = true;
            }
        }
    }
    mask
}

/// Columns to keep per block in each of the layers `(outputs, inputs, values)` so that about
/// `sparsity` of all their weights go: each layer to the same sparsity, or (`global`) each
/// layer to the sparsity global magnitude pruning would give it (all weights ranked by `|w|`
/// together, so layers of small weights are pruned harder and small layers less). At least
/// one column stays per block.
pub fn kept_columns(layers: &[(usize, usize, &[f32])], sparsity: f64, global: bool) -> Vec<usize> {
    let kept_fraction: Vec<f64> = if global {
        let mut all: Vec<(f32, usize)> = layers
            .iter()
            .enumerate()
            .flat_map(|(l, &(_, _, values))| values.iter().map(move |w| (w.abs(), l)))
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let budget = (all.len() as f64 * (1.0 - sparsity)).round() as usize;
        let mut kept = vec![0usize; layers.len()];
        for (_, l) in all.into_iter().take(budget) {
            kept[l] += 1;
        }
        kept.iter().zip(layers).map(|(k, (_, _, v))| *k as f64 / v.len().max(1) as f64).collect()
    } else {
        vec![1.0 - sparsity; layers.len()]
    };
    layers
        .iter()
        .zip(kept_fraction)
        .map(|(&(_, inputs, _), f)| ((inputs as f64 * f).round() as usize).clamp(1, inputs.max(1)))
        .collect()
}

/// Keep-masks of block pruning to `sparsity` for every dense weight matrix of `model`, in the
/// order of `Op::dense_parts` (for `crate::sparse::apply_masks`): [`kept_columns`] columns per
/// block, chosen by [`column_mask`].
pub fn block_masks(model: &crate::Model, sparsity: f64, global: bool) -> Vec<Vec<bool>> {
    let parts: Vec<&Dense> = model.layers.iter().flat_map(|l| l.op.dense_parts()).collect();
    let layers: Vec<(usize, usize, &[f32])> =
        parts.iter().map(|d| (d.out_features, d.in_features, d.weight.values.as_slice())).collect();
    let keep = kept_columns(&layers, sparsity, global);
    layers.iter().zip(keep).map(|(&(o, i, v), k)| column_mask(v, o, i, k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(outputs: usize, inputs: usize, w: impl Fn(usize, usize) -> f32) -> Dense {
        let values =
            (0..outputs).flat_map(|o| (0..inputs).map(move |i| (o, i))).map(|(o, i)| w(o, i));
        let weight = crate::ir::Tensor::f32("w", vec![outputs, inputs], values.collect());
        Dense { in_features: inputs, out_features: outputs, weight, bias: None, quant: None }
    }

    #[test]
    fn a_balanced_column_pattern_is_found_and_anything_else_is_not() {
        // 40 outputs: a block of 32 and one of 8; each keeps inputs {b, b + 3} (b = block).
        let keep = |o: usize, i: usize| i == o / 32 || i == o / 32 + 3;
        let d = dense(40, 6, |o, i| if keep(o, i) { 1.0 + o as f32 } else { 0.0 });
        let p = pattern(&d).expect("balanced columns");
        assert_eq!(p.columns, vec![vec![0, 3], vec![1, 4]]);
        assert_eq!(weight_bytes(&d, &p, 4), 2 * (40 * 4 + 2 * 2));
        // One zero inside a kept float column: not exact to run densely.
        let holey = dense(40, 6, |o, i| if keep(o, i) && o != 5 { 1.0 } else { 0.0 });
        assert_eq!(pattern(&holey), None);
        // Unequal blocks: not lockstep.
        let uneven = dense(40, 6, |o, i| if keep(o, i) || (o < 32 && i == 5) { 1.0 } else { 0.0 });
        assert_eq!(pattern(&uneven), None);
        // No zeros: the dense kernel.
        assert_eq!(pattern(&dense(40, 6, |_, _| 1.0)), None);
    }

    #[test]
    fn masks_keep_the_largest_columns_of_every_block() {
        let values: Vec<f32> = (0..40 * 6).map(|k| ((k * 7) % 11) as f32 - 5.0).collect();
        let mask = column_mask(&values, 40, 6, 2);
        let d = dense(40, 6, |o, i| if mask[o * 6 + i] { 1.0 } else { 0.0 });
        let p = pattern(&d).expect("block pattern");
        assert_eq!(p.kept(), 2);
        for (outs, kept) in blocks(40).zip(&p.columns) {
            let norm = |i: usize| outs.clone().map(|o| values[o * 6 + i].powi(2)).sum::<f32>();
            let smallest_kept = kept.iter().map(|&i| norm(i)).fold(f32::INFINITY, f32::min);
            let largest_dropped =
                (0..6).filter(|i| !kept.contains(i)).map(norm).fold(0.0, f32::max);
            assert!(smallest_kept >= largest_dropped, "{kept:?}");
        }
        assert_eq!(kept_columns(&[(40, 6, &values), (8, 100, &[0.5; 800])], 0.8, false), [1, 20]);
        // Global: 208 of 1040 weights stay by |w|: the first layer's 40 nines (1/6 of it: one
        // column of 6) and 168 of the second layer's 800 halves (21 %: 21 columns of 100).
        let big: Vec<f32> = (0..240).map(|k| if k % 6 == 0 { 9.0 } else { 0.1 }).collect();
        assert_eq!(kept_columns(&[(40, 6, &big), (8, 100, &[0.5; 800])], 0.8, true), [1, 21]);
    }
}
