//! Exim's `${dlfunc}` functions: `mxl_check` and `mxl_match`.
//!
//! Exim calls `int f(unsigned char **yield, int argc, unsigned char *argv[])`
//! with the arguments after the function name. On `OK` it copies the string
//! `*yield` points to into the expansion; on any other code the expansion
//! fails with `*yield` as its message, which Exim logs, and the ACL that ran
//! the expansion answers with a temporary error (451).

use std::cell::RefCell;
use std::ffi::{c_int, c_uchar};
use std::fmt::Write as _;

use mxlists_core::{Artifact, Error, HitRef, Selection};

use crate::boundary::{c_bytes, guard};
use crate::cache::{self, path_of as db_path};
use crate::query::{self, Answer, Fixed};

/// Exim's `OK`: the expansion goes on with `*yield`.
const OK: c_int = 0;
/// Exim's `DEFER`: the expansion fails (a temporary problem) and is logged.
const DEFER: c_int = 1;
/// Exim's `ERROR`: the expansion fails (a configuration problem) and is logged.
const ERROR: c_int = 3;

thread_local! {
    /// The string `*yield` points to: the library's own memory, valid until the
    /// thread's next call of an Exim function. Exim copies it at once.
    static YIELD: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A failed call: the Exim return code and the message to log.
struct Failure(c_int, String);

/// `${dlfunc{LIBRARY}{mxl_check}{ARTIFACT}{LISTS}{VALUE}}`: looks `VALUE` up in
/// the lists named by `LISTS` (`*` for every list, or names separated by
/// commas; an empty selection, an empty name, `*` with names or an unknown
/// name is an error) of the artifact file `ARTIFACT`.
///
/// An optional fourth argument names allow lists, by the same rule:
/// `${dlfunc{LIBRARY}{mxl_check}{ARTIFACT}{LISTS}{VALUE}{ALLOW}}` answers
/// "not listed" for a value one of them lists, whatever `LISTS` say: the
/// decision of `mxlists check --allow` and of `mxlists serve`'s
/// `allow_lists`.
///
/// Yields the empty string when `VALUE` is not listed, or is not a valid
/// address, domain or IP address (a client's malformed input must not delay
/// mail). When listed, yields the first hit in list order as
/// `list=NAME entry=ENTRY reason="REASON"`, whose fields `${extract}` takes
/// apart (`${extract{reason}{$acl_m_hit}}`): `REASON` is quoted, with `"` and
/// `\` escaped by `\` and control characters written `\xHH`; `ENTRY` is quoted
/// the same way only when it holds a space or a quote (a quoted local part).
///
/// The yield is the library's own memory, so Exim treats it as untainted. It
/// holds list data only, never the queried text: `NAME` is a list name, `REASON`
/// the list's reason, `ENTRY` the artifact's entry that decided. The one part
/// that comes from the query is the `ENTRY` of a `known_tlds` hit: the queried
/// name's top-level domain, which the list does not know; it has been
/// normalized to a DNS label of 1 to 63 characters from `a-z`, `0-9`, `-`, `_`
/// (an IDN label in its `xn--` form), so it cannot carry spaces, quotes,
/// braces, `$` or line breaks.
///
/// Returns Exim's `OK` (0) with the yield described above. A missing,
/// unreadable or damaged artifact, or an `ARTIFACT` that is not a regular file
/// (refused at once, never waited on), returns `DEFER` (1); a wrong argument
/// count, a bad list selection or an internal failure returns `ERROR` (3).
/// Either way the expansion fails with the message in `*yield_ptr` (naming the
/// artifact, and at most about 2 KiB long), Exim logs it (main and panic
/// logs), and the ACL that ran the expansion answers 451.
///
/// Each process opens an artifact once and keeps it; a new file renamed over
/// it is noticed within a second.
///
/// # Safety
/// Called by Exim: `yield_ptr` is NULL or points to a writable pointer, and
/// `argv` is NULL or holds `argc` pointers, each NULL or a NUL-terminated
/// string. The string `*yield_ptr` is set to belongs to the library and stays
/// valid until the thread's next call of `mxl_check()` or `mxl_match()`.
#[no_mangle]
pub unsafe extern "C" fn mxl_check(
    yield_ptr: *mut *mut c_uchar,
    argc: c_int,
    argv: *mut *mut c_uchar,
) -> c_int {
    // SAFETY: forwarded from Exim's call, per the contract.
    unsafe {
        run(
            yield_ptr,
            argc,
            argv,
            "mxl_check",
            |art, sel, allow, value, out| {
                let write = |answer: Answer<'_>| match answer {
                    Answer::Listed(hit) => format_hit(out, &hit),
                    _ => Ok(()),
                };
                match allow {
                    Some(allow) => query::decide(art, sel, &allow, value, write),
                    None => query::answer(art, sel, value, write),
                }
            },
        )
    }
}

