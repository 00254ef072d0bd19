tinyae::autoencoder!(pub SensorAe = "fixtures/sensr.safetensors");

include!("api/by_value.rs");
