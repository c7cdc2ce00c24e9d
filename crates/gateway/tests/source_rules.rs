//! Rules about the gateway's source that no request can test.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::Path;

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_insecure_jwt_decoding_function_is_used_anywhere() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(!files.is_empty());
    // Spelled in pieces so that this file does not match itself if it is
    // ever moved under src/.
    let forbidden = [
        ["insecure", "_decode"].concat(),
        ["dangerous", "_insecure"].concat(),
        ["insecure_disable", "_signature_validation"].concat(),
    ];
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for name in &forbidden {
            assert!(
                !source.contains(name.as_str()),
                "{} uses {name}",
                file.display()
            );
        }
    }
}
