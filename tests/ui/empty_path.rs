tinyae::autoencoder!(pub SensorAe = "");

include!("api/encode_decode.rs");
