tinyae::autoencoder!(pub SensorAe = "fixtures/bad/negative_threshold.safetensors");

include!("api/by_value.rs");
