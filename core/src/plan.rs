//! Where the generated code keeps intermediate values: the buffer plan behind the RAM figures.
//!
//! Raw inputs are scaled on the fly inside the first layer, and the last layer writes into the
//! caller's output, so only hidden-layer outputs need scratch. They alternate between the front
//! and the back of one scratch array: layer `j`'s output sits at the front when `j` is even, at
//! the back when odd. Consecutive outputs (one read while the next is written) never overlap
//! when the array is as long as the largest sum of two consecutive hidden widths, which is
//! therefore the exact scratch length. The encoder's last output (the latent code) and the
//! decoder's last output go to the caller's buffers in `encode_into`/`decode_into`.

use crate::ir::Model;

/// Where one layer's output lives during `reconstruct_into`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `scratch[..width]`.
    Front,
    /// `scratch[len - width..]`.
    Back,
    /// The caller's output buffer (the last layer).
    Output,
}

/// The placement of every layer's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferPlan {
    /// One entry per layer.
    pub places: Vec<Place>,
    /// Length in f32 values of the scratch array (0 when the model has a single layer).
    pub scratch_len: usize,
}

/// Computes the plan for a validated model.
pub fn buffer_plan(model: &Model) -> BufferPlan {
    let n = model.layers.len();
    let widths: Vec<usize> = model.layers.iter().map(|l| l.op.out_features()).collect();
    let places = (0..n)
        .map(|j| match j {
            j if j + 1 == n => Place::Output,
            j if j % 2 == 0 => Place::Front,
            _ => Place::Back,
        })
        .collect();
    let hidden = &widths[..n.saturating_sub(1)];
    let single = hidden.iter().copied().max().unwrap_or(0);
    let pairs = hidden.windows(2).map(|w| w[0] + w[1]).max().unwrap_or(0);
    BufferPlan { places, scratch_len: single.max(pairs) }
}
