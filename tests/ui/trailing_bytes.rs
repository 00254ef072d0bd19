tinyae::autoencoder!(pub SensorAe = "fixtures/bad/trailing_bytes.safetensors");

fn main() {}
