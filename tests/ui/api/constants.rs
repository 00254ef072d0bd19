// A UI case's `SensorAe`, used through the size and RAM constants in a static and a const: the
// macro's stand-in type must serve this use without a second error. Included by several
// `tests/ui/*.rs`.

static INPUT: [f32; SensorAe::INPUT_LEN] = [0.0; SensorAe::INPUT_LEN];
const RAM: usize = SensorAe::BUFFER_BYTES + SensorAe::SCRATCH_LEN * 4;

fn main() {
    println!("{INPUT:?} {RAM} {} {}", SensorAe::PARAMS, SensorAe::THRESHOLD);
}
