tinyae::autoencoder!(pub SensorAe = "fixtures/sensor.safetensors" unroll = full);

include!("api/by_value.rs");
