tinyae::autoencoder!(pub SensorAe = "fixtures/bad/several_problems.safetensors");

include!("api/encode_decode.rs");
