tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_zero_point_range.safetensors");

fn main() {}
