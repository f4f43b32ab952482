//! The command line: commands, options and the help text an operator reads.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const ABOUT: &str =
    "Compile mail policy lists into one memory-mapped artifact, and ask it questions";

const LONG_ABOUT: &str = "\
Compile mail policy lists into one memory-mapped artifact, and ask it questions.

mxlists reads the lists named in a manifest (mxlists.toml): banned TLDs, invalid
recipients collected per server, StopForumSpam downloads, audited invalid domains,
provider IP ranges with whitelisted exceptions. It compiles them into ONE immutable
file that Exim, Python and this command answer from in constant time.

Exit status: 0 success (check: a value is listed; diff: no difference),
1 check: no value listed / diff: the artifacts differ, 2 error (bad arguments,
unreadable or invalid input, corrupt artifact), 3 build refused by --max-change.";

const AFTER_HELP: &str = "\
Examples:
  mxlists build /etc/mxlists/mxlists.toml -o /var/lib/mxlists/lists.mxl --max-change 20
  mxlists check /var/lib/mxlists/lists.mxl x@bad.monster 51.68.0.1
  cut -f2 recipients.tsv | mxlists check lists.mxl --json > verdicts.jsonl
  mxlists info lists.mxl
  mxlists verify lists.mxl
  mxlists diff lists.mxl lists.new.mxl
  mxlists dump lists.mxl --manifest /tmp/lists-src
  mxlists serve /etc/mxlists/serve.toml

Run 'mxlists help <command>' for the details of one command.";

/// The `mxlists` command.
#[derive(Debug, Parser)]
#[command(
    name = "mxlists",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    max_term_width = 100
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// One `mxlists` command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile the lists of a manifest into an artifact, written atomically.
    #[command(
        long_about = "\
Compile the lists of a manifest (mxlists.toml) into an artifact file.

Every source is read in the format its [[list]] declares (or the one 'auto' picks),
every entry is normalized, and the artifact is written atomically: readers of the
old file (Exim, running checks) see the old file or the new one, never a mix. The
same lists give the same bytes on every machine, whatever the order of the lines
or of the files a glob matched.

OUT is written only when it is absent, a regular file, or a symbolic link to
one (the link is replaced by the artifact). A device, a FIFO, a folder, or one
of the build's own inputs (the manifest, a source; told by file identity) is
refused and left untouched. The artifact keeps the mode, owner and group of the
file it replaces (0644 for a new one, whatever the umask; --mode sets it).

An invalid line is an error naming file:line:column, and nothing is written;
--skip-invalid drops such lines instead and reports how many per file.
Sources must be regular files (a FIFO could stall the build) unless
--allow-special-sources.
Warnings (e.g. a CIDR block with host bits set) are printed and do not stop the build.

On success a summary is printed: per list its entries, exclusions, warnings and
bytes, then the content hash of the artifact (equal hashes = equal lists).
A progress indicator is shown on stderr when it is a terminal.",
        after_help = "\
Examples:
  mxlists build mxlists.toml -o lists.mxl
  mxlists build mxlists.toml -o /var/lib/mxlists/lists.mxl --max-change 20
  mxlists build mxlists.toml -o lists.mxl --skip-invalid
  mxlists build mxlists.toml -o lists.mxl --quiet --max-change 20   # from cron

Exit status: 0 written, 2 error (nothing written), 3 refused by --max-change
(the existing artifact is kept byte for byte)."
    )]
    Build(BuildArgs),

    /// Look values up: addresses, domains, IP addresses.
    #[command(
        long_about = "\
Look values up in an artifact: email addresses, domains and IP addresses.

Values come from the arguments, or one per line from standard input when none are
given (blank lines are skipped; millions of lines stream fine; a line longer than
1 MiB is an invalid value, read in constant memory). The kind of a value
is detected: a value with '@' is an address, one that parses as an IP address is an
IP ('[1.2.3.4]' and '::ffff:1.2.3.4' are accepted), anything else is a domain.
'<...>', upper case, a trailing dot and Unicode domains are normalized as in the
lists.

Lists are consulted in the order the manifest declares them; the first list that
lists the value answers (with --all, every list that does). With --allow, a value
that one of the allow lists lists is not listed, whatever the other lists say:
the rule of `allow_lists` in `mxlists serve`, so that check answers as the server.

Output, one line per value, fields separated by a TAB:
  VALUE  LIST  ENTRY  REASON      listed: the list, the entry that matched, its reason
  VALUE  -                        not listed
  VALUE  -  invalid: WHY          not an address, domain or IP (not an error)
  VALUE  -  allowed by LIST: ENTRY  not listed: an --allow list lists it
With --all, one line per hit (a value no list lists still prints 'VALUE  -').
For a known_tlds list, ENTRY is the TLD that is not known.

