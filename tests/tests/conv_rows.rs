//! Models that stream row by row (`tinyae_core::rows`): every public function equals the
//! reference interpreter bit for bit, and the scratch is the sum of the rings worked out by
//! hand. The reference interpreter computes whole feature maps, independently of the row
//! stages; its every layer kind is checked against PyTorch in `conv_lstm_parity.rs`.

use serde_json::Value;
use tinyae::{Autoencoder, ModelInfo};
use tinyae_core::{reference, Model};
use tinyae_tests::{fixture, input, load_model, repo_root, rows};

mod conv_rows {
    tinyae::autoencoder!(pub Model = "fixtures/conv_rows.safetensors");
}

mod conv_rows_parts {
    tinyae::autoencoder!(pub Encoder = "fixtures/conv_rows.safetensors", parts = encoder);
    tinyae::autoencoder!(pub Decoder = "fixtures/conv_rows.safetensors", parts = decoder);
}

mod mnist_conv {
    tinyae::autoencoder!(pub Model = "../models/mnist_conv.safetensors");
}

fn assert_bits(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(a.to_bits(), e.to_bits(), "{what}[{i}]: generated {a} vs reference {e}");
    }
}

/// Every public function of `M` on `inputs` and `latents` equals the reference bit for bit.
fn check<M: Autoencoder<N, L>, const N: usize, const L: usize>(
    model: &Model,
    inputs: &[Vec<f64>],
    latents: &[Vec<f64>],
    name: &str,
) {
    let what = |f: &str, i: usize| format!("{name} {f} #{i}");
    let mut scratch = M::new_scratch();
    for (i, row) in inputs.iter().enumerate() {
        let x: [f32; N] = input(row);
        let z = M::encode(&x);
        assert_bits(&z, &reference::encode(model, &x), &what("encode", i));
        let y = M::reconstruct(&x);
        assert_bits(&y, &reference::reconstruct(model, &x), &what("reconstruct", i));
        let score = M::anomaly_score(&x);
        assert_bits(&[score], &[reference::anomaly_score(model, &x)], &what("score", i));

        let (mut z2, mut y2) = ([f32::NAN; L], [f32::NAN; N]);
        M::encode_into(&x, &mut scratch, &mut z2);
        assert_bits(&z2, &z, &what("encode_into", i));
        M::reconstruct_into(&x, &mut scratch, &mut y2);
        assert_bits(&y2, &y, &what("reconstruct_into", i));
        let score2 = M::anomaly_score_into(&x, &mut scratch, &mut y2);
        assert_bits(&[score2], &[score], &what("anomaly_score_into", i));
    }
    for (i, row) in latents.iter().enumerate() {
        let z: [f32; L] = input(row);
        let y = M::decode(&z);
        assert_bits(&y, &reference::decode(model, &z), &what("decode", i));
        let mut y2 = [f32::NAN; N];
        M::decode_into(&z, &mut scratch, &mut y2);
        assert_bits(&y2, &y, &what("decode_into", i));
    }
}

/// The fixture's inputs, and as latents the reference codes of them, shifted so that some
/// values change sign.
#[test]
fn every_streamed_layer_kind_is_bit_exact() {
    let model = load_model(&fixture("conv_rows.safetensors"));
    let text = std::fs::read_to_string(fixture("conv_rows.inputs.json")).expect("inputs");
    let inputs = rows(&serde_json::from_str::<Value>(&text).expect("json"), "inputs");
    let latents: Vec<Vec<f64>> = inputs
        .iter()
        .map(|row| {
            let x: [f32; 384] = input(row);
            let z = reference::encode(&model, &x);
            z.iter().enumerate().map(|(i, v)| f64::from(*v) + (i % 5) as f64 * 0.3 - 0.6).collect()
        })
        .collect();
    assert!(model.layers.iter().any(|l| l.op.name() == "upsample2d"));
    check::<conv_rows::Model, 384, 72>(&model, &inputs, &latents, "conv_rows");
}

/// The encoder and decoder parts run only their stages, over only their rings.
#[test]
fn parts_stream_their_own_stages() {
    let model = load_model(&fixture("conv_rows.safetensors"));
    let text = std::fs::read_to_string(fixture("conv_rows.inputs.json")).expect("inputs");
    let inputs = rows(&serde_json::from_str::<Value>(&text).expect("json"), "inputs");
    let mut enc = conv_rows_parts::Encoder::new_scratch();
    let mut dec = conv_rows_parts::Decoder::new_scratch();
    for (i, row) in inputs.iter().enumerate() {
        let x: [f32; 384] = input(row);
        let expected = reference::encode(&model, &x);
        let mut z = [f32::NAN; 72];
        conv_rows_parts::Encoder::encode_into(&x, &mut enc, &mut z);
        assert_bits(&z, &expected, &format!("encoder part #{i}"));
        let mut y = [f32::NAN; 384];
        conv_rows_parts::Decoder::decode_into(&z, &mut dec, &mut y);
        assert_bits(&y, &reference::decode(&model, &z), &format!("decoder part #{i}"));
    }
    // The encoder's stages (conv + pool, strided conv) and the decoder's (upsample, transposed
    // conv, pool, conv), as in `scratch_is_the_sum_of_the_rings`.
    assert_eq!(conv_rows_parts::Encoder::SCRATCH_LEN, 4 * 2 * 12 + 2 * 12 + 3 * 4 * 6);
    assert_eq!(conv_rows_parts::Decoder::SCRATCH_LEN, 3 * 6 + 2 * 3 * 6 + 3 * 4 * 12 + 3 * 4 * 10);
}

/// The first 8 MNIST test images and their codes (`examples/firmware/harness/vectors`).
#[test]
fn mnist_conv_is_bit_exact() {
    let model = load_model(&repo_root().join("models/mnist_conv.safetensors"));
    let path = repo_root().join("examples/firmware/harness/vectors/mnist_conv.json");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("json");
    check::<mnist_conv::Model, 784, 784>(
        &model,
        &rows(&v, "inputs"),
        &rows(&v, "latents"),
        "mnist_conv",
    );
}

/// The scratch is every stage's ring (input rows × channels × width) plus a fused pool's conv
/// rows (pool kernel × conv width), counted by hand.
#[test]
fn scratch_is_the_sum_of_the_rings() {
    // mnist_conv: conv1 + pool1 read 4 input rows of 1×28 and keep 2 conv rows of 28; conv2 +
    // pool2 4 rows of 16×14 and 2 of 14; the transposed convs 1 row of 16×7 and 1 of 16×14;
    // conv3 3 rows of 8×28.
    let mnist = 4 * 28 + 2 * 28 + 4 * 16 * 14 + 2 * 14 + 16 * 7 + 16 * 14 + 3 * 8 * 28;
    assert_eq!(mnist, 2100);
    assert_eq!(mnist_conv::Model::SCRATCH_LEN, mnist);
    assert_eq!(<mnist_conv::Model as ModelInfo>::BUFFER_BYTES, (mnist + 2 * 784) * 4);
    // conv_rows: conv + pool 4 rows of 2×12 and 2 conv rows of 12; the strided conv 3 rows of
    // 4×6; upsample 1 row of 3×6; the transposed conv (kernel 3, stride 2) 2 rows of 3×6; the
    // pool 3 rows of 4×12; the last conv 3 rows of 4×10.
    let fixture = 4 * 2 * 12 + 2 * 12 + 3 * 4 * 6 + 3 * 6 + 2 * 3 * 6 + 3 * 4 * 12 + 3 * 4 * 10;
    assert_eq!(conv_rows::Model::SCRATCH_LEN, fixture);
}
