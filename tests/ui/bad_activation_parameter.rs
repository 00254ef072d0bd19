tinyae::autoencoder!(pub SensorAe = "fixtures/bad/bad_activation_parameter.safetensors");

fn main() {}
