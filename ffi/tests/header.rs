//! The committed header `include/mxlists.h` is what cbindgen makes of the crate
//! today. Run with `MXLISTS_BLESS=1` to rewrite it after changing the API.

use std::path::Path;

#[test]
fn header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = crate_dir.join("../include/mxlists.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    if std::env::var_os("MXLISTS_BLESS").is_some() {
        std::fs::write(&header, &generated).expect("write include/mxlists.h");
        return;
    }
    let committed = std::fs::read_to_string(&header).unwrap_or_default();
    let generated = String::from_utf8(generated).expect("the header is UTF-8");
    if committed != generated {
        let (line, (old, new)) = committed
            .lines()
            .chain(std::iter::repeat("<end of file>"))
            .zip(generated.lines().chain(std::iter::repeat("<end of file>")))
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .expect("the headers differ somewhere");
        panic!(
            "include/mxlists.h is out of date with ffi/src; regenerate it with\n  \
             MXLISTS_BLESS=1 cargo test -p mxlists-ffi --test header\n\
             first difference, line {}:\n  committed: {old}\n  generated: {new}",
            line + 1
        );
    }
}