With --json, one JSON object per value and line:
  {\"value\":..., \"normalized\":..., \"listed\":true|false, \"list\":..., \"kind\":...,
   \"entry\":..., \"reason\":...}
list/kind/entry/reason are null when not listed; an invalid value has
\"invalid\": \"why\" (and \"normalized\": null); --all adds
\"hits\": [{\"list\", \"kind\", \"entry\", \"reason\"}, ...], one per list that lists it.
A value an --allow list lists has \"allowed\": {\"list\", \"kind\", \"entry\", \"reason\"}.",
        after_help = "\
Examples:
  mxlists check lists.mxl x@bad.monster x@good.monster 51.68.0.1 root@pop-os.localdomain
  mxlists check lists.mxl --list tld_bans,spam_recipients user@example.monster
  mxlists check lists.mxl --list whitelist,ovh --allow whitelist 51.68.10.3
  mxlists check lists.mxl --all --json 'User@Sub.Bücher.Monster.'
  cut -f3 recipients.tsv | mxlists check lists.mxl > verdicts.tsv
  if mxlists check -q lists.mxl \"$sender\"; then echo listed; fi

Exit status (as grep): 0 at least one value is listed, 1 none is, 2 error
(unknown list, unreadable or corrupt artifact)."
    )]
    Check(CheckArgs),

    /// Show an artifact's format version, content hash, size and lists.
    #[command(after_help = "\
Examples:
  mxlists info lists.mxl
  mxlists info lists.mxl --json | jq '.lists[] | {name, entries}'")]
    Info(InfoArgs),

    /// Check every checksum and structure of an artifact.
    #[command(
        long_about = "\
Check every checksum and every structure of an artifact (cost linear in its size).

Prints 'OK <content hash>' and exits 0, or prints the reason and exits 2. Opening an
artifact for lookups only validates its header and layout; run verify after copying
an artifact between machines, or from monitoring.",
        after_help = "\
Examples:
  mxlists verify /var/lib/mxlists/lists.mxl && echo fine"
    )]
    Verify(VerifyArgs),

    /// Print the entries of an artifact back in plain list syntax.
    #[command(
        long_about = "\
Print the entries of an artifact back in plain list syntax: one entry a line,
'!' before an exclusion, the entry's own reason after a space. Entries are
normalized (lower case, A-labels, CIDR networks), so a dump shows what is
actually matched.

Without --list, every list is printed, each after a '# list NAME (KIND)' comment
line. With --manifest DIR, the lists are written to DIR/NAME.txt together with
DIR/mxlists.toml (names, kinds, order and default reasons of the lists); building
that manifest gives back a byte-identical artifact. A DIR that already holds one
of those files is refused, and nothing is written, unless --force.",
        after_help = "\
Examples:
  mxlists dump lists.mxl --list tld_bans
  mxlists dump lists.mxl --manifest /tmp/src && mxlists build /tmp/src/mxlists.toml -o /tmp/again.mxl
  cmp lists.mxl /tmp/again.mxl   # identical"
    )]
    Dump(DumpArgs),

    /// Show, per list, the entries added and removed between two artifacts.
    #[command(
        long_about = "\
Show, per list, the entries added and removed between two artifacts: run it on
a freshly built artifact before it replaces the live one.

Output: for each list that differs, a header line
  @@ LIST (KIND): N added, M removed        (or: new list / list removed)
then '+ENTRY' and '-ENTRY' lines in plain list syntax. A changed default reason,
kind or list order is shown on '@@' lines too. Nothing is printed when the
artifacts hold the same lists. With --json, one JSON document:
  {\"equal\": bool, \"order_changed\": bool,
   \"old\": {\"path\", \"content_hash\", \"lists\": [names]}, \"new\": {...},
   \"lists\": [{\"list\", \"kind\", \"status\": \"changed|unchanged|added|removed\",
               \"added\": [...], \"removed\": [...],
               \"old_kind\", \"reason\", \"old_reason\" (only when they changed)}]}",
        after_help = "\
Examples:
  mxlists build mxlists.toml -o lists.new.mxl && mxlists diff lists.mxl lists.new.mxl
  mxlists diff lists.mxl lists.new.mxl --json | jq '.lists[] | select(.status != \"unchanged\")'

Exit status (as diff): 0 the artifacts hold the same lists, 1 they differ, 2 error."
    )]
    Diff(DiffArgs),

    /// Serve an artifact over DNS (DNSBL/RHSBL) and to Postfix (socketmap, policy).
    #[command(
        long_about = "\
Serve an artifact as DNS blocklist zones (DNSBL for IP addresses, RHSBL for
names) over UDP and TCP, and to Postfix as socketmap tables and a policy
delegation service, as the configuration file (TOML) says. Runs in the
foreground (for systemd) until SIGTERM or SIGINT; logs one line per start,
reload and failure on standard error.

The artifact is followed: a file renamed over it is served within about a
second. A replacement that cannot be opened, or lacks a list the configuration
names, is logged and not swapped in; the server keeps answering from the file
it has. SIGHUP reopens the artifact at once.

Answers are those of `mxlists check --list LISTS --allow ALLOW_LISTS`: the same
normalization, exclusions, most specific entry, list order, allow lists first.
See docs/dns.md and docs/postfix.md.",
        after_help = "\
Examples:
  mxlists serve /etc/mxlists/serve.toml
  mxlists serve --check /etc/mxlists/serve.toml   # check the configuration and artifact, then exit

