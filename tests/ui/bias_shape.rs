tinyae::autoencoder!(pub SensorAe = "fixtures/bad/bias_shape.safetensors");

fn main() {}
