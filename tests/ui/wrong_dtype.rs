tinyae::autoencoder!(pub SensorAe = "fixtures/bad/wrong_dtype.safetensors");

fn main() {}
