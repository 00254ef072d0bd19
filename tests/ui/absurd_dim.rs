tinyae::autoencoder!(pub SensorAe = "fixtures/bad/absurd_dim.safetensors");

fn main() {}
