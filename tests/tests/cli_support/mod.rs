//! Running the built `mxlists` binary on files in a temporary folder.
//!
//! Every run is checked for the things that must never happen whatever the
//! input: a panic, death by a signal, or an exit status outside 0..=3.

#![allow(dead_code)] // Each test file uses its own part of this module.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

/// What one run of `mxlists` did.
#[derive(Debug)]
pub struct Run {
    /// The exit status.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts the exit status, showing the whole run when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit status: {self:#?}");
        self
    }

    /// The lines of standard output.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Standard output parsed as one JSON object per line.
    pub fn json_lines(&self) -> Vec<Json> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect()
    }

    /// Standard output parsed as one JSON document.
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: stdout is not JSON: {:?}", self.stdout))
    }
}

/// How long one run of `mxlists` may take before the test fails: far more
/// than any run needs, so that only a hang reaches it.
pub const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Runs `mxlists` with `args` and `stdin` in `cwd`.
pub fn run_in<S: AsRef<OsStr>>(cwd: Option<&Path>, args: &[S], stdin: &[u8]) -> Run {
    run_within(cwd, args, stdin, RUN_LIMIT)
}

/// Runs `command` with `stdin`, killing it and failing the test when it has
/// not ended within `limit` (a hang fails the test instead of stalling it).
pub fn output_within(mut command: Command, stdin: &[u8], limit: Duration) -> Output {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn the command");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The command may exit before reading everything (e.g. on an error).
        let _ = input.write_all(&data);
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the command") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not end within {limit:?} (it hangs): killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    writer.join().expect("stdin writer");
    Output {
        status,
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

/// Runs `mxlists` with `args` and `stdin` in `cwd`; the test fails if the run
/// takes longer than `limit`.
pub fn run_within<S: AsRef<OsStr>>(
    cwd: Option<&Path>,
    args: &[S],
    stdin: &[u8],
    limit: Duration,
) -> Run {
    let mut cmd = Command::new(mxlists_tests::bin("mxlists"));
    cmd.args(args);
    if let Some(cwd) = cwd {
        cmd.current_dir(cwd);
    }
    let out = output_within(cmd, stdin, limit);
    checked(out)
}

/// A finished run of `mxlists`, checked for what must never happen.
pub fn checked(out: Output) -> Run {
    let run = Run {
        code: out.status.code().unwrap_or_else(|| {
            panic!(
                "mxlists was killed by a signal: {:?}\nstderr: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        }),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "mxlists panicked: {run:#?}"
    );
    assert!(
        (0..=3).contains(&run.code),
        "exit status out of contract: {run:#?}"
    );
    if run.code >= 2 {
        assert!(
            run.stderr.starts_with("mxlists: "),
            "errors go to stderr as `mxlists: <message>`: {run:#?}"
        );
    }
    run
}

/// Runs `mxlists` with `args` and no input.
pub fn run<S: AsRef<OsStr>>(args: &[S]) -> Run {
    run_in(None, args, b"")
}

/// Runs `mxlists` with `args` and `stdin`.
pub fn run_stdin<S: AsRef<OsStr>>(args: &[S], stdin: &[u8]) -> Run {
    run_in(None, args, stdin)
}

/// A temporary folder holding manifests, lists and artifacts.
pub struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    /// A new empty folder.
    pub fn new() -> Self {
        Dir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The path of `rel` in the folder.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `content` to `rel` (creating folders) and returns its path.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
        p
    }

    /// Reads `rel`.
    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Runs `mxlists build MANIFEST -o OUT extra...` in the folder.
    pub fn build(&self, manifest: &str, out: &str, extra: &[&str]) -> Run {
        let mut args = vec!["build", manifest, "-o", out];
        args.extend_from_slice(extra);
        run_in(Some(self.path()), &args, b"")
    }

    /// Runs `mxlists` with `args` in the folder.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(Some(self.path()), args, b"")
    }

    /// Runs `mxlists` with `args` and `stdin` in the folder.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        run_in(Some(self.path()), args, stdin)
    }
}

/// One `[[list]]` of a manifest: name, kind, sources, optional format and reason.
pub fn list(
    name: &str,
    kind: &str,
    sources: &[&str],
    format: Option<&str>,
    reason: Option<&str>,
) -> String {
    let sources: Vec<String> = sources.iter().map(|s| format!("{s:?}")).collect();
    let mut t = format!(
        "[[list]]\nname = {name:?}\nkind = {kind:?}\nsources = [{}]\n",
        sources.join(", ")
    );
    if let Some(f) = format {
        t += &format!("format = {f:?}\n");
    }
    if let Some(r) = reason {
        t += &format!("reason = {r:?}\n");
    }
    t + "\n"
}

/// A verdict: `(list, entry, reason)` of the first hit, or `None` when not listed.
pub type Verdict = Option<(String, String, String)>;

/// The verdict of `mxlists check --json` on one value, as `(list, entry, reason)`
/// or `None` when not listed.
pub fn verdict(artifact: &Path, extra: &[&str], value: &str) -> Verdict {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("check"),
        artifact.as_os_str(),
        OsStr::new("--json"),
    ];
    args.extend(extra.iter().map(OsStr::new));
    args.push(OsStr::new("--"));
    args.push(OsStr::new(value));
    let r = run(&args);
    let v = &r.json_lines()[0];
    assert_eq!(v["value"], value);
    assert!(v.get("invalid").is_none(), "{value:?} is invalid: {v}");
    if v["listed"] == true {
        assert_eq!(r.code, 0, "{r:#?}");
        Some((
            v["list"].as_str().unwrap().to_owned(),
            v["entry"].as_str().unwrap().to_owned(),
            v["reason"].as_str().unwrap().to_owned(),
        ))
    } else {
        assert_eq!(r.code, 1, "{r:#?}");
        assert!(v["list"].is_null() && v["entry"].is_null() && v["reason"].is_null());
        None
    }
}

/// `Some((list, entry, reason))` with borrowed strings, for comparisons.
pub fn hit(list: &str, entry: &str, reason: &str) -> Verdict {
    Some((list.to_owned(), entry.to_owned(), reason.to_owned()))
}
