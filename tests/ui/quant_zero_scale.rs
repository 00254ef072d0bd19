tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_zero_scale.safetensors");

fn main() {}
