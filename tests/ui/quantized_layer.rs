tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quantized_layer.safetensors");

fn main() {}
