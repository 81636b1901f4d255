//! The one place the HTML report escapes: a writer of elements whose text
//! and attribute values always go through [`Esc`]. Every string that comes
//! from the scanned account (names, tags, messages, AWS error texts) reaches
//! the page through [`Html::text`], [`Html::el`] or an attribute value
//! (element content and double- or single-quoted values alike); only the
//! page's own fixed markup is written with [`Html::raw`].

use std::fmt::{self, Display, Write as _};

use eksposture_model::Severity;

/// An attribute: name and value (escaped when written).
pub type Attr<'a> = (&'a str, &'a dyn Display);

/// Writes `rest` with `&`, `<`, `>`, `"` and `'` as character references.
fn escape_into(out: &mut impl fmt::Write, mut rest: &str) -> fmt::Result {
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..i])?;
        out.write_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        })?;
        rest = &rest[i + 1..];
    }
    out.write_str(rest)
}

/// Escapes whatever is written through it into the wrapped string.
struct Escaping<'a>(&'a mut String);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s)
    }
}

/// A page being written. Writing to a `String` cannot fail, so the methods
/// return the writer for chaining instead of a `Result`.
#[derive(Default)]
pub struct Html {
    out: String,
}

impl Html {
    pub fn with_capacity(capacity: usize) -> Html {
        Html {
            out: String::with_capacity(capacity),
        }
    }

    pub fn into_string(self) -> String {
        self.out
    }

    /// The page's own markup, written as it is: never text from the report.
    pub fn raw(&mut self, markup: &str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, text: impl Display) -> &mut Self {
        let _ = write!(Escaping(&mut self.out), "{text}");
        self
    }

    /// `<tag name="value" ...>`, the values escaped.
    pub fn open(&mut self, tag: &str, attrs: &[Attr<'_>]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            let _ = write!(self.out, " {name}=\"");
            self.text(value);
            self.out.push('"');
        }
        self.out.push('>');
        self
    }

    /// `<tag name="value" .../>`: an SVG element without content.
    pub fn solo(&mut self, tag: &str, attrs: &[Attr<'_>]) -> &mut Self {
        self.open(tag, attrs);
        self.out.insert(self.out.len() - 1, '/');
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        let _ = write!(self.out, "</{tag}>");
        self
    }

    /// `<tag ...>text</tag>`, the text escaped.
    pub fn el(&mut self, tag: &str, attrs: &[Attr<'_>], text: impl Display) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// An element around what `body` writes.
    pub fn wrap(
        &mut self,
        tag: &str,
        attrs: &[Attr<'_>],
        body: impl FnOnce(&mut Html),
    ) -> &mut Self {
        self.open(tag, attrs);
        body(self);
        self.close(tag)
    }

    pub fn nl(&mut self) -> &mut Self {
        self.out.push('\n');
        self
    }

    /// `<span class="b {class}">label</span>`: a coloured label.
    pub fn badge(&mut self, class: impl Display, label: impl Display) -> &mut Self {
        self.el("span", &[("class", &format_args!("b {class}"))], label)
    }

    /// The badge of a severity, coloured by the page's `s-*` classes.
    pub fn severity(&mut self, s: Severity) -> &mut Self {
        self.badge(format_args!("s-{}", s.as_str()), s.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut h = Html::default();
        h.text(text);
        h.into_string()
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escaped(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escaped("plain ✓"), "plain ✓");
    }

    #[test]
    fn escapes_text_and_attribute_values_but_not_markup() {
        let mut h = Html::default();
        h.raw("<p>")
            .el("a", &[("href", &"#x\"y"), ("data-n", &3)], "<b>")
            .badge("s-high", "high")
            .text(format_args!("{} & {}", 1, "'2'"))
            .close("p");
        assert_eq!(
            h.into_string(),
            "<p><a href=\"#x&quot;y\" data-n=\"3\">&lt;b&gt;</a><span class=\"b s-high\">high</span>1 &amp; &#39;2&#39;</p>"
        );
    }
}
