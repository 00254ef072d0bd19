//! Where the generated code keeps intermediate values: the buffer plan behind the RAM figures.
//!
//! Values between layers are f32, or int8 in a model (or a half of one, see [`Values::halves`])
//! whose every layer is int8 ([`Values`]).
//! Layer outputs alternate between the front and the back of one scratch array: a layer reads
//! one end and writes the other. Flatten and reshape move nothing: their output stays where
//! their input is. An LSTM also needs its state (`OpSpec::state_len`) while it runs; it sits
//! between its input and output. A repeat feeding an LSTM is not written at all
//! ([`fused_repeat`]).
//!
//! At the edges, f32 and int8 models differ. An f32 model's raw inputs are scaled on the fly
//! inside the first layer when it is a dense layer over the whole sample, and into the front of
//! the scratch before any other first layer; its last layer writes into the caller's output.
//! An int8 model's public f32 functions quantize their input into the front of the scratch and
//! dequantize their output out of it (its `*_q` functions read and write the caller's int8
//! buffers directly, which needs no more scratch).
//!
//! The scratch array is as long as the most any layer needs at once (its input, its state and
//! its output, counting only what is in scratch) over every emitted public function (`encode`
//! ends at the latent layer in the caller's buffer, `decode` starts from one): that exact length
//! is the RAM figure the macro states.
//!
//! A chain of convolutions, pooling and upsampling keeps no whole feature map at all: it runs
//! row by row through small rings ([`crate::rows`]), and the scratch is the sum of those rings
//! ([`BufferPlan::rows`]) when they take less than whole maps would.

use crate::emission::Parts;
use crate::ir::{Model, ModelKind, Op, Preprocessing};
use crate::rows::{row_plan, RowPlan};

/// Where one layer's output lives during `reconstruct_into`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `scratch[..width]`.
    Front,
    /// `scratch[len - width..]`.
    Back,
    /// The caller's output buffer (the last layer of an f32 model).
    Output,
}

/// What the values between layers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// f32 (float layers of any storage: f32, f16, bf16).
    F32,
    /// int8 (every layer quantized, docs/FORMAT.md "int8 layers").
    Int8,
}

impl Values {
    /// The values of `model`'s generated code.
    pub fn of(model: &Model) -> Values {
        Values::of_parts(model, Parts::All)
    }

    /// The values of the generated code of `model`'s `parts`: int8 when every emitted layer
    /// is int8. A model with an int8 encoder and a float decoder (or the reverse) is emitted
    /// as two halves, each with its own values (`docs/FORMAT.md` "Mixed precision").
    pub fn of_parts(model: &Model, parts: Parts) -> Values {
        let k = model.latent_layer;
        let mut emitted = (model.layers.iter().enumerate()).filter(|(j, _)| parts.emits(*j, k));
        let first = emitted.next();
        let int8 = |l: &crate::ir::Layer| crate::quant::of(l).is_some();
        if first.is_some_and(|(_, l)| int8(l)) && emitted.all(|(_, l)| int8(l)) {
            Values::Int8
        } else {
            Values::F32
        }
    }

    /// The values of `model`'s encoder and decoder when each half has one precision; they
    /// differ in a mixed-precision model (an int8 half and a float half), which is generated
    /// as two halves, each planned with [`Values::of_parts`].
    pub fn halves(model: &Model) -> Option<(Values, Values)> {
        let (k, n) = (model.latent_layer, model.layers.len());
        let (e, d) =
            (Values::of_parts(model, Parts::Encoder), Values::of_parts(model, Parts::Decoder));
        let uniform = |range: std::ops::Range<usize>, values: Values| {
            let int8 = values == Values::Int8;
            let layers = model.layers.get(range).unwrap_or(&[]);
            layers.iter().all(|l| crate::quant::of(l).is_some() == int8)
        };
        (uniform(0..k + 1, e) && uniform(k + 1..n, d)).then_some((e, d))
    }

    /// Bytes per value.
    pub fn bytes(self) -> usize {
        match self {
            Values::F32 => 4,
            Values::Int8 => 1,
        }
    }
}

/// The placement of every layer's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferPlan {
    /// One entry per layer.
    pub places: Vec<Place>,
    /// Where the input lives when it is converted before the first layer: an f32 model with
    /// scaling whose first layer cannot scale on the fly, and every int8 model (quantized).
    pub scaled_input: Option<Place>,
    /// Extra scratch values each layer needs while it runs (an LSTM's state; 0 for others).
    pub state: Vec<usize>,
    /// The row pipeline when the model streams (then `places` and `scaled_input` are unused:
    /// the scratch holds only the stages' rings, laid out in stage order).
    pub rows: Option<RowPlan>,
    /// Length in values of the scratch array.
    pub scratch_len: usize,
}

