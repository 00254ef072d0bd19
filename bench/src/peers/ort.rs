//! onnxruntime through its Python package (`onnx_peer.py time`), when it is installed.
//!
//! The timing runs in the Python process (one intra-op thread, sequential execution), so it
//! includes Python's call overhead: what a Python user of onnxruntime pays.

use std::path::Path;
use std::process::Command;

use crate::engine::Engine;

/// A finished onnxruntime run: its output and median time.
pub struct Ort {
    version: String,
    output: Vec<f32>,
    ns: f64,
}

impl Ort {
    /// Runs `script time onnx input.json` and parses its JSON line.
    pub fn run_python(script: &Path, onnx: &Path, x: &[f32], dir: &Path) -> Result<Self, String> {
        let input = dir.join(format!(
            "{}.input.json",
            onnx.file_stem().and_then(|s| s.to_str()).unwrap_or("model")
        ));
        let json = serde_json::to_string(x).map_err(|e| e.to_string())?;
        std::fs::write(&input, json).map_err(|e| format!("{}: {e}", input.display()))?;
        let out = Command::new("python3")
            .arg(script)
            .arg("time")
            .arg(onnx)
            .arg(&input)
            .output()
            .map_err(|e| format!("python3: {e}"))?;
        if !out.status.success() {
            return Err(format!("onnxruntime: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| format!("onnxruntime output: {e}"))?;
        let output = v["output"]
            .as_array()
            .ok_or("onnxruntime output: no `output`")?
            .iter()
            .map(|x| x.as_f64().unwrap_or(f64::NAN) as f32)
            .collect();
        let ns = v["ns"].as_f64().ok_or("onnxruntime output: no `ns`")?;
        let version = v["version"].as_str().unwrap_or("?").to_owned();
        Ok(Ort { version, output, ns })
    }
}

impl Engine for Ort {
    fn name(&self) -> String {
        format!("onnxruntime {} (Python)", self.version)
    }

    fn run(&mut self, _x: &[f32]) -> Result<Vec<f32>, String> {
        Ok(self.output.clone())
    }

    fn time(&mut self, _x: &[f32]) -> Result<f64, String> {
        Ok(self.ns)
    }
}
