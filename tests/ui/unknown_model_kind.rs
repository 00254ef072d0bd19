tinyae::autoencoder!(pub SensorAe = "fixtures/bad/unknown_model_kind.safetensors");

fn main() {}
