//! Checkpoints: the net, the optimizer and the training history after an epoch, so `--resume`
//! continues exactly where a run stopped.
//!
//! A checkpoint is a safetensors file (written atomically) with tensors `param.<name>`,
//! `best.<name>`, `m.<name>`, `v.<name>` and one metadata entry `tinyae.checkpoint` (JSON):
//! the epoch count, optimizer step, history, early-stopping counters and a fingerprint of the
//! settings that must not change between the run and its resumption.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use crate::net::Net;
use crate::optim::Optimizer;
use crate::train::{Best, EpochRecord, State};

const KEY: &str = "tinyae.checkpoint";
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    version: u32,
    fingerprint: String,
    epochs_done: usize,
    step: u64,
    history: Vec<EpochRecord>,
    best_epoch: Option<usize>,
    best_val_loss: Option<f64>,
    since_best: usize,
    stopped_early: bool,
    /// The adversarial autoencoder's discriminator optimizer step (its tensors are
    /// `adversary.*`); absent for other kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    adversary_step: Option<u64>,
}

/// Serializes the net's parameters and the training state. `fingerprint` identifies the
/// settings (architecture, data, objective, optimizer, seed) a resumption must share.
pub fn to_bytes(net: &Net, state: &State, fingerprint: &str) -> Result<Vec<u8>> {
    let names = net.param_names();
    let shapes = net.param_shapes();
    let params = net.param_values();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut add = |prefix: &str, values: &[Vec<f32>]| {
        for ((name, shape), v) in names.iter().zip(&shapes).zip(values) {
            let bytes = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            tensors.push((format!("{prefix}.{name}"), shape.clone(), bytes));
        }
    };
    add("param", &params);
    if let Some(best) = &state.best {
        add("best", &best.params);
    }
    add("m", &state.optimizer.m);
    add("v", &state.optimizer.v);
    for (name, shape, v) in state.adversary.iter().flat_map(|a| a.tensors()) {
        tensors.push((name, shape, v.iter().flat_map(|x| x.to_le_bytes()).collect()));
    }
    let meta = Meta {
        version: VERSION,
        fingerprint: fingerprint.to_owned(),
        epochs_done: state.epochs_done,
        step: state.optimizer.step,
        history: state.history.clone(),
        best_epoch: state.best.as_ref().map(|b| b.epoch),
        best_val_loss: state.best.as_ref().map(|b| b.val_loss),
        since_best: state.since_best,
        stopped_early: state.stopped_early,
        adversary_step: state.adversary.as_ref().map(|a| a.optimizer.step),
    };
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(k, shape, data)| Ok((k.clone(), TensorView::new(Dtype::F32, shape.clone(), data)?)))
        .collect::<Result<_, safetensors::SafeTensorError>>()?;
    let metadata = HashMap::from([(KEY.to_owned(), serde_json::to_string(&meta)?)]);
    Ok(safetensors::serialize(views, Some(metadata))?)
}

/// Writes a checkpoint atomically.
pub fn save(path: &Path, net: &Net, state: &State, fingerprint: &str) -> Result<()> {
    let bytes = to_bytes(net, state, fingerprint)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    tinyae_core::format::write_atomic(path, &bytes)
        .with_context(|| format!("cannot write checkpoint {}", path.display()))
}

/// Restores `net`'s parameters and `state` from a checkpoint written for the same settings.
pub fn load(path: &Path, net: &mut Net, state: &mut State, fingerprint: &str) -> Result<()> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read checkpoint {}", path.display()))?;
    let shown = path.display();
    let st = SafeTensors::deserialize(&bytes)
        .with_context(|| format!("{shown}: not a safetensors checkpoint"))?;
    let (_, header) = SafeTensors::read_metadata(&bytes)?;
    let Some(text) = header.metadata().as_ref().and_then(|m| m.get(KEY)) else {
        bail!("{shown}: not a tinyae checkpoint (no `{KEY}` metadata)");
    };
    let meta: Meta =
        serde_json::from_str(text).with_context(|| format!("{shown}: bad metadata"))?;
    if meta.version != VERSION {
        bail!("{shown}: checkpoint version {} is not {VERSION}", meta.version);
    }
    if meta.fingerprint != fingerprint {
        bail!(
            "{shown}: the checkpoint was made with different {}; resume with the same config, \
             data and flags, or delete the checkpoint to start over",
            differences(&meta.fingerprint, fingerprint)
        );
    }
    let names = net.param_names();
    let lens: Vec<usize> = net.param_values().iter().map(Vec::len).collect();
    let tensor = |key: &str, len: usize| -> Result<Vec<f32>> {
        let t = st.tensor(key).with_context(|| format!("{shown}: missing `{key}`"))?;
        let v: Vec<f32> = t
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if v.len() != len {
            bail!("{shown}: `{key}` has {} values, the net needs {len}", v.len());
        }
        Ok(v)
    };
    let read = |prefix: &str| -> Result<Vec<Vec<f32>>> {
        names
            .iter()
            .zip(&lens)
            .map(|(name, &len)| tensor(&format!("{prefix}.{name}"), len))
            .collect()
    };
    net.set_param_values(&read("param")?);
    let config = state.optimizer.config;
    state.optimizer = Optimizer {
        config,
        step: meta.step,
        m: read("m")?,
        v: if state.optimizer.v.is_empty() { Vec::new() } else { read("v")? },
    };
    state.best = match (meta.best_epoch, meta.best_val_loss) {
        (Some(epoch), Some(val_loss)) => Some(Best { epoch, val_loss, params: read("best")? }),
        _ => None,
    };
    if let (Some(a), Some(step)) = (&mut state.adversary, meta.adversary_step) {
        a.restore(step, tensor)?;
    }
    state.epochs_done = meta.epochs_done;
    state.history = meta.history;
    state.since_best = meta.since_best;
    state.stopped_early = meta.stopped_early;
    Ok(())
}

/// What differs between two fingerprints (JSON objects): the settings by name, and each data
/// file whose contents changed.
fn differences(was: &str, now: &str) -> String {
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or_default();
    let (was, now) = (parse(was), parse(now));
    let (Some(a), Some(b)) = (was.as_object(), now.as_object()) else {
        return "settings".to_owned();
    };
    let mut out = Vec::new();
    for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
        if a.get(key) == b.get(key) {
            continue;
        }
        if key == "data_files" {
            let files = |v: Option<&serde_json::Value>| -> Vec<String> {
                v.and_then(|v| v.as_array())
                    .map(|l| l.iter().filter_map(|f| f.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            };
            let before = files(a.get(key));
            for f in files(b.get(key)).iter().filter(|f| !before.contains(f)) {
                let name = f.rsplit_once('=').map_or(f.as_str(), |(n, _)| n);
                out.push(format!("contents of {name} (the data file changed since)"));
            }
        } else {
            out.push(format!("`{key}` settings"));
        }
    }
    if out.is_empty() {
        "settings".to_owned()
    } else {
        out.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::differences;

    #[test]
    fn names_the_changed_data_file() {
        let was = r#"{"seed":1,"data_files":["d/x.csv=fnv1a64:01"]}"#;
        let now = r#"{"seed":1,"data_files":["d/x.csv=fnv1a64:02"]}"#;
        assert_eq!(differences(was, now), "contents of d/x.csv (the data file changed since)");
        let now = r#"{"seed":2,"data_files":["d/x.csv=fnv1a64:01"]}"#;
        assert_eq!(differences(was, now), "`seed` settings");
    }
}
