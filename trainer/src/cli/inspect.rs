//! `tinyae inspect MODEL`: a Keras-summary-like table plus flash/RAM per precision, scaling,
//! threshold and provenance.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;
use tinyae_core::cost::{cost, weight_bytes_as};
use tinyae_core::emission::{emitted, int8_estimate, Options, Parts};
use tinyae_core::ir::{Calibration, Model, Op, Preprocessing, Storage};
use tinyae_core::plan::Values;

/// `tinyae inspect` flags.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file.
    pub model: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(a: InspectArgs) -> Result<ExitCode> {
    let model = load_model(&a.model)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary_json(&model))?);
    } else {
        print!("{}", summary(&model, &a.model.display().to_string()));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and validates a model file, with every problem listed.
pub fn load_model(path: &Path) -> Result<Model> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    tinyae_core::load(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: invalid model file:\n{e}", path.display()))
}

/// A layer's weight precision (`f32`, `f16`, `bf16`, `int8`; `-` without weights) and the
/// fraction of its weights that are zero (`None` without weights).
fn precision_and_sparsity(layer: &tinyae_core::ir::Layer) -> (&'static str, Option<f64>) {
    let tensors = layer.op.tensors();
    let Some(weight) = tensors.first() else { return ("-", None) };
    let precision = match weight.storage {
        Storage::F32 => "f32",
        Storage::F16 => "f16",
        Storage::Bf16 => "bf16",
        Storage::I8 | Storage::I32 => "int8",
    };
    let parts = layer.op.dense_parts();
    let weights: Vec<&[f32]> = if parts.is_empty() {
        vec![&weight.values]
    } else {
        parts.iter().map(|d| d.weight.values.as_slice()).collect()
    };
    let total: usize = weights.iter().map(|w| w.len()).sum();
    let zeros: usize = weights.iter().map(|w| w.iter().filter(|v| **v == 0.0).count()).sum();
    (precision, Some(zeros as f64 / total.max(1) as f64))
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn short(values: &[f32]) -> String {
    let shown: Vec<String> = values.iter().take(6).map(|v| format!("{v:.6}")).collect();
    let more =
        if values.len() > 6 { format!(", … ({} values)", values.len()) } else { String::new() };
    format!("[{}{more}]", shown.join(", "))
}

/// The human-readable summary.
pub fn summary(model: &Model, path: &str) -> String {
    let mut s = layer_table(model, path);
    flash_and_ram(&mut s, model);
    scaling_and_threshold(&mut s, model);
    provenance(&mut s, model);
    s
}

/// The header, the layer table and the totals.
fn layer_table(model: &Model, path: &str) -> String {
    let c = cost(model);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Model: {path} ({}, format v{})",
        model.kind.name(),
        tinyae_core::format::FORMAT_VERSION
    );
    let shapes = model.shapes();
    // Shape columns as wide as the widest shape ([16, 28, 28] is wider than [784]).
    let w = shapes.iter().map(|sh| format!("{sh:?}").len()).max().unwrap_or(0).max(8);
    let rule = 96 + 2 * (w - 8);
    let _ = writeln!(s, "{:-<rule$}", "");
    let _ = writeln!(
        s,
        "{:<12} {:<22} {:>w$} {:>w$}  {:<12} {:>9}  {:<9} {:>7}",
        "Layer", "Op", "Input", "Output", "Activation", "Params", "Precision", "Zeros"
    );
    let _ = writeln!(s, "{:=<rule$}", "");
    let _ = writeln!(
        s,
        "{:<12} {:<22} {:>w$} {:>w$}  {:<12} {:>9}",
        "input",
        "",
        "",
        format!("{:?}", model.input_shape),
        "",
        0
    );
    for (j, layer) in model.layers.iter().enumerate() {
        let mut op = layer.op.name().to_owned();
        if j == model.latent_layer {
            op.push_str(" (latent)");
        }
        let params = tinyae_core::cost::layer_cost(layer, &shapes[j]).params;
        // A dense layer on a whole sample shows its widths (a [28, 28] image feeds 784).
        let (input, output) = match layer.op.dense_parts().first() {
            Some(d) if d.in_features == shapes[j].iter().product::<usize>() => {
                (format!("[{}]", d.in_features), format!("[{}]", d.out_features))
            }
            _ => (format!("{:?}", shapes[j]), format!("{:?}", shapes[j + 1])),
        };
        let (precision, zeros) = precision_and_sparsity(layer);
        let _ = writeln!(
            s,
            "{:<12} {:<22} {:>w$} {:>w$}  {:<12} {:>9}  {:<9} {:>7}",
            layer.name,
            op,
            input,
            output,
            layer.activation.name(),
            thousands(params),
            precision,
            zeros.map_or(String::new(), |z| format!("{:.1} %", 100.0 * z))
        );
    }
    let _ = writeln!(s, "{:=<rule$}", "");
    let _ = writeln!(
        s,
        "Total params: {}   MACs per inference: {}",
        thousands(c.params),
        thousands(c.macs)
    );
    let _ = writeln!(
        s,
        "Latent: {} values (layer `{}`)",
        c.latent_len, model.layers[model.latent_layer].name
    );
    s
}

/// Flash by precision and the generated code's constants.
fn flash_and_ram(s: &mut String, model: &Model) {
    let _ = writeln!(s, "\nFlash for weights and biases, by precision:");
    let stored = model
        .layers
        .iter()
        .find_map(|l| l.op.tensors().first().map(|t| t.storage))
        .unwrap_or(Storage::F32);
    for st in [Storage::F32, Storage::F16, Storage::Bf16] {
        let mark = if st == stored { "  (as stored)" } else { "" };
        let _ = writeln!(
            s,
            "  {:<6} {:>12} B{mark}",
            st.dtype_name().to_lowercase(),
            thousands(weight_bytes_as(model, st))
        );
    }
    let _ = writeln!(
        s,
        "  {:<6} {:>12} B  (int8 weights + f32 scale + i32 bias per output)",
        "int8",
        thousands(int8_estimate(model))
    );
    let e = emitted(model, Options::default());
    let values = match e.values {
        Values::F32 => "f32",
        Values::Int8 => "int8",
    };
    let _ = writeln!(
        s,
        "Generated code (unroll = auto): WEIGHT_BYTES {} B of constant data (weights as emitted, biases, tables, scaling)",
        thousands(e.weight_bytes)
    );
    if let Some(halves) = mixed_ram(model) {
        let _ = writeln!(s, "{halves}");
        return;
    }
    let _ = writeln!(
        s,
        "RAM: scratch {} {values} values = {} B for the *_into functions (SCRATCH_LEN); by-value calls keep {} B of buffers on the stack (BUFFER_BYTES; the generated FRAME_BYTES adds call frames)\nLayer outputs: {}",
        e.scratch_len(),
        thousands(e.scratch_bytes()),
        thousands(e.buffer_bytes()),
        e.plan.path()
    );
}

/// The RAM line of a mixed-precision model (an int8 half and a float half, generated as two
/// halves with the latent code between them in f32), `None` for others.
fn mixed_ram(model: &Model) -> Option<String> {
    let (e, d) = Values::halves(model).filter(|(e, d)| e != d)?;
    let half = |parts| emitted(model, Options { parts, ..Options::default() });
    let (enc, dec) = (half(Parts::Encoder), half(Parts::Decoder));
    let word = |v: Values| if v == Values::Int8 { "int8" } else { "f32" };
    let (l, n) = (model.latent_len(), model.input_len());
    // `SplitScratch`'s size: its fields, padded to the f32 alignment.
    let bytes = (enc.scratch_bytes() + 4 * l + dec.scratch_bytes()).next_multiple_of(4);
    Some(format!(
        "RAM (mixed precision: {} encoder, {} decoder): scratch {} {} + {l} f32 (latent) + {} {} values = {} B for the *_into functions (SCRATCH_LEN {}); by-value calls keep {} B of buffers on the stack (BUFFER_BYTES; the generated FRAME_BYTES adds call frames)",
        word(e),
        word(d),
        enc.scratch_len(),
        word(e),
        dec.scratch_len(),
        word(d),
        thousands(bytes),
        enc.scratch_len() + l + dec.scratch_len(),
        thousands(bytes + 2 * 4 * n)
    ))
}

/// The input scaling and the anomaly threshold.
fn scaling_and_threshold(s: &mut String, model: &Model) {
    let n = model.input_len();
    let _ = writeln!(s, "\nScaling: {}", scaling(&model.preprocessing, n));
    match &model.anomaly {
        None => {
            let _ =
                writeln!(s, "Threshold: none (no anomaly section; is_anomaly is not generated)");
        }
        Some(a) => {
            let how = match &a.calibration {
                Calibration::Percentile { percentile, samples, split } => format!(
                    "{percentile}th percentile of {}{} errors",
                    samples.map_or(String::new(), |n| format!("{n} ")),
                    split.as_deref().unwrap_or("calibration")
                ),
                Calibration::MeanStd { k, samples, split } => format!(
                    "mean + {k}·std of {}{} errors",
                    samples.map_or(String::new(), |n| format!("{n} ")),
                    split.as_deref().unwrap_or("calibration")
                ),
                Calibration::Manual => "set by hand".to_owned(),
            };
            let _ = writeln!(
                s,
                "Threshold: {} ({} in the scaled space), {how}",
                a.threshold,
                a.metric.name()
            );
        }
    }
    if let Some(r) = &model.data {
        let _ = writeln!(s, "Data: {}", super::recipe::describe(r));
    }
}

/// Where the model came from.
fn provenance(s: &mut String, model: &Model) {
    let p = &model.provenance;
    let _ = writeln!(s, "\nProvenance:");
    let mut field = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            let _ = writeln!(s, "  {k:<20} {v}");
        }
    };
    field("tool", p.tool.clone());
    field("dataset", p.dataset.clone());
    field("epochs", p.epochs.map(|e| e.to_string()));
    field("seed", p.seed.map(|e| e.to_string()));
    field("train loss", p.train_loss.map(|e| format!("{e:.6}")));
    field("validation loss", p.val_loss.map(|e| format!("{e:.6}")));
    for (k, v) in &p.extra {
        field(k, Some(v.clone()));
    }
}

