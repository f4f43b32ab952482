//! The reloading handle follows its path across atomic replacements.

use std::time::Duration;

use mxlists_core::{write_atomic, Builder, Db, ListKind, Verify};

fn artifact(entries: &[&str]) -> Vec<u8> {
    let mut b = Builder::new();
    let l = b.add_list("d", ListKind::Domain, None).unwrap();
    for e in entries {
        b.add_text(l, e).unwrap();
    }
    b.build().unwrap().bytes
}

#[test]
fn a_replaced_file_is_picked_up_and_a_bad_replacement_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lists.mxl");
    write_atomic(&path, &artifact(&["one.example"])).unwrap();
    let db = Db::open_with(&path, Verify::Auto, Duration::ZERO).unwrap();
    let old = db.current();
    assert!(old.check("x@one.example").unwrap().is_listed());

    write_atomic(&path, &artifact(&["two.example"])).unwrap();
    let now = db.current();
    assert!(!now.check("x@one.example").unwrap().is_listed());
    assert!(now.check("x@two.example").unwrap().is_listed());
    // A lookup holding the old artifact keeps answering from it.
    assert!(old.check("x@one.example").unwrap().is_listed());
    assert!(!db.reload_if_changed().unwrap());

    // A corrupt replacement is refused; the handle keeps the good artifact.
    std::fs::write(dir.path().join("bad"), b"garbage").unwrap();
    std::fs::rename(dir.path().join("bad"), &path).unwrap();
    assert!(db.reload_if_changed().is_err());
    assert!(db.current().check("x@two.example").unwrap().is_listed());

    // A missing file is an error from reload, and lookups go on.
    std::fs::remove_file(&path).unwrap();
    assert!(db.reload().is_err());
    assert!(db.current().check("x@two.example").unwrap().is_listed());
}

#[test]
fn the_check_interval_limits_stat_calls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lists.mxl");
    write_atomic(&path, &artifact(&["one.example"])).unwrap();
    let db = Db::open_with(&path, Verify::Auto, Duration::from_secs(3600)).unwrap();
    write_atomic(&path, &artifact(&["two.example"])).unwrap();
    // Within the interval the handle does not look at the path...
    assert!(db.current().check("x@one.example").unwrap().is_listed());
    // ...and an explicit reload always does.
    assert!(db.reload_if_changed().unwrap());
    assert!(db.current().check("x@two.example").unwrap().is_listed());
}
