//! tract: the ONNX file written by `onnx_peer.py export`, optimized for a `[1, N]` input,
//! run through a reused `SimpleState` (no per-call plan setup).

use std::hint::black_box;
use std::path::Path;

use tract_onnx::prelude::*;

use crate::engine::Local;

/// tract with its optimized plan.
pub struct Tract {
    state: TypedSimpleState,
    input: Option<TValue>,
}

fn err(e: impl std::fmt::Display) -> String {
    format!("tract: {e}")
}

impl Tract {
    pub fn new(onnx: &Path, n: usize) -> Result<Self, String> {
        let plan = tract_onnx::onnx()
            .model_for_path(onnx)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, n]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(err)?;
        let state = plan.spawn().map_err(err)?;
        Ok(Tract { state, input: None })
    }

    fn input(x: &[f32]) -> Result<TValue, String> {
        Ok(Tensor::from_shape(&[1, x.len()], x).map_err(err)?.into_tvalue())
    }
}

impl Local for Tract {
    fn name(&self) -> String {
        "tract 0.23".into()
    }

    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        let input = Self::input(x)?;
        self.input = Some(input.clone());
        let out = self.state.run(tvec!(input)).map_err(err)?;
        let view = out[0].try_as_plain_ram().map_err(err)?;
        Ok(view.as_slice::<f32>().map_err(err)?.to_vec())
    }

    fn call(&mut self) {
        if let Some(input) = &self.input {
            // Checked by `run` before any timing; a failure here would only be faster.
            let _ = black_box(self.state.run(tvec!(black_box(input.clone()))));
        }
    }
}
