tinyae::autoencoder!(pub SensorAe = "fixtures/bad/byte_length.safetensors");

fn main() {}
