tinyae::autoencoder!(pub SensorAe = "fixtures/bad/not_safetensors.safetensors");

include!("api/by_value.rs");
