//! Row streaming: how a chain of convolutions, pooling and upsampling runs without any whole
//! feature map alive, and the scratch it needs.
//!
//! The generated code pulls rows: to write output row `r`, the last layer asks its producer for
//! the input rows its window needs, in order, each once, and keeps only the last `depth` of them
//! in a ring. Each stage's ring holds its *input* rows (`depth × C × W` values); a max pooling
//! right after a `conv2d` is fused into it: a pooled row is the maximum of the conv rows of
//! its window, computed channel by channel into a `kernel × OW` buffer, so the conv's output
//! map never exists. The first stage's ring is filled from the caller's input (scaled on the
//! way in), and the last stage writes the caller's output; every value is computed by the same
//! operations in the same order as the whole-map kernels (`runtime/src/rows.rs`).
//!
//! A model streams when its values are f32 and every layer is a `conv2d`,
//! `conv_transpose2d`, `max_pool2d` or `upsample2d` on a `[C, H, W]` map; other models keep the
//! whole-map plan (`crate::plan`).

use crate::ir::{Model, Op};
use crate::op::common::chw;
use crate::plan::Values;

/// One stage of the row pipeline: a layer, with the max pooling fused into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// The layer it computes.
    pub layer: usize,
    /// A `max_pool2d` layer (`layer + 1`) fused into this `conv2d`.
    pub pool: Option<usize>,
    /// Input rows the ring holds: the most one output row reads.
    pub depth: usize,
    /// Values of the ring: `depth × C × W` of the layer's input.
    pub ring: usize,
    /// Values of the fused pool's conv rows, one channel at a time (`kernel × OW`); 0 without.
    pub tmp: usize,
}

impl Stage {
    /// The last layer this stage computes (the fused pool, or the layer).
    pub fn last(&self) -> usize {
        self.pool.unwrap_or(self.layer)
    }

    /// Scratch values the stage keeps.
    pub fn values(&self) -> usize {
        self.ring + self.tmp
    }
}

/// The stages of a streamed model, in layer order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPlan {
    /// One per computed layer (a fused pool is in its conv's stage).
    pub stages: Vec<Stage>,
}

impl RowPlan {
    /// The stages running layers `from..=to`, in order.
    pub fn stretch(&self, from: usize, to: usize) -> impl Iterator<Item = &Stage> {
        self.stages.iter().filter(move |s| s.layer >= from && s.last() <= to)
    }

    /// Scratch values of running layers `from..=to`: every stage's ring and buffer at once.
    pub fn scratch_len(&self, from: usize, to: usize) -> usize {
        self.stretch(from, to).map(Stage::values).sum()
    }
}

/// Whether `op` has a row stage.
fn streams(op: &Op) -> bool {
    matches!(op, Op::Conv2d(_) | Op::ConvTranspose2d(_) | Op::MaxPool2d(_) | Op::Upsample2d(_))
}

/// The row plan of a validated model, or `None` when it keeps whole feature maps.
pub fn row_plan(model: &Model, values: Values) -> Option<RowPlan> {
    let shapes = model.shapes();
    let all = model
        .layers
        .iter()
        .enumerate()
        .all(|(j, l)| streams(&l.op) && shapes[j].len() == 3 && shapes[j + 1].len() == 3);
    if values != Values::F32 || model.layers.is_empty() || !all {
        return None;
    }
    let mut stages = Vec::new();
    let mut j = 0;
    while j < model.layers.len() {
        let [c, h, w] = chw(&shapes[j]);
        let out = chw(&shapes[j + 1]);
        let pool = match (&model.layers[j].op, model.layers.get(j + 1).map(|l| &l.op)) {
            (Op::Conv2d(_), Some(Op::MaxPool2d(p))) if j != model.latent_layer => Some(p),
            _ => None,
        };
        let depth = match (&model.layers[j].op, pool) {
            // The conv rows of one pooling window, and the input rows they read.
            (Op::Conv2d(conv), Some(p)) => {
                (p.kernel_size[0] - 1) * conv.stride[0] + conv.kernel_size[0]
            }
            (Op::Conv2d(conv), None) => conv.kernel_size[0],
            (Op::ConvTranspose2d(t), _) => t.kernel_size[0].div_ceil(t.stride[0]),
            (Op::MaxPool2d(p), _) => p.kernel_size[0],
            _ => 1,
        }
        .min(h);
        let tmp = pool.map_or(0, |p| p.kernel_size[0] * out[2]);
        stages.push(Stage { layer: j, pool: pool.map(|_| j + 1), depth, ring: depth * c * w, tmp });
        j += if pool.is_some() { 2 } else { 1 };
    }
    Some(RowPlan { stages })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ModelKind, Padding};
    use crate::synth::{self as ops, Rng};
    use crate::Activation;

    /// The mnist_conv architecture, sized by hand.
    #[test]
    fn mnist_conv_rings_are_sized_by_hand() {
        let mut rng = Rng::new(1);
        let conv = |name, io, rng: &mut Rng| {
            ops::conv2d(name, io, Padding::Same, Activation::Relu, true, rng)
        };
        let layers = vec![
            conv("c1", (1, 16, [3, 3], [1, 1]), &mut rng),
            ops::max_pool2d("p1", [2, 2], [2, 2]),
            conv("c2", (16, 16, [3, 3], [1, 1]), &mut rng),
            ops::max_pool2d("p2", [2, 2], [2, 2]),
            ops::conv_transpose2d(
                "t1",
                (16, 16, [2, 2], [2, 2]),
                [0, 0],
                [0, 0],
                Activation::Relu,
                true,
                &mut rng,
            ),
            ops::conv_transpose2d(
                "t2",
                (16, 8, [2, 2], [2, 2]),
                [0, 0],
                [0, 0],
                Activation::Relu,
                true,
                &mut rng,
            ),
            conv("c3", (8, 1, [3, 3], [1, 1]), &mut rng),
        ];
        let m = Model::bare(ModelKind::Autoencoder, vec![1, 28, 28], layers, 3);
        let plan = row_plan(&m, Values::F32).expect("streams");
        let sizes: Vec<(usize, usize, usize)> =
            plan.stages.iter().map(|s| (s.layer, s.ring, s.tmp)).collect();
        // conv1 + pool1: 4 input rows of 1×28, 2 conv rows of 28; conv2 + pool2: 4 rows of
        // 16×14, 2 of 14; the transposed convs 1 row of 16×7 and of 16×14; conv3 3 of 8×28.
        let expected = vec![(0, 112, 56), (2, 896, 28), (4, 112, 0), (5, 224, 0), (6, 672, 0)];
        assert_eq!(sizes, expected);
        assert_eq!(plan.scratch_len(0, 6), 112 + 56 + 896 + 28 + 112 + 224 + 672);
        assert_eq!(plan.scratch_len(0, 3), 112 + 56 + 896 + 28);
        assert_eq!(plan.scratch_len(4, 6), 112 + 224 + 672);
        assert_eq!(row_plan(&m, Values::Int8), None);
    }
}
