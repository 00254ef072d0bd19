tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_scale_shape.safetensors");

fn main() {}
