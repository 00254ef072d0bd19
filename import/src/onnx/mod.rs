//! ONNX → tinyae layers, for files from `torch.onnx.export` and tf2onnx.
//!
//! The graph must be a chain: one runtime input, each node reading the previous runtime value
//! (plus constants), one output. Constant sub-graphs (shape arithmetic, initial LSTM states) are
//! folded; layout ops move positions in a [`View`](crate::view::View); computing ops become
//! layers (`layers.rs`).

mod consts;
mod layers;
mod layout;
mod lstm;
mod proto;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use prost::Message;

use crate::builder::{Builder, Built};
use crate::error::{ImportError, Result, Site};
use crate::view::View;
use consts::Consts;
use proto::{ModelProto, NodeProto};

pub(crate) use layers::{lstm_layer, rows_want};
pub(crate) use layout::axis;

/// Default-domain opsets this importer reads: the ops' semantics it implements are those of
/// these versions (Slice, Squeeze and Unsqueeze take inputs from 10/13 on, attributes before).
pub const OPSETS: std::ops::RangeInclusive<i64> = 9..=23;

/// What the file says about where it came from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `producer_name producer_version`, e.g. `pytorch 2.5.0`, `tf2onnx 1.17.0`.
    pub producer: String,
    /// The default-domain opset.
    pub opset: i64,
}

/// Reads an ONNX model's bytes into layers; `dir` is the model file's directory, where weights
/// saved as external data are (`torch.onnx.export`'s default for its dynamo exporter).
pub fn read(bytes: &[u8], dir: Option<&std::path::Path>) -> Result<(Built, Origin)> {
    let model = ModelProto::decode(bytes).map_err(|e| {
        ImportError::new(format!("not an ONNX model: the protobuf does not decode ({e})"))
            .help("pass a .onnx file written by torch.onnx.export, tf2onnx or onnx.save")
    })?;
    let opset = model
        .opset_import
        .iter()
        .find(|o| matches!(o.domain.as_deref(), None | Some("") | Some("ai.onnx")))
        .and_then(|o| o.version)
        .unwrap_or(1);
    if !OPSETS.contains(&opset) {
        return Err(ImportError::new(format!(
            "opset {opset} is not supported: tinyae reads opsets {} to {}",
            OPSETS.start(),
            OPSETS.end()
        ))
        .help("re-export with a supported opset, e.g. torch.onnx.export(..., opset_version=17) or tf2onnx --opset 15"));
    }
    let producer = format!(
        "{} {}",
        model.producer_name.as_deref().unwrap_or("unknown"),
        model.producer_version.as_deref().unwrap_or("")
    )
    .trim()
    .to_owned();
    let graph =
        model.graph.as_ref().ok_or_else(|| ImportError::new("the ONNX file has no graph"))?;
    let mut walk = Walk::new(graph)?;
    walk.consts.dir = dir.map(std::path::Path::to_path_buf);
    let built = walk.run(graph)?;
    Ok((built, Origin { producer, opset }))
}

/// The state of the walk over the nodes.
struct Walk<'g> {
    consts: Consts<'g>,
    /// Runtime tensors by name, with the node that read each one (branch detection).
    live: HashMap<String, (View, Option<String>)>,
    builder: Builder,
    input: String,
}

impl<'g> Walk<'g> {
    fn new(graph: &'g proto::GraphProto) -> Result<Self> {
        let mut consts = Consts::default();
        for t in &graph.initializer {
            consts.initializers.insert(t.name.as_deref().unwrap_or(""), t);
        }
        let runtime: Vec<_> = graph
            .input
            .iter()
            .filter(|i| !consts.initializers.contains_key(i.name.as_deref().unwrap_or("")))
            .collect();
        let [input] = runtime.as_slice() else {
            return Err(ImportError::new(format!(
                "the graph has {} inputs; tinyae models have exactly one",
                runtime.len()
            ))
            .help("export the autoencoder with a single input tensor"));
        };
        let name = input.name.clone().unwrap_or_default();
        let tt = input.r#type.as_ref().and_then(|t| t.tensor_type.as_ref());
        let elem = tt.and_then(|t| t.elem_type).unwrap_or(0);
        if elem != 1 {
            return Err(ImportError::new(format!(
                "input `{name}` has dtype {}, expected float32",
                consts::dtype_name(elem)
            ))
            .help("export the model with a float32 input (quantized ONNX models are not supported; quantize with `tinyae quantize` or import a full-integer .tflite)"));
        }
        let dims = tt.and_then(|t| t.shape.as_ref()).map(|s| s.dim.clone()).unwrap_or_default();
        let mut shape = Vec::new();
        for (a, d) in dims.iter().enumerate() {
            match d.dim_value {
                Some(v) if v > 0 => shape.push(v as usize),
                // The batch axis may be symbolic; one sample at a time.
                _ if a == 0 => shape.push(1),
                _ => {
                    return Err(ImportError::new(format!(
                        "input `{name}` has a symbolic size on axis {a} ({})",
                        d.dim_param.as_deref().unwrap_or("?")
                    ))
                    .help("export with a fixed input size (only the batch axis may be dynamic)"))
                }
            }
        }
        if shape.first() != Some(&1) || shape.len() < 2 {
            return Err(ImportError::new(format!(
                "input `{name}` has shape {shape:?}; expected [batch, ...]"
            )));
        }
        let n = shape.iter().product();
        let mut live = HashMap::new();
        live.insert(name.clone(), (View::identity(&shape), None));
        // Constant sub-graphs: nodes reading only constants, and shapes (static here).
        for node in &graph.node {
            let op = node.op_type.as_deref().unwrap_or("");
            let constant = op == "Constant"
                || op == "Shape"
                || node.input.iter().all(|i| i.is_empty() || consts.is_const(i));
            if constant {
                for o in &node.output {
                    consts.producers.insert(o.as_str(), node);
                }
            }
        }
        Ok(Walk { consts, live, builder: Builder::new(n), input: name })
    }

