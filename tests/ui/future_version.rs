tinyae::autoencoder!(pub SensorAe = "fixtures/bad/future_version.safetensors");

include!("api/trait_bound.rs");
