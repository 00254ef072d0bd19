tinyae::autoencoder!(pub SensorAe = "fixtures/bad/truncated.safetensors");

include!("api/encode_decode.rs");
