// A UI case's `SensorAe`, used through the by-value functions (`encode`, `is_anomaly`): the
// macro's stand-in type must serve this use without a second error. Included by several
// `tests/ui/*.rs`.

fn main() {
    let x = [0.12_f32, 61.0, 101.3];
    let z: [f32; 2] = SensorAe::encode(&x);
    if SensorAe::is_anomaly(&x) {
        println!("anomaly at {z:?}");
    }
}
