tinyae::autoencoder!(pub SensorAe = "fixtures/bad/misspelt_key.safetensors");

fn main() {}
