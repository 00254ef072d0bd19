//! int8, f16/bf16 and pruned models on QEMU's Cortex-M4F (`mps2-an386`) and riscv32imc
//! (`virt`). Prints, per model and test vector, `out <model> <function> <k> <hex>...` (f32
//! bit patterns, or int8 values as hex words) and one `bench <model> <function> <k>` per
//! counted region (`tinyae_firmware::bench`); `tests/tests/quant_firmware.rs` compares the
//! outputs with the reference interpreter, `scripts/quant-measure.py` reads the counts.
#![no_std]
#![no_main]

use core::hint::black_box;

use tinyae::Autoencoder;
use tinyae_firmware::{bench, Console};

mod vectors {
    include!(concat!(env!("OUT_DIR"), "/vectors.rs"));
}

/// Every model variant: `(name, type)`; the types live in `models`.
macro_rules! variants {
    ($($feature:literal { $($name:ident = $file:literal $(, $opt:ident = $val:ident)?;)* })*) => {
        mod models {
            $($(
                #[cfg(feature = $feature)]
                tinyae::autoencoder!(pub $name = $file $(, $opt = $val)?);
            )*)*
        }
    };
}

variants! {
    "ecg" {
        EcgF32 = "../../models/ecg5000.safetensors";
        EcgF16 = "../../models/ecg5000.f16.safetensors";
        EcgInt8 = "../../models/ecg5000.int8.safetensors";
        EcgPruned = "../../models/ecg5000.pruned80.safetensors";
        EcgPrunedFull = "../../models/ecg5000.pruned80.safetensors", unroll = full;
        EcgFull = "../../models/ecg5000.safetensors", unroll = full;
        EcgPrunedInt8 = "../../models/ecg5000.pruned80.int8.safetensors";
        EcgPrunedInt8Full = "../../models/ecg5000.pruned80.int8.safetensors", unroll = full;
        EcgInt8Full = "../../models/ecg5000.int8.safetensors", unroll = full;
    }
    "mnist" {
        MnistF32 = "../../models/mnist.safetensors";
        MnistF16 = "../../models/mnist.f16.safetensors";
        MnistInt8 = "../../models/mnist.int8.safetensors";
        MnistPruned = "../../models/mnist.pruned80.safetensors";
        MnistPrunedInt8 = "../../models/mnist.pruned80.int8.safetensors";
        // The tutorials' Keras model as a full-integer .tflite, imported (docs/IMPORT.md).
        MnistTfliteInt8 = "../../tests/fixtures/import/keras_mnist_int8_calibrated.safetensors";
    }
}

fn out(c: &mut impl Console, model: &str, function: &str, k: usize, values: &[f32]) {
    c.result(model, function, k, values.iter().map(|v| v.to_bits()));
}

fn out_q(c: &mut impl Console, model: &str, function: &str, k: usize, values: &[i8]) {
    c.result(model, function, k, values.iter().map(|v| *v as u8 as u32));
}

fn label(c: &mut impl Console, model: &str, function: &str, k: usize) {
    c.str("bench ");
    c.str(model);
    c.str(" ");
    c.str(function);
    c.dec(k);
    c.str("\n");
}

#[inline(never)]
fn once<M: Autoencoder<N, L>, const N: usize, const L: usize>(
    x: &[f32; N],
    s: &mut M::Scratch,
    y: &mut [f32; N],
) {
    M::reconstruct_into(black_box(x), s, y);
}

/// Every input: the reconstruction (printed), then one counted `reconstruct_into` per input.
fn f32_api<M: Autoencoder<N, L>, const N: usize, const L: usize>(
    c: &mut impl Console,
    name: &str,
    inputs: &[[f32; N]],
) {
    let mut s = M::new_scratch();
    let mut y = [0.0f32; N];
    for (k, x) in inputs.iter().enumerate() {
        M::reconstruct_into(x, &mut s, &mut y);
        out(c, name, "reconstruct_into", k, &y);
        out(c, name, "score", k, &[M::anomaly_score_into(x, &mut s, &mut y)]);
    }
    for (k, x) in inputs.iter().enumerate() {
        bench(|| once::<M, N, L>(x, &mut s, &mut y));
        label(c, name, "reconstruct_into", k);
    }
    black_box(&y);
}

