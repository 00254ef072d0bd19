// A UI case's `SensorAe`, used through the `_into` functions with the caller's scratch: the
// macro's stand-in type must serve this use without a second error. Included by several
// `tests/ui/*.rs`.

fn main() {
    let x = [0.12_f32, 61.0, 101.3];
    let mut scratch = SensorAe::new_scratch();
    let mut z = [0.0_f32; SensorAe::LATENT_LEN];
    SensorAe::encode_into(&x, &mut scratch, &mut z);
    let mut y = [0.0_f32; 3];
    let score = SensorAe::anomaly_score_into(&x, &mut scratch, &mut y);
    println!("{z:?} {y:?} {score}");
}
