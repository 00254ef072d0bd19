//! The size constants the `model` line reports, in its order. The host test
//! (`tests/tests/firmware.rs`) includes this file to compute the same line.

use tinyae::ModelInfo;

/// `(key, value)` of each constant of the generated type `M`.
pub fn model_constants<M: ModelInfo>() -> [(&'static str, usize); 6] {
    [
        ("macs", M::MACS),
        ("weight_bytes", M::WEIGHT_BYTES),
        ("scratch_len", M::SCRATCH_LEN),
        ("buffer_bytes", M::BUFFER_BYTES),
        ("stack_bytes", M::STACK_BYTES),
        ("frame_bytes", M::FRAME_BYTES),
    ]
}