    fn run(mut self, graph: &'g proto::GraphProto) -> Result<Built> {
        // Control flow can hide where the input goes (its body reads outer values), so it is
        // refused wherever it is.
        if let Some(n) =
            graph.node.iter().find(|n| matches!(n.op_type.as_deref(), Some("Loop" | "Scan" | "If")))
        {
            let site =
                Site::new(n.op_type.as_deref().unwrap_or(""), n.name.as_deref().unwrap_or(""));
            return Err(layers::control_flow(&site));
        }
        for node in &graph.node {
            let first = node.input.first().map_or("", String::as_str);
            if node.op_type.as_deref() == Some("Shape") {
                if let Some((view, _)) = self.live.get(first) {
                    let c =
                        crate::view::Const::vector(view.shape.iter().map(|&d| d as f64).collect());
                    self.consts.known.insert(node.output[0].clone(), c);
                }
                continue;
            }
            if node.output.iter().all(|o| self.consts.producers.contains_key(o.as_str())) {
                continue;
            }
            self.node(node)?;
        }
        let [output] = graph.output.as_slice() else {
            return Err(ImportError::new(format!(
                "the graph has {} outputs; tinyae models have exactly one",
                graph.output.len()
            ))
            .help("export the autoencoder with a single output (the reconstruction)"));
        };
        let name = output.name.clone().unwrap_or_default();
        let (view, _) = self.live.get(&name).ok_or_else(|| {
            ImportError::new(format!(
                "output `{name}` does not depend on the input `{}`",
                self.input
            ))
        })?;
        let view = drop_batch(view, &Site::new("output", &name))?;
        self.builder.finish(&Site::new("output", &name), &view)
    }

    /// One node with a runtime input.
    fn node(&mut self, node: &'g NodeProto) -> Result<()> {
        let op = node.op_type.as_deref().unwrap_or("");
        let site = Site::new(
            op,
            node.name
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or(node.output.first().map_or("", String::as_str)),
        );
        if !matches!(node.domain.as_deref(), None | Some("") | Some("ai.onnx")) {
            return Err(site
                .err(format!(
                    "is in domain `{}`, not the standard ONNX ops",
                    node.domain.as_deref().unwrap_or("")
                ))
                .help(
                    "export without custom or contrib ops (no onnxruntime-specific optimizations)",
                ));
        }
        let runtime: Vec<&String> =
            node.input.iter().filter(|i| self.live.contains_key(i.as_str())).collect();
        if runtime.len() > 1 {
            return Err(site
                .err("combines two values computed from the input: branching graphs are not supported")
                .help("export the autoencoder without skip connections (a plain chain of layers)"));
        }
        let Some(input) = runtime.first().map(|s| s.as_str()) else {
            return Err(site.err("reads no value computed from the input"));
        };
        let (view, reader) = self.live.get(input).cloned().expect("live");
        if let Some(other) = reader {
            return Err(site
                .err(format!("reads `{input}`, which node `{other}` also reads: branching graphs are not supported"))
                .help("export the autoencoder without skip connections (a plain chain of layers)"));
        }
        self.live.get_mut(input).expect("live").1 = Some(site.node.clone());
        if node.input.first().map(String::as_str) != Some(input)
            && !matches!(op, "Add" | "Mul" | "Sub")
        {
            return Err(
                site.err(format!("reads the running value `{input}` as a weight or parameter"))
            );
        }
        let outputs = if layout::is_layout(op) {
            vec![layout::apply(node, &site, &view, &mut self.consts)?]
        } else {
            layers::apply(node, &site, &view, &mut self.consts, &mut self.builder)?
        };
        for (name, v) in node.output.iter().zip(outputs) {
            if !name.is_empty() {
                self.live.insert(name.clone(), (v, None));
            }
        }
        Ok(())
    }
}

/// A view without its leading batch axis (which must be 1).
pub(crate) fn drop_batch(v: &View, site: &Site) -> Result<View> {
    match v.shape.split_first() {
        Some((1, rest)) => Ok(View { shape: rest.to_vec(), idx: v.idx.clone() }),
        _ => Err(site.err(format!("expected a batch axis of 1 first, found shape {:?}", v.shape))),
    }
}
