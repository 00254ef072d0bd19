//! Reduced precision and pruning, generated vs reference: f16/bf16 storage, int8 layers and
//! pruned (zero-skipping) layers, in every unroll mode, must give the reference interpreter's
//! output bit for bit on the same file (the fixtures of `make-quant-fixtures`). Then, against
//! the f32 model they came from, the error each precision costs is bounded (and printed with
//! `--nocapture`).

use tinyae::Autoencoder;
use tinyae_core::reference::{self, Mac};
use tinyae_core::{quant, Model};
use tinyae_tests::{bit_exact, check_modes, fixture, generated, load_model, repo_root};

macro_rules! models {
    ($($m:ident = $file:literal),* $(,)?) => {
        $(mod $m {
            tinyae::autoencoder!(pub Full = $file, unroll = full);
            tinyae::autoencoder!(pub Loops = $file, unroll = loops);
            tinyae::autoencoder!(pub Auto = $file);
        })*
    };
}

models! {
    sensor_int8 = "fixtures/sensor_int8.safetensors",
    sensor_int8_default_pre = "fixtures/sensor_int8_default_pre.safetensors",
    sensor_f16 = "fixtures/sensor_f16.safetensors",
    ecg_int8 = "fixtures/ecg_int8.safetensors",
    ecg_f16 = "fixtures/ecg_f16.safetensors",
    ecg_bf16 = "fixtures/ecg_bf16.safetensors",
    ecg_sparse = "fixtures/ecg_sparse.safetensors",
    ecg_sparse_f16 = "fixtures/ecg_sparse_f16.safetensors",
    ecg_int8_sparse = "fixtures/ecg_int8_sparse.safetensors",
    ecg_block = "fixtures/ecg_block.safetensors",
    ecg_int8_block = "fixtures/ecg_int8_block.safetensors",
    plain_int8 = "fixtures/plain_int8.safetensors",
}

generated! {
    mnist_int8 = "fixtures/mnist_int8.safetensors": [Loops(unroll = loops)];
    mnist_f16 = "fixtures/mnist_f16.safetensors": [Loops(unroll = loops)];
}

fn inputs(name: &str) -> Vec<Vec<f32>> {
    let text = std::fs::read_to_string(fixture(&format!("{name}.inputs.json"))).expect("inputs");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    json["inputs"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            r.as_array().expect("row").iter().map(|v| v.as_f64().expect("num") as f32).collect()
        })
        .collect()
}

/// Every f32 API function of `M` against the reference on the fixture's inputs; the latent
/// codes the reference computes are the decoder's inputs.
fn check<M: Autoencoder<N, L>, const N: usize, const L: usize>(name: &str, mode: &str) -> Model {
    let model = load_model(&fixture(&format!("{name}.safetensors")));
    check_on::<M, N, L>(&model, &inputs(name), name, mode);
    model
}

/// [`check`] for `model` on `rows`.
fn check_on<M: Autoencoder<N, L>, const N: usize, const L: usize>(
    model: &Model,
    rows: &[Vec<f32>],
    name: &str,
    mode: &str,
) {
    let xs: Vec<[f32; N]> = rows.iter().map(|r| r.as_slice().try_into().expect("width")).collect();
    bit_exact::<M, N, L>(model, &xs, Mac::Separate, &format!("{name}/{mode}"));
}

/// The int8 API against `tinyae_core::quant::run_q`.
fn check_q<const N: usize, const L: usize, S>(
    name: &str,
    model: &Model,
    quantize: fn(&[f32; N], &mut [i8; N]),
    reconstruct_q: fn(&[i8; N], &mut S, &mut [i8; N]),
    encode_q: fn(&[i8; N], &mut S, &mut [i8; L]),
    scratch: &mut S,
) {
    for (i, row) in inputs(name).iter().enumerate() {
        let x: [f32; N] = row.as_slice().try_into().expect("width");
        let mut q = [0i8; N];
        quantize(&x, &mut q);
        let scaled = reference::scale_input(model, &x);
        let (_, first) = quant::of(&model.layers[0]).expect("int8");
        let expected: Vec<i8> = scaled.iter().map(|v| first.input.quantize(*v)).collect();
        assert_eq!(q.to_vec(), expected, "{name} quantize_input #{i}");
        let (mut y, mut z) = ([0i8; N], [0i8; L]);
        reconstruct_q(&q, scratch, &mut y);
        assert_eq!(y.to_vec(), quant::run_q(&model.layers, &q), "{name} reconstruct_q #{i}");
        encode_q(&q, scratch, &mut z);
        let k = model.latent_layer;
        assert_eq!(z.to_vec(), quant::run_q(&model.layers[..=k], &q), "{name} encode_q #{i}");
    }
}

