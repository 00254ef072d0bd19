tinyae::autoencoder!(pub SensorAe = "fixtures/bad/latent_is_last_layer.safetensors");

fn main() {}
