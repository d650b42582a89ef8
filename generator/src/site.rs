//! The readers' site, rendered in memory from the model. Nothing here reads
//! or writes files: `build` decides where the bytes go.

use tera::{Context, Tera};

use crate::embargo::Visibility;
use crate::feed;
use crate::memo;
use crate::model::Project;
use crate::theme;
use crate::view::{self, NavItem, SiteView, TeamView};

/// Where `Job::OsvAll` goes.
pub const OSV_ALL: &str = "osv.json";

/// The bytes of `osv.json` outside its records: before the first, between
/// two, after the last.
pub const OSV_PUNCTUATION: [&[u8]; 3] = [b"[\n", b",", b"]\n"];

/// One file of the site: a path relative to the output root, and its bytes.
#[derive(Debug)]
pub struct Output {
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template `{template}` failed while rendering `{path}`: {message}")]
    Template {
        template: String,
        path: String,
        message: String,
    },
}

/// A unit of rendering work; cheap to list, rendered in parallel.
#[derive(Debug, Clone, Copy)]
pub enum Job {
    Index,
    Osv(usize),
    OsvAll,
    Sitemap,
    Robots,
    NotFound,
    ArchiveIndex,
    Archive(usize),
    Advisory(usize),
    PreAnnouncement(usize),
    Page(usize),
    Feed,
    Key,
    Static(usize),
}

pub struct Site<'p> {
    project: &'p Project,
    vis: &'p Visibility<'p>,
    tera: &'p Tera,
    base: Context,
    /// Archive pages: by year, severity and component.
    groups: Vec<Group>,
}

/// One archive page: the advisories (indexes into `vis.advisories`) of a
/// year, a severity or a component.
#[derive(Debug, serde::Serialize)]
struct Group {
    kind: &'static str,
    /// Relative to `archive/`.
    path: String,
    label: String,
    count: usize,
    #[serde(skip)]
    members: Vec<usize>,
}

fn groups(vis: &Visibility) -> Vec<Group> {
    use std::collections::BTreeMap;
    let mut by: BTreeMap<(u8, String), (String, Vec<usize>)> = BTreeMap::new();
    for (i, d) in vis.advisories.iter().enumerate() {
        let a = &d.meta;
        let year = a.embargo.year().to_string();
        // Newest years first: sort key is the complement.
        by.entry((0, format!("{:05}", 99999 - i64::from(a.embargo.year()))))
            .or_insert_with(|| (year.clone(), Vec::new()))
            .1
            .push(i);
        by.entry((1, format!("{}", 9 - a.severity as u8)))
            .or_insert_with(|| (a.severity.label().to_string(), Vec::new()))
            .1
            .push(i);
        let comp = crate::model::Slug::from_file_stem(&a.component)
            .map_or_else(|_| "other".to_string(), |s| s.to_string());
        by.entry((2, comp))
            .or_insert_with(|| (a.component.clone(), Vec::new()))
            .1
            .push(i);
    }
    by.into_iter()
        .map(|((kind, key), (label, members))| {
            let (kind, path) = match kind {
                0 => ("year", label.clone()),
                1 => (
                    "severity",
                    format!("severity/{}", label.to_ascii_lowercase()),
                ),
                _ => ("component", format!("component/{key}")),
            };
            Group {
                kind,
                path,
                label,
                count: members.len(),
                members,
            }
        })
        .collect()
}