/// [`check_q`] on the int8 API of the generated type `$m`, with a scratch of its own.
macro_rules! int8_api {
    ($m:ty, $name:literal, $model:expr, $n:literal, $l:literal) => {
        check_q::<$n, $l, _>(
            $name,
            $model,
            <$m>::quantize_input,
            <$m>::reconstruct_q,
            <$m>::encode_q,
            &mut <$m>::new_scratch(),
        )
    };
}

#[test]
fn f16_and_bf16_weights_are_bit_exact_with_the_reference() {
    check_modes!(sensor_f16, 3, 2, [Full, Loops, Auto]);
    check_modes!(ecg_f16, 140, 8, [Full, Loops, Auto]);
    check_modes!(ecg_bf16, 140, 8, [Full, Loops, Auto]);
    check::<mnist_f16::Loops, 784, 32>("mnist_f16", "loops");
}

#[test]
fn pruned_layers_skip_zeros_bit_exact_with_the_reference() {
    check_modes!(ecg_sparse, 140, 8, [Full, Loops, Auto]);
    check_modes!(ecg_sparse_f16, 140, 8, [Full, Loops, Auto]);
    // Flash: the compressed form holds each non-zero weight (f32) with a u8 index (inputs
    // <= 256) and a u16 count per output, plus the f32 biases.
    let sparse = load_model(&fixture("ecg_sparse.safetensors"));
    let expected: usize = sparse
        .layers
        .iter()
        .flat_map(|l| l.op.dense_parts())
        .map(|d| {
            let nnz = d.weight.values.iter().filter(|w| **w != 0.0).count();
            nnz * 5 + d.out_features * (2 + 4)
        })
        .sum();
    assert_eq!(ecg_sparse::Loops::WEIGHT_BYTES, expected);
    let dense = ecg::LoopsDense::WEIGHT_BYTES;
    println!("ecg 80 % pruned: {expected} bytes of weights, dense {dense}");
    assert!(expected * 2 < dense);
}

#[test]
fn block_pruned_layers_are_bit_exact_and_store_only_kept_columns() {
    check_modes!(ecg_block, 140, 8, [Full, Loops, Auto]);
    let m = check_modes!(ecg_int8_block, 140, 8, [Full, Loops, Auto]);
    int8_api!(ecg_int8_block::Loops, "ecg_int8_block", &m, 140, 8);
    let block = load_model(&fixture("ecg_block.safetensors"));
    let expected = block_form_bytes(&block);
    assert_eq!(ecg_block::Loops::WEIGHT_BYTES, expected);
    println!("ecg 80 % block-pruned: {expected} bytes of weights");
    assert!(expected * 4 < ecg::LoopsDense::WEIGHT_BYTES);
}

mod shipped {
    tinyae::autoencoder!(pub EcgBlock = "../models/ecg5000.block80.safetensors", unroll = loops);
    tinyae::autoencoder!(pub EcgBlockInt8 = "../models/ecg5000.block80.int8.safetensors", unroll = loops);
    tinyae::autoencoder!(pub MnistBlock = "../models/mnist.block80.safetensors");
    tinyae::autoencoder!(pub MnistBlockInt8 = "../models/mnist.block80.int8.safetensors");
}

/// Flash of the f32 block form: per kept column of a block of 32 outputs, its f32 values and
/// one u16 index; plus the f32 biases. Kept columns counted from the zeros of output 0.
fn block_form_bytes(m: &Model) -> usize {
    m.layers
        .iter()
        .flat_map(|l| l.op.dense_parts())
        .map(|d| {
            let (o_n, i_n) = (d.out_features, d.in_features);
            let kept = (0..i_n).filter(|&i| d.weight.values[i] != 0.0).count();
            kept * (o_n * 4 + 2 * o_n.div_ceil(32)) + o_n * 4
        })
        .sum()
}

/// [`check_on`] for `models/<file>.safetensors` on fixture `inputs_of`'s inputs; the model.
fn check_shipped<M: Autoencoder<N, L>, const N: usize, const L: usize>(
    file: &str,
    inputs_of: &str,
    mode: &str,
) -> Model {
    let model = load_model(&repo_root().join("models").join(format!("{file}.safetensors")));
    check_on::<M, N, L>(&model, &inputs(inputs_of), file, mode);
    model
}

