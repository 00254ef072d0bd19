tinyae::autoencoder!(pub SensorAe = "fixtures/bad/transposed_weight.safetensors");

include!("api/by_value.rs");
