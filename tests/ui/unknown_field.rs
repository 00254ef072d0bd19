tinyae::autoencoder!(pub SensorAe = "fixtures/bad/unknown_field.safetensors");

include!("api/constants.rs");
