tinyae::autoencoder!(pub SensorAe = "fixtures/bad/signed_version.safetensors");

fn main() {}
