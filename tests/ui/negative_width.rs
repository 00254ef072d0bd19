tinyae::autoencoder!(pub SensorAe = "fixtures/bad/negative_width.safetensors");

fn main() {}
