//! The `herald` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jiff::Timestamp;

use herald::build::{self, BuildError};
use herald::diag::{Findings, Level};
use herald::load;
use herald::model::Moment;
use herald::schedule;

/// Exit codes, as documented in the README and `--help`.
const OK: u8 = 0;
const FINDINGS: u8 = 1;
const FAILURE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "herald",
    version,
    about = "Security advisories written once, published everywhere, in order, exactly once",
    after_help = "Exit codes: 0 success; 1 the content has errors (or the embargo wall stopped a build); \
                  2 the command could not run (bad arguments, unreadable or unwritable files)."
)]
struct Cli {
    /// The Herald tree to work on (the folder holding herald.yaml).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    root: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate herald.yaml, every advisory, pre-announcement and page; report every problem.
    Check {
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// The moment to check the timeline at (see `build --now`); default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Timestamp>,
    },
    /// Print every upcoming action (notices, pre-announcements, disclosures) with the rule behind it.
    Schedule {
        /// List actions due at or after this moment; default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Timestamp>,
        /// Also write the actions as an iCalendar file.
        #[arg(long, value_name = "FILE")]
        ics: Option<PathBuf>,
    },
    /// Build the public site into --out, behind the embargo wall.
    Build {
        /// The moment to build for (RFC 3339 with offset, or with a [Zone]); default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Timestamp>,
        /// Where the site goes; replaced as a whole only when the build succeeds.
        #[arg(long, default_value = "public", value_name = "DIR")]
        out: PathBuf,
        /// Where every channel text goes (private: never deploy it).
        #[arg(long, default_value = "outbox", value_name = "DIR")]
        outbox: PathBuf,
        /// Build the public site only, not the outbox.
        #[arg(long)]
        site_only: bool,
    },
}

fn parse_now(s: &str) -> Result<Timestamp, String> {
    Moment::parse(s).map(|m| m.timestamp())
}

fn report(findings: &Findings) {
    for f in findings.iter() {
        eprint!("{f}");
    }
}

fn summary(findings: &Findings) -> String {
    let errors = findings.error_count();
    let warnings = findings.0.len() - errors;
    format!("{errors} error(s), {warnings} warning(s)")
}

fn run(cli: Cli) -> u8 {
    let root = &cli.root;
    if !root.is_dir() {
        eprintln!("error: `{}` is not a folder", root.display());
        return FAILURE;
    }
    let loaded = load::load(root);
    let (project, warnings) = match loaded {
        Ok(v) => v,
        Err(findings) => {
            report(&findings);
            eprintln!("herald: {}; nothing was written", summary(&findings));
            return FINDINGS;
        }
    };
    let mut warnings = warnings;
    if let Command::Check { now, .. } | Command::Build { now, .. } = &cli.command {
        let now = now.unwrap_or_else(Timestamp::now);
        // The ledger of issue #5 will say which notices went out; until
        // then every notice counts as not sent.
        let mut timeline = schedule::check(&project, now, &|_| false);
        // A missed notice is a planning problem: `check` fails on it, but
        // `build` must still deploy the site while the team reacts.
        if matches!(cli.command, Command::Build { .. }) {
            for f in &mut timeline {
                f.level = Level::Warning;
            }
        }
        warnings.extend(timeline);
        warnings.sort();
        if warnings.has_errors() {
            report(&warnings);
            eprintln!("herald: {}; nothing was written", summary(&warnings));
            return FINDINGS;
        }
    }
    report(&warnings);
    match cli.command {
        Command::Schedule { now, ics } => {
            let now = now.unwrap_or_else(Timestamp::now);
            let actions = schedule::upcoming(&project, now);
            print!("{}", schedule::table(&project, &actions));
            if let Some(path) = ics {
                let path = root.join(path);
                if let Err(e) = std::fs::write(&path, schedule::ics(&project, &actions, now)) {
                    eprintln!("error: cannot write `{}`: {e}", path.display());
                    return FAILURE;
                }
                eprintln!(
                    "herald: wrote {} actions to {}",
                    actions.len(),
                    path.display()
                );
            }
            OK
        }
        Command::Check { strict, .. } => {
            if strict && !warnings.0.is_empty() {
                eprintln!("herald: {} (--strict)", summary(&warnings));
                return FINDINGS;
            }
            eprintln!(
                "herald: checked {} advisories, {} pre-announcements, {} pages: {}",
                project.advisories.len(),
                project.pre_announcements.len(),
                project.pages.len(),
                summary(&warnings)
            );
            OK
        }
        Command::Build {
            now,
            out,
            outbox,
            site_only,
        } => {
            // `join` keeps an absolute path as it is.
            let opts = build::Options {
                now: now.unwrap_or_else(Timestamp::now),
                out: root.join(out),
                outbox: (!site_only).then(|| root.join(outbox)),
            };
            match build::build(&project, &opts) {
                Ok(r) => {
                    eprintln!(
                        "herald: built {} files into {} ({} published, {} under embargo, {} pre-announcements public)",
                        r.files,
                        opts.out.display(),
                        r.published,
                        r.embargoed,
                        r.pre_announcements
                    );
                    if let Some(dir) = &opts.outbox {
                        eprintln!(
                            "herald: wrote {} channel files into {} (private: never deploy it)",
                            r.outbox_files,
                            dir.display()
                        );
                    }
                    OK
                }
                Err(BuildError::Leaks(leaks)) => {
                    for l in &leaks {
                        eprintln!("error: embargo leak: {l}");
                    }
                    eprintln!("herald: {}", BuildError::Leaks(leaks));
                    FINDINGS
                }
                Err(
                    e @ (BuildError::Render(_) | BuildError::Channel(_) | BuildError::Theme(..)),
                ) => {
                    eprintln!("error: {e}");
                    eprintln!("herald: nothing was written");
                    FINDINGS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    FAILURE
                }
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(run(cli))
}
