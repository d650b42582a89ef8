//! The blog step: the post delivered to the blog's repository, or left to
//! the team with its URL recorded.

use std::path::Path;

use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::{Ledger, State};
use crate::publish::{blog, github, http, PublishError, Run, Step};

impl Run<'_> {
    /// The blog post: into the blog's repository when herald.yaml names
    /// one; else it is the team's to put up, and only its URL is recorded.
    pub(in crate::publish) fn blog(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<Step, PublishError> {
        let url = e.url.clone().unwrap_or_default();
        let repository = self
            .project
            .config
            .channels
            .blog
            .as_ref()
            .and_then(|b| b.repository.clone());
        let Some(target) = repository else {
            if self.opts.dry_run {
                (self.log)(format!(
                    "would record {} (no channels.blog.repository: outbox/{}/{} is yours to post): {url}",
                    Self::label(m, e),
                    m.slug,
                    e.file
                ));
                return Ok(Step::Done);
            }
            (self.log)(format!(
                "note: {}: no channels.blog.repository, so outbox/{}/{} is yours to post at {url}",
                Self::label(m, e),
                m.slug,
                e.file
            ));
            self.set(
                ledger,
                "blog",
                State::Done,
                &[("url", url), ("delivered", "by the team".into())],
            )?;
            self.done(m, e);
            return Ok(Step::Done);
        };
        let Some(token) = self.creds.github_token.clone() else {
            return Ok(self.fail(
                m,
                e,
                "GITHUB_TOKEN must be set to deliver the blog post to its repository".into(),
            ));
        };
        let content = match self.outgoing(dir, &e.file) {
            Ok(b) => b,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        let path = target.file.replace("{slug}", &m.slug);
        let head = format!("herald/{}", m.slug);
        let how = if target.pull_request {
            format!("a pull request from `{head}` to `{}`", target.branch)
        } else {
            format!("a commit on `{}`", target.branch)
        };
        if self.opts.dry_run {
            (self.log)(format!(
                "would deliver the blog post to {} as {how} ({path}), token ***",
                target.repository
            ));
            return Ok(Step::Done);
        }
        let api = self.project.config.channels.github_api.clone();
        let title = m.title.clone();
        let started = [("repository", target.repository.clone())];
        self.remote(m, e, ledger, &started, |session, log| {
            let gh = github::GitHub {
                session,
                api: &api,
                token: &token,
            };
            let d = blog::Delivery {
                repo: &target.repository,
                branch: &target.branch,
                path: &path,
                pull_request: target.pull_request,
                head: head.clone(),
                title: &title,
                content: &content,
            };
            match gh.deliver(&d, log) {
                Ok(mut details) => {
                    details.push(("url", url.clone()));
                    Ok(details)
                }
                Err(blog::DeliveryError::Http(h)) => Err(h),
                Err(blog::DeliveryError::Refused(message)) => Err(http::HttpError::Transport {
                    method: "PUT".into(),
                    url: format!("{api}repos/{}/contents/{path}", target.repository),
                    message,
                    maybe_applied: false,
                }),
            }
        })
    }
}
