//! Parity of the three evaluators of a trained model, ≤ 1e-5 apart:
//!
//! 1. dfdx (the trainer's forward pass, batched, gemm),
//! 2. `tinyae_core::reference` (the interpreter every parity test trusts),
//! 3. the code `tinyae::autoencoder!` generates.
//!
//! A test binary cannot expand the macro on a file it writes while running (the macro reads
//! the file when the test compiles), so the chain is split in two sound halves:
//!
//! - `fresh_training_round_trips_and_matches_the_reference`: a tiny model is trained a few
//!   steps, written with `tinyae_core::format`, read back; the weights survive bit for bit,
//!   and dfdx agrees with the reference interpreter on the file;
//! - `generated_code_matches_dfdx_and_the_reference`: the macro expands the committed tiny
//!   models in `tests/fixtures/` (trained by `tinyae train tests/fixtures/*.toml`); each file
//!   is loaded back into dfdx, and generated code, dfdx and the reference are compared.
//!
//! Together: trained weights → file (exact) → dfdx ≈ reference ≈ generated code.

mod common;

use common::{arch, settings, trained, waves, TempDir};
use tinyae::AnomalyDetector;
use tinyae_core::ir::{Model, ModelKind, Preprocessing, Provenance};
use tinyae_core::{reference, Activation};
use tinyae_trainer::export::{from_model, to_model};
use tinyae_trainer::net::{Net, NetOp};
use tinyae_trainer::objective::{Kind, Noise};

tinyae::autoencoder!(Tiny = "tests/fixtures/tiny.safetensors");
tinyae::autoencoder!(TinyVae = "tests/fixtures/tiny_vae.safetensors");

const TOLERANCE: f32 = 1e-5;

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// dfdx's reconstruction of raw rows in the scaled space the model computes in (values
/// around [0, 1], where 1e-5 is ~100 ulps; user units such as 101.3 kPa have ulps of 7.6e-6).
fn dfdx_reconstruct(net: &Net, model: &Model, raw: &[f32]) -> Vec<f32> {
    let n = model.input_len();
    let scaled: Vec<f32> = raw.chunks(n).flat_map(|r| reference::scale_input(model, r)).collect();
    net.reconstruct(net.batch(scaled, raw.len() / n)).as_vec()
}

/// The reference interpreter's reconstruction in the scaled space.
fn reference_reconstruct(model: &Model, raw: &[f32]) -> Vec<f32> {
    raw.chunks(model.input_len())
        .flat_map(|r| reference::run(&model.layers, &reference::scale_input(model, r)))
        .collect()
}

/// dfdx's VAE sample `μ + exp(½ log σ²) ε` for one raw row.
fn dfdx_sample(net: &Net, model: &Model, raw: &[f32], eps: &[f32]) -> Vec<f32> {
    let x = net.batch(reference::scale_input(model, raw), 1);
    let h = net.run(0..net.latent_layer, x, false);
    let NetOp::Gaussian { mu, log_var } = &net.layers[net.latent_layer].op else {
        panic!("not a VAE")
    };
    let (m, lv) = (mu.forward(h.clone()).as_vec(), log_var.forward(h).as_vec());
    m.iter().zip(&lv).zip(eps).map(|((m, lv), e)| m + (0.5 * lv).exp() * e).collect()
}

/// Deterministic raw inputs around the model's scaling range.
fn inputs(model: &Model, rows: usize) -> Vec<f32> {
    let n = model.input_len();
    let affine = model.preprocessing.affine(n);
    (0..rows * n)
        .map(|k| {
            let u = ((k * 7919 + 13) % 1000) as f32 / 1000.0 * 1.4 - 0.2; // [-0.2, 1.2)
            match &affine {
                Some(a) => a.offset[k % n] + u * a.range[k % n],
                None => u,
            }
        })
        .collect()
}

