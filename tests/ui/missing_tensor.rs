tinyae::autoencoder!(pub SensorAe = "fixtures/bad/missing_tensor.safetensors");

include!("api/encode_decode.rs");
