tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_in_features.safetensors");

fn main() {}
