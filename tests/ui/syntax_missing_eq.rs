tinyae::autoencoder!(pub SensorAe "fixtures/sensor.safetensors");

include!("api/by_value.rs");
