tinyae::autoencoder!(pub SensorAe = "fixtures/bad/nan_weight.safetensors");

include!("api/into.rs");
