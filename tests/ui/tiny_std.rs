tinyae::autoencoder!(pub SensorAe = "fixtures/bad/tiny_std.safetensors");

fn main() {}