impl<'p> Site<'p> {
    pub fn new(project: &'p Project, vis: &'p Visibility<'p>, tera: &'p Tera) -> Self {
        let cfg = &project.config;
        let mut nav: Vec<_> = project
            .pages
            .iter()
            .filter(|p| p.meta.slug.as_str() != "index")
            .collect();
        nav.sort_by(|a, b| (a.meta.weight, &a.meta.slug).cmp(&(b.meta.weight, &b.meta.slug)));
        let nav: Vec<NavItem> = nav
            .iter()
            .map(|p| NavItem {
                slug: p.meta.slug.to_string(),
                title: p.meta.title.clone(),
            })
            .collect();
        let mut base = Context::new();
        base.insert(
            "site",
            &SiteView {
                title: &cfg.site.title,
                base_url: &cfg.site.base_url,
                language: &cfg.site.language,
                description: cfg.site.description.as_deref(),
            },
        );
        base.insert(
            "team",
            &TeamView {
                name: &cfg.team.name,
                email: &cfg.team.email,
                fingerprint: Some(project.public_key.fingerprint.as_str()),
            },
        );
        base.insert("nav", &nav);
        base.insert("key_file", &project.public_key.file_name);
        base.insert("preview", &vis.preview);
        Site {
            project,
            vis,
            tera,
            base,
            groups: groups(vis),
        }
    }

    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = vec![
            Job::Index,
            Job::Feed,
            Job::Key,
            Job::OsvAll,
            Job::Sitemap,
            Job::Robots,
            Job::NotFound,
            Job::ArchiveIndex,
        ];
        jobs.extend((0..self.vis.advisories.len()).map(Job::Osv));
        jobs.extend((0..self.groups.len()).map(Job::Archive));
        jobs.extend((0..self.vis.advisories.len()).map(Job::Advisory));
        jobs.extend((0..self.vis.pre_announcements.len()).map(Job::PreAnnouncement));
        jobs.extend(
            self.project
                .pages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.meta.slug.as_str() != "index")
                .map(|(i, _)| Job::Page(i)),
        );
        jobs.extend((0..self.project.theme.statics.len()).map(Job::Static));
        jobs
    }

    /// What `render(job)` reads beyond `context` (see [`crate::memo`]): a
    /// change to `render` must change this too. `None` for the files that
    /// list every advisory or depend on the build's moment, and the small
    /// ones: they are always rendered.
    pub fn key(&self, job: Job, context: &memo::Key) -> Option<memo::Key> {
        let mut h = memo::Hasher::new("site");
        h.part(context);
        match job {
            Job::Advisory(i) => h
                .part(b"advisory")
                .part(&memo::document(self.vis.advisories[i])),
            Job::Osv(i) => h.part(b"osv").part(&memo::document(self.vis.advisories[i])),
            Job::PreAnnouncement(i) => {
                let (doc, at) = &self.vis.pre_announcements[i];
                h.part(b"pre-announcement")
                    .part(&memo::document(doc))
                    .part(at.utc_rfc3339().as_bytes())
                    .part(at.date().as_bytes())
            }
            // `context` holds every page.
            Job::Page(i) => h.part(b"page").part(&i.to_le_bytes()),
            Job::Archive(i) => {
                let g = &self.groups[i];
                h.part(b"archive").part(g.path.as_bytes());
                for &m in &g.members {
                    h.part(&memo::document(self.vis.advisories[m]));
                }
                &mut h
            }
            _ => return None,
        };
        Some(h.finish())
    }

    /// Where a job with a key goes, known before it renders; "" for the
    /// others, whose paths `render` names.
    pub fn keyed_path(&self, job: Job) -> String {
        match job {
            Job::Advisory(i) => {
                format!("advisories/{}/index.html", self.vis.advisories[i].meta.slug)
            }
            Job::Osv(i) => format!("advisories/{}/osv.json", self.vis.advisories[i].meta.slug),
            Job::PreAnnouncement(i) => format!(
                "pre-announcements/{}/index.html",
                self.vis.pre_announcements[i].0.meta.slug
            ),
            Job::Page(i) => format!("{}/index.html", self.project.pages[i].meta.slug),
            Job::Archive(i) => format!("archive/{}/index.html", self.groups[i].path),
            _ => String::new(),
        }
    }

    fn page(
        &self,
        template: &str,
        path: String,
        root: &str,
        fill: impl FnOnce(&mut Context),
    ) -> Result<Output, RenderError> {
        let mut ctx = self.base.clone();
        ctx.insert("root", root);
        fill(&mut ctx);
        let html = self
            .tera
            .render(template, &ctx)
            .map_err(|e| RenderError::Template {
                template: template.to_string(),
                path: path.clone(),
                message: theme::error_chain(&e),
            })?;
        Ok(Output {
            path,
            bytes: html.into_bytes(),
        })
    }

    /// Every public page, for search engines.
    fn sitemap(&self) -> String {
        let base = &self.project.config.site.base_url;
        let mut urls: Vec<(String, Option<String>)> =
            vec![(base.clone(), None), (format!("{base}archive/"), None)];
        for d in &self.vis.advisories {
            let a = &d.meta;
            let last = a.updated.as_ref().unwrap_or(&a.embargo).date();
            urls.push((
                crate::links::advisory_page(&self.project.config, &a.slug),
                Some(last),
            ));
        }
        for (d, _) in &self.vis.pre_announcements {
            urls.push((
                crate::links::pre_announcement_page(&self.project.config, &d.meta.slug),
                None,
            ));
        }
        for p in self
            .project
            .pages
            .iter()
            .filter(|p| p.meta.slug.as_str() != "index")
        {
            urls.push((format!("{base}{}/", p.meta.slug), None));
        }
        for g in &self.groups {
            urls.push((format!("{base}archive/{}/", g.path), None));
        }
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (loc, last) in urls {
            let loc = loc.replace('&', "&amp;");
            match last {
                Some(l) => out.push_str(&format!(
                    "  <url><loc>{loc}</loc><lastmod>{l}</lastmod></url>\n"
                )),
                None => out.push_str(&format!("  <url><loc>{loc}</loc></url>\n")),
            }
        }
        out.push_str("</urlset>\n");
        out
    }

    /// `osv.json`, one piece at a time, in order: every advisory's record
    /// as a whole piece, and [`OSV_PUNCTUATION`] around and between them.
    /// It is the site's largest file, so `build` writes the pieces as they
    /// come instead of holding them all. Records are
    /// rendered a window at a time on every core, and each is handed to
    /// `hold` there, with the index of its `Job::Osv`, before `piece` takes
    /// it: after one advisory's edit, this file is most of what a rebuild
    /// renders, and on one core the other would wait for it.
    pub fn osv_all<E: Send>(
        &self,
        hold: impl Fn(usize, &[u8]) -> Result<(), E> + Sync,
        mut piece: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        use rayon::prelude::*;
        // About a megabyte of records held at a time.
        const WINDOW: usize = 256;
        let cfg = &self.project.config;
        let [open, comma, close] = OSV_PUNCTUATION;
        piece(open)?;
        for (w, window) in self.vis.advisories.chunks(WINDOW).enumerate() {
            let records: Vec<Vec<u8>> = window
                .par_iter()
                .enumerate()
                .map(|(k, d)| {
                    let bytes = crate::osv::to_bytes(&crate::osv::record(cfg, d));
                    hold(w * WINDOW + k, &bytes).map(|()| bytes)
                })
                .collect::<Result<_, E>>()?;
            for (k, record) in records.iter().enumerate() {
                // Comma first, so that each record is the bytes of its own file.
                if w + k > 0 {
                    piece(comma)?;
                }
                piece(record)?;
            }
        }
        piece(close)
    }

    pub fn render(&self, job: Job) -> Result<Output, RenderError> {
        let cfg = &self.project.config;
        match job {
            Job::Index => {
                let advisories: Vec<_> = self
                    .vis
                    .advisories
                    .iter()
                    .take(cfg.site.index_entries)
                    .map(|d| view::advisory(cfg, d, false))
                    .collect();
                let upcoming: Vec<_> = self
                    .vis
                    .pre_announcements
                    .iter()
                    .filter(|(d, _)| d.meta.release.timestamp() > self.vis.now)
                    .map(|(d, at)| view::pre_announcement(cfg, d, at, false))
                    .collect();
                let intro = self
                    .project
                    .pages
                    .iter()
                    .find(|p| p.meta.slug.as_str() == "index")
                    .map(|p| crate::markdown::to_html(&p.body));
                self.page("index.html", "index.html".into(), "", |ctx| {
                    ctx.insert("advisories", &advisories);
                    ctx.insert("advisory_count", &self.vis.advisories.len());
                    ctx.insert("upcoming", &upcoming);
                    ctx.insert("intro", &intro);
                })
            }
            Job::Advisory(i) => {
                let doc = self.vis.advisories[i];
                let a = view::advisory(cfg, doc, true);
                self.page("advisory.html", self.keyed_path(job), "../../", |ctx| {
                    ctx.insert("a", &a);
                })
            }
            Job::PreAnnouncement(i) => {
                let (doc, at) = &self.vis.pre_announcements[i];
                let p = view::pre_announcement(cfg, doc, at, true);
                self.page(
                    "pre-announcement.html",
                    self.keyed_path(job),
                    "../../",
                    |ctx| ctx.insert("p", &p),
                )
            }
            Job::Page(i) => {
                let doc = &self.project.pages[i];
                let p = view::page(doc);
                self.page("page.html", self.keyed_path(job), "../", |ctx| {
                    ctx.insert("page", &p)
                })
            }
            Job::Osv(i) => {
                let doc = self.vis.advisories[i];
                Ok(Output {
                    path: self.keyed_path(job),
                    bytes: crate::osv::to_bytes(&crate::osv::record(cfg, doc)),
                })
            }
            Job::OsvAll => {
                let mut out = Vec::new();
                self.osv_all(
                    |_, _| Ok::<_, std::convert::Infallible>(()),
                    |part| {
                        out.extend_from_slice(part);
                        Ok(())
                    },
                )
                .unwrap_or_else(|never| match never {});
                Ok(Output {
                    path: OSV_ALL.into(),
                    bytes: out,
                })
            }
            Job::Sitemap => Ok(Output {
                path: "sitemap.xml".into(),
                bytes: self.sitemap().into_bytes(),
            }),
            Job::Robots => Ok(Output {
                path: "robots.txt".into(),
                bytes: format!(
                    "User-agent: *\nAllow: /\nSitemap: {}sitemap.xml\n",
                    cfg.site.base_url
                )
                .into_bytes(),
            }),
            Job::NotFound => {
                // Served at any depth, so its links start from the site's root path.
                let root = url::Url::parse(&cfg.site.base_url)
                    .map_or_else(|_| "/".to_string(), |u| u.path().to_string());
                self.page("404.html", "404.html".into(), &root, |_| {})
            }
            Job::ArchiveIndex => {
                let pick = |k: &str| {
                    self.groups
                        .iter()
                        .filter(|g| g.kind == k)
                        .collect::<Vec<_>>()
                };
                let (years, sev, comp) = (pick("year"), pick("severity"), pick("component"));
                self.page("archive.html", "archive/index.html".into(), "../", |ctx| {
                    ctx.insert("years", &years);
                    ctx.insert("severities", &sev);
                    ctx.insert("components", &comp);
                })
            }
            Job::Archive(i) => {
                let g = &self.groups[i];
                let list: Vec<_> = g
                    .members
                    .iter()
                    .map(|&m| view::advisory(cfg, self.vis.advisories[m], false))
                    .collect();
                let depth = g.path.matches('/').count() + 2;
                let root = "../".repeat(depth);
                let heading = match g.kind {
                    "year" => format!("Advisories of {}", g.label),
                    "severity" => format!("{} severity advisories", g.label),
                    _ => format!("Advisories for {}", g.label),
                };
                self.page("list.html", self.keyed_path(job), &root, |ctx| {
                    ctx.insert("advisories", &list);
                    ctx.insert("heading", &heading);
                })
            }
            Job::Feed => Ok(Output {
                path: "feed.xml".into(),
                bytes: feed::render(self.project, self.vis),
            }),
            Job::Key => Ok(Output {
                path: format!("keys/{}", self.project.public_key.file_name),
                bytes: self.project.public_key.armored.clone(),
            }),
            Job::Static(i) => {
                let (name, bytes) = &self.project.theme.statics[i];
                Ok(Output {
                    path: name.clone(),
                    bytes: bytes.clone(),
                })
            }
        }
    }
}
