//! Each autoencoder kind shows the property that defines it, against a plain autoencoder of
//! the same shape trained the same way (tiny nets, a few epochs: seconds).

mod common;

use common::{arch, settings, trained, waves};
use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tinyae_core::ir::ModelKind;
use tinyae_core::Activation;
use tinyae_trainer::net::{Net, NetOp};
use tinyae_trainer::objective::{normal, Kind, Noise, Sparsity};

const N: usize = 16;

/// Mean squared error between the clean data and the net's reconstruction of `input`.
fn error(net: &Net, input: &[f32], clean: &[f32]) -> f64 {
    let rows = clean.len() / N;
    let y = net.reconstruct(net.batch(input.to_vec(), rows)).as_vec();
    y.iter().zip(clean).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>() / clean.len() as f64
}

#[test]
fn vanilla_learns_to_reconstruct() {
    let data = waves(256, N, 1);
    let a = arch(ModelKind::Autoencoder, N, 8, 2, Activation::Tanh);
    let before = error(&Net::new(&a, 5), &data.x, &data.x);
    let net = trained(&a, &data, &settings(Kind::Vanilla, 40, 0.01));
    let after = error(&net, &data.x, &data.x);
    eprintln!("vanilla: error {before} → {after}");
    assert!(after < before / 10.0, "error {before} → {after}");
}

#[test]
fn denoiser_reconstructs_noisy_inputs_better_than_a_plain_autoencoder() {
    let data = waves(256, N, 1);
    let test = waves(128, N, 2);
    let mut rng = StdRng::seed_from_u64(9);
    let noisy: Vec<f32> =
        test.x.iter().map(|v| (v + 0.2 * normal(&mut rng)).clamp(0.0, 1.0)).collect();
    let a = arch(ModelKind::Autoencoder, N, 8, 2, Activation::Tanh);
    let plain = trained(&a, &data, &settings(Kind::Vanilla, 40, 0.01));
    let noise = Noise::Gaussian { factor: 0.2 };
    let denoiser = trained(&a, &data, &settings(Kind::Denoising(noise), 40, 0.01));
    let (e_plain, e_denoiser) = (error(&plain, &noisy, &test.x), error(&denoiser, &noisy, &test.x));
    eprintln!("denoising: plain {e_plain}, denoiser {e_denoiser}");
    assert!(
        e_denoiser < 0.9 * e_plain,
        "noisy-input error: plain {e_plain}, denoiser {e_denoiser}"
    );
}

#[test]
fn masking_noise_zeroes_about_the_requested_fraction_and_stays_in_range() {
    let o = tinyae_trainer::objective::Objective {
        kind: Kind::Denoising(Noise::Masking { fraction: 0.3 }),
        loss: tinyae_trainer::objective::Loss::Mse,
        range: (0.0, 1.0),
    };
    let clean = vec![0.7f32; 10_000];
    let out = o.corrupt(&clean, &mut StdRng::seed_from_u64(1));
    let zeros = out.iter().filter(|&&v| v == 0.0).count() as f64 / 10_000.0;
    assert!((zeros - 0.3).abs() < 0.02, "masked fraction {zeros}");
    let g = tinyae_trainer::objective::Objective {
        kind: Kind::Denoising(Noise::Gaussian { factor: 2.0 }),
        ..o
    };
    let out = g.corrupt(&clean, &mut StdRng::seed_from_u64(1));
    assert!(
        out.iter().all(|&v| (0.0..=1.0).contains(&v)),
        "gaussian noise is clipped to the data range"
    );
    assert!(out.contains(&0.0) && out.contains(&1.0));
}

/// Mean over samples of the summed absolute code, and the fraction of code values near 0.
fn code_activity(net: &Net, x: &[f32]) -> (f64, f64) {
    let z = net.encode(net.batch(x.to_vec(), x.len() / N)).as_vec();
    let rows = x.len() / N;
    let l1 = z.iter().map(|v| f64::from(v.abs())).sum::<f64>() / rows as f64;
    let quiet = z.iter().filter(|v| v.abs() < 0.05).count() as f64 / z.len() as f64;
    (l1, quiet)
}

#[test]
fn sparse_l1_codes_are_less_active() {
    let data = waves(256, N, 1);
    let a = arch(ModelKind::Autoencoder, N, 0, 8, Activation::Relu);
    let plain = trained(&a, &data, &settings(Kind::Vanilla, 30, 0.01));
    let sparse =
        trained(&a, &data, &settings(Kind::Sparse(Sparsity::L1 { weight: 0.002 }), 30, 0.01));
    let (l1_plain, quiet_plain) = code_activity(&plain, &data.x);
    let (l1_sparse, quiet_sparse) = code_activity(&sparse, &data.x);
    // Not a collapsed code: the sparse net still reconstructs (the mean wave scores ~0.04).
    let e_sparse = error(&sparse, &data.x, &data.x);
    assert!(e_sparse < 0.01, "sparse reconstruction error {e_sparse}");
    eprintln!("sparse L1: |z|₁ {l1_plain} → {l1_sparse}, quiet {quiet_plain} → {quiet_sparse}");
    assert!(l1_sparse < 0.5 * l1_plain, "mean |z|₁: plain {l1_plain}, sparse {l1_sparse}");
    assert!(
        quiet_sparse > quiet_plain,
        "inactive units: plain {quiet_plain}, sparse {quiet_sparse}"
    );
}

