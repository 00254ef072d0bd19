//! The kernels split their work by shape (chunks of samples, blocks of sequences, row blocks of
//! products), never by thread count: a convolutional and an LSTM autoencoder, trained on
//! batches large enough to be split into several pieces, end with the same bits on 1 and 2
//! threads (`tests/determinism.rs` checks the dense layers).

mod common;

use common::settings;
use tinyae_core::ir::ModelKind;
use tinyae_core::Activation;
use tinyae_trainer::data::Dataset;
use tinyae_trainer::net::{Architecture, Net};
use tinyae_trainer::objective::Kind;
use tinyae_trainer::spec::{LayerSpec, LayerTable, PaddingName, PaddingSpec};
use tinyae_trainer::train::{fit, Settings, Silent, State};

fn data(shape: &[usize], rows: usize) -> Dataset {
    let n: usize = shape.iter().product();
    let x = (0..rows * n)
        .map(|k| 0.5 + 0.4 * ((k as f32 * 0.37).sin() * (k as f32 * 0.011).cos()))
        .collect();
    Dataset { source: "test".into(), shape: shape.to_vec(), x, labels: None, starts: None }
}

fn weights(a: &Architecture, d: &Dataset, s: &Settings, threads: usize) -> Vec<Vec<f32>> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut net = Net::new(a, 5);
        let mut state = State::new(&net, s.optimizer);
        fit(&mut net, d, None, s, &mut state, &mut Silent).unwrap();
        net.param_values()
    })
}

fn layer(t: LayerTable) -> LayerSpec {
    LayerSpec::Layer(t)
}

#[test]
fn conv_weights_do_not_depend_on_the_thread_count() {
    let same = PaddingSpec::Name(PaddingName::Same);
    let conv = |channels, stride| {
        layer(LayerTable::Conv2d { channels, kernel: 3, stride, padding: same, activation: None })
    };
    let a = Architecture {
        kind: ModelKind::Autoencoder,
        input_shape: vec![1, 28, 28],
        // 8 channels on 28×28: chunks of 37 samples, 3 per batch of 96.
        encoder: vec![
            conv(8, 1),
            layer(LayerTable::MaxPool2d { kernel: 2, stride: None }),
            conv(4, 2),
        ],
        decoder: vec![
            layer(LayerTable::ConvTranspose2d {
                channels: 8,
                kernel: 2,
                stride: 2,
                padding: 0,
                output_padding: 0,
                activation: None,
            }),
            layer(LayerTable::Upsample2d { factor: 2 }),
            conv(1, 1),
        ],
        hidden: Activation::Relu,
        latent: Activation::Relu,
        output: Activation::Sigmoid,
    };
    let d = data(&[1, 28, 28], 192);
    let s = Settings { batch_size: 96, ..settings(Kind::Vanilla, 1, 0.01) };
    assert_eq!(weights(&a, &d, &s, 1), weights(&a, &d, &s, 2), "1 and 2 threads differ");
}

#[test]
fn lstm_weights_do_not_depend_on_the_thread_count() {
    let lstm = |units| layer(LayerTable::Lstm { units, return_sequences: None });
    let a = Architecture {
        kind: ModelKind::Autoencoder,
        input_shape: vec![20, 2],
        encoder: vec![lstm(8)],
        decoder: vec![
            layer(LayerTable::Repeat { times: None }),
            lstm(8),
            layer(LayerTable::Dense { units: 2, activation: None }),
        ],
        hidden: Activation::Tanh,
        latent: Activation::Linear,
        output: Activation::Sigmoid,
    };
    // Blocks of 16 sequences: 4 per batch of 64.
    let d = data(&[20, 2], 128);
    let s = Settings { batch_size: 64, ..settings(Kind::Vanilla, 2, 0.01) };
    assert_eq!(weights(&a, &d, &s, 1), weights(&a, &d, &s, 2), "1 and 2 threads differ");
}