Exit status: 0 stopped by a signal (or --check passed), 2 error at start: an
invalid configuration (FILE:LINE:COLUMN: why), a missing or corrupt artifact, a
list it does not hold, an address that cannot be listened on."
    )]
    Serve(ServeArgs),
}

/// Options of `mxlists build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The manifest (mxlists.toml); sources are relative to its folder.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,

    /// The artifact to write (atomically: temporary file, fsync, rename).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,

    /// Drop invalid lines instead of failing; their number is reported per file.
    #[arg(long)]
    pub skip_invalid: bool,

    /// When OUT exists and any list's entry count would change by more than PCT
    /// percent, keep OUT and exit 3 (stops a truncated download from wiping a list).
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub max_change: Option<f64>,

    /// Print no summary and no progress bar; warnings and errors still go to stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Permissions of the artifact, in octal (e.g. 0640). Default: those of the
    /// artifact replaced, or 0644 for a new one, whatever the umask.
    #[arg(long, value_name = "OCTAL", value_parser = parse_mode)]
    pub mode: Option<u32>,

    /// Read sources that are not regular files (a FIFO, /dev/stdin, a device);
    /// without it such a source is an error, as it could stall the build.
    #[arg(long)]
    pub allow_special_sources: bool,
}

/// Options of `mxlists check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The artifact to query.
    #[arg(value_name = "ARTIFACT")]
    pub artifact: PathBuf,

    /// Consult only these lists (comma-separated or repeated; '*' for every
    /// list), still in artifact order.
    #[arg(short, long, value_name = "LIST")]
    pub list: Vec<String>,

    /// Allow lists (comma-separated or repeated): a value one of them lists is
    /// not listed, whatever the other lists say (as `allow_lists` in `mxlists
    /// serve`).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub allow: Vec<String>,

    /// Report every list that lists a value, not only the first.
    #[arg(short, long)]
    pub all: bool,

    /// One JSON object per value and line.
    #[arg(long)]
    pub json: bool,

    /// Print nothing; stop at the first listed value (as grep -q). The exit
    /// status tells: 0 listed, 1 not.
    #[arg(short, long, conflicts_with_all = ["json", "all"])]
    pub quiet: bool,

    /// Values to look up; none: read one per line from standard input.
    #[arg(value_name = "VALUE")]
    pub values: Vec<String>,
}

/// Options of `mxlists info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The artifact to describe.
    #[arg(value_name = "ARTIFACT")]
    pub artifact: PathBuf,

    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// Options of `mxlists verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The artifact to check.
    #[arg(value_name = "ARTIFACT")]
    pub artifact: PathBuf,
}

/// Options of `mxlists dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The artifact to read.
    #[arg(value_name = "ARTIFACT")]
    pub artifact: PathBuf,

    /// Only these lists (comma-separated or repeated; '*' for every list); a
    /// single list is printed without a header line.
    #[arg(short, long, value_name = "NAME")]
    pub list: Vec<String>,

    /// Write DIR/mxlists.toml and one DIR/NAME.txt per list instead of printing;
    /// DIR is created if needed. A DIR already holding any of those files is
    /// refused (nothing is written) unless --force.
    #[arg(long, value_name = "DIR")]
    pub manifest: Option<PathBuf>,

    /// With --manifest: replace the files of DIR that the dump writes.
    #[arg(long, requires = "manifest")]
    pub force: bool,
}

/// Options of `mxlists serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The configuration file (TOML).
    #[arg(value_name = "CONFIG")]
    pub config: PathBuf,

    /// Check the configuration, the artifact and every list named, then exit
    /// without serving.
    #[arg(long)]
    pub check: bool,
}

/// Options of `mxlists diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The artifact before.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The artifact after.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

fn parse_mode(text: &str) -> Result<u32, String> {
    let digits = text.strip_prefix("0o").unwrap_or(text);
    match u32::from_str_radix(digits, 8) {
        Ok(mode) if mode <= 0o7777 => Ok(mode),
        _ => Err(format!(
            "{text:?} is not a file mode: octal digits, at most 7777 (e.g. 0644)"
        )),
    }
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("{text:?} is not a number of percent"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("{text:?} must be a percentage of 0 or more"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn modes_are_octal() {
        assert_eq!(parse_mode("0644"), Ok(0o644));
        assert_eq!(parse_mode("640"), Ok(0o640));
        assert_eq!(parse_mode("0o600"), Ok(0o600));
        assert_eq!(parse_mode("2755"), Ok(0o2755));
        for bad in ["u+rw", "", "0888", "17777", "-1"] {
            assert!(parse_mode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn percent_accepts_a_sign_and_rejects_nonsense() {
        assert_eq!(parse_percent("20"), Ok(20.0));
        assert_eq!(parse_percent("12.5%"), Ok(12.5));
        assert!(parse_percent("-1").is_err());
        assert!(parse_percent("NaN").is_err());
        assert!(parse_percent("lots").is_err());
    }
}
