//! `--checkpoint`: a command run before each mail goes out, once the
//! ledger records it as `started`; the mail goes out only if it succeeds.
//!
//! The ledger is a file on the machine that publishes. A CI runner lost
//! after a mail went out (the machine gone, not the process: a killed
//! process still runs the workflow's last step) takes the record with it,
//! and the next run would send the mail again: a mail cannot be looked up
//! as a forum topic or a GHSA can. The publish workflow gives a command
//! that commits and pushes the ledger, so the next run finds the mail
//! `started` and asks a person, rather than announce twice.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run `command` with `sh -c` in `root`, told which step and ledger file
/// it is for; `Err` says why it did not succeed by `deadline` (it is then
/// killed). Its output goes to `log`, line by line.
pub fn run(
    command: &str,
    root: &Path,
    step: &str,
    ledger_file: &Path,
    deadline: Instant,
    log: &mut dyn FnMut(String),
) -> Result<(), String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(root)
        .env("HERALD_CHECKPOINT_STEP", step)
        .env("HERALD_LEDGER_FILE", ledger_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that on the deadline the whole of it
        // stops (a `git push` it started too), and its pipes close.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("the checkpoint command could not start: {e}"))?;
    // Read both pipes as the command writes, so that a chatty command
    // never blocks on a full pipe.
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|mut pipe| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = pipe.read_to_end(&mut out);
            out
        })
    })
    .collect();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                if let Ok(group) = i32::try_from(child.id()) {
                    // SAFETY: kill(2) with a process group id only sends a
                    // signal; the group is the one spawned above.
                    unsafe { libc::kill(-group, libc::SIGKILL) };
                }
                let _ = child.wait();
                break Err("the checkpoint command did not finish before the run's deadline; it was stopped".to_string());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                break Err(format!(
                    "the checkpoint command could not be waited for: {e}"
                ))
            }
        }
    };
    for reader in readers {
        let out = reader.join().unwrap_or_default();
        for line in String::from_utf8_lossy(&out).lines() {
            log(format!("checkpoint: {line}"));
        }
    }
    match status? {
        s if s.success() => Ok(()),
        s => Err(format!("the checkpoint command failed ({s})")),
    }
}
