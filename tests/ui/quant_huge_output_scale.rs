tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_huge_output_scale.safetensors");

fn main() {}
