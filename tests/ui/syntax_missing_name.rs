tinyae::autoencoder!(pub = "fixtures/sensor.safetensors");

fn main() {}
