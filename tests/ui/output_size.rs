tinyae::autoencoder!(pub SensorAe = "fixtures/bad/output_size.safetensors");

fn main() {}
