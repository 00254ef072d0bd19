tinyae::autoencoder!(pub SensorAe = "fixtures/bad/softplus_tiny_beta.safetensors");

fn main() {}
