//! Building this test makes cargo build the `airlock` binary itself, which the end-to-end tests
//! in `tests/` run; it also checks the binary starts and names itself.

use std::process::Command;

#[test]
fn the_binary_reports_its_version() {
    let output = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("airlock "));
}