impl BufferPlan {
    /// How the generated code keeps layer outputs, in words (the generated docs and
    /// `tinyae inspect` say which path a model takes).
    pub fn path(&self) -> String {
        match &self.rows {
            Some(rows) => {
                let fused = rows.stages.iter().filter(|s| s.pool.is_some()).count();
                format!(
                    "row by row ({} stages, each a ring of the input rows its window reads; {fused} max pooling fused into its conv): no whole feature map is alive",
                    rows.stages.len()
                )
            }
            None => "whole layer outputs, alternating between the ends of the scratch".to_owned(),
        }
    }
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

/// Computes the plan of a validated model whose values are `values`, for the public
/// functions of `parts`.
pub fn buffer_plan(model: &Model, values: Values, parts: Parts) -> BufferPlan {
    let converted = values == Values::Int8;
    let scaled_input = (converted
        || model.preprocessing != Preprocessing::None && !first_layer_scales(model))
    .then_some(Place::Front);
    let state = scratch_state(model);
    let places = places(model, scaled_input, converted);
    let edges = Edges { scaled_input: scaled_input.is_some(), converted };
    let whole = scratch_len(model, &places, &state, edges, parts);
    // Rows stream when their rings take less scratch than whole maps (tiny maps may not).
    let rows = row_plan(model, values)
        .map(|rows| (rows_scratch_len(model, &rows, parts), rows))
        .filter(|(len, _)| *len < whole);
    let (scratch_len, rows) = match rows {
        Some((len, rows)) => (len, Some(rows)),
        None => (whole, None),
    };
    BufferPlan { places, scaled_input, state, rows, scratch_len }
}

/// The scratch of a streamed model's emitted functions: `reconstruct` runs every stage, and
/// `encode` and `decode` each a part of them.
fn rows_scratch_len(model: &Model, rows: &RowPlan, parts: Parts) -> usize {
    let (k, last) = (model.latent_layer, model.layers.len() - 1);
    match parts {
        Parts::All => rows.scratch_len(0, last),
        Parts::Encoder => rows.scratch_len(0, k),
        Parts::Decoder => rows.scratch_len(k + 1, last),
    }
}

/// Extra scratch values each layer needs while it runs.
fn scratch_state(model: &Model) -> Vec<usize> {
    let fused = |j: usize| j > 0 && fused_repeat(model, j - 1);
    model
        .layers
        .iter()
        .enumerate()
        .map(|(j, l)| {
            // A fused LSTM also keeps its input terms, computed once (`fused_repeat`).
            let input_terms = match &l.op {
                Op::Lstm(lstm) if fused(j) => 4 * lstm.hidden_size,
                _ => 0,
            };
            l.op.spec().state_len() + input_terms
        })
        .collect()
}

/// Where each layer's output goes during `reconstruct_into`.
fn places(model: &Model, scaled_input: Option<Place>, converted: bool) -> Vec<Place> {
    let n = model.layers.len();
    let mut places = Vec::with_capacity(n);
    let mut current = scaled_input;
    for (j, layer) in model.layers.iter().enumerate() {
        if fused_repeat(model, j) {
            // Nothing is written: the LSTM after it reads this layer's input.
            places.push(current.unwrap_or(Place::Front));
            continue;
        }
        let place = if j + 1 == n && !converted {
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
    places
}

/// How the public functions meet their callers.
#[derive(Debug, Clone, Copy)]
struct Edges {
    /// The model's raw input is converted into scratch before the first layer.
    scaled_input: bool,
    /// Every function converts its input into scratch and its output out of it (int8).
    converted: bool,
}

/// The most scratch any layer of the emitted functions needs at once.
fn scratch_len(
    model: &Model,
    places: &[Place],
    state: &[usize],
    edges: Edges,
    parts: Parts,
) -> usize {
    let n = model.layers.len();
    let shapes = model.shapes();
    let len = |j: usize| -> usize { shapes[j].iter().product() };
    let fused = |j: usize| j > 0 && fused_repeat(model, j - 1);
    let k = model.latent_layer.min(n.saturating_sub(1));
    let mut need = if edges.scaled_input && parts.encoder() { len(0) } else { 0 };
    for j in (0..n).filter(|&j| parts.emits(j, k) && !fused_repeat(model, j)) {
        // A fused LSTM reads what its repeat would have read.
        let from = if fused(j) { j - 1 } else { j };
        let input_in_scratch = from > 0 || edges.scaled_input;
        let output_in_scratch = places[j] != Place::Output;
        // (input in scratch, output in scratch) of this layer in each emitted function.
        let mut uses = Vec::new();
        if parts == Parts::All || j != k && from != k + 1 {
            uses.push((input_in_scratch, output_in_scratch)); // reconstruct, or inside a half
        }
        if j == k {
            uses.push((input_in_scratch, edges.converted)); // encode writes the code out
            if model.kind == ModelKind::Vae {
                uses.push((input_in_scratch, true)); // sample_latent keeps log_var in scratch
            }
        }
        if from == k + 1 {
            uses.push((edges.converted, output_in_scratch)); // decode reads the code in
        }
        let view = model.layers[j].op.is_view();
        for (src, dst) in uses {
            let total = if view {
                // An alias needs its region once; a copy to or from the caller needs one region.
                if src || dst {
                    len(from)
                } else {
                    0
                }
            } else {
                usize::from(src) * len(from) + usize::from(dst) * len(j + 1) + state[j]
            };
            need = need.max(total);
        }
    }
    need
}
