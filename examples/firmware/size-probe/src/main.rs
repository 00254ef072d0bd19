//! The flash size probe: with one model-variant feature, one `anomaly_score_into` call of that
//! model on an input the optimizer cannot see, with the result kept alive; with none, the same
//! binary without a model (the baseline `scripts/size-probe.py` subtracts). The model's
//! `WEIGHT_BYTES` is exported as the symbol `TINYAE_PROBE_WEIGHT_BYTES` (4 bytes in both
//! builds) for the script to read.
#![no_std]
#![no_main]

// `tinyae-firmware` is linked for its panic handler: a panic path left in the image fails the
// link, as in the firmware.
use tinyae_firmware as _;

/// `feature => (path, input length)` for every variant: the selected one becomes `model`, its
/// `Model`, its `WEIGHT_BYTES` and its measured work; with none, `model` is the baseline.
macro_rules! variants {
    ($($feature:literal => $file:literal, $n:literal;)*) => {
        $(
            #[cfg(feature = $feature)]
            mod model {
                tinyae::autoencoder!(pub Model = $file);
                pub const WEIGHT_BYTES: u32 = Model::WEIGHT_BYTES as u32;

                /// One `anomaly_score_into`.
                pub fn probe() {
                    use core::hint::black_box;
                    let x = black_box([0.0f32; $n]);
                    let mut scratch = Model::new_scratch();
                    let mut y = [0.0f32; $n];
                    black_box(Model::anomaly_score_into(&x, &mut scratch, &mut y));
                }
            }
        )*

        /// The baseline: no model, no work.
        #[cfg(not(any($(feature = $feature),*)))]
        mod model {
            pub const WEIGHT_BYTES: u32 = 0;
            pub fn probe() {}
        }
    };
}

variants! {
    "ecg5000-f32" => "../../../models/ecg5000.safetensors", 140;
    "ecg5000-f16" => "../../../models/ecg5000.f16.safetensors", 140;
    "ecg5000-int8" => "../../../models/ecg5000.int8.safetensors", 140;
    "ecg5000-pruned80" => "../../../models/ecg5000.pruned80.safetensors", 140;
    "ecg5000-pruned80-int8" => "../../../models/ecg5000.pruned80.int8.safetensors", 140;
    "mnist-f32" => "../../../models/mnist.safetensors", 784;
    "mnist-f16" => "../../../models/mnist.f16.safetensors", 784;
    "mnist-int8" => "../../../models/mnist.int8.safetensors", 784;
    "mnist-pruned80" => "../../../models/mnist.pruned80.safetensors", 784;
    "mnist-pruned80-int8" => "../../../models/mnist.pruned80.int8.safetensors", 784;
    "nab-f32" => "../../../models/nab_machine_temperature.safetensors", 48;
    "nab-f16" => "../../../models/nab_machine_temperature.f16.safetensors", 48;
    "nab-int8" => "../../../models/nab_machine_temperature.int8.safetensors", 48;
    "nab-pruned80" => "../../../models/nab_machine_temperature.pruned80.safetensors", 48;
    "nab-pruned80-int8" => "../../../models/nab_machine_temperature.pruned80.int8.safetensors", 48;
}

/// The model's `WEIGHT_BYTES` (0 in the baseline), for the script.
#[no_mangle]
#[used]
pub static TINYAE_PROBE_WEIGHT_BYTES: u32 = model::WEIGHT_BYTES;

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    // The measured work: one `anomaly_score_into` (nothing without a model).
    model::probe();
    #[allow(clippy::empty_loop)]
    loop {}
}