fn scaling(p: &Preprocessing, n: usize) -> String {
    let scope = |v: &[f32]| {
        if v.len() == 1 {
            format!("one value for all {n} features")
        } else {
            "per feature".to_owned()
        }
    };
    match p {
        Preprocessing::None => "none (inputs used as given)".to_owned(),
        Preprocessing::MinMax { min, max } => {
            format!("min_max, {}: min {}, max {}", scope(min), short(min), short(max))
        }
        Preprocessing::Standard { mean, std } => {
            format!("standard, {}: mean {}, std {}", scope(mean), short(mean), short(std))
        }
    }
}

/// The summary as JSON.
pub fn summary_json(model: &Model) -> serde_json::Value {
    let c = cost(model);
    let e = emitted(model, Options::default());
    let shapes = model.shapes();
    let layers: Vec<_> = model
        .layers
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let (input, output) = (&shapes[j], &shapes[j + 1]);
            {
                let (precision, sparsity) = precision_and_sparsity(l);
                json!({
                    "name": l.name, "op": l.op.name(),
                    "in": input.iter().product::<usize>(), "out": output.iter().product::<usize>(),
                    "input_shape": input, "output_shape": output,
                    "activation": l.activation.to_json(),
                    "gaussian_head": matches!(l.op, Op::GaussianHead(_)),
                    "precision": precision,
                    "sparsity": sparsity,
                })
            }
        })
        .collect();
    json!({
        "kind": model.kind.name(),
        "input_shape": model.input_shape,
        "latent_layer": model.latent_layer,
        "layers": layers,
        "params": c.params,
        "macs": c.macs,
        "flash_bytes": {
            "f32": weight_bytes_as(model, Storage::F32),
            "f16": weight_bytes_as(model, Storage::F16),
            "bf16": weight_bytes_as(model, Storage::Bf16),
            "int8": int8_estimate(model),
        },
        "weight_bytes_generated": e.weight_bytes,
        "scratch_len": e.scratch_len(),
        "scratch_bytes": e.scratch_bytes(),
        "streams_rows": e.plan.rows.is_some(),
        "stack_buffer_bytes": e.buffer_bytes(),
        "scaling": model.preprocessing.name(),
        "threshold": model.anomaly.as_ref().map(|a| a.threshold),
        "metric": model.anomaly.as_ref().map(|a| a.metric.name()),
        "data": model.data,
        "provenance": {
            "tool": model.provenance.tool, "dataset": model.provenance.dataset,
            "epochs": model.provenance.epochs, "seed": model.provenance.seed,
            "train_loss": model.provenance.train_loss, "val_loss": model.provenance.val_loss,
            "extra": model.provenance.extra.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
        },
    })
}
