tinyae::autoencoder!(pub SensorAe = "fixtures/bad/conv2d_with_dense_fields.safetensors");

include!("api/encode_decode.rs");
