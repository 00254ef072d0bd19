//! The peers' side of the bench: runs `peers.py` (Keras or PyTorch) on the rows the Rust side
//! wrote, and the rates both sides report.

use std::path::PathBuf;
use std::process::Command;

/// Samples per second of wall-clock time and per second of CPU time (all threads); 0 when
/// not measured.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rates {
    /// Per wall-clock second.
    pub wall: f64,
    /// Per second of CPU time.
    pub cpu: f64,
}

impl Rates {
    /// Keeps the larger of each rate.
    pub fn keep_best(&mut self, r: Rates) {
        self.wall = self.wall.max(r.wall);
        self.cpu = self.cpu.max(r.cpu);
    }
}

/// This process's CPU time (user + system, all threads) in seconds, from /proc (Linux's
/// clock tick is 1/100 s); 0 elsewhere.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// What one peer run needs: the interpreter, the script, the data and the config's settings.
#[derive(Debug)]
pub struct Job {
    /// The Python interpreter.
    pub python: String,
    /// `peers.py`.
    pub script: PathBuf,
    /// `dense`, `conv` or `lstm`.
    pub model: &'static str,
    /// The rows, raw little-endian f32.
    pub data: PathBuf,
    /// Rows in `data`.
    pub rows: usize,
    /// Timed passes over them.
    pub epochs: usize,
    /// Rows of the warm-up pass.
    pub warmup: usize,
    /// The config's batch size, optimizer, learning rate and loss.
    pub batch: usize,
    pub optimizer: String,
    pub learning_rate: f32,
    pub loss: String,
    /// Threads per engine.
    pub threads: usize,
    /// tinyae's parameter count, checked against the peer's.
    pub params: usize,
}

/// A peer engine's best rate, or why it did not run.
#[derive(Default)]
pub struct Peer {
    /// The best rates seen.
    pub best: Rates,
    /// Why it could not run.
    pub failed: Option<String>,
    /// Its version and whether its parameter count matches.
    pub note: Option<String>,
}

impl Peer {
    /// Runs the peer once (unless it failed before) and keeps its best rates.
    pub fn run(&mut self, job: &Job, engine: &str) {
        if self.failed.is_some() {
            return;
        }
        let out = Command::new(&job.python)
            .arg(&job.script)
            .args(["--engine", engine, "--model", job.model])
            .args(["--data", &job.data.to_string_lossy(), "--rows", &job.rows.to_string()])
            .args(["--epochs", &job.epochs.to_string(), "--warmup", &job.warmup.to_string()])
            .args(["--batch", &job.batch.to_string(), "--optimizer", &job.optimizer])
            .args(["--lr", &job.learning_rate.to_string(), "--loss", &job.loss])
            .args(["--threads", &job.threads.to_string()])
            .output();
        let out = match out {
            Ok(out) => out,
            Err(e) => return self.failed = Some(format!("cannot run {}: {e}", job.python)),
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("failed");
            return self.failed = Some(format!(
                "{} (set TINYAE_PYTHON to a Python with numpy, torch and tensorflow-cpu)",
                last.trim()
            ));
        }
        let field = |key: &str| {
            stdout.lines().find_map(|l| l.strip_prefix(key)?.trim().parse::<f64>().ok())
        };
        match (field("samples_per_s="), field("samples_per_cpu_s=")) {
            (Some(wall), Some(cpu)) => self.best.keep_best(Rates { wall, cpu }),
            _ => return self.failed = Some(format!("unexpected output: {stdout}")),
        }
        let version = stdout.lines().next().unwrap_or("").to_owned();
        let theirs = field("params=").unwrap_or(0.0) as usize;
        let same = if theirs == job.params {
            "same parameter count".to_owned()
        } else {
            format!("{theirs} parameters vs tinyae's {}", job.params)
        };
        self.note = Some(format!("{version}, {same}"));
    }
}
