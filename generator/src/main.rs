//! The `herald` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jiff::Timestamp;

use herald::build::{self, BuildError};
use herald::diag::Findings;
use herald::load;
use herald::model::Moment;

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
    },
    /// Build the public site into --out, behind the embargo wall.
    Build {
        /// The moment to build for (RFC 3339 with offset, or with a [Zone]); default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Timestamp>,
        /// Where the site goes; replaced as a whole only when the build succeeds.
        #[arg(long, default_value = "public", value_name = "DIR")]
        out: PathBuf,
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
    report(&warnings);
    match cli.command {
        Command::Check { strict } => {
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
        Command::Build { now, out } => {
            let out = if out.is_absolute() {
                out
            } else {
                root.join(out)
            };
            let opts = build::Options {
                now: now.unwrap_or_else(Timestamp::now),
                out,
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
                    OK
                }
                Err(BuildError::Leaks(leaks)) => {
                    for l in &leaks {
                        eprintln!("error: embargo leak: {l}");
                    }
                    eprintln!("herald: {}", BuildError::Leaks(leaks));
                    FINDINGS
                }
                Err(e @ BuildError::Render(_)) => {
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
