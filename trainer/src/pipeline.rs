//! The whole training flow behind `tinyae train`: load → filter → split → scale → train →
//! calibrate → write. Nothing is written until the data has loaded and the config checked out.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};
use tinyae_core::ir::{DataRecipe, Model, Preprocessing, Provenance};

use crate::calibrate::{calibrate, Method};
use crate::checkpoint;
use crate::config::Config;
use crate::data::{apply_scaling, file_hash, fit_scaling, Dataset};
use crate::export::to_model;
use crate::net::{Architecture, Net};
use crate::objective::Objective;
use crate::scores::scores_with;
use crate::train::{fit, Monitor, Outcome, Settings, State};

/// Data loaded, split and scaled, ready to train on.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The config it came from.
    pub config: Config,
    /// Scaling fitted on `train_raw`.
    pub preprocessing: Preprocessing,
    /// Training rows, raw.
    pub train_raw: Dataset,
    /// Training rows, scaled.
    pub train: Dataset,
    /// Validation rows, raw.
    pub val_raw: Option<Dataset>,
    /// Validation rows, scaled.
    pub val: Option<Dataset>,
    /// The network shape.
    pub arch: Architecture,
    /// The training settings.
    pub settings: Settings,
    /// How the data was read and split, for the model file.
    pub recipe: DataRecipe,
}

/// Loads and prepares the data a config names.
pub fn prepare(config: &Config) -> Result<Prepared> {
    config.check()?;
    let spec = &config.data;
    let parts = spec.parts(config.seed)?;
    let (train_raw, val_raw) = (parts.train, parts.validation);
    let val_raw = match val_raw {
        Some(v) if v.is_empty() && spec.validation > 0.0 => anyhow::bail!(
            "{}: the validation part is empty ({} training samples, `data.validation` = {}); \
             early stopping and the threshold need held-out samples: add data, raise \
             `data.validation`, or set it to 0 to calibrate on the training samples",
            v.source,
            train_raw.len(),
            spec.validation
        ),
        Some(v) if v.is_empty() => None,
        other => other,
    };
    if let Some(v) = &val_raw {
        anyhow::ensure!(
            v.features() == train_raw.features(),
            "{}: validation rows have {} values, training rows {}",
            v.source,
            v.features(),
            train_raw.features()
        );
    }
    let preprocessing = fit_scaling(spec.scaling, spec.scaling_per_feature, &train_raw);
    let scaled = |d: &Dataset| {
        let mut d = d.clone();
        apply_scaling(&preprocessing, &mut d);
        d
    };
    let train = scaled(&train_raw);
    let val = val_raw.as_ref().map(scaled);
    let lo = train.x.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = train.x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let arch = config.architecture(&train.shape)?;
    let settings = Settings {
        epochs: config.train.epochs,
        batch_size: config.train.batch_size,
        seed: config.seed,
        early_stopping: config.train.early_stopping,
        objective: Objective { kind: config.kind()?, loss: config.train.loss, range: (lo, hi) },
        optimizer: config.optimizer(),
        targets: match &config.distill {
            Some(d) => Some(std::sync::Arc::new(crate::distill::soft_targets(
                d,
                &train_raw,
                &train,
                &preprocessing,
            )?)),
            None => None,
        },
    };
    Ok(Prepared {
        config: config.clone(),
        preprocessing,
        train_raw,
        train,
        val_raw,
        val,
        arch,
        settings,
        recipe: parts.recipe,
    })
}

/// The settings a checkpoint must share with the run that resumes it (not the epoch budget,
/// thread count, early stopping or calibration, which may change), including a hash of every
/// data file's contents: editing the data in place must not resume silently.
pub fn fingerprint(config: &Config) -> Result<String> {
    let t = &config.train;
    let d = &config.data;
    let files = [
        Some(&d.train),
        d.train_labels.as_ref(),
        d.validation_file.as_ref(),
        d.windows_json.as_ref(),
    ];
    let hashes = files
        .into_iter()
        .flatten()
        .map(|p| Ok(format!("{}={}", clean_path(p), file_hash(p)?)))
        .collect::<Result<Vec<String>>>()?;
    let mut settings = serde_json::json!({
        "seed": config.seed,
        "data": config.data,
        "data_files": hashes,
        "model": config.model,
        "train": [t.optimizer, t.learning_rate, t.beta1, t.beta2, t.epsilon, t.momentum,
                  t.batch_size, t.loss],
    });
    if let Some(d) = &config.distill {
        settings["distill"] = serde_json::json!(d);
    }
    Ok(settings.to_string())
}

