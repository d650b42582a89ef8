//! The CVE record of each CVE id, when the team is a CNA (see `crate::cve`).

use super::{ChannelError, Job, Outbox};

pub(super) fn render(out: &Outbox, job: &mut Job) -> Result<(), ChannelError> {
    let config = out.config();
    let Some(cna) = &config.channels.cve else {
        return Ok(());
    };
    let doc = job.doc;
    for cve in &doc.meta.cves {
        let record = crate::cve::container(config, cna, doc, cve);
        crate::cve::validate(cve.as_str(), &record).map_err(|invalid| ChannelError::Record {
            slug: doc.meta.slug.to_string(),
            invalid,
        })?;
        let json = serde_json::to_string_pretty(&record).unwrap_or_default() + "\n";
        job.add(&format!("cve-{cve}.json"), json.into_bytes());
    }
    Ok(())
}
