//! `auto`: telling a source's format from its file name and its first lines.
//!
//! Content decides when it carries a format's signature (IANA's version line,
//! RPSL attributes, DROP's `; SBL` ids or JSON lines, StopForumSpam's quoted CSV
//! rows, rbldnsd's `$` directives and `:A:text` values, Postfix actions, Exim's
//! `key:` records). The file name decides for lists whose content is just values
//! (`tlds-alpha-by-domain.txt`, StopForumSpam's `listed_*` and `toxic_domains*`,
//! `drop.txt`). A file with no signature at all is `plain`. Signatures of two
//! formats, or content that contradicts the file name, are an error: the
//! operator sets `format` for that list.

use super::Format;

/// Lines looked at.
pub(crate) const PEEK: usize = 64;

/// Picks the format of a file called `name` (the member's name for archives)
/// whose first lines are `head`. The error says why it cannot tell.
pub(crate) fn detect(name: &str, head: &[String]) -> Result<Format, String> {
    let data: Vec<&str> = head
        .iter()
        .map(|l| l.trim_end())
        .filter(|l| !l.trim().is_empty())
        .collect();
    if let Some(first) = data.first() {
        let lower = first.trim_start().to_ascii_lowercase();
        if lower.starts_with("<!doctype")
            || lower.starts_with("<html")
            || lower.starts_with("<?xml")
        {
            return Err(
                "this looks like an HTML or XML page, not a list (a failed download?)".into(),
            );
        }
    }
    let mut found: Vec<Format> = Vec::new();
    let mut note = |f: Format| {
        if !found.contains(&f) {
            found.push(f);
        }
    };
    if data.first().is_some_and(|l| l.starts_with("# Version ")) {
        note(Format::Iana);
    }
    let mut postfix_lines = 0;
    let mut two_word_lines = 0;
    // Values only `plain` writes (`.d`, `=d`, `<value>`): beside Exim's `key:`
    // records they mean the file is not one format.
    let mut plain_only = false;
    for line in &data {
        let t = line.trim_start();
        let value = t.strip_prefix('!').unwrap_or(t).trim_start();
        plain_only |= !line.starts_with(char::is_whitespace) && value.starts_with(['.', '=', '<']);
        if line.starts_with('%') || is_rpsl_route(line) {
            note(Format::Irr);
        } else if is_drop_line(t) {
            note(Format::Drop);
        } else if is_sfs_csv(t) {
            note(Format::Sfs);
        } else if t.starts_with('$') || is_rbldnsd_value(t) {
            note(Format::Rbldnsd);
        } else if t.starts_with('#') || t.starts_with(';') {
            continue;
        } else if line.starts_with('"') || is_exim_key(first_token(line)) {
            note(Format::Exim);
        } else if line.starts_with(char::is_whitespace) {
            // A continuation line: Exim or Postfix; the other lines tell which.
        } else if let Some((_, result)) = t.split_once(char::is_whitespace) {
            match super::postfix::action(result) {
                Some(a) if a.is_telling() => {
                    two_word_lines += 1;
                    postfix_lines += 1;
                }
                // A number: Postfix's OK, or a plain list's reason.
                Some(_) => {}
                None => two_word_lines += 1,
            }
        }
    }
    if postfix_lines > 0 {
        if postfix_lines < two_word_lines {
            return Err(
                "some lines look like a Postfix table (`pattern ACTION`) and others do not".into(),
            );
        }
        note(Format::Postfix);
    }
    if found == [Format::Exim] && plain_only {
        return Err(
            "some lines look like Exim lookup keys (`key: data`) and others like plain list \
             entries (`.d`, `=d`, `<value>`); Exim and plain read a bare name differently"
                .into(),
        );
    }
    if found.contains(&Format::Irr) {
        // RPSL attributes (`origin: AS1`) look like Exim keys.
        found.retain(|f| *f != Format::Exim);
    }
    let by_name = by_name(name);
    match (found.as_slice(), by_name) {
        ([], Some(f)) => Ok(f),
        ([], None) => Ok(Format::Plain),
        ([f], None) => Ok(*f),
        ([f], Some(n)) if *f == n => Ok(n),
        ([f], Some(n)) => Err(format!(
            "the file name says {n} but the content looks like {f}"
        )),
        (many, _) => Err(format!(
            "the content looks like several formats ({})",
            many.iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn by_name(name: &str) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    let stem = lower.split('.').next().unwrap_or("");
    if lower.starts_with("tlds-alpha-by-domain") {
        Some(Format::Iana)
    } else if stem.starts_with("listed_") || stem.contains("toxic_domains") {
        Some(Format::Sfs)
    } else if matches!(
        stem,
        "drop" | "edrop" | "dropv6" | "drop_v4" | "drop_v6" | "drop-v4" | "drop-v6" | "drop_v4_v6"
    ) {
        Some(Format::Drop)
    } else {
        None
    }
}

fn first_token(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

/// `key:` with no other colon (so that `2001:db8::` stays an IPv6 address).
fn is_exim_key(token: &str) -> bool {
    token
        .strip_suffix(':')
        .is_some_and(|key| !key.is_empty() && !key.contains(':'))
}

fn is_rpsl_route(line: &str) -> bool {
    let lower = line.get(..7).unwrap_or(line).to_ascii_lowercase();
    lower.starts_with("route:") || lower.starts_with("route6:")
}

/// A DROP JSON line, the DROP header, or `prefix ; SBL...`.
fn is_drop_line(t: &str) -> bool {
    (t.starts_with('{') && (t.contains("\"cidr\"") || t.contains("\"sblid\"")))
        || (t.starts_with(';') && t.to_ascii_lowercase().contains("spamhaus"))
        || t.contains("; SBL")
}

/// `"value","count","lastseen"`.
fn is_sfs_csv(line: &str) -> bool {
    let fields: Vec<&str> = line.split(',').collect();
    fields.len() >= 2
        && fields
            .iter()
            .all(|f| f.len() >= 2 && f.starts_with('"') && f.ends_with('"'))
        && fields[1]
            .trim_matches('"')
            .bytes()
            .all(|b| b.is_ascii_digit())
}

/// `:127.0.0.2:text` alone, or after a subject.
fn is_rbldnsd_value(line: &str) -> bool {
    let value = if line.starts_with(':') {
        line
    } else {
        match line.split_whitespace().nth(1) {
            Some(v) => v,
            None => return false,
        }
    };
    value
        .strip_prefix(':')
        .and_then(|v| v.split(':').next())
        .is_some_and(|a| !a.is_empty() && super::rbldnsd::is_a_value(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(name: &str, text: &str) -> Result<Format, String> {
        let head: Vec<String> = text.lines().map(str::to_owned).collect();
        detect(name, &head)
    }

    #[test]
    fn signatures() {
        assert_eq!(
            d("x.txt", "# Version 2023053000\nCOM\nXN--P1AI"),
            Ok(Format::Iana)
        );
        assert_eq!(
            d("x.txt", "% whois\n\nroute: 1.2.3.0/24\norigin: AS1"),
            Ok(Format::Irr)
        );
        assert_eq!(
            d("x.txt", "; Spamhaus DROP List\n1.10.16.0/20 ; SBL256894"),
            Ok(Format::Drop)
        );
        assert_eq!(
            d(
                "x.json",
                "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\"}"
            ),
            Ok(Format::Drop)
        );
        assert_eq!(
            d("x.txt", "\"1.2.3.4\",\"3\",\"2021-01-01 00:00:00\""),
            Ok(Format::Sfs)
        );
        assert_eq!(d("x", "$TTL 3600\n1.2.3.4"), Ok(Format::Rbldnsd));
        assert_eq!(d("x", ":127.0.0.2:Listed\n1.2.3"), Ok(Format::Rbldnsd));
        assert_eq!(
            d("access", "example.com REJECT no\n1.2.3 OK"),
            Ok(Format::Postfix)
        );
        // One definition of a Postfix action: what the reader refuses as
        // having no list meaning still tells a Postfix table; numbers do not.
        assert_eq!(
            d(
                "x",
                "a.com DEFER_IF_REJECT\nb.com 554 go away\nc.com 1712345678"
            ),
            Ok(Format::Postfix)
        );
        assert_eq!(d("x", "a.com 12\nb.com 7"), Ok(Format::Plain));
        assert_eq!(
            d("x", "example.com: spam\n\"2001:db8::1\": x"),
            Ok(Format::Exim)
        );
        assert_eq!(
            d("x", "# comment\nexample.com\n!good.example.com partner"),
            Ok(Format::Plain)
        );
        assert_eq!(
            d("x", "2001:db8::\n2001:db8::/32 provider\n::1"),
            Ok(Format::Plain)
        );
    }

    #[test]
    fn names() {
        assert_eq!(d("tlds-alpha-by-domain.txt", "COM"), Ok(Format::Iana));
        assert_eq!(d("listed_ip_7.txt", "1.2.3.4"), Ok(Format::Sfs));
        assert_eq!(d("toxic_domains_whole.txt", "a.com"), Ok(Format::Sfs));
        assert_eq!(d("drop.txt", "1.10.16.0/20"), Ok(Format::Drop));
    }

    #[test]
    fn ambiguous_or_wrong() {
        assert!(d("x", "<!DOCTYPE html>\n<html>").is_err());
        assert!(d("x", "a.com REJECT\nb.com spam source").is_err());
        assert!(d("x", "a.com: x\n$TTL 1").is_err());
        assert!(d("x", "a.com: x\n.b.com").is_err());
        assert!(d("x", "a.com: x\n!=b.com").is_err());
        assert_eq!(d("x", "a.com: x\n*.b.com"), Ok(Format::Exim));
        assert!(d("tlds-alpha-by-domain.txt", "a.com REJECT").is_err());
    }
}
