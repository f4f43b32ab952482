//! Answer templates: the TXT of a DNS zone, the result of a socketmap table,
//! the action of a policy rule.
//!
//! `{list}`, `{entry}`, `{reason}` and `{value}` (the normalized queried value)
//! are replaced by the hit's texts; `$` by the queried address or name as the
//! client wrote it, as in rbldnsd. `$$`, `{{` and `}}` are a literal `$`, `{`
//! and `}`.

use std::fmt;

/// What a template may refer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    List,
    Entry,
    Reason,
    Value,
    Query,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(Field),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// The texts a template is rendered with, each written by its `Display`
/// (so that a hit's entry or an address is formatted only when a template
/// asks for it).
#[derive(Clone, Copy)]
pub struct Texts<'a> {
    /// The list that decided.
    pub list: &'a dyn fmt::Display,
    /// The entry that decided.
    pub entry: &'a dyn fmt::Display,
    /// The entry's reason, or its list's.
    pub reason: &'a dyn fmt::Display,
    /// The queried value, normalized.
    pub value: &'a dyn fmt::Display,
    /// The queried address or name as the client wrote it (`$`).
    pub query: &'a dyn fmt::Display,
}

/// Why a template was refused: the byte offset in the template, and what is
/// wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset of the problem in the template text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Template {
    /// Parses `text`; an unknown `{name}` or an unmatched brace is an error.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text.char_indices().peekable();
        while let Some((at, c)) = rest.next() {
            match c {
                '$' if rest.peek().map(|&(_, n)| n) == Some('$') => {
                    rest.next();
                    literal.push('$');
                }
                '$' => push_field(&mut pieces, &mut literal, Field::Query),
                '{' if rest.peek().map(|&(_, n)| n) == Some('{') => {
                    rest.next();
                    literal.push('{');
                }
                '}' if rest.peek().map(|&(_, n)| n) == Some('}') => {
                    rest.next();
                    literal.push('}');
                }
                '}' => {
                    return Err(TemplateError {
                        offset: at,
                        message: "unmatched '}' (write '}}' for a brace)".into(),
                    })
                }
                '{' => {
                    let close = text[at..].find('}').map(|i| at + i).ok_or(TemplateError {
                        offset: at,
                        message: "unmatched '{' (write '{{' for a brace)".into(),
                    })?;
                    let name = &text[at + 1..close];
                    let field = match name {
                        "list" => Field::List,
                        "entry" => Field::Entry,
                        "reason" => Field::Reason,
                        "value" => Field::Value,
                        _ => {
                            return Err(TemplateError {
                                offset: at,
                                message: format!(
                                    "unknown placeholder {{{name}}} (known: {{list}}, {{entry}}, \
                                     {{reason}}, {{value}}, and $ for the query)"
                                ),
                            })
                        }
                    };
                    push_field(&mut pieces, &mut literal, field);
                    while rest.peek().is_some_and(|&(i, _)| i <= close) {
                        rest.next();
                    }
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces })
    }

    /// Whether the template renders to nothing.
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Renders the template with `texts`.
    pub fn render(&self, texts: &Texts<'_>) -> String {
        let mut out = String::new();
        self.render_into(texts, &mut out);
        out
    }

    /// Appends the template rendered with `texts` to `out`.
    pub fn render_into(&self, texts: &Texts<'_>, out: &mut String) {
        use fmt::Write;
        for p in &self.pieces {
            // Writing to a String cannot fail.
            let _ = match p {
                Piece::Text(t) => out.write_str(t),
                Piece::Field(Field::List) => write!(out, "{}", texts.list),
                Piece::Field(Field::Entry) => write!(out, "{}", texts.entry),
                Piece::Field(Field::Reason) => write!(out, "{}", texts.reason),
                Piece::Field(Field::Value) => write!(out, "{}", texts.value),
                Piece::Field(Field::Query) => write!(out, "{}", texts.query),
            };
        }
    }

    /// Renders the template as one line of at most `max` bytes: control
    /// characters (line breaks, tabs) become spaces, and the text is cut at a
    /// character boundary.
    pub fn render_line(&self, texts: &Texts<'_>, max: usize) -> String {
        let mut out = String::new();
        self.render_line_into(texts, max, &mut out);
        out
    }

    /// [`Template::render_line`] into `out`, which is cleared first.
    pub fn render_line_into(&self, texts: &Texts<'_>, max: usize, out: &mut String) {
        out.clear();
        self.render_into(texts, out);
        if out.contains(char::is_control) {
            let line: String = out
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            *out = line;
        }
        truncate(out, max);
    }
}

fn push_field(pieces: &mut Vec<Piece>, literal: &mut String, field: Field) {
    if !literal.is_empty() {
        pieces.push(Piece::Text(std::mem::take(literal)));
    }
    pieces.push(Piece::Field(field));
}

/// Cuts `s` to at most `max` bytes, at a character boundary.
pub fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: Texts<'static> = Texts {
        list: &"ovh",
        entry: &"51.68.0.0/16",
        reason: &"hosting",
        value: &"51.68.1.5",
        query: &"51.68.1.5",
    };

    #[test]
    fn placeholders_and_dollar() {
        let t =
            Template::parse("$ listed by {list} ({entry}): {reason} [{value}] $$5 {{x}}").unwrap();
        assert_eq!(
            t.render(&TEXTS),
            "51.68.1.5 listed by ovh (51.68.0.0/16): hosting [51.68.1.5] $5 {x}"
        );
        assert!(Template::parse("").unwrap().is_empty());
    }

    #[test]
    fn bad_templates_say_where() {
        let e = Template::parse("ok {lsit}").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("{lsit}"), "{e}");
        assert_eq!(Template::parse("a { b").unwrap_err().offset, 2);
        assert_eq!(Template::parse("a } b").unwrap_err().offset, 2);
    }

    #[test]
    fn lines_are_one_line_and_bounded() {
        let t = Template::parse("é{reason}").unwrap();
        let texts = Texts {
            reason: &"a\r\nb",
            ..TEXTS
        };
        assert_eq!(t.render_line(&texts, 100), "éa  b");
        assert_eq!(t.render_line(&texts, 1), "");
        assert_eq!(t.render_line(&texts, 3), "éa");
    }
}
