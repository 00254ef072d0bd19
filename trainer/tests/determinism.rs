//! Same seed, same bits: across runs, thread counts, and a checkpoint/resume or Ctrl-C in the
//! middle of a run. Early stopping restores the best weights.

mod common;

use common::{arch, settings, waves, TempDir};
use tinyae_core::ir::ModelKind;
use tinyae_core::Activation;
use tinyae_trainer::checkpoint;
use tinyae_trainer::config::EarlyStopping;
use tinyae_trainer::data::Dataset;
use tinyae_trainer::net::{Architecture, Net};
use tinyae_trainer::objective::{Kind, Noise};
use tinyae_trainer::train::{fit, Monitor, Outcome, Settings, Silent, State};

fn run(a: &Architecture, data: &Dataset, s: &Settings, threads: usize) -> (Vec<Vec<f32>>, State) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut net = Net::new(a, 5);
        let mut state = State::new(&net, s.optimizer);
        fit(&mut net, data, None, s, &mut state, &mut Silent).unwrap();
        (net.param_values(), state)
    })
}

#[test]
fn same_seed_same_weights_with_noise_and_reparameterization() {
    let data = waves(96, 16, 1);
    for (kind, model) in [
        (Kind::Denoising(Noise::Gaussian { factor: 0.3 }), ModelKind::Autoencoder),
        (Kind::Vae { beta: 0.1 }, ModelKind::Vae),
    ] {
        let a = arch(
            model,
            16,
            8,
            2,
            if model == ModelKind::Vae { Activation::Linear } else { Activation::Tanh },
        );
        let s = settings(kind, 3, 0.01);
        let (first, _) = run(&a, &data, &s, 1);
        let (second, _) = run(&a, &data, &s, 1);
        assert_eq!(first, second, "{kind:?}: two runs with one seed differ");
        let (other, _) = run(&a, &data, &Settings { seed: 4, ..s.clone() }, 1);
        assert_ne!(first, other, "{kind:?}: the seed has no effect");
    }
}

#[test]
fn thread_count_does_not_change_the_weights() {
    // Large enough that gemm splits the products across threads (m·n·k ≥ 48·48·256).
    let data = waves(512, 784, 2);
    let a = Architecture {
        encoder: tinyae_trainer::spec::LayerSpec::widths(&[64, 8]),
        decoder: tinyae_trainer::spec::LayerSpec::widths(&[64]),
        ..arch(ModelKind::Autoencoder, 784, 8, 2, Activation::Relu)
    };
    let s = Settings { batch_size: 256, ..settings(Kind::Vanilla, 1, 0.001) };
    let (one, _) = run(&a, &data, &s, 1);
    let (two, _) = run(&a, &data, &s, 2);
    assert_eq!(one, two, "1 and 2 threads give different weights");
}

/// Asks to stop at (`epoch`, `batch`).
struct StopAt(usize, usize, usize, usize);

impl Monitor for StopAt {
    fn batch(&mut self, epoch: usize, batch: usize, _: usize, _: f32) {
        (self.2, self.3) = (epoch, batch);
    }
    fn interrupted(&self) -> bool {
        (self.2, self.3) >= (self.0, self.1)
    }
}

#[test]
fn interrupt_then_resume_from_checkpoint_equals_an_uninterrupted_run() {
    let data = waves(96, 16, 3);
    let a = arch(ModelKind::Autoencoder, 16, 8, 2, Activation::Tanh);
    let s = settings(Kind::Denoising(Noise::Masking { fraction: 0.2 }), 5, 0.01);
    let (straight, straight_state) = run(&a, &data, &s, 1);

    // Stop in the middle of epoch 3: the unfinished epoch is rolled back.
    let dir = TempDir::new("resume");
    let ckpt = dir.path("run.checkpoint.safetensors");
    let mut net = Net::new(&a, 5);
    let mut state = State::new(&net, s.optimizer);
    let outcome = fit(&mut net, &data, None, &s, &mut state, &mut StopAt(3, 2, 0, 0)).unwrap();
    assert_eq!(outcome, Outcome::Interrupted);
    assert_eq!(state.epochs_done, 2);
    assert_eq!(
        state.optimizer.step as usize,
        2 * 96usize.div_ceil(16),
        "optimizer rolled back too"
    );
    let (two_epochs, _) = run(&a, &data, &Settings { epochs: 2, ..s.clone() }, 1);
    assert_eq!(net.param_values(), two_epochs, "interrupted run holds the epoch-2 weights");
    checkpoint::save(&ckpt, &net, &state, "fp").unwrap();

    // A fresh process: rebuild, load, continue.
    let mut net = Net::new(&a, 5);
    let mut state = State::new(&net, s.optimizer);
    checkpoint::load(&ckpt, &mut net, &mut state, "fp").unwrap();
    fit(&mut net, &data, None, &s, &mut state, &mut Silent).unwrap();
    assert_eq!(net.param_values(), straight, "resumed run differs from the uninterrupted one");
    assert_eq!(state.history.len(), straight_state.history.len());

    let err = checkpoint::load(&ckpt, &mut net, &mut state, "other settings").unwrap_err();
    assert!(err.to_string().contains("different settings"), "{err}");
}

#[test]
fn early_stopping_restores_the_best_weights() {
    let data = waves(96, 16, 3);
    let val = waves(32, 16, 4);
    let a = arch(ModelKind::Autoencoder, 16, 8, 2, Activation::Tanh);
    // No later epoch can beat the first by 10, so training stops after 1 + patience epochs.
    let es = EarlyStopping { patience: 2, min_delta: 10.0 };
    let s = Settings { early_stopping: Some(es), ..settings(Kind::Vanilla, 50, 0.01) };
    let mut net = Net::new(&a, 5);
    let mut state = State::new(&net, s.optimizer);
    let outcome = fit(&mut net, &data, Some(&val), &s, &mut state, &mut Silent).unwrap();
    assert_eq!(outcome, Outcome::EarlyStopped);
    assert_eq!(state.epochs_done, 3);
    assert_eq!(state.best.as_ref().map(|b| b.epoch), Some(1));
    let (one_epoch, _) =
        run(&a, &data, &Settings { epochs: 1, early_stopping: None, ..s.clone() }, 1);
    assert_eq!(net.param_values(), one_epoch, "weights are not the best epoch's");
}