/// `${dlfunc{LIBRARY}{mxl_match}{ARTIFACT}{LISTS}{VALUE}}`: yields `yes` when
/// `VALUE` is listed by one of the lists named by `LISTS`, otherwise `no` (also
/// for a malformed value), for use in `condition =`. Arguments (the optional
/// fourth, `ALLOW`, included), failures and reloading are as for
/// `mxl_check()`.
///
/// # Safety
/// As for `mxl_check()`.
#[no_mangle]
pub unsafe extern "C" fn mxl_match(
    yield_ptr: *mut *mut c_uchar,
    argc: c_int,
    argv: *mut *mut c_uchar,
) -> c_int {
    // SAFETY: forwarded from Exim's call, per the contract.
    unsafe {
        run(
            yield_ptr,
            argc,
            argv,
            "mxl_match",
            |art, sel, allow, value, out| {
                let listed = match allow {
                    Some(allow) => query::decide(art, sel, &allow, value, |a| {
                        Ok(matches!(a, Answer::Listed(_)))
                    })?,
                    None => query::matches(art, sel, value)?,
                };
                out.extend_from_slice(if listed { b"yes" } else { b"no" });
                Ok(())
            },
        )
    }
}

/// The body shared by the Exim functions: reads the arguments, and lets
/// `look` look the value up and write the yield.
///
/// # Safety
/// As for `mxl_check()`.
unsafe fn run(
    yield_ptr: *mut *mut c_uchar,
    argc: c_int,
    argv: *mut *mut c_uchar,
    name: &str,
    look: impl FnOnce(
        &Artifact,
        &Selection,
        Option<Selection>,
        &[u8],
        &mut Vec<u8>,
    ) -> Result<(), Error>,
) -> c_int {
    guard(
        || {
            if yield_ptr.is_null() {
                return ERROR;
            }
            let result = YIELD.with(|buf| {
                let mut buf = buf.borrow_mut();
                buf.clear();
                // SAFETY: forwarded, per the contract.
                let outcome = unsafe {
                    lookup(argc, argv, name, |art, sel, allow, value| {
                        look(art, sel, allow, value, &mut buf)
                    })
                };
                let code = match outcome {
                    Ok(()) => OK,
                    Err(Failure(code, message)) => {
                        buf.clear();
                        let message = mxlists_core::shorten(&message, query::MAX_MESSAGE);
                        buf.extend_from_slice(message.replace('\0', "\\0").as_bytes());
                        code
                    }
                };
                buf.push(0);
                (code, buf.as_mut_ptr())
            });
            // SAFETY: yield_ptr is non-NULL and writable, per the contract.
            unsafe { *yield_ptr = result.1 };
            result.0
        },
        |message| {
            // A panic may have left the buffer borrowed; use a static message then.
            static PANICKED: &[u8] = b"mxlists: internal error\0";
            let ptr = YIELD
                .with(|buf| {
                    let mut buf = buf.try_borrow_mut().ok()?;
                    buf.clear();
                    buf.extend_from_slice(
                        format!("{name}: {message}").replace('\0', "").as_bytes(),
                    );
                    buf.push(0);
                    Some(buf.as_mut_ptr())
                })
                .unwrap_or(PANICKED.as_ptr() as *mut c_uchar);
            if !yield_ptr.is_null() {
                // SAFETY: non-NULL and writable, per the contract.
                unsafe { *yield_ptr = ptr };
            }
            ERROR
        },
    )
}

