//! ONNX constants: initializers, `Constant` nodes, and the shape arithmetic exporters emit
//! around them (Shape → Gather → Concat → Expand ...), folded on demand; and node attributes.

use std::collections::HashMap;

use super::proto::{AttributeProto, NodeProto, TensorProto};
use crate::error::{Result, Site};
use crate::view::{Const, View};

/// Where constants come from.
#[derive(Debug, Default)]
pub struct Consts<'g> {
    /// Initializers by name.
    pub initializers: HashMap<&'g str, &'g TensorProto>,
    /// Nodes that compute constants (no runtime input), by output name.
    pub producers: HashMap<&'g str, &'g NodeProto>,
    /// Values computed so far (including `Shape` of runtime tensors).
    pub known: HashMap<String, Const>,
    /// The model file's directory, where external weight files are (`None`: bytes only).
    pub dir: Option<std::path::PathBuf>,
}

impl<'g> Consts<'g> {
    /// Whether `name` is a constant (possibly still to be folded).
    pub fn is_const(&self, name: &str) -> bool {
        name.is_empty()
            || self.known.contains_key(name)
            || self.initializers.contains_key(name)
            || self.producers.contains_key(name)
    }

    /// The value of constant `name`, folding the nodes that compute it.
    pub fn get(&mut self, name: &str, site: &Site) -> Result<Const> {
        if let Some(c) = self.known.get(name) {
            return Ok(c.clone());
        }
        let c = if let Some(t) = self.initializers.get(name) {
            let external = external_bytes(t, self.dir.as_deref())
                .map_err(|e| site.err(format!("initializer `{name}`: {e}")))?;
            tensor_with(t, external.as_deref())
                .map_err(|e| site.err(format!("initializer `{name}`: {e}")))?
        } else if let Some(node) = self.producers.get(name).copied() {
            self.fold(node)?
        } else {
            return Err(site.err(format!(
                "input `{name}` is neither a constant nor the previous layer's output"
            )));
        };
        self.known.insert(name.to_owned(), c.clone());
        Ok(c)
    }

    /// An optional constant input (absent or empty name: `None`).
    pub fn input(&mut self, node: &NodeProto, k: usize, site: &Site) -> Result<Option<Const>> {
        match node.input.get(k).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(name) => self.get(name, site).map(Some),
        }
    }

    /// Evaluates a node whose inputs are all constants.
    fn fold(&mut self, node: &'g NodeProto) -> Result<Const> {
        let op = node.op_type.as_deref().unwrap_or("");
        let site = Site::new(op, node.name.as_deref().unwrap_or(""));
        let mut ins = Vec::new();
        for k in 0..node.input.len() {
            ins.push(self.input(node, k, &site)?);
        }
        let arg = |k: usize| ins.get(k).cloned().flatten();
        let first = || arg(0).ok_or_else(|| site.err("has no input"));
        let bad = || site.err("has constant inputs tinyae cannot evaluate");
        let value = match op {
            "Constant" => {
                let a = attr(node, "value").and_then(|a| a.t.as_ref()).ok_or_else(|| {
                    site.err("has no tensor `value` (only tensor constants are read)")
                })?;
                tensor(a).map_err(|e| site.err(e))?
            }
            "Identity" | "Cast" => first()?,
            "Shape" => Const::vector(first()?.shape.iter().map(|&d| d as f64).collect()),
            "ConstantOfShape" => {
                let shape = first()?.as_usizes().ok_or_else(bad)?;
                let v = attr(node, "value").and_then(|a| a.t.as_ref()).map(tensor).transpose();
                let v = v.map_err(|e| site.err(e))?.map_or(0.0, |c| c.data.first().copied().unwrap_or(0.0));
                Const { data: vec![v; shape.iter().product()], shape }
            }
            "Unsqueeze" | "Squeeze" | "Reshape" | "Expand" | "Gather" | "Slice" | "Tile" | "Transpose" => {
                let c = first()?;
                let shape = super::layout::apply(node, &site, &View::identity(&c.shape), self)?;
                Const { data: shape.idx.iter().map(|&i| c.data[i as usize]).collect(), shape: shape.shape }
            }
            "Concat" => {
                let parts: Vec<Const> = ins.into_iter().flatten().collect();
                if parts.iter().any(|p| p.shape.len() != 1) {
                    return Err(bad());
                }
                Const::vector(parts.into_iter().flat_map(|p| p.data).collect())
            }
            "Add" | "Sub" | "Mul" | "Div" => {
                let (a, b) = (first()?, arg(1).ok_or_else(bad)?);
                let shape = if a.data.len() >= b.data.len() { a.shape.clone() } else { b.shape.clone() };
                let (x, y) = (a.broadcast_to(&shape).ok_or_else(bad)?, b.broadcast_to(&shape).ok_or_else(bad)?);
                let f = |(p, q): (&f64, &f64)| match op {
                    "Add" => p + q,
                    "Sub" => p - q,
                    "Mul" => p * q,
                    _ => p / q,
                };
                Const { data: x.iter().zip(&y).map(f).collect(), shape }
            }
            _ => {
                return Err(site
                    .err("computes a constant with an op tinyae cannot evaluate")
                    .help("export with constant folding on (torch.onnx.export(do_constant_folding=True), tf2onnx's default)"))
            }
        };
        Ok(value)
    }
}

