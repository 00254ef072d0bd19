//! The engines a user would pick instead, each loaded from the same model file.

pub mod candle;
pub mod dfdx;
pub mod python;
pub mod tract;

use tinyae_core::ir::{Dense, Model, Op};
use tinyae_core::Activation;

/// A dense layer as plain data: weight `[out][in]` row-major (PyTorch layout), bias (zeros
/// when the file has none), activation.
pub struct Plain {
    pub in_features: usize,
    pub out_features: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub activation: Activation,
}

/// The model's layers as [`Plain`] data; an error for layer kinds the peers are not given.
pub fn plain_layers(model: &Model) -> Result<Vec<Plain>, String> {
    model
        .layers
        .iter()
        .map(|l| match &l.op {
            Op::Dense(d) => Ok(plain(d, l.activation)),
            other => {
                Err(format!("layer `{}`: {} layers are not benchmarked", l.name, other.name()))
            }
        })
        .collect()
}

fn plain(d: &Dense, activation: Activation) -> Plain {
    Plain {
        in_features: d.in_features,
        out_features: d.out_features,
        weight: d.weight.values.clone(),
        bias: (0..d.out_features).map(|o| d.b(o)).collect(),
        activation,
    }
}

/// Adds the peers of every variant to `entries`: candle, dfdx, tract and onnxruntime on the
/// f32 model, TFLite with XNNPACK on the f32, pruned f32, int8 and pruned int8 models (f16 has
/// no TFLite export here). A peer that cannot run is reported as skipped, with the reason.
/// Returns the Python peer server, which must outlive the timing.
pub fn entries<'a>(
    families: &'a [crate::models::Family],
    python: Option<String>,
    entries: &mut Vec<crate::Entry<'a>>,
) -> Option<std::rc::Rc<std::cell::RefCell<python::Server>>> {
    use crate::engine::{Io, Timed};
    let bench = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = bench.join("target/peers");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        crate::fail(&format!("{}: {e}", dir.display()));
    }
    let python = std::path::PathBuf::from(python.unwrap_or_else(|| "python3".into()));
    let server = python::Server::start(&python, &bench.join("peer_server.py"))
        .map_err(|e| eprintln!("skipped the Python peers (TFLite, onnxruntime): {e}"))
        .ok();
    for family in families {
        for variant in &family.variants {
            let mut push = |engine: Result<Box<dyn crate::engine::Engine>, String>, io| match engine
            {
                Ok(engine) => entries.push(crate::Entry { variant, family, engine, io }),
                Err(e) => eprintln!("skipped on {} {}: {e}", family.name, variant.precision),
            };
            let stem = variant.file.trim_end_matches(".safetensors");
            if variant.precision == "f32" {
                push(candle::Candle::new(&variant.model).map(Timed::boxed), Io::Scaled);
                push(dfdx::Dfdx::new(&variant.model).map(Timed::boxed), Io::Scaled);
                let onnx = dir.join(format!("{stem}.onnx"));
                match export(&python, &bench.join("onnx_peer.py"), &["export"], variant, &onnx) {
                    Ok(()) => {
                        let n = variant.model.input_len();
                        push(tract::Tract::new(&onnx, n).map(Timed::boxed), Io::Scaled);
                        if let Some(s) = &server {
                            let e = python::Remote::load(s, "onnxruntime", &onnx);
                            push(e.map(|e| Box::new(e) as _), Io::Scaled);
                        }
                    }
                    Err(e) => eprintln!("skipped tract and onnxruntime on {stem}: {e}"),
                }
            }
            if variant.precision == "f16" {
                continue;
            }
            let Some(s) = &server else { continue };
            let tflite = dir.join(format!("{stem}.tflite"));
            match export(&python, &bench.join("tflite_export.py"), &[], variant, &tflite) {
                Ok(()) => {
                    let io = if variant.is_int8() { Io::Int8 } else { Io::Scaled };
                    push(python::Remote::load(s, "tflite", &tflite).map(|e| Box::new(e) as _), io);
                }
                Err(e) => eprintln!("skipped TFLite on {stem}: {e}"),
            }
        }
    }
    server
}

/// `python script [args] model out`: writes a peer's model file from the variant's file.
fn export(
    python: &std::path::Path,
    script: &std::path::Path,
    args: &[&str],
    variant: &crate::models::Variant,
    out: &std::path::Path,
) -> Result<(), String> {
    let model = crate::models::repo_path("models", &variant.file);
    let output = std::process::Command::new(python)
        .arg(script)
        .args(args)
        .arg(model)
        .arg(out)
        .output()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}
