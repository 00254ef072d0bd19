tinyae::autoencoder!(pub SensorAe = "fixtures/bad/empty_graph.safetensors");

fn main() {}
