tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_mixed_precision.safetensors");

fn main() {}
