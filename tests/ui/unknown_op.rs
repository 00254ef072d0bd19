tinyae::autoencoder!(pub SensorAe = "fixtures/bad/unknown_op.safetensors");

fn main() {}
