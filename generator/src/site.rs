//! The readers' site, rendered in memory from the model. Nothing here reads
//! or writes files: `build` decides where the bytes go.

use tera::{Context, Tera};

use crate::embargo::Visibility;
use crate::feed;
use crate::model::Project;
use crate::theme;
use crate::view::{self, NavItem, SiteView, TeamView};

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
        Site {
            project,
            vis,
            tera,
            base,
        }
    }

    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = vec![Job::Index, Job::Feed, Job::Key];
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

    pub fn render(&self, job: Job) -> Result<Output, RenderError> {
        let cfg = &self.project.config;
        match job {
            Job::Index => {
                let advisories: Vec<_> = self
                    .vis
                    .advisories
                    .iter()
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
                    ctx.insert("upcoming", &upcoming);
                    ctx.insert("intro", &intro);
                })
            }
            Job::Advisory(i) => {
                let doc = self.vis.advisories[i];
                let a = view::advisory(cfg, doc, true);
                self.page(
                    "advisory.html",
                    format!("advisories/{}/index.html", doc.meta.slug),
                    "../../",
                    |ctx| {
                        ctx.insert("a", &a);
                    },
                )
            }
            Job::PreAnnouncement(i) => {
                let (doc, at) = &self.vis.pre_announcements[i];
                let p = view::pre_announcement(cfg, doc, at, true);
                self.page(
                    "pre-announcement.html",
                    format!("pre-announcements/{}/index.html", doc.meta.slug),
                    "../../",
                    |ctx| ctx.insert("p", &p),
                )
            }
            Job::Page(i) => {
                let doc = &self.project.pages[i];
                let p = view::page(doc);
                self.page(
                    "page.html",
                    format!("{}/index.html", doc.meta.slug),
                    "../",
                    |ctx| ctx.insert("page", &p),
                )
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
