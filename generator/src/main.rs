//! The `herald` command line: argument parsing and dispatch. Each command
//! lives in its own module under `commands/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jiff::Timestamp;

use herald::commands::{self, parse_now, Exit, Format};

#[derive(Parser)]
#[command(
    name = "herald",
    version,
    about = "Security advisories written once, published everywhere, in order, exactly once",
    after_help = "Exit codes: 0 success; 1 the content has errors, the embargo wall stopped a build, \
                  or a signature is bad; 2 the command could not run (bad arguments, unreadable or \
                  unwritable files, an unusable key)."
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
    /// Validate herald.yaml, every advisory, pre-announcement and page, and the timeline; report every problem.
    Check {
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// The moment to check the timeline at (see `build --now`); default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Timestamp>,
        /// How to print the findings.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Go on in a public source repository (GitHub Actions) that holds only published
        /// advisories; never enough when anything in it is under embargo.
        #[arg(long)]
        public_source: bool,
        /// The site folder of an earlier `herald build`: what it rendered from the same
        /// inputs, behind the same wall, is not rendered again.
        #[arg(long, default_value = "public", value_name = "DIR")]
        out: PathBuf,
        /// The outbox of an earlier `herald build`, read the same way.
        #[arg(long, default_value = "outbox", value_name = "DIR")]
        outbox: PathBuf,
        /// Render and hold everything again, trusting no earlier build.
        #[arg(long)]
        fresh: bool,
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
    /// Build the public site (behind the embargo wall) and the private outbox of channel texts.
    ///
    /// With HERALD_SIGNING_KEY set, every announcement is clearsigned.
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
        /// Also render the texts of advisories whose every action is done, adopted
        /// or missed (left out by default: nothing of theirs can be sent), for
        /// review or re-sending by hand.
        #[arg(long, conflicts_with = "site_only")]
        outbox_all: bool,
        /// Go on in a public source repository (GitHub Actions) that holds only published
        /// advisories; never enough when anything in it is under embargo.
        #[arg(long)]
        public_source: bool,
    },
    /// Render the outbox, with the texts of SLUG… even when the ledger settles every action of
    /// theirs (for review, or re-sending by hand); the site is left as it is.
    Outbox {
        /// The advisories and pre-announcements whose texts to render.
        #[arg(required = true, value_name = "SLUG")]
        slugs: Vec<String>,
        /// The moment to render at; default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Timestamp>,
        /// Where every channel text goes (private: never deploy it).
        #[arg(long, default_value = "outbox", value_name = "DIR")]
        outbox: PathBuf,
        /// Go on in a public source repository (GitHub Actions) that holds only published
        /// advisories; never enough when anything in it is under embargo.
        #[arg(long)]
        public_source: bool,
    },
    /// Send and post every action whose moment has come, in order, exactly once; record each in ledger/.
    ///
    /// Reads the outbox of `herald build` (run it first). Credentials come from the environment:
    /// HERALD_SMTP_URL, GITHUB_TOKEN, DISCOURSE_API_KEY, DISCOURSE_API_USERNAME, and for CVE
    /// records HERALD_CVE_API_USER, HERALD_CVE_API_KEY.
    Publish(commands::publish::Flags),
    /// Record in ledger/ what was done outside Herald, so that publish never sends it.
    Ledger {
        #[command(subcommand)]
        what: LedgerCommand,
    },
    /// Create a new team's tree: herald.yaml with only the channels asked for, the team key, a
    /// policy page, an example advisory under embargo, and workflows that install a pinned Herald.
    Init(commands::init::Flags),
    /// Scaffold an advisory or a pre-announcement that passes `herald check` as written.
    New {
        #[command(subcommand)]
        what: New,
    },
    /// Build the site, serve it on 127.0.0.1, and rebuild whenever a source changes.
    Serve {
        /// The port; 0 picks a free one (the URL is printed).
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Build for this moment instead of the clock.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Timestamp>,
        /// Also show embargoed advisories, under a banner on every page, from
        /// .herald-preview/ (never public/).
        #[arg(long)]
        embargoed: bool,
    },
    /// Clearsign FILE with the key in HERALD_SIGNING_KEY (passphrase in HERALD_SIGNING_PASSPHRASE).
    Sign {
        /// The text to sign.
        file: PathBuf,
        /// Where the signed copy goes; default: FILE.asc.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
    },
    /// Verify a clearsigned FILE.asc; print the signer's fingerprint when the signature is good.
    Verify {
        /// The signed file.
        file: PathBuf,
        /// The public key (or keyring) to check against; default: the team key of herald.yaml.
        #[arg(long, value_name = "PUBLIC.asc")]
        key: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum New {
    /// Write advisories/<year>/<cve>.md with every field, commented, and the usual sections.
    ///
    /// Asks for what is missing when run at a terminal.
    Advisory {
        /// The CVE id, e.g. CVE-2025-31001 (also the slug and file name).
        #[arg(long)]
        cve: Option<String>,
        /// The title; the CVE is appended when it does not name it.
        #[arg(long)]
        title: Option<String>,
        /// The affected part of the project.
        #[arg(long)]
        component: Option<String>,
        /// low, medium, high or critical.
        #[arg(long)]
        severity: Option<String>,
        /// One line for subjects; default: "Vulnerability in <component>".
        #[arg(long)]
        summary: Option<String>,
        /// The embargo; default: the first Tuesday at least 14 days away, 15:00 UTC.
        #[arg(long)]
        embargo: Option<String>,
    },
    /// Write the pre-announcement of an advisory: release moment, severity and component only.
    PreAnnouncement {
        /// The slug of the advisory it announces.
        #[arg(long = "for", value_name = "SLUG")]
        for_slug: String,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Record every action of every advisory and pre-announcement public before TIME as
    /// `adopted` (done outside Herald), sending nothing. Run it once when a tree with
    /// history starts using Herald, so that its first publish sends nothing old.
    Adopt {
        /// Adopt what became public before this moment; default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Timestamp>,
    },
    /// Record one action done by hand, e.g. a notice sent from a mail client.
    Record {
        /// The advisory or pre-announcement.
        slug: String,
        /// The channel, as `herald schedule` names it: advance-notice, distros,
        /// announcement, blog, forum, ghsa:<ID>, oss-security.
        channel: String,
        /// When it was done; default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        at: Option<Timestamp>,
        /// Where it can be seen (archive link, topic, advisory page).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// The Message-ID of a mail sent by hand.
        #[arg(long, value_name = "ID")]
        message_id: Option<String>,
    },
}

/// The tree: `--root`, or, run from a folder inside a tree without it, the
/// nearest folder above that holds herald.yaml (as cargo finds Cargo.toml).
fn find_root(root: PathBuf) -> PathBuf {
    if root != std::path::Path::new(".") || root.join(herald::load::CONFIG_FILE).exists() {
        return root;
    }
    let Ok(here) = std::env::current_dir() else {
        return root;
    };
    match here
        .ancestors()
        .skip(1)
        .find(|d| d.join(herald::load::CONFIG_FILE).is_file())
    {
        Some(found) => {
            eprintln!("herald: using the tree at {}", found.display());
            found.to_path_buf()
        }
        None => root,
    }
}

// The build allocates many short-lived strings from two threads; glibc's
// malloc spent about a fifth of a large build's CPU time on them.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages, and each 2 MB page a thread
    // touches then counts whole: a tenth more peak memory on large trees,
    // for no measurable speed. A failure here only costs that memory.
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // mimalloc 3 keeps freed memory for a second before returning it, so
    // what one phase of a build frees still counts while the next phase
    // allocates. With 10 ms (mimalloc 2's default) peak RSS at 10,000
    // advisories fell from 170-190 MB to about 150 MB, for 2 % more time.
    // `mi_option_purge_delay` is 15 in mimalloc.h, v2 and v3 alike; the
    // -sys crate (pinned with its `extended` feature) names no constant.
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets an integer option; mimalloc reads it on each purge.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10);
    }
    herald::timings::mark("started");
    let cli = Cli::parse();
    let root = find_root(cli.root);
    let exit: Exit = match cli.command {
        Command::Check {
            strict,
            now,
            format,
            public_source,
            out,
            outbox,
            fresh,
        } => commands::check::run(
            &root,
            commands::check::Options {
                now,
                strict,
                format,
                public_source,
                prior: (!fresh).then(|| (root.join(out), root.join(outbox))),
            },
        ),
        Command::Schedule { now, ics } => commands::schedule::run(&root, now, ics.as_deref()),
        Command::Build {
            now,
            out,
            outbox,
            site_only,
            outbox_all,
            public_source,
        } => commands::build::run(
            &root,
            now,
            Some(&out),
            (!site_only).then_some(outbox.as_path()),
            if outbox_all {
                commands::build::Settled::All
            } else {
                commands::build::Settled::Left
            },
            public_source,
        ),
        Command::Outbox {
            slugs,
            now,
            outbox,
            public_source,
        } => commands::build::run(
            &root,
            now,
            None,
            Some(&outbox),
            commands::build::Settled::These(slugs),
            public_source,
        ),
        Command::Publish(flags) => commands::publish::run(&root, flags),
        Command::Init(flags) => commands::init::run(flags),
        Command::Ledger { what } => match what {
            LedgerCommand::Adopt { now } => commands::ledger::adopt(&root, now),
            LedgerCommand::Record {
                slug,
                channel,
                at,
                url,
                message_id,
            } => commands::ledger::record(&root, &slug, &channel, at, url, message_id),
        },
        Command::New { what } => match what {
            New::Advisory {
                cve,
                title,
                component,
                severity,
                summary,
                embargo,
            } => commands::new::advisory(
                &root,
                commands::new::AdvisoryArgs {
                    cve,
                    title,
                    component,
                    severity,
                    summary,
                    embargo,
                },
            ),
            New::PreAnnouncement { for_slug } => commands::new::pre_announcement(&root, &for_slug),
        },
        Command::Serve {
            port,
            now,
            embargoed,
        } => commands::serve::run(&root, port, now, embargoed),
        Command::Sign { file, output } => commands::sign::run(&root, &file, output.as_deref()),
        Command::Verify { file, key } => commands::verify::run(&root, &file, key.as_deref()),
    };
    herald::timings::mark("done");
    ExitCode::from(exit as u8)
}
