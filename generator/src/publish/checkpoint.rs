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

/// The publishing secrets, which the command does not need (the workflow
/// pushes with the checkout's own credentials) and so never sees: its
/// output is logged, and any program it starts could print or send them.
const WITHHELD: [&str; 8] = [
    super::smtp::URL_VAR,
    "GITHUB_TOKEN",
    "DISCOURSE_API_KEY",
    "DISCOURSE_API_USERNAME",
    "HERALD_CVE_API_USER",
    "HERALD_CVE_API_KEY",
    crate::signing::KEY_VAR,
    crate::signing::PASSPHRASE_VAR,
];

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
    let mut cmd = Command::new("sh");
    for name in WITHHELD {
        cmd.env_remove(name);
    }
    let mut child = cmd
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
    // A program that left the group may hold a pipe open for ever: after
    // a kill, what was read is not waited for.
    let killed = status.is_err();
    for reader in readers.into_iter().filter(|_| !killed) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run_for(command: &str, within: Duration) -> (Result<(), String>, Vec<String>, Duration) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut lines = Vec::new();
        let started = Instant::now();
        let r = run(
            command,
            dir.path(),
            "slug: announcement",
            Path::new("ledger/slug.yaml"),
            started + within,
            &mut |l| lines.push(l),
        );
        (r, lines, started.elapsed())
    }

    #[test]
    fn it_is_told_its_step_and_its_output_is_logged() {
        let (r, lines, _) = run_for(
            "echo \"$HERALD_CHECKPOINT_STEP in $HERALD_LEDGER_FILE\"; echo oops >&2",
            Duration::from_secs(10),
        );
        assert_eq!(r, Ok(()));
        assert_eq!(
            lines,
            [
                "checkpoint: slug: announcement in ledger/slug.yaml",
                "checkpoint: oops"
            ]
        );
        let (r, _, _) = run_for("exit 3", Duration::from_secs(10));
        assert_eq!(
            r,
            Err("the checkpoint command failed (exit status: 3)".into())
        );
    }

    #[test]
    fn a_command_past_the_deadline_is_stopped_with_what_it_started() {
        let (r, _, took) = run_for("sleep 30 & sleep 30", Duration::from_millis(300));
        assert!(r.is_err_and(|e| e.contains("did not finish before the run's deadline")));
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
}
