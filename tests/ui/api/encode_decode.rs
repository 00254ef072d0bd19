// A UI case's `SensorAe`, used through `encode`, `decode` and `anomaly_score` chained: the macro's
// stand-in type must serve this use without a second error. Included by several `tests/ui/*.rs`.

fn main() {
    let x = [0.12_f32, 61.0, 101.3];
    let z = SensorAe::encode(&x);
    let y = SensorAe::decode(&z);
    println!("{} {}", z[0], y[0] + SensorAe::anomaly_score(&x));
}
