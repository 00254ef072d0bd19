//! TensorFlow Lite → tinyae layers, for files from `tf.lite.TFLiteConverter`.
//!
//! TFLite tensors are NHWC with static shapes; the operators of subgraph 0 run in order. As for
//! ONNX, the graph must be a chain from the one input to the one output; layout ops
//! (RESHAPE, TILE, ...) move positions in a [`View`], computing ops become layers (`ops.rs`).

mod flatbuf;
mod int8;
mod lstm;
mod ops;
mod schema;

use std::collections::HashMap;

use crate::builder::{Builder, Built};
use crate::error::{ImportError, Result, Site};
use crate::view::{Const, View};
use schema::{dtype, op, Graph, Operator, TensorInfo};

/// What the file says about itself.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The schema version (3).
    pub version: u32,
    /// `float32` or `int8` (the input tensor's type).
    pub input_type: String,
}

/// Reads a `.tflite` file's bytes into layers.
pub fn read(bytes: &[u8]) -> Result<(Built, Origin)> {
    let graph = schema::read(bytes).map_err(|e| {
        ImportError::new(format!("not a readable TFLite model: {e}"))
            .help("pass a .tflite file written by tf.lite.TFLiteConverter")
    })?;
    if graph.version != 3 {
        return Err(ImportError::new(format!(
            "TFLite schema version {} is not supported (tinyae reads version 3)",
            graph.version
        )));
    }
    let [input] = graph.inputs.as_slice() else {
        return Err(ImportError::new(format!(
            "the model has {} inputs; tinyae models have exactly one",
            graph.inputs.len()
        )));
    };
    let t = tensor(&graph, *input)?;
    let input_type = schema::dtype_name(t.dtype).to_owned();
    if t.dtype != dtype::FLOAT32 && t.dtype != dtype::INT8 {
        return Err(ImportError::new(format!(
            "input `{}` has type {input_type}; tinyae imports float32 and full-integer int8 .tflite models",
            t.name
        ))
        .help("convert with float32 or int8 inputs (inference_input_type = tf.int8 for a full-integer model)"));
    }
    if t.shape.first() != Some(&1) || t.shape.len() < 2 {
        return Err(ImportError::new(format!(
            "input `{}` has shape {:?}; expected [1, ...]",
            t.name, t.shape
        )));
    }
    let mut walk = Walk {
        int8: t.dtype == dtype::INT8,
        graph: &graph,
        consts: HashMap::new(),
        live: HashMap::new(),
        builder: Builder::new(t.shape.iter().product()),
    };
    walk.live.insert(*input as usize, (View::identity(&t.shape), None));
    for o in &graph.operators {
        walk.operator(o)?;
    }
    let [output] = graph.outputs.as_slice() else {
        return Err(ImportError::new(format!(
            "the model has {} outputs; tinyae models have exactly one",
            graph.outputs.len()
        )));
    };
    let out = tensor(&graph, *output)?;
    let site = Site::new("output", &out.name);
    let (view, _) = walk
        .live
        .get(&(*output as usize))
        .ok_or_else(|| site.err("does not depend on the input"))?;
    let view = crate::onnx::drop_batch(view, &site)?;
    let built = walk.builder.finish(&site, &view)?;
    Ok((built, Origin { version: graph.version, input_type }))
}

/// The Keras layer behind a converter's tensor name: `functional_1/dense_2/MatMul;…` →
/// `dense_2` (the model's name and the TF op dropped), else the name as it is.
fn layer_name(tensor: &str) -> &str {
    let first = tensor.split(';').next().unwrap_or(tensor);
    let parts: Vec<&str> = first.split('/').collect();
    match parts.as_slice() {
        [_, .., layer, _] if !layer.is_empty() => layer,
        _ => first,
    }
}

fn tensor<'g, 'a>(g: &'g Graph<'a>, i: i32) -> Result<&'g TensorInfo<'a>> {
    usize::try_from(i)
        .ok()
        .and_then(|i| g.tensors.get(i))
        .ok_or_else(|| ImportError::new(format!("tensor index {i} is out of range")))
}

