tinyae::autoencoder!(pub SensorAe = "fixtures/bad/header_too_long.safetensors");

include!("api/into.rs");
