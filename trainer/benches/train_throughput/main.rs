//! Training throughput of tinyae next to Keras (TensorFlow) and PyTorch, in one run on the same
//! machine, data and batch size: the dense MNIST autoencoder (`configs/mnist.toml`), the
//! convolutional one (`configs/mnist_conv.toml`) and the ECG5000 LSTM autoencoder
//! (`configs/ecg5000_lstm.toml`). Not part of the test suite.
//!
//! ```text
//! cargo bench -p tinyae-trainer                                   # all three, 2 rounds
//! cargo bench -p tinyae-trainer --bench train_throughput -- --rounds 3 --only conv --threads 2
//! TINYAE_PYTHON=.venv/bin/python cargo bench -p tinyae-trainer    # the peers' interpreter
//! ```
//!
//! Each config's training rows are prepared by the trainer's own pipeline (loading, split,
//! scaling) and handed to `trainer/benches/train_throughput/peers.py` as raw f32, so every engine trains on the
//! same values with the config's optimizer, learning rate, loss and batch size, on the same
//! number of threads. Each round times every engine once, after a warm-up epoch; the table
//! shows each engine's best round (the machine is shared, so slower rounds measure the
//! neighbours). Without Python, TensorFlow or PyTorch the column shows `-` and the reason is
//! printed.

use std::path::Path;
use std::time::Instant;

mod peer;

use peer::{cpu_seconds, Job, Peer, Rates};

use tinyae_trainer::config::Config;
use tinyae_trainer::net::Net;
use tinyae_trainer::pipeline::{prepare, Prepared};
use tinyae_trainer::train::{fit, Settings, Silent, State};

/// One model to time.
struct Workload {
    /// Key for peers.py and `--only`.
    key: &'static str,
    /// Shown in the table.
    label: &'static str,
    config: &'static str,
    /// Training rows used (at most what the config yields).
    rows: usize,
    /// Timed passes over them.
    epochs: usize,
    /// The issue's goal for tinyae / Keras.
    goal: f64,
}

const WORKLOADS: [Workload; 3] = [
    Workload {
        key: "dense",
        label: "dense MNIST",
        config: "configs/mnist.toml",
        rows: 15_360,
        epochs: 1,
        goal: 1.5,
    },
    Workload {
        key: "conv",
        label: "conv MNIST",
        config: "configs/mnist_conv.toml",
        rows: 5_120,
        epochs: 1,
        goal: 1.0,
    },
    Workload {
        key: "lstm",
        label: "LSTM ECG5000",
        config: "configs/ecg5000_lstm.toml",
        rows: 234,
        epochs: 4,
        goal: 1.0,
    },
];

/// Rows of each workload's warm-up epoch.
const WARMUP_ROWS: usize = 512;

struct Args {
    rounds: usize,
    threads: usize,
    only: Option<String>,
    python: String,
}

fn args() -> Args {
    let mut a = Args {
        rounds: 2,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()).min(2),
        only: None,
        python: std::env::var("TINYAE_PYTHON").unwrap_or_else(|_| "python3".into()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => a.rounds = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.rounds),
            "--threads" => a.threads = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.threads),
            "--only" => a.only = it.next(),
            _ => {} // cargo passes `--bench`
        }
    }
    a
}