/// State of the walk over the operators.
struct Walk<'g, 'a> {
    graph: &'g Graph<'a>,
    /// Constant tensors computed by operators (DEQUANTIZE of float16 weights).
    consts: HashMap<usize, Const>,
    /// Runtime tensors by index, with the operator that read each one.
    live: HashMap<usize, (View, Option<String>)>,
    builder: Builder,
    /// A full-integer model: int8 values between the layers.
    int8: bool,
}

impl<'a> Walk<'_, 'a> {
    /// The value of a constant input (`None`: absent, index -1).
    fn constant(&self, i: i32, site: &Site) -> Result<Option<Const>> {
        if i < 0 {
            return Ok(None);
        }
        if let Some(c) = self.consts.get(&(i as usize)) {
            return Ok(Some(c.clone()));
        }
        let t = tensor(self.graph, i)?;
        if t.data.is_empty() {
            return Err(site.err(format!(
                "reads `{}`, which is neither a constant nor the previous layer's output",
                t.name
            )));
        }
        let data = t.values().map_err(|e| site.err(format!("tensor `{}` {e}", t.name)))?;
        Ok(Some(Const { shape: t.shape.clone(), data }))
    }

    fn is_const(&self, i: i32) -> bool {
        i < 0
            || self.consts.contains_key(&(i as usize))
            || self.graph.tensors.get(i as usize).is_some_and(|t| !t.data.is_empty())
    }

    fn operator(&mut self, o: &Operator<'a>) -> Result<()> {
        let name = o
            .outputs
            .first()
            .and_then(|&i| self.graph.tensors.get(i as usize))
            .map_or("", |t| t.name.as_str());
        let op_name = o
            .custom
            .clone()
            .filter(|_| o.code == op::CUSTOM)
            .unwrap_or_else(|| schema::op_name(o.code));
        let site = Site::new(op_name, layer_name(name));
        if o.code == op::WHILE {
            return Err(site
                .err("is a loop (how the converter lowers a Keras 3 LSTM or GRU), which tinyae cannot import")
                .help("build the LSTM with tf_keras (Keras 2, TF_USE_LEGACY_KERAS=1): the converter then fuses it into UNIDIRECTIONAL_SEQUENCE_LSTM, which tinyae reads; or export a PyTorch nn.LSTM to ONNX"));
        }
        let runtime: Vec<i32> = o
            .inputs
            .iter()
            .copied()
            .filter(|&i| i >= 0 && self.live.contains_key(&(i as usize)))
            .collect();
        if runtime.is_empty() {
            return self.fold(o, &site);
        }
        let first = runtime[0];
        if runtime.iter().any(|&i| i != first) {
            return Err(site
                .err("combines two values computed from the input: branching graphs are not supported")
                .help("export the autoencoder without skip connections (a plain chain of layers)"));
        }
        let (view, reader) = self.live.get(&(first as usize)).cloned().expect("live");
        if let Some(other) = reader {
            return Err(site
                .err(format!(
                    "reads a value that `{other}` also reads: branching graphs are not supported"
                ))
                .help(
                    "export the autoencoder without skip connections (a plain chain of layers)",
                ));
        }
        self.live.get_mut(&(first as usize)).expect("live").1 = Some(site.node.clone());
        let outputs = ops::apply(self, o, &site, &view, runtime.len())?;
        for (&i, v) in o.outputs.iter().zip(outputs) {
            self.live.insert(i as usize, (v, None));
        }
        Ok(())
    }

    /// An operator on constants only: float16 weights widened by DEQUANTIZE.
    fn fold(&mut self, o: &Operator<'a>, site: &Site) -> Result<()> {
        match o.code {
            op::DEQUANTIZE => {
                let c =
                    self.constant(o.inputs[0], site)?.ok_or_else(|| site.err("has no input"))?;
                let t = tensor(self.graph, o.inputs[0])?;
                if t.dtype != dtype::FLOAT16 {
                    return Err(site
                        .err(format!("dequantizes {} weights (a dynamic-range quantized model)", schema::dtype_name(t.dtype)))
                        .help("convert without optimizations for an f32 model, or with full-integer quantization"));
                }
                self.consts.insert(o.outputs[0] as usize, c);
                Ok(())
            }
            _ => Err(site
                .err("computes a constant with an op tinyae does not evaluate")
                .help("convert with the default optimizations (constant folding)")),
        }
    }
}
