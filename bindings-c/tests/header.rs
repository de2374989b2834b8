//! Checks that the checked-in `include/nextbest.h` is what cbindgen generates from the source.
//! `NEXTBEST_WRITE_HEADER=1 cargo test -p nextbest-c --test header` rewrites it (`make header`).

use std::path::Path;

const DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The version macros, from Cargo.toml's version.
fn version_macros() -> String {
    format!(
        "\n/* The version of this header (Cargo.toml's); nb_version() gives the library's. */\n\
         #define NEXTBEST_VERSION_MAJOR {}\n#define NEXTBEST_VERSION_MINOR {}\n#define NEXTBEST_VERSION_PATCH {}\n#define NEXTBEST_VERSION \"{}\"",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION"),
    )
}

fn generate() -> String {
    let dir = Path::new(DIR);
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    config.after_includes = Some(version_macros());
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen failed")
        .write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

#[test]
fn header_is_up_to_date() {
    let path = Path::new(DIR).join("include/nextbest.h");
    let generated = generate();
    if std::env::var_os("NEXTBEST_WRITE_HEADER").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "{} is out of date with bindings-c/src: run `make header` \
         (or NEXTBEST_WRITE_HEADER=1 cargo test -p nextbest-c --test header) and commit it",
        path.display()
    );
}

#[test]
fn header_version_matches_cargo_toml() {
    if std::env::var_os("NEXTBEST_WRITE_HEADER").is_some() {
        return; // the other test is rewriting the file
    }
    let header = std::fs::read_to_string(Path::new(DIR).join("include/nextbest.h")).unwrap();
    for line in version_macros()
        .lines()
        .filter(|l| l.starts_with("#define"))
    {
        assert!(
            header.contains(line),
            "include/nextbest.h lacks `{line}` (Cargo.toml's version): run `make header`"
        );
    }
}
