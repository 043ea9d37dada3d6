//! The real `goldarena serve` binary as a child process, for tests and
//! benchmarks that must kill it, restart it or load it from outside.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

/// A served instance, killed when dropped: a failing test leaves no server
/// behind (one would keep the test binary's inherited file locks).
pub struct Served {
    child: Child,
    /// The port it reported listening on (it binds port 0).
    pub port: u16,
}

impl Served {
    /// Runs `binary --config CONFIG serve --bind 127.0.0.1:0 --database URL`
    /// with `env` added to its environment, and waits until it says it
    /// listens. Its log is drained meanwhile, so it never blocks on a full
    /// pipe.
    ///
    /// # Panics
    /// When the binary does not start, or exits before it listens.
    #[must_use]
    pub fn start(binary: &Path, config: &Path, database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(binary);
        command
            .arg("--config")
            .arg(config)
            .args(["serve", "--bind", "127.0.0.1:0", "--database", database_url])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start goldarena serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut seen: Vec<String> = Vec::new();
        let port = loop {
            let Some(line) = lines.next() else {
                panic!(
                    "server exited before it listened; its log:\n{}",
                    seen.join("\n")
                );
            };
            let line = line.expect("read stderr");
            seen.push(line.clone());
            if line.contains("GoldArena is listening")
                && let Some(p) = line.split("port=").nth(1)
            {
                break p.trim().parse::<u16>().expect("port number");
            }
        };
        // GOLDARENA_TEST_SERVER_LOG=1: the server's log after it listens, on
        // the test's standard error (with --nocapture), to find a failure's cause.
        let forward = std::env::var_os("GOLDARENA_TEST_SERVER_LOG").is_some();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if forward {
                    eprintln!("[server] {line}");
                }
            }
        });
        Self { child, port }
    }

    /// Its process id.
    #[must_use]
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL on Unix.
    ///
    /// # Errors
    /// When the process cannot be signalled.
    pub fn kill(&mut self) -> std::io::Result<()> {
        self.child.kill()
    }

    /// Waits for it to exit.
    ///
    /// # Errors
    /// When waiting fails.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