/// The result of a training run.
#[derive(Debug)]
pub struct Trained {
    /// The trained net (best weights when early stopping restored them).
    pub net: Net,
    /// Final training state (history included).
    pub state: State,
    /// How the run ended.
    pub outcome: Outcome,
    /// The model file's IR, calibrated.
    pub model: Model,
}

/// Saves a checkpoint after every epoch, then calls the inner monitor. Epochs shorter than
/// [`CHECKPOINT_EVERY`] are coalesced (a checkpoint is an fsync, which would dominate tiny
/// models' epochs); the last epoch and an interruption are always saved.
struct Checkpointing<'a> {
    inner: &'a mut (dyn Monitor + Send),
    path: PathBuf,
    fingerprint: String,
    epochs: usize,
    last_save: Option<std::time::Instant>,
}

/// Minimum time between two checkpoints of consecutive short epochs.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

impl Monitor for Checkpointing<'_> {
    fn batch(&mut self, epoch: usize, batch: usize, batches: usize, loss: f32) {
        self.inner.batch(epoch, batch, batches, loss);
    }
    fn epoch_end(&mut self, net: &Net, state: &State) -> Result<()> {
        let last = state.epochs_done >= self.epochs || state.stopped_early;
        if last || self.last_save.is_none_or(|t| t.elapsed() >= CHECKPOINT_EVERY) {
            checkpoint::save(&self.path, net, state, &self.fingerprint)?;
            self.last_save = Some(std::time::Instant::now());
        }
        self.inner.epoch_end(net, state)
    }
    fn interrupted(&self) -> bool {
        self.inner.interrupted()
    }
}

/// A pool of `train.threads` threads (default: one per CPU), for dfdx and the kernels.
pub fn thread_pool(config: &Config) -> Result<rayon::ThreadPool> {
    let threads = config.train.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    Ok(rayon::ThreadPoolBuilder::new().num_threads(threads).build()?)
}

/// Trains from scratch (or from `resume`, a checkpoint path), saving a checkpoint to
/// `checkpoint` after every epoch when given. Runs dfdx on `train.threads` threads.
pub fn train(
    prepared: &Prepared,
    monitor: &mut (dyn Monitor + Send),
    checkpoint_path: Option<&Path>,
    resume: Option<&Path>,
) -> Result<Trained> {
    let config = &prepared.config;
    let pool = thread_pool(config)?;
    pool.install(|| {
        let mut net = Net::new(&prepared.arch, config.seed);
        let mut state = State::new(&net, prepared.settings.optimizer);
        // Built before a resumption so the checkpoint can restore the discriminator too.
        let s = &prepared.settings;
        state.adversary =
            crate::adversarial::Adversary::for_objective(&s.objective, &net, s.optimizer, s.seed);
        let fp = fingerprint(config)?;
        if let Some(path) = resume {
            checkpoint::load(path, &mut net, &mut state, &fp)?;
        }
        let (train, val, settings) = (&prepared.train, prepared.val.as_ref(), &prepared.settings);
        let outcome = match checkpoint_path {
            Some(path) => {
                let mut m = Checkpointing {
                    inner: monitor,
                    path: path.to_path_buf(),
                    fingerprint: fp.clone(),
                    epochs: settings.epochs,
                    last_save: None,
                };
                let outcome = fit(&mut net, train, val, settings, &mut state, &mut m)?;
                if outcome == Outcome::Interrupted {
                    // The net and state were rolled back to the last completed epoch.
                    checkpoint::save(path, &net, &state, &fp)?;
                }
                outcome
            }
            None => fit(&mut net, train, val, settings, &mut state, monitor)?,
        };
        if outcome == Outcome::Interrupted && config.train.early_stopping.is_some() {
            if let Some(best) = &state.best {
                net.set_param_values(&best.params);
            }
        }
        let model = build_model(prepared, &net, &state, outcome)?;
        Ok(Trained { net, state, outcome, model })
    })
}

