//! What the generator emits, as reviewed snapshots of prettyplease-formatted code.
//!
//! A change to the generated code shows up here as a readable diff (`cargo insta review`).

use tinyae_codegen::{expand_model, Fma, Options, Parts, Unroll};
use tinyae_core::ir::{Anomaly, Calibration, Metric, Preprocessing};
use tinyae_core::{synth, Activation, Model};

fn sensor() -> Model {
    let mut m = synth::dense_autoencoder(&[3, 2, 3], Activation::Tanh, Activation::Sigmoid, 3);
    m.preprocessing =
        Preprocessing::MinMax { min: vec![0.0, 20.0, 95.0], max: vec![0.5, 80.0, 105.0] };
    m.anomaly =
        Some(Anomaly { metric: Metric::Mse, threshold: 0.02, calibration: Calibration::Manual });
    m
}

fn pretty(model: &Model, options: Options) -> String {
    let tokens = expand_model(model, "SensorAe", options);
    let file: syn::File = syn::parse2(tokens).expect("generated code parses");
    prettyplease::unparse(&file)
}

#[test]
fn sensor_fully_unrolled() {
    insta::assert_snapshot!(pretty(
        &sensor(),
        Options { unroll: Unroll::Full, parts: Parts::All, ..Options::default() }
    ));
}

#[test]
fn sensor_with_kernels() {
    insta::assert_snapshot!(pretty(
        &sensor(),
        Options { unroll: Unroll::Loops, parts: Parts::All, ..Options::default() }
    ));
}

#[test]
fn encoder_only() {
    let mut m = synth::dense_autoencoder(&[4, 3, 2, 3, 4], Activation::Relu, Activation::Linear, 1);
    m.preprocessing = Preprocessing::None;
    insta::assert_snapshot!(pretty(
        &m,
        Options { unroll: Unroll::Loops, parts: Parts::Encoder, ..Options::default() }
    ));
}

/// `fma = auto`: the `Mac` alias chosen by `cfg` on the target, named by the blocked layers'
/// type and the unrolled statements.
#[test]
fn sensor_fma_auto() {
    let kernels = Options { unroll: Unroll::Loops, fma: Fma::Auto, ..Options::default() };
    let unrolled = Options { unroll: Unroll::Full, fma: Fma::Auto, ..Options::default() };
    insta::assert_snapshot!(pretty(&sensor(), kernels) + &pretty(&sensor(), unrolled));
}

/// A conv chain that streams row by row (`tinyae_core::rows`): a conv with the pooling after
/// it fused in, then a transposed conv, each a stage function over a ring cut from the scratch.
#[test]
fn conv_rows() {
    use tinyae_core::ir::{ModelKind, Padding};
    use tinyae_core::synth::Rng;
    let mut rng = Rng::new(7);
    let layers = vec![
        synth::conv2d("c", (1, 2, [3, 3], [1, 1]), Padding::Same, Activation::Relu, true, &mut rng),
        synth::max_pool2d("p", [2, 2], [2, 2]),
        synth::conv_transpose2d(
            "t",
            (2, 1, [2, 2], [2, 2]),
            [0, 0],
            [0, 0],
            Activation::Sigmoid,
            false,
            &mut rng,
        ),
    ];
    let m = Model::bare(ModelKind::Autoencoder, vec![1, 6, 6], layers, 1);
    assert!(tinyae_core::emission::emitted(&m, Options::default()).plan.rows.is_some());
    insta::assert_snapshot!(pretty(&m, Options::default()));
}
