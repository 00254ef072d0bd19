//! The models and their test vectors (`vectors/<model>.json`). Paths are relative to this
//! crate's directory.

/// `name = "file" (options);` declares `pub mod name` with the generated `Model` and the test
/// vectors `build.rs` wrote for it (`INPUTS`, `LATENTS`); `..., vectors of other: ITEMS;` uses
/// model `other`'s vectors instead. Attributes (documentation, `cfg`) go on the module.
macro_rules! models {
    ($(#[$attr:meta])* $name:ident = $file:literal $(($($opt:tt)*))?; $($rest:tt)*) => {
        $(#[$attr])*
        pub mod $name {
            tinyae::autoencoder!(pub Model = $file $(, $($opt)*)?);
            include!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".rs"));
        }
        models!($($rest)*);
    };
    (
        $(#[$attr:meta])* $name:ident = $file:literal $(($($opt:tt)*))?,
        vectors of $other:ident: $($item:ident),+; $($rest:tt)*
    ) => {
        $(#[$attr])*
        pub mod $name {
            tinyae::autoencoder!(pub Model = $file $(, $($opt)*)?);
            pub use super::$other::{$($item),+};
        }
        models!($($rest)*);
    };
    () => {};
}

models! {
    /// The shipped sensor model: vibration, temperature, pressure → 2 → 3.
    #[cfg(feature = "sensor")]
    sensor = "../../../models/sensor.safetensors";

    /// The shipped ECG5000 model: 140 → 32 → 16 → 8 → 16 → 32 → 140.
    #[cfg(feature = "ecg5000")]
    ecg5000 = "../../../models/ecg5000.safetensors";

    /// The shipped MNIST model: 784 → 128 → 64 → 32 → 64 → 128 → 784.
    #[cfg(feature = "mnist")]
    mnist = "../../../models/mnist.safetensors";

    /// The shipped sensor model with `fma = true`: its unrolled layers' `vfma.f32` (one
    /// rounding), on the sensor vectors; the host's fused code and the reference's `mul_add`
    /// agree bit for bit.
    #[cfg(feature = "sensor_fma")]
    sensor_fma = "../../../models/sensor.safetensors" (fma = true),
        vectors of sensor: INPUTS, LATENTS;

    /// The shipped MNIST model with `fma = true`: the blocked kernel's `vfma.f32` micro-kernel, on
    /// the MNIST vectors.
    #[cfg(feature = "mnist_fma")]
    mnist_fma = "../../../models/mnist.safetensors" (fma = true),
        vectors of mnist: INPUTS, LATENTS;

    /// The ECG-sized test fixture with one layer per activation (leaky_relu, elu, tanh, softplus,
    /// hard_sigmoid, linear), so every activation runs on every target.
    #[cfg(feature = "activations")]
    activations = "../../../tests/fixtures/ecg.safetensors";

    /// The shipped convolutional MNIST model: [1, 28, 28] → conv, pool, conv, pool → [16, 7, 7] →
    /// two transposed convolutions → conv → [1, 28, 28].
    #[cfg(any(feature = "mnist_conv", feature = "mnist_conv_into"))]
    mnist_conv = "../../../models/mnist_conv.safetensors";

    /// A Keras model imported from `.tflite` (the tutorials' dense ECG autoencoder 140-32-16-8,
    /// `tinyae import … --calibrate`, docs/IMPORT.md): the import path on a microcontroller.
    #[cfg(feature = "keras_ecg")]
    keras_ecg = "../../../tests/fixtures/import/keras_ecg_calibrated.safetensors";

    /// The shipped LSTM ECG5000 model: [140, 1] → LSTM (32, last state) → repeat → LSTM (32) →
    /// dense at every step → [140, 1].
    #[cfg(feature = "ecg5000_lstm")]
    ecg5000_lstm = "../../../models/ecg5000_lstm.safetensors";

    /// The shipped NAB machine_temperature window model (48 readings of one value), streamed one
    /// reading at a time through its generated `stream_score_into`.
    #[cfg(feature = "nab_stream")]
    // The vectors are readings; no latent codes are decoded.
    #[allow(dead_code)]
    nab_stream = "../../../models/nab_machine_temperature.safetensors";

    /// The encoder-only part of the shipped MNIST model (784 → 128 → 64 → 32), on the MNIST test
    /// vectors: what a device runs to compress a digit to 32 values.
    #[cfg(feature = "mnist_encoder")]
    mnist_encoder = "../../../models/mnist.safetensors" (parts = encoder),
        vectors of mnist: INPUTS;

    /// The encoder part of the shipped MNIST VAE with a 16-value latent (784 → 256 → μ, log σ²):
    /// `encode` (μ) and `sample_latent` with the device's noise, on the MNIST test vectors.
    #[cfg(feature = "mnist_vae16")]
    mnist_vae16 = "../../../models/mnist_vae16.safetensors" (parts = encoder),
        vectors of mnist: INPUTS;
}
