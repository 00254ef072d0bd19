//! Convolutional and recurrent layers in the trainer: dfdx's forward pass equals the reference
//! interpreter on the exported file (≤ 1e-5, every op and variant), file → trainer → file is
//! exact, gradients reach every parameter (a few steps of training reduce the loss), the
//! denoising and VAE kinds work with them, and configs are checked with messages naming the
//! layer.

mod common;

use common::settings;
use dfdx::prelude::{AsArray, Backward, Gradients, Trace};
use tinyae_core::ir::{ModelKind, Preprocessing, Provenance};
use tinyae_core::{reference, Activation};
use tinyae_trainer::data::Dataset;
use tinyae_trainer::export::{from_model, to_model};
use tinyae_trainer::net::{Architecture, Net};
use tinyae_trainer::objective::{Kind, Noise};
use tinyae_trainer::spec::{LayerSpec, LayerTable, PaddingName, PaddingSpec};
use tinyae_trainer::train::{fit, Silent, State};

fn table(t: LayerTable) -> LayerSpec {
    LayerSpec::Layer(t)
}

fn conv(channels: usize, kernel: usize, stride: usize, padding: PaddingSpec) -> LayerSpec {
    table(LayerTable::Conv2d { channels, kernel, stride, padding, activation: None })
}

fn conv_t(
    channels: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    output_padding: usize,
) -> LayerSpec {
    table(LayerTable::ConvTranspose2d {
        channels,
        kernel,
        stride,
        padding,
        output_padding,
        activation: None,
    })
}

const SAME: PaddingSpec = PaddingSpec::Name(PaddingName::Same);

/// `[1, 12, 12]` → conv same → pool → conv stride 2 with uneven `same` padding (6 → 3: one
/// row after, none before) → flatten → dense code → dense → reshape → upsample →
/// transposed conv with output_padding → conv → `[1, 12, 12]`.
fn conv_arch(kind: ModelKind) -> Architecture {
    Architecture {
        kind,
        input_shape: vec![1, 12, 12],
        encoder: vec![
            conv(3, 3, 1, SAME),
            table(LayerTable::MaxPool2d { kernel: 2, stride: None }),
            conv(4, 3, 2, SAME),
            table(LayerTable::Flatten),
            LayerSpec::Width(6),
        ],
        decoder: vec![
            LayerSpec::Width(36),
            table(LayerTable::Reshape { shape: vec![4, 3, 3] }),
            table(LayerTable::Upsample2d { factor: 2 }),
            conv_t(3, 3, 2, 1, 1),
            conv(1, 3, 1, PaddingSpec::Size(1)),
        ],
        hidden: Activation::Relu,
        latent: if kind == ModelKind::Vae { Activation::Linear } else { Activation::Tanh },
        output: Activation::Sigmoid,
    }
}

/// `[8, 2]` → LSTM (last state, the code) → repeat → LSTM (sequence) → dense at every step.
fn lstm_arch(kind: ModelKind) -> Architecture {
    let lstm = |units, seq| table(LayerTable::Lstm { units, return_sequences: seq });
    let encoder = if kind == ModelKind::Vae {
        vec![lstm(6, Some(false)), LayerSpec::Width(3)]
    } else {
        vec![lstm(6, None)]
    };
    Architecture {
        kind,
        input_shape: vec![8, 2],
        encoder,
        decoder: vec![
            table(LayerTable::Repeat { times: None }),
            lstm(5, None),
            table(LayerTable::Dense {
                units: 2,
                activation: Some(toml::Value::String("sigmoid".into())),
            }),
        ],
        hidden: Activation::Tanh,
        latent: Activation::Linear,
        output: Activation::Sigmoid,
    }
}

