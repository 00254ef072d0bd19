tinyae::autoencoder!(pub SensorAe = "fixtures/bad/zero_dim.safetensors");

include!("api/constants.rs");
