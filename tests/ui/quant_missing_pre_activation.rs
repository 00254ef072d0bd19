tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_missing_pre_activation.safetensors");

fn main() {}
