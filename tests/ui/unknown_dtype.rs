tinyae::autoencoder!(pub SensorAe = "fixtures/bad/unknown_dtype.safetensors");

fn main() {}
