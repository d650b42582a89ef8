//! Tera templates: the built-in theme, overrides from the tree, and the
//! compiled template set.
//!
//! The default theme is compiled into the binary so that a content tree
//! without a `themes/` folder builds; a theme folder replaces templates and
//! static files one by one.

use tera::Tera;

use crate::model::Theme;

macro_rules! builtin_files {
    ($dir:literal: $($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../themes/default/", $dir, "/", $name)))),*]
    };
}

/// Templates every theme must end up with after overrides.
pub const TEMPLATES: &[&str] = &[
    "base.html",
    "index.html",
    "advisory.html",
    "pre-announcement.html",
    "page.html",
    "list.html",
    "archive.html",
    "404.html",
    "macros.html",
    "channels/announcement.txt",
    "channels/blog.md",
    "channels/forum.md",
    "channels/ghsa.md",
    "channels/oss-security.txt",
    "channels/distros.txt",
    "channels/advance-notice.txt",
    "channels/pre-announcement.txt",
    "channels/pre-announcement-blog.md",
    "channels/pre-announcement-forum.md",
];

pub fn builtin() -> Theme {
    let templates = builtin_files!("templates":
        "base.html", "index.html", "advisory.html", "pre-announcement.html", "page.html",
        "list.html", "archive.html", "404.html", "macros.html",
        "channels/announcement.txt", "channels/blog.md", "channels/forum.md", "channels/ghsa.md",
        "channels/oss-security.txt", "channels/distros.txt", "channels/advance-notice.txt",
        "channels/pre-announcement.txt", "channels/pre-announcement-blog.md",
        "channels/pre-announcement-forum.md");
    let statics = builtin_files!("static": "style.css");
    Theme {
        templates: templates
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
        statics: statics
            .iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect(),
    }
}

pub fn override_template(theme: &mut Theme, name: &str, text: String) {
    match theme.templates.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = text,
        None => theme.templates.push((name.to_string(), text)),
    }
}

pub fn override_static(theme: &mut Theme, name: &str, bytes: Vec<u8>) {
    match theme.statics.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = bytes,
        None => theme.statics.push((name.to_string(), bytes)),
    }
}

/// Only the characters that matter in HTML text and quoted attributes.
/// Tera's default also escapes `/`, which makes every URL unreadable.
fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Tera's function that reads an environment variable.
pub const GET_ENV: &[u8] = b"get_env";

/// Compile a theme. On failure, names the template and says what is wrong.
pub fn compile(theme: &Theme) -> Result<Tera, (String, String)> {
    let mut tera = Tera::default();
    // The load refuses a template that names it; this keeps a template
    // made some other way from reading the environment either.
    tera.register_function(
        "get_env",
        |_: &std::collections::HashMap<String, tera::Value>| {
            Err::<tera::Value, _>(tera::Error::msg(
                "`get_env` is not available: a template may not read the environment",
            ))
        },
    );
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    tera.add_raw_templates(
        theme
            .templates
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .map_err(|e| {
        let msg = error_chain(&e);
        // Tera names the failing template in its message; point at it.
        let name = theme
            .templates
            .iter()
            .map(|(n, _)| n)
            .find(|n| msg.contains(&format!("'{n}'")))
            .cloned()
            .unwrap_or_default();
        (name, msg)
    })?;
    for required in TEMPLATES {
        if !theme.templates.iter().any(|(n, _)| n == required) {
            return Err((
                required.to_string(),
                "template missing from the theme".into(),
            ));
        }
    }
    Ok(tera)
}

/// Tera hides the useful part of an error in its sources.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_cannot_read_the_environment() {
        std::env::set_var("HERALD_THEME_TEST_SECRET", "s3cret-from-the-environment");
        let mut theme = builtin();
        override_template(
            &mut theme,
            "nosy.txt",
            r#"{{ get_env(name="HERALD_THEME_TEST_SECRET") }}"#.into(),
        );
        let tera = compile(&theme).expect("compiles");
        let err = tera
            .render("nosy.txt", &tera::Context::new())
            .expect_err("refused");
        let msg = error_chain(&err);
        assert!(msg.contains("`get_env` is not available"), "{msg}");
        assert!(!msg.contains("s3cret"), "{msg}");
    }
}
