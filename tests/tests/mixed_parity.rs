//! Mixed precision, generated vs reference: the shipped ECG5000 model with an int8 encoder and
//! an f32 decoder (`tinyae quantize --precision int8 --only encoder`) and the reverse give the
//! reference interpreter's outputs bit for bit on real heartbeats, in every unroll mode, for
//! every public function (the `*_q` functions of the int8 half against the integer reference).

use tinyae::Autoencoder;
use tinyae_core::reference::Mac;
use tinyae_core::{quant, Model};
use tinyae_tests::{bit_exact, generated, load_model, repo_root};

generated! {
    encoder_int8 = "../models/ecg5000.encoder-int8.safetensors": [Auto, Loops(unroll = loops)];
    decoder_int8 = "../models/ecg5000.decoder-int8.safetensors": [Auto, Loops(unroll = loops)];
}

/// The first 40 beats of the bundled ECG5000 test set (label column dropped).
fn beats() -> Vec<[f32; 140]> {
    let text = std::fs::read_to_string(repo_root().join("data/ecg5000/ECG5000_TEST.tsv"))
        .expect("bundled ECG5000 test set");
    text.lines()
        .take(40)
        .map(|line| {
            let values: Vec<f32> =
                line.split_whitespace().skip(1).map(|v| v.parse().expect("number")).collect();
            values.try_into().expect("140 values")
        })
        .collect()
}

/// Every f32 function of `M` against the reference on real beats.
fn check<M: Autoencoder<140, 8>>(model: &Model, what: &str) {
    bit_exact::<M, 140, 8>(model, &beats(), Mac::Separate, what);
}

fn shipped(name: &str) -> Model {
    load_model(&repo_root().join(format!("models/{name}.safetensors")))
}

#[test]
fn int8_encoder_and_f32_decoder_are_bit_exact_with_the_reference() {
    let model = shipped("ecg5000.encoder-int8");
    let k = model.latent_layer;
    assert!(
        quant::all_quantized(&model.layers[..=k]) && !quant::any_quantized(&model.layers[k + 1..])
    );
    check::<encoder_int8::Auto>(&model, "encoder-int8/auto");
    check::<encoder_int8::Loops>(&model, "encoder-int8/loops");
    // The int8 encoder on int8 data: the integer reference on the same quantized input.
    let mut scratch = encoder_int8::Auto::new_scratch();
    for x in beats() {
        let (mut q, mut z) = ([0i8; 140], [0i8; 8]);
        encoder_int8::Auto::quantize_input(&x, &mut q);
        encoder_int8::Auto::encode_q(&q, &mut scratch, &mut z);
        assert_eq!(z.to_vec(), quant::run_q(&model.layers[..=k], &q), "encode_q");
    }
}

#[test]
fn f32_encoder_and_int8_decoder_are_bit_exact_with_the_reference() {
    let model = shipped("ecg5000.decoder-int8");
    let k = model.latent_layer;
    assert!(
        !quant::any_quantized(&model.layers[..=k]) && quant::all_quantized(&model.layers[k + 1..])
    );
    check::<decoder_int8::Auto>(&model, "decoder-int8/auto");
    check::<decoder_int8::Loops>(&model, "decoder-int8/loops");
    let mut scratch = decoder_int8::Auto::new_scratch();
    let z: [i8; 8] = core::array::from_fn(|i| (i as i8) * 9 - 30);
    let mut y = [0i8; 140];
    decoder_int8::Auto::decode_q(&z, &mut scratch, &mut y);
    assert_eq!(y.to_vec(), quant::run_q(&model.layers[k + 1..], &z), "decode_q");
}

#[test]
fn mixed_constants_add_up_the_halves() {
    use encoder_int8::Auto as M;
    // int8 encoder weights are 1 byte each (+ i32 bias, f32 scale per channel); the f32
    // decoder's 4 bytes: less flash than f32, more than int8 everywhere.
    let f32_bytes = 41_936;
    assert!(M::WEIGHT_BYTES < f32_bytes, "{}", M::WEIGHT_BYTES);
    assert_eq!(M::PARAMS, 10_484, "the f32 model's parameters");
    assert_eq!(M::STACK_BYTES, M::BUFFER_BYTES + M::FRAME_BYTES);
    assert_eq!(M::BUFFER_BYTES, core::mem::size_of_val(&M::new_scratch()) + 2 * 4 * 140);
    println!(
        "ecg5000.encoder-int8: WEIGHT_BYTES {} SCRATCH_LEN {} BUFFER_BYTES {} STACK_BYTES {}",
        M::WEIGHT_BYTES,
        M::SCRATCH_LEN,
        M::BUFFER_BYTES,
        M::STACK_BYTES
    );
}
