//! Helpers for the trainer's integration tests: tiny synthetic data, tiny nets, temp dirs.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tinyae_core::ir::ModelKind;
use tinyae_core::Activation;
use tinyae_trainer::config::Config;
use tinyae_trainer::data::Dataset;
use tinyae_trainer::net::{Architecture, Net};
use tinyae_trainer::objective::{Kind, Loss, Objective};
use tinyae_trainer::optim::{OptimizerConfig, OptimizerKind};
use tinyae_trainer::pipeline::{prepare, train};
use tinyae_trainer::spec::LayerSpec;
use tinyae_trainer::train::{fit, Settings, Silent, State};

/// `rows` windows of `n` samples of `0.5 + 0.4·a·sin(2π t/n + φ)`: a 2-parameter family
/// (amplitude, phase) inside [0.1, 0.9], so a 2- or 3-value code can represent it.
pub fn waves(rows: usize, n: usize, seed: u64) -> Dataset {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Vec::with_capacity(rows * n);
    for _ in 0..rows {
        let a: f32 = rng.gen_range(0.5..1.0);
        let phase: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
        for t in 0..n {
            x.push(0.5 + 0.4 * a * (std::f32::consts::TAU * t as f32 / n as f32 + phase).sin());
        }
    }
    Dataset { source: "waves".into(), shape: vec![n], x, labels: None, starts: None }
}

/// A dense autoencoder `n → hidden → latent → hidden → n` (no hidden layer when `hidden` is 0).
pub fn arch(
    kind: ModelKind,
    n: usize,
    hidden: usize,
    latent: usize,
    latent_act: Activation,
) -> Architecture {
    let (encoder, decoder) =
        if hidden == 0 { (vec![latent], vec![]) } else { (vec![hidden, latent], vec![hidden]) };
    Architecture {
        kind,
        input_shape: vec![n],
        encoder: LayerSpec::widths(&encoder),
        decoder: LayerSpec::widths(&decoder),
        hidden: Activation::Tanh,
        latent: latent_act,
        output: Activation::Sigmoid,
    }
}

/// Settings for `epochs` epochs of Adam at `lr`, batch 16, seed 3.
pub fn settings(kind: Kind, epochs: usize, lr: f32) -> Settings {
    Settings {
        epochs,
        batch_size: 16,
        seed: 3,
        early_stopping: None,
        objective: Objective { kind, loss: Loss::Mse, range: (0.0, 1.0) },
        optimizer: OptimizerConfig::new(OptimizerKind::Adam, lr),
        targets: None,
    }
}

/// Trains a fresh net (weights seeded with 5) and returns it.
pub fn trained(arch: &Architecture, data: &Dataset, settings: &Settings) -> Net {
    let mut net = Net::new(arch, 5);
    let mut state = State::new(&net, settings.optimizer);
    fit(&mut net, data, None, settings, &mut state, &mut Silent).expect("training runs");
    net
}

/// The model the config file at `path` trains to through `tinyae train`'s pipeline, silently.
pub fn train_file(path: &Path) -> tinyae_core::Model {
    let prepared = prepare(&Config::load(path).expect("config loads")).expect("data loads");
    train(&prepared, &mut Silent, None, None).expect("trains").model
}

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh empty directory named after `tag`.
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tinyae-trainer-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    /// A path inside.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Names of the files inside, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .expect("read temp dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Writes `rows` waves of `n` values as a CSV file `name` in `dir` and a training config
/// `name.toml` beside it with the given `[model]` and extra sections; returns the config's path.
pub fn waves_config(
    dir: &TempDir,
    name: &str,
    rows: usize,
    n: usize,
    model_and_more: &str,
) -> PathBuf {
    let csv: String = waves(rows, n, 3)
        .x
        .chunks(n)
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    std::fs::write(dir.path(&format!("{name}.csv")), csv).expect("data");
    let config = format!(
        "name = \"{name}\"\noutput = \"{name}.safetensors\"\n[data]\nformat = \"csv\"\n\
         train = \"{name}.csv\"\nvalidation = 0.25\nscaling = \"min_max\"\n{model_and_more}"
    );
    let path = dir.path(&format!("{name}.toml"));
    std::fs::write(&path, config).expect("config");
    path
}
