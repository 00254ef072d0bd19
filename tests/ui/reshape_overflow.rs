tinyae::autoencoder!(pub SensorAe = "fixtures/bad/reshape_overflow.safetensors");

fn main() {}
