tinyae::autoencoder!(pub SensorAe = "fixtures/bad/vae_without_gaussian_head.safetensors");

fn main() {}
