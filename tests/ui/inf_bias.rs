tinyae::autoencoder!(pub SensorAe = "fixtures/bad/inf_bias.safetensors");

fn main() {}
