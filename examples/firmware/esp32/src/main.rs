//! tinyae on an ESP32: the shipped sensor, ECG5000 and MNIST autoencoders, their outputs, and
//! the time one inference takes on the chip.
//!
//! Build and flash with Espressif's toolchain (`espup install`, then `cargo run --release`);
//! docs/FIRMWARE.md ("ESP32 (Xtensa) with esp-hal") has every step. The printed bit patterns
//! are the same as the host's (`cargo test -p tinyae-tests --test firmware` checks the same
//! code on emulated Cortex-M and RISC-V cores).
#![no_std]
#![no_main]

use esp_backtrace as _;
use esp_hal::main;
use esp_hal::time::Instant;
use esp_println::println;
use tinyae::AnomalyDetector;

esp_bootloader_esp_idf::esp_app_desc!();

// Paths are relative to this crate's Cargo.toml.
tinyae::autoencoder!(pub SensorAe = "../../../models/sensor.safetensors");
tinyae::autoencoder!(pub EcgAe = "../../../models/ecg5000.safetensors");
tinyae::autoencoder!(pub MnistAe = "../../../models/mnist.safetensors");

/// Inferences per timing.
const REPEAT: u32 = 20;

#[main]
fn main() -> ! {
    let _peripherals = esp_hal::init(esp_hal::Config::default());

    // Readings in user units (vibration g RMS, temperature °C, pressure kPa): the scaling is
    // built in. The second is a bearing fault from data/sensor/sensor_test.csv.
    for x in [[0.12_f32, 61.0, 101.3], [0.2133, 68.09, 101.73]] {
        let z = SensorAe::encode(&x);
        let score = SensorAe::anomaly_score(&x);
        let anomaly = SensorAe::is_anomaly(&x);
        println!(
            "sensor: {:?} latent {:?} score {} ({:08x}) anomaly {}",
            x,
            z,
            score,
            score.to_bits(),
            anomaly
        );
    }

    // The inputs are locals, on the stack, as the buffers are.
    let beat = [0.25_f32; 140]; // a flat line: not a heartbeat
    time::<EcgAe, 140, 8>("ecg", &beat);
    let image = [128.0_f32; 784]; // uniform grey: not a digit
    time::<MnistAe, 784, 32>("mnist", &image);

    #[allow(clippy::empty_loop)]
    loop {}
}

/// Times `REPEAT` anomaly scores of `x` by `M` and prints the score, its bits, the time one
/// inference takes and the model's MACs as `<name>: score …`.
fn time<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(name: &str, x: &[f32; N]) {
    // The `*_into` functions keep their buffers where the caller says: here on the stack.
    let mut scratch = M::new_scratch();
    let mut y = [0.0_f32; N];
    let start = Instant::now();
    let mut score = 0.0;
    for _ in 0..REPEAT {
        score = M::anomaly_score_into(x, &mut scratch, &mut y);
    }
    let us = start.elapsed().as_micros();
    println!(
        "{}: score {} ({:08x}), {} µs per inference, {} MACs",
        name,
        score,
        score.to_bits(),
        us / u64::from(REPEAT),
        M::MACS
    );
}
