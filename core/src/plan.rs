//! Where the generated code keeps intermediate values: the buffer plan behind the RAM figures.
//!
//! Raw inputs are scaled on the fly inside the first layer when it is a dense layer over the
//! whole sample; before any other first layer they are scaled into the front of the scratch.
//! The last layer writes into the caller's output, so only intermediate feature maps need
//! scratch. They alternate between the front and the back of one scratch array: a layer
//! reads one end and writes the other. Flatten and reshape move nothing: their output stays
//! where their input is. An LSTM also needs its state (`Lstm::state_len`) while it runs; it
//! sits between its input and output. A repeat feeding an LSTM is not written at all
//! ([`fused_repeat`]).
//!
//! The scratch array is as long as the most any layer needs at once (its input, its state and
//! its output, counting only what is in scratch) over every public function (`encode` ends at
//! the latent layer in the caller's buffer, `decode` starts from one): that exact length is
//! the RAM figure the macro states.

use crate::ir::{Model, Op};

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
    /// Where the scaled input lives when the first layer cannot scale it on the fly (it has
    /// scaling and is not a whole-sample dense layer or Gaussian head): `Some(Place::Front)`.
    pub scaled_input: Option<Place>,
    /// Extra scratch values each layer needs while it runs (an LSTM's state; 0 for others).
    pub state: Vec<usize>,
    /// Length in f32 values of the scratch array.
    pub scratch_len: usize,
}

/// Whether layer 0 scales the raw input itself (a dense layer over the whole sample or a
/// Gaussian head); otherwise the input is scaled into scratch first.
pub fn first_layer_scales(model: &Model) -> bool {
    match model.layers.first().map(|l| &l.op) {
        Some(Op::Dense(d)) => d.in_features == model.input_len(),
        Some(Op::GaussianHead(_)) => true,
        _ => false,
    }
}

/// Whether layer `j` is a repeat feeding an LSTM in the same half of the model. The repeated
/// sequence is then never written: the LSTM reads the vector once, computing its input terms
/// `bias + Σ w_ih · x` (the first part of every gate's sum, the same at every step) before the
/// first step, in its state (`4 · hidden` more values), so the results are the same bits.
pub fn fused_repeat(model: &Model, j: usize) -> bool {
    matches!(model.layers.get(j).map(|l| &l.op), Some(Op::Repeat(_)))
        && matches!(model.layers.get(j + 1).map(|l| &l.op), Some(Op::Lstm(_)))
        && j != model.latent_layer
}

/// Computes the plan for a validated model.
pub fn buffer_plan(model: &Model) -> BufferPlan {
    let n = model.layers.len();
    let shapes = model.shapes();
    let len = |j: usize| -> usize { shapes[j].iter().product() };
    let scaled_input = (model.preprocessing != crate::ir::Preprocessing::None
        && !first_layer_scales(model))
    .then_some(Place::Front);
    let fused = |j: usize| j > 0 && fused_repeat(model, j - 1);
    let state: Vec<usize> = model
        .layers
        .iter()
        .enumerate()
        .map(|(j, l)| match &l.op {
            Op::Lstm(lstm) if fused(j) => lstm.state_len() + 4 * lstm.hidden_size,
            Op::Lstm(lstm) => lstm.state_len(),
            _ => 0,
        })
        .collect();

    let mut places = Vec::with_capacity(n);
    let mut current = scaled_input;
    for (j, layer) in model.layers.iter().enumerate() {
        if fused_repeat(model, j) {
            // Nothing is written: the LSTM after it reads this layer's input.
            places.push(current.unwrap_or(Place::Front));
            continue;
        }
        let place = if j + 1 == n {
            Place::Output
        } else if layer.op.is_view() {
            // The values stay where they are; from the caller's input they are copied once.
            current.unwrap_or(Place::Front)
        } else if current == Some(Place::Front) {
            Place::Back
        } else {
            Place::Front
        };
        places.push(place);
        current = Some(place);
    }

    // What each public function keeps in scratch while layer `j` runs.
    let k = model.latent_layer.min(n.saturating_sub(1));
    let mut need = if scaled_input.is_some() { len(0) } else { 0 };
    for j in 0..n {
        if fused_repeat(model, j) {
            continue;
        }
        // A fused LSTM reads what its repeat would have read.
        let from = if fused(j) { j - 1 } else { j };
        let input_in_scratch = from > 0 || scaled_input.is_some();
        let output_in_scratch = places[j] != Place::Output;
        let (a, b) = (len(from), len(j + 1));
        let view = model.layers[j].op.is_view();
        let mut uses = Vec::new();
        // reconstruct (and encode before the latent layer, decode after it)
        uses.push((input_in_scratch, output_in_scratch));
        if j == k {
            uses.push((input_in_scratch, false)); // encode writes the code to the caller
        }
        if from == k + 1 {
            uses.push((false, output_in_scratch)); // decode reads the code from the caller
        }
        for (src, dst) in uses {
            let total = if view {
                // An alias needs its region once; a copy to or from the caller needs one region.
                if src || dst {
                    a
                } else {
                    0
                }
            } else {
                usize::from(src) * a + usize::from(dst) * b + state[j]
            };
            need = need.max(total);
        }
    }
    BufferPlan { places, scaled_input, state, scratch_len: need }
}
