tinyae::autoencoder!(pub SensorAe = "fixtures/bad/absurd_input_shape.safetensors");

fn main() {}
