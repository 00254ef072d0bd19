tinyae::autoencoder!(pub SensorAe = "fixtures/bad/missing_graph.safetensors");

fn main() {}
