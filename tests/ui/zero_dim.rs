tinyae::autoencoder!(pub SensorAe = "fixtures/bad/zero_dim.safetensors");

static INPUT: [f32; SensorAe::INPUT_LEN] = [0.0; SensorAe::INPUT_LEN];
const RAM: usize = SensorAe::BUFFER_BYTES + SensorAe::SCRATCH_LEN * 4;

fn main() {
    println!("{INPUT:?} {RAM} {} {}", SensorAe::PARAMS, SensorAe::THRESHOLD);
}
