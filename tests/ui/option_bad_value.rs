tinyae::autoencoder!(pub SensorAe = "fixtures/sensor.safetensors", unroll = fast);

include!("api/into.rs");
