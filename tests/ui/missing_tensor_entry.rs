tinyae::autoencoder!(pub SensorAe = "fixtures/bad/missing_tensor_entry.safetensors");

fn main() {}
