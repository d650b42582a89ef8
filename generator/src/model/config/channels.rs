//! `channels` in herald.yaml: where each text goes, and the rule that a
//! private notice never goes to a public list.

use super::{base_url, email, line, parse_email, parse_mailbox};
use crate::fields::{Decoder, Fields};
use crate::yaml::Node;

/// The places an advisory goes. Every one is optional: a channel left out
/// produces no texts and no publish steps.
#[derive(Debug, Clone)]
pub struct Channels {
    /// The signed announcement: when the team has a list, it is the
    /// official advisory, which every other text links to; without one, the
    /// advisory's page on the site is.
    pub announcements: Option<Announcements>,
    pub blog: Option<Blog>,
    pub forum: Option<Forum>,
    pub github_api: String,
    pub oss_security: Option<OssSecurity>,
    /// The team as a CVE Numbering Authority: a CVE record per CVE id.
    pub cve: Option<CnaSettings>,
    /// The distros list's address.
    pub distros: Option<String>,
    /// `channels.advance-notice.recipients`; `None` when the team left the
    /// channel out, which is a choice, where an empty list is an oversight.
    pub advance_notice: Option<Vec<String>>,
}

impl Channels {
    /// Who gets the advance notification; none without the channel.
    pub fn advance_notice_recipients(&self) -> &[String] {
        self.advance_notice.as_deref().unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct Announcements {
    pub address: String,
    /// The Google Group's short name, for links to its messages.
    pub group: String,
    /// Who the public mails (announcement, oss-security) come from, when
    /// not the team: `Name <address>`. The text is still signed with the
    /// team key.
    pub from: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Blog {
    pub base_url: String,
    pub path: String,
    /// Where `publish` delivers the post, when the blog is a repository of
    /// its own; without it the post is left in the outbox for a person.
    pub repository: Option<BlogRepository>,
}

#[derive(Debug, Clone)]
pub struct Forum {
    pub base_url: String,
    pub category: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct OssSecurity {
    pub address: String,
    pub form: OssForm,
}

/// What CVE records need of the team as a CNA.
#[derive(Debug, Clone)]
pub struct CnaSettings {
    /// The CNA's organisation UUID (`providerMetadata.orgId`).
    pub org_id: String,
    /// The vendor named in `affected`, e.g. `The Rust Project`.
    pub vendor: String,
    /// CVE Services' base URL, ending with `/`.
    pub api: String,
    /// The CNA's short name (the `CVE-API-ORG` header); publishing needs it.
    pub org_short_name: Option<String>,
}

/// The blog's repository (Zola, as the Rust blog is).
#[derive(Debug, Clone)]
pub struct BlogRepository {
    /// `owner/name`.
    pub repository: String,
    pub branch: String,
    /// The post's path in the repository: a pattern with `{slug}`,
    /// `{year}`, `{month}`, `{day}`.
    pub file: String,
    /// A pull request for a person to merge, or a commit on `branch`.
    pub pull_request: bool,
}

/// What goes to oss-security when the embargo lifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OssForm {
    /// The lead, the facts and a link to the signed announcement: what the
    /// process document asks for.
    Excerpt,
    /// The whole clearsigned announcement, as the Rust team has posted
    /// since 2022.
    Full,
}

pub(super) fn decode_channels(d: &mut Decoder, n: &Node) -> Option<Channels> {
    let f = d.map(
        n,
        &[
            "announcements",
            "blog",
            "forum",
            "github",
            "oss-security",
            "distros",
            "advance-notice",
            "cve",
        ],
        "`channels`",
    )?;
    let ann = optional_channel(d, &f, "announcements", |d, n| {
        let f = d.map(n, &["address", "group", "from"], "`channels.announcements`")?;
        let address = email(d, &f, "address");
        let from = match d.optional(&f, "from") {
            Some(n) => d.parse(n, parse_mailbox).map(Some),
            None => Some(None),
        };
        let group = d.required(&f, "group").and_then(|n| {
            d.parse(n, |s| {
                if s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                {
                    Ok(s.to_string())
                } else {
                    Err(format!(
                        "invalid group name `{s}`: the group's short name, as in its address"
                    ))
                }
            })
        });
        Some(Announcements {
            address: address?,
            group: group?,
            from: from?,
        })
    });
    let blog = optional_channel(d, &f, "blog", |d, n| {
        let f = d.map(
            n,
            &[
                "base-url",
                "path",
                "repository",
                "branch",
                "file",
                "delivery",
            ],
            "`channels.blog`",
        )?;
        let url = d.required(&f, "base-url").and_then(|n| base_url(d, n));
        let path = match d.optional(&f, "path") {
            Some(n) => d.parse(n, |s| {
                if s.contains("{slug}") {
                    Ok(s.trim_start_matches('/').to_string())
                } else {
                    Err(format!("blog path `{s}` must contain `{{slug}}`"))
                }
            }),
            // The Rust blog's present form (Zola): `2026/03/21/<slug>/`.
            None => Some("{year}/{month}/{day}/{slug}/".to_string()),
        };
        let repository = match d.optional(&f, "repository") {
            None => {
                for key in ["branch", "file", "delivery"] {
                    if let Some(n) = d.optional(&f, key) {
                        d.error(n.pos, format!("`{key}` needs `channels.blog.repository`"));
                    }
                }
                Some(None)
            }
            Some(n) => {
                (|| {
                    let repository = d.parse(n, |s| {
                        crate::model::ids::RepoName::parse(s).map(|r| r.to_string())
                    });
                    let branch = match d.optional(&f, "branch") {
                    Some(n) => d.parse(n, |s| {
                        // It goes into API paths and queries as written.
                        let ok = !s.is_empty()
                            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
                            && !s.contains("..")
                            && !s.starts_with(['/', '-'])
                            && !s.ends_with('/');
                        if ok {
                            Ok(s.to_string())
                        } else {
                            Err(format!("invalid branch name `{s}`: letters, digits, `.`, `_`, `-` and `/`"))
                        }
                    }),
                    None => Some("main".to_string()),
                };
                    let file = match d.optional(&f, "file") {
                    Some(n) => d.parse(n, |s| {
                        let ok = s.contains("{slug}")
                            && !s.starts_with('/')
                            && !s.split('/').any(|c| c == ".." || c.is_empty());
                        if ok {
                            Ok(s.to_string())
                        } else {
                            Err(format!("blog file `{s}` must be a relative path in the repository with `{{slug}}`, e.g. `content/{{slug}}.md`"))
                        }
                    }),
                    None => Some("content/{slug}.md".to_string()),
                };
                    let pull_request = match d.optional(&f, "delivery") {
                        Some(n) => d.parse(n, |s| match s {
                            "pull-request" => Ok(true),
                            "commit" => Ok(false),
                            _ => Err(format!(
                                "unknown delivery `{s}`: `pull-request` or `commit`"
                            )),
                        }),
                        None => Some(true),
                    };
                    Some(Some(BlogRepository {
                        repository: repository?,
                        branch: branch?,
                        file: file?,
                        pull_request: pull_request?,
                    }))
                })()
            }
        };
        Some(Blog {
            base_url: url?,
            path: path?,
            repository: repository?,
        })
    });
    let forum = optional_channel(d, &f, "forum", |d, n| {
        let f = d.map(n, &["base-url", "category"], "`channels.forum`")?;
        let url = d.required(&f, "base-url").and_then(|n| base_url(d, n));
        let category = d.optional(&f, "category").and_then(|n| {
            d.parse(n, |s| {
                s.parse::<u64>().map_err(|_| {
                    format!("forum category must be the numeric category id, found `{s}`")
                })
            })
        });
        Some(Forum {
            base_url: url?,
            category,
        })
    });
    let github = match d.optional(&f, "github") {
        Some(n) => (|| {
            let f = d.map(n, &["api"], "`channels.github`")?;
            match d.optional(&f, "api") {
                Some(n) => base_url(d, n),
                None => Some("https://api.github.com/".to_string()),
            }
        })(),
        None => Some("https://api.github.com/".to_string()),
    };
    let ann_present = d.optional(&f, "announcements").map(|_| ());
    let oss = optional_channel(d, &f, "oss-security", |d, n| {
        let f = d.map(n, &["address", "form"], "`channels.oss-security`")?;
        let form = match d.optional(&f, "form") {
            Some(n) => d.parse(n, |s| match s {
                "excerpt" => Ok(OssForm::Excerpt),
                "full" => Ok(OssForm::Full),
                _ => Err(format!("unknown form `{s}`: `excerpt` or `full`")),
            }),
            None => Some(OssForm::Excerpt),
        };
        if let (Some(OssForm::Full), None, Some(n)) = (form, ann_present, d.optional(&f, "form")) {
            d.error_help(
                n.pos,
                "`form: full` posts the signed announcement, and there is no `channels.announcements`",
                "use `form: excerpt`, or add the announcement list",
            );
            return None;
        }
        Some(OssSecurity {
            address: email(d, &f, "address")?,
            form: form?,
        })
    });
    let cve = match d.optional(&f, "cve") {
        None => Some(None),
        Some(n) => {
            (|| {
                let f = d.map(
                    n,
                    &["org-id", "vendor", "api", "org-short-name"],
                    "`channels.cve`",
                )?;
                let org_id = d.required(&f, "org-id").and_then(|n| {
                d.parse(n, |s| {
                    let hex = |r: std::ops::Range<usize>| s.get(r).is_some_and(|p| p.bytes().all(|b| b.is_ascii_hexdigit()));
                    let ok = s.len() == 36
                        && [8, 13, 18, 23].iter().all(|&i| s.as_bytes()[i] == b'-')
                        && hex(0..8) && hex(9..13) && hex(14..18) && hex(19..23) && hex(24..36);
                    if ok {
                        Ok(s.to_ascii_lowercase())
                    } else {
                        Err(format!("invalid CNA org id `{s}`: the UUID CVE Services gave the team, like `00000000-0000-4000-9000-000000000000`"))
                    }
                })
            });
                let vendor = line(d, &f, "vendor", "the vendor of every CVE record");
                let api = match d.optional(&f, "api") {
                    Some(n) => base_url(d, n),
                    None => Some("https://cveawg.mitre.org/api/".to_string()),
                };
                let org_short_name = match d.optional(&f, "org-short-name") {
                // Sent as the CVE-API-ORG header.
                Some(n) => d
                    .parse(n, |s| {
                        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
                            Ok(s.to_string())
                        } else {
                            Err(format!("invalid CNA short name `{s}`: letters, digits, `.`, `_` and `-`"))
                        }
                    })
                    .map(Some),
                None => Some(None),
            };
                Some(Some(CnaSettings {
                    org_id: org_id?,
                    vendor: vendor?,
                    api: api?,
                    org_short_name: org_short_name?,
                }))
            })()
        }
    };
    let distros = optional_channel(d, &f, "distros", |d, n| {
        let f = d.map(n, &["address"], "`channels.distros`")?;
        let at = d.required(&f, "address")?;
        Some((d.parse(at, parse_email)?, at.pos))
    });
    let advance = optional_channel(d, &f, "advance-notice", |d, n| {
        let f = d.map(n, &["recipients"], "`channels.advance-notice`")?;
        match d.optional(&f, "recipients") {
            Some(n) => d.each(n, |d, i| Some((d.parse(i, parse_email)?, i.pos))),
            None => Some(Vec::new()),
        }
    });
    let ann = ann?;
    let oss = oss?;
    let (distros, advance) = (distros?, advance?);
    if !private_stays_private(d, &ann, &oss, distros.as_ref(), advance.as_deref()) {
        return None;
    }
    // The distros list's policy: whatever it was told is posted to
    // oss-security when the issue goes public.
    if let (Some(n), None) = (d.optional(&f, "distros"), &oss) {
        let at = n.pos;
        d.error_help(
            at,
            "`channels.distros` without `channels.oss-security`: the distros list requires every issue it was told of to be posted to oss-security at disclosure",
            "add `oss-security: { address: oss-security@lists.openwall.com }`, or leave out `distros`",
        );
        return None;
    }
    Some(Channels {
        announcements: ann,
        blog: blog?,
        forum: forum?,
        github_api: github?,
        oss_security: oss,
        cve: cve?,
        distros: distros.map(|(address, _)| address),
        advance_notice: advance.map(|list| list.into_iter().map(|(a, _)| a).collect()),
    })
}

/// The public list every distros issue ends on; whatever goes there is
/// public, whatever the team's own settings call it.
const OSS_SECURITY: &str = "oss-security@lists.openwall.com";

/// Whether the private notices go only where nothing is public: not to
/// the announcement list, not to oss-security (the team's address for it
/// or the list itself), and to each advance recipient once. A distros
/// notice sent to a public list publishes the embargoed advisory days
/// early. Reports each address that breaks this.
fn private_stays_private(
    d: &mut Decoder,
    ann: &Option<Announcements>,
    oss: &Option<OssSecurity>,
    distros: Option<&(String, crate::diag::Pos)>,
    advance: Option<&[(String, crate::diag::Pos)]>,
) -> bool {
    let mut public: Vec<(&str, &str)> = vec![(OSS_SECURITY, "the oss-security list")];
    if let Some(a) = ann {
        public.push((
            &a.address,
            "the announcement list (`channels.announcements`)",
        ));
    }
    if let Some(o) = oss {
        public.push((
            &o.address,
            "the oss-security address (`channels.oss-security`)",
        ));
    }
    let before = d.findings.len();
    let public_one = |address: &str| {
        public
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(address))
            .map(|(_, whose)| *whose)
    };
    let to_public = |address: &str, what: &str, whose: &str| {
        format!("`{address}` would get {what}, which is private until the embargo lifts, but it is {whose}, where everything is public")
    };
    const HELP: &str = "send private notices only to private lists and vetted recipients";
    if let Some((address, pos)) = distros {
        if let Some(whose) = public_one(address) {
            d.error_help(*pos, to_public(address, "the distros notice", whose), HELP);
        }
    }
    let advance = advance.unwrap_or_default();
    for (n, (address, pos)) in advance.iter().enumerate() {
        let twice = advance[..n]
            .iter()
            .any(|(a, _)| a.eq_ignore_ascii_case(address));
        if let Some(whose) = public_one(address) {
            d.error_help(
                *pos,
                to_public(address, "the advance notification", whose),
                HELP,
            );
        } else if twice {
            d.error_help(
                *pos,
                format!(
                    "`{address}` is listed twice: it would get every advance notification twice"
                ),
                "list each recipient once",
            );
        }
    }
    d.findings.len() == before
}

/// A channel a team may leave out: `Some(None)` when absent, `None` when
/// present but invalid (the error is already reported).
fn optional_channel<T>(
    d: &mut Decoder,
    f: &Fields,
    key: &str,
    decode: impl FnOnce(&mut Decoder, &Node) -> Option<T>,
) -> Option<Option<T>> {
    match d.optional(f, key) {
        Some(n) => decode(d, n).map(Some),
        None => Some(None),
    }
}
