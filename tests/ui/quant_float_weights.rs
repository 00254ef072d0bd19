tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_float_weights.safetensors");

fn main() {}
