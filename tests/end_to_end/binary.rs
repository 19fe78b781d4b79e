//! The smallest end-to-end check: the binary of this build starts and names itself (the first
//! thing to fail when the binary cannot run at all).

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
