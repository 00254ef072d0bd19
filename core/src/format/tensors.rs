//! Tensors in the container: looked up by key and widened to f32 when read, encoded in their
//! storage when written.

use safetensors::{Dtype, SafeTensors};

use super::KEY_GRAPH;
use crate::error::{Error, ErrorKind};
use crate::ir::{Storage, Tensor};

/// A tensor as the container stores it: key, dtype, shape, bytes.
pub type Encoded = (String, Dtype, Vec<usize>, Vec<u8>);

/// Tensor lookup and decoding over a parsed container.
#[allow(missing_debug_implementations)]
pub struct Tensors<'a> {
    pub(super) file: &'a SafeTensors<'a>,
}

impl Tensors<'_> {
    /// One tensor, widened to f32; `role` says what it is for (e.g. "the weight of layer `x`").
    pub fn get(&self, key: &str, role: &str) -> Result<Tensor, Error> {
        let view = self.file.tensor(key).map_err(|_| {
            let mut names = self.file.names();
            names.sort();
            let listed: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
            let more = if names.len() > 8 { ", ..." } else { "" };
            Error::new(
                ErrorKind::MissingTensor,
                format!("tensor `{key}` ({role}) is not in the file"),
            )
                .help(format!(
                    "the graph names it, but the file holds {}{more}; fix the key in `{KEY_GRAPH}` or save the tensor",
                    if listed.is_empty() { "no tensors".to_owned() } else { listed.join(", ") }
                ))
        })?;
        let data = view.data();
        let (storage, values): (Storage, Vec<f32>) =
            match view.dtype() {
                Dtype::F32 => (
                    Storage::F32,
                    data.chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                ),
                Dtype::F16 => (
                    Storage::F16,
                    data.chunks_exact(2)
                        // The `half` crate widens infinities and NaN too, which validation then
                        // rejects; the generated code widens the finite values that pass with
                        // `tinyae_arith::half`, bit for bit the same.
                        .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                        .collect(),
                ),
                Dtype::BF16 => (
                    Storage::Bf16,
                    data.chunks_exact(2)
                        .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                        .collect(),
                ),
                // int8 layers (docs/FORMAT.md): `validate` checks which roles may use them.
                Dtype::I8 => (Storage::I8, data.iter().map(|b| f32::from(*b as i8)).collect()),
                Dtype::I32 => (
                    Storage::I32,
                    data.chunks_exact(4)
                        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32)
                        .collect(),
                ),
                other => return Err(Error::new(
                    ErrorKind::WrongDtype,
                    format!(
                        "tensor `{key}` ({role}) has dtype {other:?}, expected F32, F16, BF16 (or I8/I32 in a quantized layer)"
                    ),
                )
                .help(
                    "convert the weights to float before saving (e.g. `tensor.float()` in PyTorch)",
                )),
            };
        Ok(Tensor { key: key.to_owned(), shape: view.shape().to_vec(), storage, values })
    }

    /// The exact values of an `I32` tensor (`None` if it is missing or of another dtype).
    pub fn i32_values(&self, key: &str) -> Option<Vec<i32>> {
        let view = self.file.tensor(key).ok().filter(|v| v.dtype() == Dtype::I32)?;
        Some(
            view.data()
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

/// The container form of a tensor in its storage.
pub fn encode(t: &Tensor) -> Encoded {
    let (dtype, data): (Dtype, Vec<u8>) = match t.storage {
        Storage::F32 => (Dtype::F32, t.values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        Storage::F16 => (
            Dtype::F16,
            t.values.iter().flat_map(|v| half::f16::from_f32(*v).to_le_bytes()).collect(),
        ),
        Storage::Bf16 => (
            Dtype::BF16,
            t.values.iter().flat_map(|v| half::bf16::from_f32(*v).to_le_bytes()).collect(),
        ),
        // Exact: an I8 tensor's values are integers in range.
        Storage::I8 => (Dtype::I8, t.values.iter().map(|v| (*v as i8) as u8).collect()),
        // Quantized layers write their exact biases (`quant::collect`); this is the fallback
        // for an I32 tensor built by hand.
        Storage::I32 => {
            (Dtype::I32, t.values.iter().flat_map(|v| (*v as i32).to_le_bytes()).collect())
        }
    };
    (t.key.clone(), dtype, t.shape.clone(), data)
}