/// The int8 core of an int8 model: `reconstruct_q` printed and counted.
macro_rules! int8_api {
    ($c:expr, $m:ty, $name:literal, $inputs:expr, $n:literal) => {{
        #[inline(never)]
        fn once_q(x: &[i8; $n], s: &mut <$m as tinyae::ModelInfo>::Scratch, y: &mut [i8; $n]) {
            <$m>::reconstruct_q(black_box(x), s, y);
        }
        let mut s = <$m>::new_scratch();
        let mut y = [0i8; $n];
        let mut q = [0i8; $n];
        for (k, x) in $inputs.iter().enumerate() {
            <$m>::quantize_input(x, &mut q);
            <$m>::reconstruct_q(&q, &mut s, &mut y);
            out_q($c, $name, "reconstruct_q", k, &y);
            bench(|| once_q(&q, &mut s, &mut y));
            label($c, $name, "reconstruct_q", k);
        }
        black_box(&y);
    }};
}

/// With `feature` on, on `inputs` (N values, L-value codes): [`f32_api`] for each `Type "name"`
/// of the f32 list, then `int8_api!` for each of the int8 list, in order.
macro_rules! variants_run {
    ($c:ident, $feature:literal, $inputs:expr, $n:literal, $l:literal;
     f32: $($f:ident $f_name:literal),+;
     int8: $($q:ident $q_name:literal),+) => {
        #[cfg(feature = $feature)]
        {
            use models::*;
            let x = $inputs;
            $(f32_api::<$f, $n, $l>($c, $f_name, x);)+
            $(int8_api!($c, $q, $q_name, x, $n);)+
        }
    };
}

fn run(c: &mut impl Console) {
    c.str("tinyae-quant-firmware 1\n");
    bench(|| ());
    c.str("bench empty empty 0\n");
    variants_run!(c, "ecg", &vectors::ECG, 140, 8;
        f32: EcgF32 "ecg_f32", EcgFull "ecg_f32_full", EcgF16 "ecg_f16", EcgInt8 "ecg_int8",
            EcgInt8Full "ecg_int8_full", EcgPruned "ecg_pruned80",
            EcgPrunedFull "ecg_pruned80_full", EcgPrunedInt8 "ecg_pruned80_int8",
            EcgPrunedInt8Full "ecg_pruned80_int8_full";
        int8: EcgInt8 "ecg_int8", EcgInt8Full "ecg_int8_full",
            EcgPrunedInt8 "ecg_pruned80_int8", EcgPrunedInt8Full "ecg_pruned80_int8_full");
    variants_run!(c, "mnist", &vectors::MNIST, 784, 32;
        f32: MnistF32 "mnist_f32", MnistF16 "mnist_f16", MnistInt8 "mnist_int8",
            MnistPruned "mnist_pruned80", MnistPrunedInt8 "mnist_pruned80_int8",
            MnistTfliteInt8 "mnist_tflite_int8";
        int8: MnistInt8 "mnist_int8", MnistPrunedInt8 "mnist_pruned80_int8",
            MnistTfliteInt8 "mnist_tflite_int8");
    c.str("end\n");
}

#[cfg(target_arch = "arm")]
#[cortex_m_rt::entry]
fn main() -> ! {
    use tinyae_firmware::semihosting::{exit, HostConsole};
    let mut console = HostConsole::open();
    run(&mut console);
    exit(true)
}

#[cfg(target_arch = "riscv32")]
mod board {
    use tinyae_firmware::Console;

    /// The virt machine's 16550 UART.
    const UART: usize = 0x1000_0000;
    /// The sifive_test device: 0x5555 ends QEMU with status 0.
    const TEST_DEVICE: usize = 0x10_0000;

    pub struct Uart;

    impl Console for Uart {
        fn write(&mut self, bytes: &[u8]) {
            for b in bytes {
                // SAFETY: the transmit register of QEMU's UART, which accepts every write.
                unsafe { (UART as *mut u8).write_volatile(*b) };
            }
        }
    }

    pub fn exit() -> ! {
        // SAFETY: the test device's only register.
        unsafe { (TEST_DEVICE as *mut u32).write_volatile(0x5555) };
        #[allow(clippy::empty_loop)]
        loop {}
    }
}

#[cfg(target_arch = "riscv32")]
#[riscv_rt::entry]
fn main() -> ! {
    super_run();
    board::exit()
}

#[cfg(target_arch = "riscv32")]
fn super_run() {
    run(&mut board::Uart);
}