/// The shipped block-pruned models (`tinyae prune --pattern block`, fine-tuned): every f32
/// layer in block form, bit-exact with the reference on the fixtures' inputs.
#[test]
fn shipped_block_pruned_models_are_bit_exact_in_block_form() {
    let ecg = check_shipped::<shipped::EcgBlock, 140, 8>("ecg5000.block80", "ecg", "loops");
    assert_eq!(shipped::EcgBlock::WEIGHT_BYTES, block_form_bytes(&ecg));
    let ecg8 =
        check_shipped::<shipped::EcgBlockInt8, 140, 8>("ecg5000.block80.int8", "ecg", "loops");
    let mnist = check_shipped::<shipped::MnistBlock, 784, 32>("mnist.block80", "mnist", "auto");
    assert_eq!(shipped::MnistBlock::WEIGHT_BYTES, block_form_bytes(&mnist));
    let mnist8 =
        check_shipped::<shipped::MnistBlockInt8, 784, 32>("mnist.block80.int8", "mnist", "auto");
    // int8: the two large layers (each over a third of the weights) in block form; a layer
    // keeping more than half of its input columns runs the dense int8 kernel instead.
    for m in [&ecg8, &mnist8] {
        let parts: Vec<_> = m.layers.iter().flat_map(|l| l.op.dense_parts()).collect();
        let total: usize = parts.iter().map(|d| d.weight.values.len()).sum();
        let large: Vec<_> = parts.iter().filter(|d| d.weight.values.len() * 3 > total).collect();
        assert_eq!(large.len(), 2);
        assert!(large.iter().all(|d| tinyae_core::block_sparse::pattern(d).is_some()));
    }
}

generated! {
    ecg = "fixtures/ecg.safetensors": [LoopsDense(unroll = loops)];
}

#[test]
fn int8_models_are_bit_exact_with_the_reference() {
    let m = check_modes!(sensor_int8, 3, 2, [Full, Loops, Auto]);
    int8_api!(sensor_int8::Loops, "sensor_int8", &m, 3, 2);
    let m = check_modes!(ecg_int8, 140, 8, [Full, Loops, Auto]);
    int8_api!(ecg_int8::Loops, "ecg_int8", &m, 140, 8);
    int8_api!(ecg_int8::Full, "ecg_int8", &m, 140, 8);
    let m = check_modes!(ecg_int8_sparse, 140, 8, [Full, Loops, Auto]);
    int8_api!(ecg_int8_sparse::Loops, "ecg_int8_sparse", &m, 140, 8);
    check_modes!(plain_int8, 5, 3, [Full, Loops, Auto]);
    // Table activations without `pre_activation` (its default: the output parameters).
    let m = check_modes!(sensor_int8_default_pre, 3, 2, [Full, Loops, Auto]);
    assert!(m.layers.iter().all(|l| quant::of(l).is_some_and(|(_, q)| q.pre_activation.is_none())));
    int8_api!(sensor_int8_default_pre::Loops, "sensor_int8_default_pre", &m, 3, 2);
    let m = check::<mnist_int8::Loops, 784, 32>("mnist_int8", "loops");
    int8_api!(mnist_int8::Loops, "mnist_int8", &m, 784, 32);
}

/// Largest |reduced - f32| of the reconstruction in the scaled space over the inputs.
fn worst(base: &str, reduced: &str) -> f32 {
    let (a, b) = (
        load_model(&fixture(&format!("{base}.safetensors"))),
        load_model(&fixture(&format!("{reduced}.safetensors"))),
    );
    let mut worst = 0.0f32;
    for x in inputs(base) {
        let xs = reference::scale_input(&a, &x);
        let (ya, yb) = (reference::run(&a.layers, &xs), reference::run(&b.layers, &xs));
        worst = ya.iter().zip(&yb).fold(worst, |w, (p, q)| w.max((p - q).abs()));
    }
    println!("{reduced} vs {base}: max |difference| in the scaled space {worst:.3e}");
    worst
}

#[test]
fn reduced_precision_stays_close_to_the_f32_model() {
    // f16 keeps 11 significant bits: relative error ~2^-11 per weight, summed over a layer.
    assert!(worst("ecg", "ecg_f16") < 2e-2);
    assert!(worst("mnist", "mnist_f16") < 2e-3);
    assert!(worst("sensor", "sensor_f16") < 2e-3);
    // bf16 keeps 8 bits.
    assert!(worst("ecg", "ecg_bf16") < 1e-1);
    // int8: one step of each layer's output range; the seeded fixtures are untrained, so
    // this only bounds gross errors (the shipped models' quality is in docs/QUANTIZATION.md).
    assert!(worst("mnist", "mnist_int8") < 0.1);
    assert!(worst("sensor", "sensor_int8") < 0.1);
}
