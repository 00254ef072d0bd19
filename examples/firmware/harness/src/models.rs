//! The models and their test vectors. Paths are relative to this crate's directory.
//!
//! The fixtures stand in until trained models are committed under `models/`; switching is a
//! change of the paths here and in `build.rs`.

#[cfg(feature = "sensor")]
pub mod sensor {
    tinyae::autoencoder!(pub Model = "../../../tests/fixtures/sensor.safetensors");
    include!(concat!(env!("OUT_DIR"), "/sensor.rs"));
}

#[cfg(feature = "ecg")]
pub mod ecg {
    tinyae::autoencoder!(pub Model = "../../../tests/fixtures/ecg.safetensors");
    include!(concat!(env!("OUT_DIR"), "/ecg.rs"));
}

#[cfg(feature = "mnist")]
pub mod mnist {
    tinyae::autoencoder!(pub Model = "../../../tests/fixtures/mnist.safetensors");
    include!(concat!(env!("OUT_DIR"), "/mnist.rs"));
}
