tinyae::autoencoder!(pub SensorAe = "fixtures/bad/shape_chain.safetensors");

include!("api/by_value.rs");
