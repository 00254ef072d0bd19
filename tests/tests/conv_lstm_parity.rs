//! Convolutional and recurrent layers, three ways: macro-generated code vs the reference
//! interpreter (`tinyae-core`) vs PyTorch in float64 (`tests/reference/torch_reference.py`,
//! outputs committed in `tests/fixtures/*.expected.json`, built from PyTorch's own modules with
//! the file's tensors loaded unchanged).
//!
//! - Generated vs reference: identical bit for bit (tolerance 0), every public function.
//! - Reference vs PyTorch, per layer: each layer is fed PyTorch's (float64) output of the
//!   layer before, rounded to f32, and its output compared with PyTorch's: the error of that
//!   op alone, reported per op kind with `--nocapture` ([`LAYER`]).
//! - Generated vs PyTorch, end to end: within [`END_TO_END`] (the f32 rounding of every layer,
//!   compounded), in the scaled space; user units scale it by the input range.

use std::collections::BTreeMap;

use tinyae::{Autoencoder, ModelInfo};
use tinyae_core::reference;
use tinyae_tests::{
    check_modes, check_sample_latent, compare, fixture, generated, load_model, rows, three_way,
    user_scale, vectors, Output,
};

generated! {
    conv = "fixtures/conv.safetensors": [Auto, Full(unroll = full)];
    conv_valid = "fixtures/conv_valid.safetensors": [Auto];
    lstm = "fixtures/lstm.safetensors": [Auto, Loops(unroll = loops), Full(unroll = full)];
    lstm_stack = "fixtures/lstm_stack.safetensors": [Auto];
    conv_vae = "fixtures/conv_vae.safetensors": [Auto];
}

/// A single layer vs PyTorch: `abs + rel · |expected|`. The largest sums here have 216 terms
/// (a transposed convolution's 6 channels × 3 × 3 taps, conv layers 36–54): f32 rounding stays
/// far below this.
const LAYER: (f64, f64) = (1e-5, 1e-5);
/// Whole model vs PyTorch in the scaled space, per value.
const END_TO_END: (f64, f64) = (2e-5, 1e-5);

/// Every public function of `M` on the fixture's vectors: bit-identical to the reference, and
/// within [`END_TO_END`] of PyTorch. Returns the largest difference from PyTorch (scaled space).
fn check<M: Autoencoder<N, L>, const N: usize, const L: usize>(name: &str, mode: &str) -> f64 {
    let scale = user_scale(&load_model(&fixture(&format!("{name}.safetensors"))));
    let mut worst = 0.0f64;
    three_way::<M, N, L>(name, mode, true, |output, actual, expected, what| {
        let scale = match output {
            Output::Encode | Output::Score => 1.0,
            Output::Reconstruct | Output::Decode => scale,
        };
        let (d, ok) = compare(actual, expected, END_TO_END.0 * scale, END_TO_END.1);
        assert!(ok, "{what}: max |generated - PyTorch| = {d:e} exceeds {END_TO_END:?} × {scale}");
        worst = worst.max(d / scale);
    });
    println!("{name}/{mode}: max |generated - PyTorch| = {worst:.3e} (scaled space)");
    worst
}

/// Each layer alone vs PyTorch; the largest error per op kind goes into `errors`.
fn per_layer(name: &str, errors: &mut BTreeMap<String, f64>) {
    let model = load_model(&fixture(&format!("{name}.safetensors")));
    let v = vectors(name);
    let shapes = model.shapes();
    let layers = v["layers"].as_array().expect("`layers` from torch_reference.py");
    for (i, outputs) in layers.iter().enumerate() {
        let raw: Vec<f32> = rows(&v, "inputs")[i].iter().map(|x| *x as f32).collect();
        let mut feed: Vec<f32> = reference::scale_input(&model, &raw);
        for (j, layer) in model.layers.iter().enumerate() {
            let expected: Vec<f64> = outputs[j]
                .as_array()
                .expect("layer output")
                .iter()
                .map(|x| x.as_f64().expect("number"))
                .collect();
            let got = reference::layer_shaped(layer, &shapes[j], &feed);
            let (d, ok) = compare(&got, &expected, LAYER.0, LAYER.1);
            assert!(
                ok,
                "{name} layer `{}` ({}) #{i}: {d:e} exceeds {LAYER:?}",
                layer.name,
                layer.op.name()
            );
            let kind = match &layer.op {
                tinyae_core::ir::Op::Dense(d)
                    if d.in_features != shapes[j].iter().product::<usize>() =>
                {
                    "dense (per step)".to_owned()
                }
                op => op.name().to_owned(),
            };
            let e = errors.entry(kind).or_insert(0.0);
            *e = e.max(d);
            feed = expected.iter().map(|x| *x as f32).collect();
        }
    }
}

