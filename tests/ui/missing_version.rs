tinyae::autoencoder!(pub SensorAe = "fixtures/bad/missing_version.safetensors");

fn main() {}