/// Smooth images or sequences in [0.1, 0.9].
fn data(shape: &[usize], rows: usize, seed: u64) -> Dataset {
    let n: usize = shape.iter().product();
    let mut x = Vec::with_capacity(rows * n);
    for r in 0..rows {
        let (a, p) = (
            0.3 + 0.1 * ((r as u64 * 7 + seed) % 5) as f32,
            (r as f32 * 0.37) % std::f32::consts::TAU,
        );
        for k in 0..n {
            x.push(0.5 + a * ((k as f32 * 0.45 + p).sin() * (k as f32 * 0.07).cos()));
        }
    }
    Dataset { source: "test".into(), shape: shape.to_vec(), x, labels: None, starts: None }
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// dfdx vs the reference interpreter on the exported model, and file round trip.
fn check_parity(net: &Net, d: &Dataset) {
    let model = to_model(net, Preprocessing::None, None, Provenance::default());
    tinyae_core::validate::validate(&model).expect("the exported model is valid");
    let rows = 6;
    let x: Vec<f32> = d.x[..rows * d.features()].to_vec();
    let dfdx = net.reconstruct(net.batch(x.clone(), rows)).as_vec();
    let reference: Vec<f32> = x
        .chunks(d.features())
        .flat_map(|r| reference::run_from(&model.layers, &model.input_shape, r))
        .collect();
    let diff = max_diff(&dfdx, &reference);
    assert!(diff <= 1e-5, "dfdx vs reference: {diff:e}");
    let codes = net.encode(net.batch(x.clone(), rows)).as_vec();
    let reference_codes: Vec<f32> = x
        .chunks(d.features())
        .flat_map(|r| reference::run_from(model.encoder(), &model.input_shape, r))
        .collect();
    assert!(max_diff(&codes, &reference_codes) <= 1e-5, "codes");

    // Bytes → IR → trainer → IR: the same tensors, bit for bit.
    let bytes = tinyae_core::format::to_bytes(&model).expect("serializes");
    let back = tinyae_core::load(&bytes).expect("reads back");
    let again = to_model(
        &from_model(&back).expect("loads"),
        Preprocessing::None,
        None,
        Provenance::default(),
    );
    assert_eq!(again.layers, back.layers, "file → trainer → file changed a layer");
    println!("dfdx vs reference: {diff:e}");
}

/// Trains a few steps and returns (loss before, loss after) on the training rows.
fn train(arch: &Architecture, d: &Dataset, kind: Kind, epochs: usize) -> (f64, f64, Net) {
    let s = settings(kind, epochs, 0.01);
    let mut net = Net::new(arch, 5);
    let before = tinyae_trainer::train::validation_loss(&net, &s.objective, d, 16);
    let mut state = State::new(&net, s.optimizer);
    fit(&mut net, d, None, &s, &mut state, &mut Silent).expect("training runs");
    let after = tinyae_trainer::train::validation_loss(&net, &s.objective, d, 16);
    (before, after, net)
}

/// Backpropagated gradients equal central finite differences for entries of every
/// parameter tensor (weights and biases of every layer kind).
fn check_gradients(mut net: Net, d: &Dataset) {
    let objective = settings(Kind::Vanilla, 1, 0.01).objective;
    let rows = 8;
    let x: Vec<f32> = d.x[..rows * d.features()].to_vec();
    let loss = |net: &Net| -> f64 {
        let b = net.batch(x.clone(), rows);
        f64::from(objective.evaluate(net, b.clone(), &b, None).array())
    };
    let traced = net.batch(x.clone(), rows).traced(Gradients::leaky());
    let target = net.batch(x.clone(), rows);
    let grads = net.param_grads(&objective.evaluate(&net, traced, &target, None).backward());
    let names = net.param_names();
    let values = net.param_values();
    let h = 1e-2f32;
    for (p, (name, v)) in names.iter().zip(&values).enumerate() {
        for k in [0, v.len() / 2, v.len() - 1] {
            let mut shifted = values.clone();
            shifted[p][k] = v[k] + h;
            net.set_param_values(&shifted);
            let up = loss(&net);
            shifted[p][k] = v[k] - h;
            net.set_param_values(&shifted);
            let down = loss(&net);
            let numeric = (up - down) / (2.0 * f64::from(h));
            let analytic = f64::from(grads[p][k]);
            let err = (numeric - analytic).abs();
            assert!(
                err <= 0.05 * numeric.abs().max(analytic.abs()) + 2e-5,
                "{name}[{k}]: backprop {analytic:e}, finite difference {numeric:e}"
            );
        }
    }
    net.set_param_values(&values);
}

#[test]
fn convolutional_autoencoder_matches_the_reference_and_learns() {
    let d = data(&[1, 12, 12], 64, 1);
    let a = conv_arch(ModelKind::Autoencoder);
    check_parity(&Net::new(&a, 3), &d);
    check_gradients(Net::new(&Architecture { hidden: Activation::Tanh, ..a.clone() }, 3), &d);
    let (before, after, net) = train(&a, &d, Kind::Vanilla, 20);
    assert!(after < 0.6 * before, "conv AE loss {before} → {after}");
    check_parity(&net, &d);
}

#[test]
fn lstm_autoencoder_matches_the_reference_and_learns() {
    let d = data(&[8, 2], 64, 2);
    let a = lstm_arch(ModelKind::Autoencoder);
    check_parity(&Net::new(&a, 3), &d);
    check_gradients(Net::new(&a, 3), &d);
    let (before, after, net) = train(&a, &d, Kind::Vanilla, 30);
    assert!(after < 0.6 * before, "LSTM AE loss {before} → {after}");
    check_parity(&net, &d);
}

#[test]
fn denoising_and_vae_kinds_train_with_these_layers() {
    let noise = Kind::Denoising(Noise::Gaussian { factor: 0.2 });
    let (before, after, _) =
        train(&conv_arch(ModelKind::Autoencoder), &data(&[1, 12, 12], 48, 3), noise, 4);
    assert!(after < before, "denoising conv AE {before} → {after}");
    let vae = Kind::Vae { beta: 1.0 };
    let d = data(&[1, 12, 12], 48, 4);
    let (before, after, net) = train(&conv_arch(ModelKind::Vae), &d, vae, 4);
    assert!(after < before, "conv VAE {before} → {after}");
    check_parity(&net, &d);
    let d = data(&[8, 2], 48, 5);
    let (before, after, net) = train(&lstm_arch(ModelKind::Vae), &d, vae, 4);
    assert!(after < before, "LSTM VAE {before} → {after}");
    check_parity(&net, &d);
}

#[test]
fn bad_architectures_are_named() {
    let expect = |a: Architecture, needle: &str| {
        let e = format!("{:#}", a.plan().expect_err("should be rejected"));
        assert!(e.contains(needle), "expected {needle:?} in: {e}");
    };
    let mut a = conv_arch(ModelKind::Autoencoder);
    a.input_shape = vec![144];
    expect(a, "`model.encoder[0]`: layer `enc.0` (conv2d) expects a [channels, height, width] input, found [144]");
    let mut a = lstm_arch(ModelKind::Autoencoder);
    a.input_shape = vec![16];
    expect(a, "an LSTM expects a [steps, features] input, found [16]");
    let mut a = conv_arch(ModelKind::Autoencoder);
    a.decoder.pop();
    expect(a, "the decoder ends with [3, 12, 12] = 432 values");
    let mut a = conv_arch(ModelKind::Vae);
    a.encoder.pop();
    expect(a, "a VAE's last encoder layer becomes its Gaussian head");
    let mut a = conv_arch(ModelKind::Autoencoder);
    a.decoder[1] = table(LayerTable::Reshape { shape: vec![4, 3, 4] });
    expect(a, "(reshape) to [4, 3, 4] needs 48 values");
}
