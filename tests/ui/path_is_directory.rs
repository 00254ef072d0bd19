tinyae::autoencoder!(pub SensorAe = "fixtures/bad");

fn main() {}