/// The calibrated model file IR of a trained net.
pub fn build_model(
    prepared: &Prepared,
    net: &Net,
    state: &State,
    outcome: Outcome,
) -> Result<Model> {
    let config = &prepared.config;
    let restored = config.train.early_stopping.is_some() && state.best.is_some();
    let stored_epoch =
        if restored { state.best.as_ref().map_or(0, |b| b.epoch) } else { state.epochs_done };
    let record = state.history.iter().find(|r| r.epoch == stored_epoch);
    let mut extra = vec![
        ("kind".to_owned(), prepared.settings.objective.kind.name().to_owned()),
        ("loss".to_owned(), format!("{:?}", config.train.loss).to_lowercase()),
        ("optimizer".to_owned(), format!("{:?}", config.train.optimizer).to_lowercase()),
        ("learning_rate".to_owned(), config.train.learning_rate.to_string()),
        ("batch_size".to_owned(), config.train.batch_size.to_string()),
        ("epochs_run".to_owned(), state.epochs_done.to_string()),
        ("weights_from_epoch".to_owned(), stored_epoch.to_string()),
        ("train_rows".to_owned(), prepared.train.len().to_string()),
        ("validation_rows".to_owned(), prepared.val.as_ref().map_or(0, Dataset::len).to_string()),
        (
            "stopped".to_owned(),
            match outcome {
                Outcome::Completed => "completed",
                Outcome::EarlyStopped => "early stopping",
                Outcome::Interrupted => "interrupted",
            }
            .to_owned(),
        ),
    ];
    if let Some(path) = &config.path {
        extra.push(("config".to_owned(), clean_path(path)));
    }
    if let Some(d) = &config.distill {
        let what =
            format!("{} (teacher's share of the target {})", clean_path(&d.teacher), d.weight);
        extra.push(("distilled_from".to_owned(), what));
    }
    let normal = config.data.normal_set();
    let dataset = if normal.is_empty() {
        clean_path(&config.data.train)
    } else {
        format!("{} (labels {normal})", clean_path(&config.data.train))
    };
    let provenance = Provenance {
        tool: Some(format!("tinyae-trainer {}", env!("CARGO_PKG_VERSION"))),
        dataset: Some(dataset),
        epochs: Some(stored_epoch as u64),
        seed: Some(config.seed),
        train_loss: record.map(|r| r.train_loss),
        val_loss: record.and_then(|r| r.val_loss),
        extra,
    };
    let mut model = to_model(net, prepared.preprocessing.clone(), None, provenance);
    model.data = Some(prepared.recipe.clone());
    let (errors_on, split) = match &prepared.val_raw {
        Some(v) if !v.is_empty() => (v, "validation"),
        _ => (&prepared.train_raw, "train"),
    };
    let a = &config.anomaly;
    let errors = scores_with(&model, errors_on, a.metric.metric());
    let method = match (a.percentile, a.mean_std) {
        (_, Some(k)) => Method::MeanStd(k),
        (p, None) => Method::Percentile(p.unwrap_or(95.0)),
    };
    model.anomaly = Some(calibrate(&errors, method, a.metric.metric(), split)?);
    tinyae_core::validate::validate(&model)
        .map_err(|e| anyhow::anyhow!("the trained model does not validate:\n{e}"))?;
    Ok(model)
}

/// Serializes and writes a model file atomically.
pub fn write_model(model: &Model, path: &Path) -> Result<()> {
    let bytes = tinyae_core::format::to_bytes(model)
        .map_err(|e| anyhow::anyhow!("cannot serialize the model: {e}"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    tinyae_core::format::write_atomic(path, &bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A path with `.` and `dir/..` removed lexically (`configs/../data/x` → `data/x`), for
/// provenance that reads the same on every machine.
pub fn clean_path(path: &Path) -> String {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let p: PathBuf = parts.iter().collect();
    p.display().to_string()
}