#[test]
fn every_layer_kind_matches_pytorch_alone() {
    let mut errors = BTreeMap::new();
    for name in ["conv", "conv_valid", "lstm", "lstm_stack", "conv_vae"] {
        per_layer(name, &mut errors);
    }
    // Exact ops (pooling, upsampling, reshaping) show only the rounding of their float64
    // input to f32.
    println!("max |reference - PyTorch| per layer kind, each layer fed PyTorch's input:");
    for (kind, e) in &errors {
        println!("  {kind}: {e:.3e}");
    }
    for kind in ["conv2d", "conv_transpose2d", "max_pool2d", "upsample2d", "lstm", "repeat"] {
        assert!(errors.contains_key(kind), "no fixture has a {kind} layer");
    }
}

#[test]
fn convolutions_pooling_upsampling() {
    check_modes!(conv, 120, 8, [Auto, Full]);
    check_modes!(conv_valid, 162, 12, [Auto]);
}

#[test]
fn lstm_encoder_repeat_decoder_and_per_step_dense() {
    check_modes!(lstm, 20, 6, [Auto, Loops, Full]);
    check_modes!(lstm_stack, 12, 5, [Auto]);
}

#[test]
fn vae_with_a_convolutional_encoder() {
    check_modes!(conv_vae, 64, 4, [Auto]);
    check_sample_latent::<64, 4>("conv_vae", &[conv_vae::Auto::sample_latent], (1e-5, 1e-5));
}

/// The RAM constant is the largest live set: a layer's input, output and LSTM state. Each
/// figure below is worked out by hand from the architecture.
#[test]
fn scratch_is_the_largest_live_pair_plus_lstm_state() {
    // conv: scaled input [1,12,10] = 120 into the front, conv → [4,12,10] = 480 at the back
    // (600), pool → 120 (600), ...; in the decoder upsample → [6,6,5] = 180 at the front, then
    // the transposed conv → [4,12,10] = 480 at the back: 660, the largest.
    assert_eq!(conv::Auto::SCRATCH_LEN, 660);
    // conv_valid: conv 162 (caller) → [3,4,4] 48, pool 48 → 12, decode 12 → [3,5,5] 75;
    // the largest with both ends in scratch: 48 + 12 = 60, or 12 + 75 = 87 in reconstruct.
    assert_eq!(conv_valid::Auto::SCRATCH_LEN, 87);
    // lstm: scaled input 20, LSTM (last state: c and h, 12) → 6: 20 + 12 + 6 = 38; the
    // repeat is never written: the decoder LSTM reads the 6 values, keeps c (5) and its input
    // terms (4 × 5) and writes 10 × 5: 6 + 25 + 50 = 81.
    assert_eq!(lstm::Auto::SCRATCH_LEN, 81);
    // lstm_stack: input 12 + state 4 + sequence 48 = 64; dense 48 → 5: 53; the repeated
    // LSTM: 5 + (4 + 16) + 48 = 73.
    assert_eq!(lstm_stack::Auto::SCRATCH_LEN, 73);
    assert_eq!(<lstm::Auto as ModelInfo>::BUFFER_BYTES, (81 + 2 * 20) * 4);
}

/// MACs count the multiply-adds performed: padding taps are skipped.
#[test]
fn macs_count_only_taps_inside_the_input() {
    // conv_valid: conv 2→3, valid 3×3 stride 2 on 9×9 → 4×4: 3·4·4·2·9 = 864; transposed
    // conv 3→3 3×3 stride 2 on 2×2 → 5×5: every tap lands: 3·3·4·9 = 324; then 3→2 on 5×5,
    // padding 1 → 9×9: per axis, the inputs whose tap lands inside (o = 2i + t - 1 < 9):
    // 4 + 5 + 4 = 13 → 2·3·13·13 = 1014.
    assert_eq!(conv_valid::Auto::MACS, 864 + 324 + 1014);
    // lstm: 10 steps × 24 gate rows × (2 + 6); the repeated LSTM's input terms once
    // (20 × 6) and its recurrent terms at every step (10 × 20 × 5); 10 steps × 5 × 2.
    assert_eq!(lstm::Auto::MACS, 10 * 24 * 8 + 20 * 6 + 10 * 20 * 5 + 10 * 10);
}
