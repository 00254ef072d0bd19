tinyae::autoencoder!(pub SensorAe = "fixtures/sensor.safetensors", parts);

fn main() {}
