//! The HTML report: one self-contained file for people (security engineers,
//! auditors). Inline CSS, inline SVG and a small inline script; a
//! Content-Security-Policy that lets the browser fetch nothing at all. Every
//! text from the account is escaped (by [`markup::Html`], the only writer of
//! the page); the script never builds markup from data. The output is a
//! function of the report alone (no rendering time).

mod labels;
mod markup;
mod page;
mod scope;
mod sections;
mod svg;

pub use page::{render_html, CONTENT_SECURITY_POLICY};

#[cfg(test)]
mod tests;
