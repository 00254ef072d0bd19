tinyae::autoencoder!(pub SensorAe = "fixtures/bad/unknown_activation.safetensors");

include!("api/by_value.rs");
