tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_missing_scales.safetensors");

fn main() {}