#[test]
fn sparse_kl_moves_mean_activation_towards_the_target() {
    let data = waves(256, N, 1);
    let a = arch(ModelKind::Autoencoder, N, 0, 8, Activation::Sigmoid);
    let plain = trained(&a, &data, &settings(Kind::Vanilla, 30, 0.01));
    let kl = Sparsity::Kl { target: 0.05, weight: 0.05 };
    let sparse = trained(&a, &data, &settings(Kind::Sparse(kl), 30, 0.01));
    let mean = |net: &Net| {
        let z = net.encode(net.batch(data.x.clone(), data.len())).as_vec();
        z.iter().map(|&v| f64::from(v)).sum::<f64>() / z.len() as f64
    };
    let (m_plain, m_sparse) = (mean(&plain), mean(&sparse));
    eprintln!("sparse KL: mean activation {m_plain} → {m_sparse}");
    assert!(
        (m_sparse - 0.05).abs() < (m_plain - 0.05).abs() / 2.0,
        "mean activation: plain {m_plain}, sparse {m_sparse}"
    );
    let e_sparse = error(&sparse, &data.x, &data.x);
    eprintln!("sparse KL reconstruction error {e_sparse}");
    assert!(e_sparse < 0.02, "sparse reconstruction error {e_sparse} (the mean wave scores ~0.04)");
}

/// ‖∂z/∂x‖²_F averaged over samples, by central finite differences through the dfdx net
/// (independent of the forward-mode Jacobian the contractive loss uses).
fn jacobian_norm(net: &Net, x: &[f32]) -> f64 {
    let rows = x.len() / N;
    let h = 1e-2f32;
    let mut total = 0.0;
    for i in 0..N {
        let shift = |s: f32| {
            let mut v = x.to_vec();
            for r in 0..rows {
                v[r * N + i] += s;
            }
            net.encode(net.batch(v, rows)).as_vec()
        };
        let (plus, minus) = (shift(h), shift(-h));
        total += plus
            .iter()
            .zip(&minus)
            .map(|(p, m)| f64::from((p - m) / (2.0 * h)).powi(2))
            .sum::<f64>();
    }
    total / rows as f64
}

#[test]
fn contractive_encoder_is_less_sensitive_to_its_input() {
    let data = waves(256, N, 1);
    let a = arch(ModelKind::Autoencoder, N, 8, 3, Activation::Sigmoid);
    let plain = trained(&a, &data, &settings(Kind::Vanilla, 30, 0.01));
    let cae = trained(&a, &data, &settings(Kind::Contractive { weight: 0.05 }, 30, 0.01));
    let (j_plain, j_cae) = (jacobian_norm(&plain, &data.x), jacobian_norm(&cae, &data.x));
    eprintln!("contractive: ‖J‖² {j_plain} → {j_cae}");
    assert!(j_cae < 0.5 * j_plain, "‖J‖²_F: plain {j_plain}, contractive {j_cae}");
    let e_cae = error(&cae, &data.x, &data.x);
    eprintln!("contractive reconstruction error {e_cae}");
    assert!(e_cae < 0.02, "contractive reconstruction error {e_cae} (the mean wave scores ~0.04)");
}

#[test]
fn contractive_penalty_equals_the_finite_difference_jacobian_norm() {
    // With a zero-weight reconstruction (the penalty alone, weight 1, batch = all rows), the
    // objective minus the plain objective is the mean squared Frobenius norm.
    let data = waves(32, N, 4);
    let a = arch(ModelKind::Autoencoder, N, 8, 3, Activation::Tanh);
    let net = Net::new(&a, 11);
    let o = |kind| tinyae_trainer::objective::Objective {
        kind,
        loss: tinyae_trainer::objective::Loss::Mse,
        range: (0.0, 1.0),
    };
    let x = net.batch(data.x.clone(), data.len());
    let with = o(Kind::Contractive { weight: 1.0 }).evaluate(&net, x.clone(), &x, None).array();
    let without = o(Kind::Vanilla).evaluate(&net, x.clone(), &x, None).array();
    let fd = jacobian_norm(&net, &data.x);
    let penalty = f64::from(with - without);
    eprintln!("contractive penalty {penalty}, finite differences {fd}");
    assert!(
        (penalty - fd).abs() < 1e-3 * fd.max(1.0),
        "penalty {penalty} vs finite differences {fd}"
    );
}

#[test]
fn vae_kl_term_pulls_the_posterior_towards_the_prior() {
    let data = waves(256, N, 1);
    let a = arch(ModelKind::Vae, N, 8, 2, Activation::Linear);
    // β = 0 is the same reparameterized net without the KL term.
    let free = trained(&a, &data, &settings(Kind::Vae { beta: 0.0 }, 30, 0.01));
    let vae = trained(&a, &data, &settings(Kind::Vae { beta: 0.05 }, 30, 0.01));
    let kl = |net: &Net| {
        let h = net.run(0..net.latent_layer, net.batch(data.x.clone(), data.len()), false);
        let NetOp::Gaussian { mu, log_var } = &net.layers[net.latent_layer].op else {
            panic!("VAE head")
        };
        let (m, lv) = (mu.forward(h.clone()).as_vec(), log_var.forward(h).as_vec());
        m.iter()
            .zip(&lv)
            .map(|(&m, &lv)| -0.5 * f64::from(1.0 + lv - m * m - lv.exp()))
            .sum::<f64>()
            / data.len() as f64
    };
    let (kl_free, kl_vae) = (kl(&free), kl(&vae));
    eprintln!("vae: KL {kl_free} → {kl_vae}");
    assert!(kl_vae < 0.5 * kl_free, "KL per sample: β=0 {kl_free}, β=1 {kl_vae}");
    assert!(kl_vae.is_finite() && kl_vae > 0.1, "posterior collapsed: KL {kl_vae}");
    // The mean decodes to a useful reconstruction (the mean wave scores ~0.04).
    let e_vae = error(&vae, &data.x, &data.x);
    assert!(e_vae < 0.01, "VAE reconstruction error {e_vae}");
}