/// The bytes of a tensor stored outside the model (`data_location` EXTERNAL): the file named
/// by `location`, relative to the model's directory, from `offset` for `length` bytes.
fn external_bytes(
    t: &TensorProto,
    dir: Option<&std::path::Path>,
) -> std::result::Result<Option<Vec<u8>>, String> {
    if t.data_location != Some(1) {
        return Ok(None);
    }
    let entry = |k: &str| {
        t.external_data.iter().find(|e| e.key.as_deref() == Some(k)).and_then(|e| e.value.clone())
    };
    let location = entry("location").ok_or("is stored externally without a location")?;
    let rel = std::path::Path::new(&location);
    if rel.is_absolute() || rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        return Err(format!("is stored in `{location}`, outside the model's directory"));
    }
    let dir =
        dir.ok_or("is stored in an external file, which only a model read from a path can find")?;
    let path = dir.join(rel);
    let bytes = std::fs::read(&path).map_err(|e| {
        format!("is stored in `{}`, which cannot be read ({e}); keep the .data file beside the .onnx file", path.display())
    })?;
    let offset: usize = entry("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let end = match entry("length").and_then(|v| v.parse::<usize>().ok()) {
        Some(len) => offset.checked_add(len).ok_or("has an external length that overflows")?,
        None => bytes.len(),
    };
    bytes.get(offset..end).map(|b| Some(b.to_vec())).ok_or_else(|| {
        format!("reads bytes {offset}..{end} of `{}`, which has {}", path.display(), bytes.len())
    })
}

/// A tensor's values as f64 (float, double, int32/64, int8/uint8, bool).
pub fn tensor(t: &TensorProto) -> std::result::Result<Const, String> {
    if t.data_location == Some(1) {
        return Err("is stored in an external file, which constants inside nodes cannot be".into());
    }
    tensor_with(t, None)
}

/// [`tensor`] with the raw bytes given (read from an external file).
fn tensor_with(t: &TensorProto, external: Option<&[u8]>) -> std::result::Result<Const, String> {
    let shape: Vec<usize> = t.dims.iter().map(|&d| d.max(0) as usize).collect();
    let n: usize = shape.iter().product();
    let raw = external.unwrap_or_else(|| t.raw_data.as_deref().unwrap_or(&[]));
    let dtype = t.data_type.unwrap_or(0);
    let from_raw = |size: usize, f: &dyn Fn(&[u8]) -> f64| -> Vec<f64> {
        raw.chunks_exact(size).map(f).collect()
    };
    let data: Vec<f64> = match dtype {
        1 if !raw.is_empty() => {
            from_raw(4, &|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        }
        1 => t.float_data.iter().map(|&v| f64::from(v)).collect(),
        11 if !raw.is_empty() => {
            from_raw(8, &|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        }
        11 => t.double_data.clone(),
        7 if !raw.is_empty() => {
            from_raw(8, &|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f64)
        }
        7 => t.int64_data.iter().map(|&v| v as f64).collect(),
        6 if !raw.is_empty() => {
            from_raw(4, &|b| f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        }
        3 if !raw.is_empty() => from_raw(1, &|b| f64::from(b[0] as i8)),
        2 | 9 if !raw.is_empty() => from_raw(1, &|b| f64::from(b[0])),
        3 | 6 | 2 | 9 => t.int32_data.iter().map(|&v| f64::from(v)).collect(),
        other => {
            return Err(format!(
                "has dtype {} (tinyae reads float32, float64 and integer tensors)",
                dtype_name(other)
            ))
        }
    };
    if data.len() != n {
        return Err(format!("holds {} values, its shape {shape:?} needs {n}", data.len()));
    }
    Ok(Const { shape, data })
}

/// The ONNX name of a `TensorProto.DataType`.
pub fn dtype_name(t: i32) -> String {
    let names = [
        "undefined",
        "float32",
        "uint8",
        "int8",
        "uint16",
        "int16",
        "int32",
        "int64",
        "string",
        "bool",
        "float16",
        "float64",
        "uint32",
        "uint64",
        "complex64",
        "complex128",
        "bfloat16",
    ];
    names.get(t as usize).map_or_else(|| format!("#{t}"), |n| (*n).to_owned())
}

/// A node's attribute by name.
pub fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name.as_deref() == Some(name))
}

/// An integer attribute, or its default.
pub fn int(node: &NodeProto, name: &str, default: i64) -> i64 {
    attr(node, name).and_then(|a| a.i).unwrap_or(default)
}

/// A float attribute, or its default.
pub fn float(node: &NodeProto, name: &str, default: f32) -> f32 {
    attr(node, name).and_then(|a| a.f).unwrap_or(default)
}

/// An integer-list attribute (empty when absent).
pub fn ints(node: &NodeProto, name: &str) -> Vec<i64> {
    attr(node, name).map(|a| a.ints.clone()).unwrap_or_default()
}

/// A string attribute, or its default.
pub fn string(node: &NodeProto, name: &str, default: &str) -> String {
    attr(node, name)
        .and_then(|a| a.s.as_deref())
        .map_or_else(|| default.to_owned(), |s| String::from_utf8_lossy(s).into_owned())
}
