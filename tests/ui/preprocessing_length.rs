tinyae::autoencoder!(pub SensorAe = "fixtures/bad/preprocessing_length.safetensors");

fn main() {}
