//! The Python peers (TFLite with XNNPACK through ai-edge-litert, onnxruntime), run by
//! `peer_server.py` in one child process that the bench talks to over pipes, one JSON line
//! each way. Each sample is timed inside Python (`time.perf_counter_ns` around the calls), so
//! the pipe is not timed; the Python call overhead of `invoke()` / `session.run` is.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::rc::Rc;

use serde_json::{json, Value};

use crate::engine::Engine;

/// The running `peer_server.py`.
pub struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts `python script` (the bench's venv Python, see `bench/run`).
    pub fn start(python: &Path, script: &Path) -> Result<Rc<RefCell<Server>>, String> {
        let mut child = Command::new(python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", python.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Rc::new(RefCell::new(Server { child, stdin, stdout })))
    }

    fn ask(&mut self, request: Value) -> Result<Value, String> {
        writeln!(self.stdin, "{request}").map_err(|e| format!("peer server: {e}"))?;
        let mut line = String::new();
        self.stdout.read_line(&mut line).map_err(|e| format!("peer server: {e}"))?;
        if line.is_empty() {
            return Err("peer server exited (its error is printed above)".into());
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| format!("peer server: {e}"))?;
        match v["error"].as_str() {
            Some(e) => Err(e.to_owned()),
            None => Ok(v),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One model loaded in the server.
pub struct Remote {
    server: Rc<RefCell<Server>>,
    id: u64,
    name: String,
    /// Quantization of an int8 output `(scale, zero point)`; `None` for float output.
    output: Option<(f32, i32)>,
}

impl Remote {
    /// Loads `path` into `kind` (`tflite` or `onnxruntime`).
    pub fn load(server: &Rc<RefCell<Server>>, kind: &str, path: &Path) -> Result<Self, String> {
        let v = server.borrow_mut().ask(json!({ "load": kind, "path": path }))?;
        let out = &v["output"];
        let output = (out["dtype"] == "int8").then(|| {
            (
                out["scale"].as_f64().unwrap_or(f64::NAN) as f32,
                out["zero_point"].as_i64().unwrap_or(0) as i32,
            )
        });
        Ok(Remote {
            server: Rc::clone(server),
            id: v["id"].as_u64().ok_or("peer server: no id")?,
            name: v["name"].as_str().unwrap_or(kind).to_owned(),
            output,
        })
    }
}

impl Engine for Remote {
    fn name(&self) -> String {
        match self.output {
            Some(_) => format!("{} int8", self.name),
            None => self.name.clone(),
        }
    }

    fn output_params(&self) -> Option<(f32, i32)> {
        self.output
    }

    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        let v = self.server.borrow_mut().ask(json!({ "run": self.id, "x": x }))?;
        Ok(v["y"]
            .as_array()
            .ok_or("peer server: no `y`")?
            .iter()
            .map(|y| y.as_f64().unwrap_or(f64::NAN) as f32)
            .collect())
    }

    fn warm(&mut self) -> Result<(), String> {
        self.server.borrow_mut().ask(json!({ "warm": self.id })).map(drop)
    }

    fn sample(&mut self) -> Result<f64, String> {
        let v = self.server.borrow_mut().ask(json!({ "sample": self.id }))?;
        v["ns"].as_f64().ok_or_else(|| "peer server: no `ns`".to_owned())
    }
}
