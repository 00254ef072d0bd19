//! The adversarial autoencoder's defining property: its codes are distributed closer to the
//! Gaussian prior than a plain autoencoder's of the same shape trained the same way, measured
//! by the Kolmogorov–Smirnov distance of each code value to N(0, 1). And what a user gets: an
//! ordinary autoencoder file, and a checkpoint that resumes the discriminator too.

mod common;

use common::{arch, settings, train_file, trained, waves, waves_config, TempDir};
use tinyae_core::ir::ModelKind;
use tinyae_core::Activation;
use tinyae_trainer::adversarial::{Adversarial, Adversary};
use tinyae_trainer::net::Net;
use tinyae_trainer::objective::Kind;
use tinyae_trainer::train::{fit, Silent, State};

const N: usize = 16;

/// Standard normal CDF, from the Abramowitz–Stegun 7.1.26 erf approximation (|error| < 1.5e-7):
/// an independent reference, not the trainer's code.
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// The largest, over code values, Kolmogorov–Smirnov distance between the empirical
/// distribution of that value divided by `std` and N(0, 1).
fn ks_to_prior(codes: &[f32], latent: usize, std: f32) -> f64 {
    (0..latent)
        .map(|d| {
            let mut v: Vec<f64> =
                codes.iter().skip(d).step_by(latent).map(|&x| f64::from(x / std)).collect();
            v.sort_by(f64::total_cmp);
            let n = v.len() as f64;
            v.iter()
                .enumerate()
                .map(|(i, &x)| {
                    let f = normal_cdf(x);
                    (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
                })
                .fold(0.0, f64::max)
        })
        .fold(0.0, f64::max)
}

fn codes(net: &Net, x: &[f32]) -> Vec<f32> {
    net.encode(net.batch(x.to_vec(), x.len() / N)).as_vec()
}

fn error(net: &Net, x: &[f32]) -> f64 {
    let y = net.reconstruct(net.batch(x.to_vec(), x.len() / N)).as_vec();
    y.iter().zip(x).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>() / x.len() as f64
}

/// A prior of standard deviation 3: a plain autoencoder's codes here have a standard deviation
/// near 0.8 (Glorot initialization), so they start far from it.
const AAE: Adversarial = Adversarial { weight: 0.003, hidden: 16, prior_std: 3.0 };

#[test]
fn codes_move_closer_to_the_prior_than_a_plain_autoencoders() {
    let data = waves(512, N, 1);
    let test = waves(512, N, 2);
    let a = arch(ModelKind::Autoencoder, N, 16, 2, Activation::Linear);
    let plain = trained(&a, &data, &settings(Kind::Vanilla, 30, 0.005));
    let aae = trained(&a, &data, &settings(Kind::Adversarial(AAE), 30, 0.005));
    let ks = |net: &Net| ks_to_prior(&codes(net, &test.x), 2, AAE.prior_std);
    let (ks_plain, ks_aae) = (ks(&plain), ks(&aae));
    let (e_plain, e_aae) = (error(&plain, &test.x), error(&aae, &test.x));
    let before = error(&Net::new(&a, 5), &test.x);
    eprintln!("KS to the prior: plain {ks_plain:.3}, adversarial {ks_aae:.3}; error {before:.5} → plain {e_plain:.5}, adversarial {e_aae:.5}");
    assert!(ks_aae < 0.5 * ks_plain, "KS distance: plain {ks_plain}, adversarial {ks_aae}");
    assert!(ks_aae < 0.2, "adversarial codes are far from the prior: KS {ks_aae}");
    assert!(
        e_aae < before / 5.0,
        "the adversarial autoencoder stopped reconstructing: {before} → {e_aae}"
    );
}

#[test]
fn the_reference_cdf_matches_known_values() {
    for (x, p) in [(0.0, 0.5), (1.0, 0.841_344_746), (-1.96, 0.024_997_895), (3.0, 0.998_650_102)] {
        assert!((normal_cdf(x) - p).abs() < 2e-7, "Φ({x}) = {} vs {p}", normal_cdf(x));
    }
    // Samples of N(0, 1) itself are close to it; a shifted copy is far.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let z: Vec<f32> = (0..2000).map(|_| tinyae_trainer::objective::normal(&mut rng)).collect();
    assert!(ks_to_prior(&z, 1, 1.0) < 0.04, "{}", ks_to_prior(&z, 1, 1.0));
    let shifted: Vec<f32> = z.iter().map(|v| v + 1.0).collect();
    assert!(ks_to_prior(&shifted, 1, 1.0) > 0.3);
    let wide: Vec<f32> = z.iter().map(|v| v * 3.0).collect();
    assert!(ks_to_prior(&wide, 1, 3.0) < 0.04 && ks_to_prior(&wide, 1, 1.0) > 0.2);
}

#[test]
fn the_discriminator_is_checkpointed_and_restored() {
    let data = waves(64, N, 1);
    let a = arch(ModelKind::Autoencoder, N, 8, 2, Activation::Linear);
    let s = settings(Kind::Adversarial(AAE), 2, 0.01);
    let mut net = Net::new(&a, 5);
    let mut state = State::new(&net, s.optimizer);
    fit(&mut net, &data, None, &s, &mut state, &mut Silent).expect("training runs");
    let trained_adversary =
        state.adversary.clone().expect("an adversarial run has a discriminator");
    assert!(trained_adversary.optimizer.step > 0);

    let dir = TempDir::new("adversarial");
    let path = dir.path("run.checkpoint.safetensors");
    tinyae_trainer::checkpoint::save(&path, &net, &state, "fp").expect("save");
    let mut fresh_net = Net::new(&a, 6);
    let mut fresh = State::new(&fresh_net, s.optimizer);
    fresh.adversary = Adversary::for_objective(&s.objective, &fresh_net, s.optimizer, 99);
    assert_ne!(fresh.adversary.as_ref(), Some(&trained_adversary));
    tinyae_trainer::checkpoint::load(&path, &mut fresh_net, &mut fresh, "fp").expect("load");
    assert_eq!(fresh.adversary, Some(trained_adversary));
}

#[test]
fn the_written_file_is_an_ordinary_autoencoder() {
    let dir = TempDir::new("adversarial-file");
    let path = waves_config(
        &dir,
        "aae",
        64,
        N,
        "[model]\nkind = \"adversarial\"\nencoder = [8, 2]\nlatent_activation = \"linear\"\n\
         adversarial = { weight = 0.05, hidden = 8 }\n[train]\noptimizer = \"adam\"\n\
         learning_rate = 0.01\nbatch_size = 16\nepochs = 3\n",
    );
    let output = dir.path("aae.safetensors");
    tinyae_trainer::pipeline::write_model(&train_file(&path), &output).expect("writes");
    let bytes = std::fs::read(&output).expect("file");
    let model = tinyae_core::format::read(&bytes).expect("a tinyae model file");
    assert_eq!(model.kind, ModelKind::Autoencoder);
    assert!(model.provenance.extra.iter().any(|(k, v)| k == "kind" && v == "adversarial"));
    tinyae_core::validate::validate(&model).expect("validates for the macro");

    // A section for the kind without the kind, and out-of-range settings, are errors.
    let text = std::fs::read_to_string(&path)
        .expect("config")
        .replace("kind = \"adversarial\"", "kind = \"vanilla\"");
    std::fs::write(&path, text).expect("config");
    let e = format!("{:#}", tinyae_trainer::config::Config::load(&path).expect_err("rejected"));
    assert!(e.contains("`[model.adversarial]` is set but `model.kind`"), "{e}");
    let bad = Adversarial { prior_std: 0.0, ..AAE };
    assert!(Kind::Adversarial(bad).check().is_err());
}
