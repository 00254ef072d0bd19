//! What this generator can emit, checked before emitting: a valid file that needs a feature
//! this version lacks fails here, at compile time, naming the tensor, not on the device.

use tinyae_core::ir::{Model, Storage};
use tinyae_core::{Error, ErrorKind, Errors};

/// Every reason the model cannot be generated yet.
pub fn check(model: &Model) -> Result<(), Errors> {
    let mut errors = Vec::new();
    for layer in &model.layers {
        for tensor in layer.op.tensors() {
            if tensor.storage != Storage::F32 {
                errors.push(
                    Error::new(
                        ErrorKind::Unsupported,
                        format!(
                            "tensor `{}` of layer `{}` is stored as {}, expected F32: this version of tinyae generates f32 code only",
                            tensor.key,
                            layer.name,
                            tensor.storage.dtype_name()
                        ),
                    )
                    .help("save the weights as F32 (e.g. `tensor.float()` in PyTorch)"),
                );
            }
        }
    }
    match Errors::from_vec(errors) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
