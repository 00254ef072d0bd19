tinyae::autoencoder!(pub SensorAe = "fixtures/bad/duplicate_layer_names.safetensors");

fn main() {}