#[test]
fn fresh_training_round_trips_and_matches_the_reference() {
    let data = waves(64, 12, 1);
    for (kind, model_kind, latent) in [
        (
            Kind::Denoising(Noise::Gaussian { factor: 0.1 }),
            ModelKind::Autoencoder,
            Activation::Relu,
        ),
        (Kind::Vae { beta: 0.1 }, ModelKind::Vae, Activation::Linear),
    ] {
        let net = trained(&arch(model_kind, 12, 6, 3, latent), &data, &settings(kind, 2, 0.01));
        let pre = Preprocessing::MinMax { min: vec![-1.0], max: vec![3.0] };
        let written = to_model(&net, pre, None, Provenance::default());
        let dir = TempDir::new(&format!("parity-{}", kind.name()));
        let path = dir.path("m.safetensors");
        tinyae_trainer::pipeline::write_model(&written, &path).unwrap();
        let model = tinyae_core::load(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(model.kind, model_kind);

        let reloaded = from_model(&model).unwrap();
        assert_eq!(reloaded.param_values(), net.param_values(), "weights changed in the file");

        let raw = inputs(&model, 50);
        let expected = reference_reconstruct(&model, &raw);
        let d = max_diff(&dfdx_reconstruct(&net, &model, &raw), &expected);
        eprintln!("{}: dfdx vs reference max |Δ| = {d:e}", kind.name());
        assert!(d <= TOLERANCE, "{}: dfdx vs reference differ by {d}", kind.name());

        if model_kind == ModelKind::Vae {
            let eps = [0.3f32, -1.2, 0.7];
            let r = reference::sample_latent(&model, &raw[..12], &eps).unwrap();
            let d = max_diff(&dfdx_sample(&net, &model, &raw[..12], &eps), &r);
            assert!(d <= TOLERANCE, "VAE sample: dfdx vs reference differ by {d}");
        }
    }
}

fn fixture(name: &str) -> Model {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    tinyae_core::load(&std::fs::read(path).unwrap()).unwrap()
}

/// Fixture `name`: the generated reconstruction of 200 inputs (in the scaled space, where
/// `anomaly_score_into` leaves it) within [`TOLERANCE`] of dfdx and of the reference; the
/// model, its dfdx net and the inputs.
fn generated_matches<M: AnomalyDetector<3, L>, const L: usize>(
    name: &str,
) -> (Model, Net, Vec<f32>) {
    let model = fixture(&format!("{name}.safetensors"));
    let net = from_model(&model).unwrap();
    let raw = inputs(&model, 200);
    let mut scratch = M::new_scratch();
    let generated: Vec<f32> = raw
        .chunks(3)
        .flat_map(|r| {
            let mut y = [0f32; 3];
            M::anomaly_score_into(&r.try_into().unwrap(), &mut scratch, &mut y);
            y
        })
        .collect();
    let dfdx = dfdx_reconstruct(&net, &model, &raw);
    let reference = reference_reconstruct(&model, &raw);
    let (gd, gr) = (max_diff(&generated, &dfdx), max_diff(&generated, &reference));
    eprintln!("{name}: generated vs dfdx {gd:e}, generated vs reference {gr:e}");
    assert!(
        gd <= TOLERANCE && gr <= TOLERANCE,
        "{name}: generated vs dfdx {gd}, vs reference {gr}"
    );
    (model, net, raw)
}

#[test]
fn generated_code_matches_dfdx_and_the_reference() {
    // Plain autoencoder.
    let (model, _, raw) = generated_matches::<Tiny, 2>("tiny");
    for r in raw.chunks(3) {
        let x: [f32; 3] = r.try_into().unwrap();
        let s = reference::anomaly_score(&model, r);
        assert!((Tiny::anomaly_score(&x) - s).abs() <= TOLERANCE);
    }

    // VAE: reconstruction decodes the mean; sampling uses caller noise.
    let (model, net, raw) = generated_matches::<TinyVae, 2>("tiny_vae");
    assert_eq!(model.kind, ModelKind::Vae);
    for (k, r) in raw.chunks(3).enumerate().take(20) {
        let eps = [k as f32 * 0.1 - 1.0, 0.5 - k as f32 * 0.05];
        let g = TinyVae::sample_latent(&r.try_into().unwrap(), &eps);
        let d = max_diff(&g, &dfdx_sample(&net, &model, r, &eps));
        assert!(d <= TOLERANCE, "VAE sample: generated vs dfdx differ by {d}");
    }
}

#[test]
fn every_activation_matches_the_reference() {
    let activations = [
        Activation::Linear,
        Activation::Relu,
        Activation::LeakyRelu { alpha: 0.2 },
        Activation::Sigmoid,
        Activation::HardSigmoid { slope: 0.2, offset: 0.5 },
        Activation::Tanh,
        Activation::Elu { alpha: 0.7 },
        Activation::Softplus { beta: 2.0, threshold: 20.0 },
    ];
    for act in activations {
        let a = tinyae_trainer::net::Architecture {
            hidden: act,
            latent: act,
            output: act,
            ..arch(ModelKind::Autoencoder, 12, 6, 3, act)
        };
        let net = Net::new(&a, 21);
        let model = to_model(&net, Preprocessing::None, None, Provenance::default());
        tinyae_core::validate::validate(&model).unwrap();
        // Inputs over [-3, 3] reach both sides of every kink and the saturated tails.
        let raw: Vec<f32> =
            (0..12 * 40).map(|k| ((k * 37 % 97) as f32 / 96.0 - 0.5) * 6.0).collect();
        let d =
            max_diff(&dfdx_reconstruct(&net, &model, &raw), &reference_reconstruct(&model, &raw));
        assert!(d <= TOLERANCE, "{}: dfdx vs reference differ by {d}", act.name());
    }
}
