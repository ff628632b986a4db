//! Running a secret's `*_command` (README "Secrets from a command"): the argv as given, no
//! shell; stdin is `/dev/null` and, on Unix, the command starts its own session, so it has no
//! controlling terminal to prompt on; stdout (capped) is collected, stderr is kept only for
//! its first line; everything is bounded by a deadline, after which the command and every
//! process of its group are killed. What the output means is the caller's business.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// How much of stderr is kept: enough for its first line.
const STDERR_KEPT: usize = 4096;

/// A command that ran to its end.
pub struct Finished {
    pub status: ExitStatus,
    /// All of stdout (at most the cap it was run with).
    pub stdout: Zeroizing<Vec<u8>>,
    /// The first non-blank line of stderr, trimmed, if it wrote one.
    pub stderr_line: Option<String>,
}

/// Why a command gave no usable output.
#[derive(Debug)]
pub enum Error {
    /// It could not be started (not found, not executable).
    Spawn(io::Error),
    /// It did not finish before the deadline; it was killed.
    TimedOut,
    /// It printed more than the cap; it was killed.
    TooLarge,
    /// Waiting for it failed.
    Wait(io::Error),
}

/// What the stdout reader reports.
enum Out {
    Done(Zeroizing<Vec<u8>>),
    TooLarge,
    Failed(io::Error),
}

/// Run `argv` (program first), with stdout capped at `max` bytes, until `deadline`.
pub fn run(argv: &[String], max: usize, deadline: Instant) -> Result<Finished, Error> {
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Spawn(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no program given",
        )));
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    detach(&mut cmd);
    let mut child = cmd.spawn().map_err(Error::Spawn)?;
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        stop(&mut child);
        return Err(Error::Wait(io::Error::other("no pipes to the command")));
    };

    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Zeroizing::new(Vec::new());
        let result = match (&mut stdout).take(max as u64 + 1).read_to_end(&mut buf) {
            Ok(_) if buf.len() > max => Out::TooLarge,
            Ok(_) => Out::Done(buf),
            Err(e) => Out::Failed(e),
        };
        let _ = out_tx.send(result);
    });
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut stderr)
            .take(STDERR_KEPT as u64)
            .read_to_end(&mut kept);
        // Drain the rest, so a chatty command never blocks on a full pipe.
        let _ = io::copy(&mut stderr, &mut io::sink());
        let _ = err_tx.send(kept);
    });

    // stdout ends when the command (and whatever it started that holds the pipe) is done
    // with it: wait for that, then for the exit status, both until the deadline.
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let stdout = match out_rx.recv_timeout(remaining()) {
        Ok(Out::Done(bytes)) => bytes,
        Ok(Out::TooLarge) => {
            stop(&mut child);
            return Err(Error::TooLarge);
        }
        Ok(Out::Failed(e)) => {
            stop(&mut child);
            return Err(Error::Wait(e));
        }
        Err(_) => {
            stop(&mut child);
            return Err(Error::TimedOut);
        }
    };
    let mut pause = Duration::from_micros(100);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if remaining().is_zero() => {
                stop(&mut child);
                return Err(Error::TimedOut);
            }
            Ok(None) => {
                std::thread::sleep(pause.min(remaining()));
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => {
                stop(&mut child);
                return Err(Error::Wait(e));
            }
        }
    };
    // stderr is closed by now unless something the command left behind holds it: its first
    // line is not worth waiting for long.
    let stderr_line = err_rx
        .recv_timeout(remaining().min(Duration::from_millis(500)))
        .ok()
        .and_then(|bytes| first_line(&bytes));
    Ok(Finished {
        status,
        stdout,
        stderr_line,
    })
}

/// The first line of `bytes` with something on it, trimmed (lossy UTF-8).
fn first_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// No terminal for the command: on Unix it leads a new session (no controlling terminal, so
/// opening `/dev/tty` fails instead of prompting), which also makes it a process group that
/// can be killed whole.
#[cfg(unix)]
fn detach(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn detach(_cmd: &mut Command) {}

/// Kill the command (and, on Unix, every process of its session's group) and reap it.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["/bin/sh".into(), "-c".into(), script.into()]
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[test]
    fn collects_stdout_and_the_first_stderr_line() {
        let f = run(
            &sh("printf 'abc\\n'; printf '\\n  first \\nsecond\\n' >&2"),
            100,
            soon(),
        )
        .expect("runs");
        assert!(f.status.success());
        assert_eq!(f.stdout.as_slice(), b"abc\n");
        assert_eq!(f.stderr_line.as_deref(), Some("first"));
    }

    #[test]
    fn stdin_is_empty_and_there_is_no_terminal() {
        let f = run(
            &sh("cat; if (echo x >/dev/tty) 2>/dev/null; then echo tty; else echo no-tty; fi"),
            100,
            soon(),
        )
        .expect("runs");
        assert_eq!(f.stdout.as_slice(), b"no-tty\n");
    }

    #[test]
    fn too_much_output_is_refused() {
        let r = run(&sh("head -c 2000 /dev/zero"), 1000, soon());
        assert!(matches!(r, Err(Error::TooLarge)), "{:?}", r.err());
        let f = run(&sh("head -c 1000 /dev/zero"), 1000, soon()).expect("at the cap");
        assert_eq!(f.stdout.len(), 1000);
    }

    #[test]
    fn a_slow_command_is_killed_with_its_children() {
        let started = Instant::now();
        let r = run(
            &sh("sleep 30 & sleep 30"),
            100,
            Instant::now() + Duration::from_millis(300),
        );
        assert!(matches!(r, Err(Error::TimedOut)), "{:?}", r.err());
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn a_missing_program_cannot_be_spawned() {
        let r = run(&["/nonexistent/tokfetch-x".to_string()], 100, soon());
        assert!(matches!(r, Err(Error::Spawn(_))));
    }
}
