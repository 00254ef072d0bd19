tinyae::autoencoder!(pub SensorAe = "fixtures/bad/plain_safetensors.safetensors");

include!("api/by_value.rs");
