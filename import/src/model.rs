//! From a framework file to a validated tinyae model: format detection, the latent layer,
//! the input scaling and the provenance.

use std::path::Path;

use tinyae_core::ir::{Model, ModelKind, Preprocessing, Provenance};

use crate::builder::Built;
use crate::error::{ImportError, Result};

/// The file formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ONNX protobuf (`.onnx`).
    Onnx,
    /// TensorFlow Lite flatbuffer (`.tflite`).
    Tflite,
}

impl Format {
    /// The format of a file, from its first bytes (a TFLite flatbuffer has the identifier
    /// `TFL3` at offset 4) or else its extension.
    pub fn detect(path: &Path, bytes: &[u8]) -> Option<Format> {
        if bytes.get(4..8) == Some(b"TFL3") {
            return Some(Format::Tflite);
        }
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("onnx") => Some(Format::Onnx),
            Some("tflite") => Some(Format::Tflite),
            _ => None,
        }
    }

    /// Its name in messages and provenance.
    pub fn name(self) -> &'static str {
        match self {
            Format::Onnx => "onnx",
            Format::Tflite => "tflite",
        }
    }
}

/// Choices the file cannot make.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The latent layer, by name or index (default: the first layer with the fewest outputs).
    pub latent: Option<String>,
}

/// Reads and imports a `.onnx` or `.tflite` file.
pub fn import_file(path: &Path, options: &Options) -> Result<Model> {
    let bytes =
        std::fs::read(path).map_err(|e| ImportError::new(format!("{}: {e}", path.display())))?;
    let format = Format::detect(path, &bytes).ok_or_else(|| {
        ImportError::new(format!("{}: not a .onnx or .tflite file", path.display())).help(
            "pass a model exported with torch.onnx.export, tf2onnx or tf.lite.TFLiteConverter",
        )
    })?;
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    import_in(&bytes, format, &name, path.parent(), options)
}

/// Imports a model from its bytes; `source` names it in the provenance. (ONNX weights saved as
/// external data need [`import_file`], which knows where to look.)
pub fn import_bytes(
    bytes: &[u8],
    format: Format,
    source: &str,
    options: &Options,
) -> Result<Model> {
    import_in(bytes, format, source, None, options)
}

fn import_in(
    bytes: &[u8],
    format: Format,
    source: &str,
    dir: Option<&Path>,
    options: &Options,
) -> Result<Model> {
    let (built, mut extra) = match format {
        Format::Onnx => {
            let (built, origin) = crate::onnx::read(bytes, dir)?;
            (
                built,
                vec![
                    ("producer".to_owned(), origin.producer),
                    ("opset".to_owned(), origin.opset.to_string()),
                ],
            )
        }
        Format::Tflite => {
            let (built, origin) = crate::tflite::read(bytes)?;
            (
                built,
                vec![
                    ("schema_version".to_owned(), origin.version.to_string()),
                    ("input_type".to_owned(), origin.input_type),
                ],
            )
        }
    };
    extra.insert(0, ("source_format".to_owned(), format.name().to_owned()));
    extra.insert(0, ("source_file".to_owned(), source.to_owned()));
    assemble(built, extra, options)
}

/// The model around the layers.
pub(crate) fn assemble(
    built: Built,
    extra: Vec<(String, String)>,
    options: &Options,
) -> Result<Model> {
    let Built { layers, input_shape, input_affine, notes } = built;
    let mut extra = extra;
    if !notes.is_empty() {
        extra.push(("import_notes".to_owned(), notes.join("; ")));
    }
    let input_len: usize = input_shape.iter().product();
    let mut model = Model {
        kind: ModelKind::Autoencoder,
        input_shape,
        layers,
        latent_layer: 0,
        preprocessing: match input_affine {
            None => Preprocessing::None,
            Some((offset, range)) => {
                Preprocessing::Standard { mean: compact(&offset), std: compact(&range) }
            }
        },
        anomaly: None,
        provenance: Provenance {
            tool: Some(format!("tinyae-import {}", env!("CARGO_PKG_VERSION"))),
            extra,
            ..Provenance::default()
        },
    };
    if model.output_len() != input_len {
        return Err(ImportError::new(format!(
            "the model maps {input_len} input values to {} outputs; an autoencoder reconstructs its input",
            model.output_len()
        ))
        .help("export the whole autoencoder (encoder and decoder), not one half"));
    }
    if model.layers.len() < 2 {
        return Err(ImportError::new(
            "the model has a single layer; an autoencoder needs an encoder and a decoder",
        ));
    }
    model.latent_layer = latent(&model, options.latent.as_deref())?;
    tinyae_core::validate::validate(&model).map_err(|e| {
        ImportError::new(format!("the imported model does not validate:\n{e}"))
            .help("this is a bug in tinyae's importer or an unsupported combination; please report it with the model file")
    })?;
    Ok(model)
}

/// One value when all are equal (a scalar normalization), else one per feature.
fn compact(v: &[f64]) -> Vec<f32> {
    let f: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    if f.windows(2).all(|w| w[0] == w[1]) {
        f[..1.min(f.len())].to_vec()
    } else {
        f
    }
}

/// The latent layer: the one named, or the first of the encoder-side layers with the fewest
/// output values (the bottleneck).
fn latent(model: &Model, wanted: Option<&str>) -> Result<usize> {
    let last = model.layers.len() - 1;
    if let Some(w) = wanted {
        let found = w
            .parse::<usize>()
            .ok()
            .filter(|&j| j < last)
            .or_else(|| model.layers[..last].iter().position(|l| l.name == w));
        return found.ok_or_else(|| {
            let names: Vec<String> = model.layers[..last]
                .iter()
                .enumerate()
                .map(|(j, l)| format!("{j} `{}`", l.name))
                .collect();
            ImportError::new(format!("--latent `{w}` names no layer before the last"))
                .help(format!("choose one of: {}", names.join(", ")))
        });
    }
    let shapes = model.shapes();
    let sizes: Vec<usize> = (0..last).map(|j| shapes[j + 1].iter().product()).collect();
    let min = sizes.iter().copied().min().unwrap_or(0);
    Ok(sizes.iter().position(|&s| s == min).unwrap_or(0))
}
