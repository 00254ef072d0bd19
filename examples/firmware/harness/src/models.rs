//! The models and their test vectors (`vectors/<model>.json`). Paths are relative to this
//! crate's directory.

/// The shipped sensor model: vibration, temperature, pressure → 2 → 3.
#[cfg(feature = "sensor")]
pub mod sensor {
    tinyae::autoencoder!(pub Model = "../../../models/sensor.safetensors");
    include!(concat!(env!("OUT_DIR"), "/sensor.rs"));
}

/// The shipped ECG5000 model: 140 → 32 → 16 → 8 → 16 → 32 → 140.
#[cfg(feature = "ecg5000")]
pub mod ecg5000 {
    tinyae::autoencoder!(pub Model = "../../../models/ecg5000.safetensors");
    include!(concat!(env!("OUT_DIR"), "/ecg5000.rs"));
}

/// The shipped MNIST model: 784 → 128 → 64 → 32 → 64 → 128 → 784.
#[cfg(feature = "mnist")]
pub mod mnist {
    tinyae::autoencoder!(pub Model = "../../../models/mnist.safetensors");
    include!(concat!(env!("OUT_DIR"), "/mnist.rs"));
}

/// The shipped sensor model with `fma = true`: its unrolled layers' `vfma.f32` (one rounding),
/// on the sensor vectors; the host's fused code and the reference's `mul_add` agree bit for bit.
#[cfg(feature = "sensor_fma")]
pub mod sensor_fma {
    tinyae::autoencoder!(pub Model = "../../../models/sensor.safetensors", fma = true);
    pub use super::sensor::{INPUTS, LATENTS};
}

/// The shipped MNIST model with `fma = true`: the blocked kernel's `vfma.f32` micro-kernel, on
/// the MNIST vectors.
#[cfg(feature = "mnist_fma")]
pub mod mnist_fma {
    tinyae::autoencoder!(pub Model = "../../../models/mnist.safetensors", fma = true);
    pub use super::mnist::{INPUTS, LATENTS};
}

/// The ECG-sized test fixture with one layer per activation (leaky_relu, elu, tanh, softplus,
/// hard_sigmoid, linear), so every activation runs on every target.
#[cfg(feature = "activations")]
pub mod activations {
    tinyae::autoencoder!(pub Model = "../../../tests/fixtures/ecg.safetensors");
    include!(concat!(env!("OUT_DIR"), "/activations.rs"));
}

/// The shipped convolutional MNIST model: [1, 28, 28] → conv, pool, conv, pool → [16, 7, 7] →
/// two transposed convolutions → conv → [1, 28, 28].
#[cfg(any(feature = "mnist_conv", feature = "mnist_conv_into"))]
pub mod mnist_conv {
    tinyae::autoencoder!(pub Model = "../../../models/mnist_conv.safetensors");
    include!(concat!(env!("OUT_DIR"), "/mnist_conv.rs"));
}

/// A Keras model imported from `.tflite` (the tutorials' dense ECG autoencoder 140-32-16-8,
/// `tinyae import … --calibrate`, docs/IMPORT.md): the import path on a microcontroller.
#[cfg(feature = "keras_ecg")]
pub mod keras_ecg {
    tinyae::autoencoder!(pub Model = "../../../tests/fixtures/import/keras_ecg_calibrated.safetensors");
    include!(concat!(env!("OUT_DIR"), "/keras_ecg.rs"));
}

/// The shipped LSTM ECG5000 model: [140, 1] → LSTM (32, last state) → repeat → LSTM (32) →
/// dense at every step → [140, 1].
#[cfg(feature = "ecg5000_lstm")]
pub mod ecg5000_lstm {
    tinyae::autoencoder!(pub Model = "../../../models/ecg5000_lstm.safetensors");
    include!(concat!(env!("OUT_DIR"), "/ecg5000_lstm.rs"));
}

/// The shipped NAB machine_temperature window model (48 readings of one value), streamed one
/// reading at a time through its generated `stream_score_into`.
#[cfg(feature = "nab_stream")]
pub mod nab_stream {
    // The vectors are readings; no latent codes are decoded.
    #![allow(dead_code)]
    tinyae::autoencoder!(pub Model = "../../../models/nab_machine_temperature.safetensors");
    include!(concat!(env!("OUT_DIR"), "/nab_stream.rs"));
}

/// The encoder-only part of the shipped MNIST model (784 → 128 → 64 → 32), on the MNIST test
/// vectors: what a device runs to compress a digit to 32 values.
#[cfg(feature = "mnist_encoder")]
pub mod mnist_encoder {
    tinyae::autoencoder!(pub Model = "../../../models/mnist.safetensors", parts = encoder);
    pub use super::mnist::INPUTS;
}

/// The encoder part of the shipped MNIST VAE with a 16-value latent (784 → 256 → μ, log σ²):
/// `encode` (μ) and `sample_latent` with the device's noise, on the MNIST test vectors.
#[cfg(feature = "mnist_vae16")]
pub mod mnist_vae16 {
    tinyae::autoencoder!(pub Model = "../../../models/mnist_vae16.safetensors", parts = encoder);
    pub use super::mnist::INPUTS;
}