/// Reads `ARTIFACT`, `LISTS` and `VALUE` and looks the value up.
///
/// # Safety
/// As for `mxl_check()`.
unsafe fn lookup<T>(
    argc: c_int,
    argv: *mut *mut c_uchar,
    name: &str,
    look: impl FnOnce(&Artifact, &Selection, Option<Selection>, &[u8]) -> Result<T, Error>,
) -> Result<T, Failure> {
    let usage = || {
        Failure(
            ERROR,
            format!(
                "{name} takes three or four arguments: {{ARTIFACT}}{{LISTS}}{{VALUE}}[{{ALLOW}}], got {argc}"
            ),
        )
    };
    if !(3..=4).contains(&argc) || argv.is_null() {
        return Err(usage());
    }
    let mut args = [&[][..]; 4];
    for (i, arg) in args.iter_mut().take(argc as usize).enumerate() {
        // SAFETY: argv holds argc (3 or 4) pointers, each NULL or NUL-terminated.
        *arg = unsafe { c_bytes((*argv.add(i)).cast_const().cast()) }.ok_or_else(usage)?;
    }
    let [path, lists, value, allow] = args;
    let db = cache::db(path).map_err(|e| {
        let message = e.message_about(&db_path(path));
        Failure(DEFER, format!("{name}: cannot open artifact: {message}"))
    })?;
    let art = db.current();
    let selection = |spec: &[u8]| {
        query::cached_selection(&art, spec)
            .map_err(|e| Failure(ERROR, format!("{name}: {}", e.message_about(db.path()))))
    };
    let sel = selection(lists)?;
    let allow = if argc == 4 {
        Some(selection(allow)?)
    } else {
        None
    };
    look(&art, &sel, allow, value).map_err(|e| {
        Failure(
            DEFER,
            format!("{name}: lookup in {} failed: {e}", db.path().display()),
        )
    })
}

/// Writes `list=NAME entry=ENTRY reason="REASON"`, reading the texts from the
/// artifact and the query as it goes.
fn format_hit(out: &mut Vec<u8>, hit: &HitRef<'_>) -> Result<(), Error> {
    out.extend_from_slice(b"list=");
    push_value(out, hit.list(), false);
    out.extend_from_slice(b" entry=");
    let mut entry = [0u8; 1024];
    let mut w = Fixed::new(&mut entry);
    let _ = write!(w, "{}", hit.entry()?);
    push_value(out, std::str::from_utf8(w.written()).unwrap_or(""), false);
    out.extend_from_slice(b" reason=");
    push_value(out, hit.reason()?, true);
    Ok(())
}

/// Appends `v` as a value that Exim's `${extract}` reads back unchanged: bare
/// when it is non-empty and holds no space, quote, backslash or control
/// character (and `quote` is false), otherwise in double quotes with `"` and
/// `\` escaped and control characters as `\xHH`.
fn push_value(out: &mut Vec<u8>, v: &str, quote: bool) {
    let plain = !quote
        && !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\');
    if plain {
        out.extend_from_slice(v.as_bytes());
        return;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in v.as_bytes() {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b if b.is_ascii_control() => out.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]),
            b => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(v: &str, quote: bool) -> String {
        let mut s = Vec::new();
        push_value(&mut s, v, quote);
        String::from_utf8(s).unwrap()
    }

    #[test]
    fn values_are_quoted_only_when_needed() {
        assert_eq!(quoted("monster", false), "monster");
        assert_eq!(quoted("", false), "\"\"");
        assert_eq!(quoted("\"a b\"@x.com", false), r#""\"a b\"@x.com""#);
        assert_eq!(quoted(r#"say "no" \ go"#, true), r#""say \"no\" \\ go""#);
        assert_eq!(quoted("a\nb\x7f", true), "\"a\\x0ab\\x7f\"");
    }
}
