tinyae::autoencoder!(pub SensorAe = "fixtures/sensor.safetensors", speed = max);

include!("api/by_value.rs");
