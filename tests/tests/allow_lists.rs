//! One decision rule for allow lists, on every front: `mxlists check
//! --list L --allow A`, Exim's `mxl_check`/`mxl_match` with the fourth
//! argument `{A}` (a real Exim, `exim -be`), and the C library's
//! `mxlists_decide` (through `tests/c/mxlists_test.c`) answer every value the
//! same way `mxlists serve` does with `lists = L, allow_lists = A` (its tests
//! compare the server with `mxlists check --allow`).

use std::process::Command;

use mxlists_tests::{bin, EximSite};

#[test]
fn the_cli_and_exim_decide_alike() {
    let Some(site) = EximSite::new() else { return };
    // The whitelist: names in one list, addresses in an IP list beside it.
    let white = site.write("white.txt", "good.monster\npartner@x.monster\n");
    let white_ips = site.write("white_ips.txt", "51.68.10.0/28\n");
    let ovh = site.write("ovh.txt", "51.68.0.0/16\n2001:41d0::/32\n");
    let bans = site.write("bans.txt", ".monster\n");
    let manifest = site.write(
        "mxlists.toml",
        format!(
            "[[list]]\nname = \"white\"\nkind = \"email\"\nsources = [\"{}\"]\nformat = \"plain\"\n\
             [[list]]\nname = \"white_ips\"\nkind = \"ip\"\nsources = [\"{}\"]\nformat = \"plain\"\n\
             [[list]]\nname = \"ovh\"\nkind = \"ip\"\nsources = [\"{}\"]\n\
             [[list]]\nname = \"bans\"\nkind = \"domain\"\nsources = [\"{}\"]\n",
            white.display(),
            white_ips.display(),
            ovh.display(),
            bans.display()
        ),
    );
    let art = site.path().join("lists.mxl");
    let out = Command::new(bin("mxlists"))
        .arg("build")
        .arg(&manifest)
        .arg("-o")
        .arg(&art)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::set_permissions(&art, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();

    let values = [
        "51.68.1.5",
        "51.68.10.3",
        "2001:41d0::1",
        "9.9.9.9",
        "u@bad.monster",
        "u@good.monster",
        "partner@x.monster",
        "other@x.monster",
        "a@@b",
    ];
    let (lists, allow) = ("ovh,bans", "white,white_ips");
    // The CLI: listed values print their list, allowed ones "allowed by".
    let out = Command::new(bin("mxlists"))
        .arg("check")
        .arg(&art)
        .args(["--list", lists, "--allow", allow])
        .args(values)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let cli: Vec<(bool, bool)> = stdout
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[1] != "-",
                f.get(2).is_some_and(|x| x.starts_with("allowed by")),
            )
        })
        .collect();
    assert_eq!(cli.len(), values.len(), "{stdout}");

    let dlfunc = |func: &str, v: &str| {
        format!(
            "${{dlfunc{{{}}}{{{func}}}{{{}}}{{{lists}}}{{{v}}}{{{allow}}}}}",
            site.lib().display(),
            art.display()
        )
    };
    let mut exprs = Vec::new();
    for v in values {
        exprs.push(dlfunc("mxl_check", v));
        exprs.push(dlfunc("mxl_match", v));
        // Without allow lists, for contrast.
        exprs.push(site.dlfunc("mxl_match", &art, lists, v));
    }
    let got = site.expand_all(&exprs);
    for (i, v) in values.iter().enumerate() {
        let check = got[3 * i].as_ref().unwrap();
        let matched = got[3 * i + 1].as_ref().unwrap();
        let without = got[3 * i + 2].as_ref().unwrap();
        let (listed, allowed) = cli[i];
        assert_eq!(!check.is_empty(), listed, "{v}: mxl_check yields {check:?}");
        assert_eq!(
            matched == "yes",
            listed,
            "{v}: mxl_match yields {matched:?}"
        );
        if allowed {
            assert_eq!(
                without, "yes",
                "{v}: allowed values are listed without allow lists"
            );
        }
    }
    // The cases the rule is about.
    assert_eq!(
        cli,
        vec![
            (true, false),
            (false, true),
            (true, false),
            (false, false),
            (true, false),
            (false, true),
            (false, true),
            (true, false),
            (false, false),
        ]
    );
}
