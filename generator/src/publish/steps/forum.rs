//! The forum step: one Discourse topic per advisory, found by its
//! `external_id` before one is created.

use std::path::Path;

use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::Ledger;
use crate::publish::{forum, http, PublishError, Run, Step};

impl Run<'_> {
    pub(in crate::publish) fn forum(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<Step, PublishError> {
        let (Some(key), Some(user)) = (
            self.creds.discourse_key.clone(),
            self.creds.discourse_user.clone(),
        ) else {
            return Ok(self.fail(
                m,
                e,
                "DISCOURSE_API_KEY and DISCOURSE_API_USERNAME must be set to post to the forum"
                    .into(),
            ));
        };
        let text = match self
            .outgoing(dir, &e.file)
            .and_then(|b| String::from_utf8(b).map_err(|_| format!("`{}` is not UTF-8", e.file)))
        {
            Ok(t) => t,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        let raw = strip_front_matter(&text).trim().to_string();
        let external_id = e
            .external_id
            .clone()
            .unwrap_or_else(|| format!("herald-{}", m.slug));
        let title = e.title.clone().unwrap_or_else(|| m.title.clone());
        let Some(base) = self
            .project
            .config
            .channels
            .forum
            .as_ref()
            .map(|f| f.base_url.clone())
        else {
            return Ok(self.fail(m, e, "herald.yaml has no `channels.forum`".into()));
        };
        if self.opts.dry_run {
            let category = e
                .category
                .map(|c| format!("category {c}, "))
                .unwrap_or_default();
            (self.log)(format!("would post `{title}` to {base} ({category}external_id {external_id}) as {user}, API key ***"));
            return Ok(Step::Done);
        }
        let started = [("external-id", external_id.clone())];
        self.remote(m, e, ledger, &started, |session, log| {
            let forum = forum::Forum {
                session,
                base_url: &base,
                api_key: &key,
                api_username: &user,
            };
            let topic = match forum.find(&external_id, log)? {
                Some(t) => t,
                None => {
                    let made = forum.create(&title, &raw, e.category, &external_id, log)?;
                    // A forum that claims a topic it does not have would
                    // lose the post: what it made must be found.
                    match forum.find(&external_id, log)? {
                        Some(found) if found.id == made.id => found,
                        found => {
                            return Err(http::HttpError::bad_answer(
                                "POST",
                                &format!("{base}posts.json"),
                                format!(
                                    "the forum answered with topic {}, but `external_id` {external_id} finds {}",
                                    made.id,
                                    found.map_or("none".to_string(), |t| format!("topic {}", t.id))
                                ),
                            ))
                        }
                    }
                }
            };
            Ok(vec![("topic-id", topic.id.to_string()), ("url", topic.url)])
        })
    }
}

/// The body of a file with `---` front matter.
fn strip_front_matter(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text;
    };
    match rest.find("\n---\n") {
        Some(i) => &rest[i + 5..],
        None => text,
    }
}
