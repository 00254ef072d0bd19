tinyae::autoencoder!(pub SensorAe = "fixtures/bad/empty.safetensors");

fn main() {}