fn main() {
    let a = args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                Some(l.strip_prefix("model name")?.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!("{cpu}; {} threads per engine, best of {} rounds", a.threads, a.rounds);
    let mut results = Vec::new();
    for w in WORKLOADS.iter().filter(|w| a.only.as_deref().is_none_or(|o| o == w.key)) {
        results.push((w, run(&a, &root, w)));
    }
    let ratio = |ours: f64, theirs: f64| {
        if theirs > 0.0 {
            format!("{:.2}x", ours / theirs)
        } else {
            "-".into()
        }
    };
    let rate = |r: f64| if r > 0.0 { format!("{r:.0}") } else { "-".into() };
    for (title, cpu) in [
        ("samples per second (wall clock)", false),
        (
            "samples per CPU-second (all threads: efficiency, independent of the machine's load)",
            true,
        ),
    ] {
        println!("\n{title}");
        println!(
            "{:<14} {:>5} {:>9} {:>9} {:>9} {:>8} {:>8} {:>7}",
            "model", "batch", "tinyae", "Keras", "PyTorch", "÷Keras", "÷PyTorch", "goal"
        );
        for (w, (batch, [ours, keras, torch])) in &results {
            let pick = |r: &Rates| if cpu { r.cpu } else { r.wall };
            let goal = if cpu { String::new() } else { format!(">={}x", w.goal) };
            println!(
                "{:<14} {:>5} {:>9} {:>9} {:>9} {:>8} {:>8} {:>7}",
                w.label,
                batch,
                rate(pick(ours)),
                rate(pick(keras)),
                rate(pick(torch)),
                ratio(pick(ours), pick(keras)),
                ratio(pick(ours), pick(torch)),
                goal
            );
        }
    }
}

fn run(a: &Args, root: &Path, w: &Workload) -> (usize, [Rates; 3]) {
    let config = Config::load(&root.join(w.config)).expect("the bundled config loads");
    let mut p = prepare(&config).expect("the bundled data loads");
    let rows = w.rows.min(p.train.len());
    p.train = p.train.select(&(0..rows).collect::<Vec<_>>());
    let data_file =
        std::env::temp_dir().join(format!("tinyae-bench-{}-{}.f32", w.key, std::process::id()));
    let bytes: Vec<u8> = p.train.x.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&data_file, bytes).expect("temp file");
    let t = &config.train;
    let job = Job {
        python: a.python.clone(),
        script: root.join("trainer/benches/train_throughput/peers.py"),
        model: w.key,
        data: data_file.clone(),
        rows: p.train.len(),
        epochs: w.epochs,
        warmup: WARMUP_ROWS,
        batch: t.batch_size,
        optimizer: format!("{:?}", t.optimizer).to_lowercase(),
        learning_rate: t.learning_rate,
        loss: format!("{:?}", t.loss).to_lowercase(),
        threads: a.threads,
        params: Net::new(&p.arch, config.seed).param_count(),
    };
    let (mut ours, mut keras, mut torch) = (Rates::default(), Peer::default(), Peer::default());
    for _ in 0..a.rounds {
        ours.keep_best(tinyae_rate(&p, w.epochs, a.threads));
        keras.run(&job, "keras");
        torch.run(&job, "torch");
    }
    let _ = std::fs::remove_file(&data_file);
    for (name, peer) in [("Keras", &keras), ("PyTorch", &torch)] {
        if let Some(why) = &peer.failed {
            println!("{}: {name} not run: {why}", w.label);
        }
        if let Some(note) = &peer.note {
            println!("{}: {name}: {note}", w.label);
        }
    }
    (p.settings.batch_size, [ours, keras.best, torch.best])
}

/// Samples per second over `epochs` passes (shuffle, forward, backward, update), after one
/// warm-up pass over the first rows.
fn tinyae_rate(p: &Prepared, epochs: usize, threads: usize) -> Rates {
    let settings = Settings { epochs, early_stopping: None, ..p.settings.clone() };
    let warm = p.train.select(&(0..WARMUP_ROWS.min(p.train.len())).collect::<Vec<_>>());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    pool.install(|| {
        let mut net = Net::new(&p.arch, p.settings.seed);
        let warm_settings = Settings { epochs: 1, ..settings.clone() };
        let mut state = State::new(&net, settings.optimizer);
        fit(&mut net, &warm, None, &warm_settings, &mut state, &mut Silent).expect("warm-up");
        let mut state = State::new(&net, settings.optimizer);
        let (started, cpu) = (Instant::now(), cpu_seconds());
        fit(&mut net, &p.train, None, &settings, &mut state, &mut Silent).expect("timed epochs");
        let samples = (p.train.len() * epochs) as f64;
        let cpu = cpu_seconds() - cpu;
        Rates {
            wall: samples / started.elapsed().as_secs_f64(),
            cpu: if cpu > 0.0 { samples / cpu } else { 0.0 },
        }
    })
}
