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

/// `feature => (path, input length)` for every variant; the selected one becomes `Model`.
macro_rules! variants {
    ($($feature:literal => $file:literal, $n:literal;)*) => {
        $(
            #[cfg(feature = $feature)]
            mod model {
                tinyae::autoencoder!(pub Model = $file);
                pub const N: usize = $n;
            }
        )*
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
pub static TINYAE_PROBE_WEIGHT_BYTES: u32 = weight_bytes();

const fn weight_bytes() -> u32 {
    #[cfg(any(
        feature = "ecg5000-f32", feature = "ecg5000-f16", feature = "ecg5000-int8",
        feature = "ecg5000-pruned80", feature = "ecg5000-pruned80-int8", feature = "mnist-f32",
        feature = "mnist-f16", feature = "mnist-int8", feature = "mnist-pruned80",
        feature = "mnist-pruned80-int8", feature = "nab-f32", feature = "nab-f16",
        feature = "nab-int8", feature = "nab-pruned80", feature = "nab-pruned80-int8"
    ))]
    return model::Model::WEIGHT_BYTES as u32;
    #[allow(unreachable_code)]
    0
}

/// The measured work: one `anomaly_score_into` (nothing without a model).
fn probe() {
    #[cfg(any(
        feature = "ecg5000-f32", feature = "ecg5000-f16", feature = "ecg5000-int8",
        feature = "ecg5000-pruned80", feature = "ecg5000-pruned80-int8", feature = "mnist-f32",
        feature = "mnist-f16", feature = "mnist-int8", feature = "mnist-pruned80",
        feature = "mnist-pruned80-int8", feature = "nab-f32", feature = "nab-f16",
        feature = "nab-int8", feature = "nab-pruned80", feature = "nab-pruned80-int8"
    ))]
    {
        use core::hint::black_box;
        let x = black_box([0.0f32; model::N]);
        let mut scratch = model::Model::new_scratch();
        let mut y = [0.0f32; model::N];
        black_box(model::Model::anomaly_score_into(&x, &mut scratch, &mut y));
    }
}

#[cfg(target_arch = "arm")]
#[cortex_m_rt::entry]
fn main() -> ! {
    probe();
    #[allow(clippy::empty_loop)]
    loop {}
}

#[cfg(target_arch = "riscv32")]
#[riscv_rt::entry]
fn main() -> ! {
    probe();
    #[allow(clippy::empty_loop)]
    loop {}
}
