//! Signed bundles end to end: keygen, export, verify and import, and every way a bundle can be
//! wrong (a flipped byte, a wrong key, a truncated file, a missing signature, a crafted entry, a
//! replayed older bundle, a key swap) leaving the database exactly as it was.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::io::Read;

use db_common::{advisory_fixtures, answers, probe_record, seconds_ago, zip_archive, Home};
use support::stderr;

/// A home with the fixture corpus imported, a key pair `release.{key,pub}` and a signed bundle
/// `signed.bundle`.
fn exported() -> Home {
    let home = Home::new();
    home.ok(&[
        "db",
        "import",
        advisory_fixtures().join("corpus").to_str().unwrap(),
    ]);
    let keygen = home.ok(&["keygen", "release"]);
    assert!(
        keygen.contains("release.key") && keygen.contains("key SHA256:"),
        "{keygen}"
    );
    let export = home.ok(&[
        "db",
        "export",
        "--bundle",
        "signed.bundle",
        "--sign-key",
        "release.key",
    ]);
    assert!(export.contains("13 advisories, 2 withdrawn"), "{export}");
    home
}

/// A second database (`receiver.sqlite3`) with other content, to see what an import changes.
fn receiver(home: &Home) -> std::path::PathBuf {
    let receiver = home.work().join("receiver.sqlite3");
    let output = home
        .command(&[
            "db",
            "import",
            advisory_fixtures()
                .join("corpus/ossf-malicious-packages")
                .to_str()
                .unwrap(),
        ])
        .env("AIRLOCK_DB", &receiver)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    receiver
}

fn import_into(
    home: &Home,
    receiver: &std::path::Path,
    arguments: &[&str],
) -> std::process::Output {
    home.command(arguments)
        .env("AIRLOCK_DB", receiver)
        .output()
        .unwrap()
}

#[test]
fn a_signed_bundle_verifies_and_replaces_the_database() {
    let home = exported();
    let verify = home.ok(&["db", "verify", "signed.bundle", "--key", "release.pub"]);
    assert!(
        verify.contains("OK (signature verified with SHA256:"),
        "{verify}"
    );
    let receiver = receiver(&home);
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "signed.bundle", "--key", "release.pub"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary = advisories::Store::open(&receiver)
        .unwrap()
        .summary()
        .unwrap();
    assert_eq!((summary.advisories, summary.withdrawn), (13, 2));
    assert!(summary.sources.iter().any(|source| source.kind == "bundle"));

    // The bundle holds exactly the manifest, its signature and the database.
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(home.work().join("signed.bundle")).unwrap())
            .unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    assert_eq!(
        names,
        ["manifest.json", "manifest.json.sig", "advisories.sqlite3"]
    );
    let mut manifest = String::new();
    archive
        .by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["schema_version"], 1);
    assert_eq!(manifest["counts"]["advisories"], 13);
    assert_eq!(manifest["database"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["sources"][0]["kind"], "path");
}

#[test]
fn a_pinned_key_is_used_and_an_unsigned_bundle_is_refused() {
    let home = exported();
    home.ok(&["db", "export", "--bundle", "unsigned.bundle"]);
    std::fs::write(
        home.work().join("airlock.toml"),
        "[database]\npublic_key = \"release.pub\"\n",
    )
    .unwrap();
    let verify = home.ok(&["db", "verify", "signed.bundle"]);
    assert!(verify.contains("signature verified"), "{verify}");
    let receiver = receiver(&home);
    let before = std::fs::read(&receiver).unwrap();
    let output = import_into(&home, &receiver, &["db", "import", "unsigned.bundle"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("the bundle is not signed, but key SHA256:"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read(&receiver).unwrap(), before);
}

#[test]
fn a_wrong_key_changes_nothing() {
    let home = exported();
    home.ok(&["keygen", "other"]);
    let receiver = receiver(&home);
    let before = std::fs::read(&receiver).unwrap();
    let verify = home.run(&["db", "verify", "signed.bundle", "--key", "other.pub"]);
    assert_eq!(verify.status.code(), Some(2));
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "signed.bundle", "--key", "other.pub"],
    );
    assert_eq!(output.status.code(), Some(2));
    for message in [stderr(&verify), stderr(&output)] {
        assert!(message.contains("signed.bundle: signature check failed: the signature does not match the public key SHA256:"), "{message}");
        assert!(
            message.contains("(the bundle names signer SHA256:"),
            "{message}"
        );
    }
    assert_eq!(std::fs::read(&receiver).unwrap(), before);
    // A private key is not a public key, and says so.
    let confused = home.run(&["db", "verify", "signed.bundle", "--key", "release.key"]);
    assert_eq!(confused.status.code(), Some(2));
    assert!(
        stderr(&confused).contains("release.key: not an Ed25519 public key"),
        "{}",
        stderr(&confused)
    );
}

#[test]
fn one_flipped_byte_anywhere_is_caught_before_anything_changes() {
    let home = exported();
    let receiver = receiver(&home);
    let before = std::fs::read(&receiver).unwrap();
    let bundle = std::fs::read(home.work().join("signed.bundle")).unwrap();
    let manifest_at = bundle
        .windows(13)
        .position(|window| window == b"\"advisories\":")
        .unwrap();
    // In the signed manifest, in the compressed database, and in the archive's directory.
    for (label, offset) in [
        ("manifest", manifest_at + 16),
        ("database", bundle.len() / 2),
        ("directory", bundle.len() - 30),
    ] {
        let mut tampered = bundle.clone();
        tampered[offset] ^= 0x01;
        let name = format!("tampered-{label}.bundle");
        std::fs::write(home.work().join(&name), &tampered).unwrap();
        let verify = home.run(&["db", "verify", &name, "--key", "release.pub"]);
        assert_eq!(
            verify.status.code(),
            Some(2),
            "{label}: {}",
            stderr(&verify)
        );
        let output = import_into(
            &home,
            &receiver,
            &["db", "import", &name, "--key", "release.pub"],
        );
        assert_eq!(
            output.status.code(),
            Some(2),
            "{label}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(message.contains(&name), "{label}: {message}");
        assert_eq!(std::fs::read(&receiver).unwrap(), before, "{label}");
    }
    // zip's CRC catches a flipped byte in the manifest before the signature is even read.
    let manifest = stderr(&home.run(&[
        "db",
        "verify",
        "tampered-manifest.bundle",
        "--key",
        "release.pub",
    ]));
    assert!(
        manifest.contains("manifest.json (corrupt or truncated bundle)"),
        "{manifest}"
    );
    // An attacker who edits the manifest and re-zips it (valid CRCs) meets the signature.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bundle.clone())).unwrap();
    let mut entries = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        entries.push((entry.name().unwrap().into_owned(), bytes));
    }
    let edited = String::from_utf8(entries[0].1.clone()).unwrap().replacen(
        "\"advisories\": 13",
        "\"advisories\": 12",
        1,
    );
    assert_ne!(edited.as_bytes(), entries[0].1.as_slice());
    entries[0].1 = edited.into_bytes();
    zip_archive(&home.work().join("rezipped.bundle"), &entries);
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "rezipped.bundle", "--key", "release.pub"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("rezipped.bundle: signature check failed: the signature does not match"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read(&receiver).unwrap(), before);
    // Without a key (a digest-only check must be asked for) the digest still catches a
    // changed database.
    let digest = stderr(&home.run(&[
        "db",
        "verify",
        "tampered-database.bundle",
        "--allow-unsigned",
    ]));
    assert!(
        digest.contains("corrupt") || digest.contains("does not match the manifest"),
        "{digest}"
    );
}

#[test]
fn a_truncated_bundle_is_refused() {
    let home = exported();
    let receiver = receiver(&home);
    let before = std::fs::read(&receiver).unwrap();
    let bundle = std::fs::read(home.work().join("signed.bundle")).unwrap();
    std::fs::write(
        home.work().join("cut.bundle"),
        &bundle[..bundle.len() * 2 / 3],
    )
    .unwrap();
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "cut.bundle", "--key", "release.pub"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("cut.bundle: not a readable bundle (truncated or not a zip archive)"),
        "{}",
        stderr(&output)
    );
    let verify = home.run(&["db", "verify", "cut.bundle", "--key", "release.pub"]);
    assert_eq!(verify.status.code(), Some(2));
    assert!(
        stderr(&verify)
            .contains("cut.bundle: not a readable bundle (truncated or not a zip archive)"),
        "{}",
        stderr(&verify)
    );
    assert_eq!(std::fs::read(&receiver).unwrap(), before);
    let leftovers: Vec<String> = std::fs::read_dir(home.work())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_bundle_with_an_extra_or_escaping_entry_is_refused() {
    let home = exported();
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(home.work().join("signed.bundle")).unwrap())
            .unwrap();
    let mut entries = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        entries.push((entry.name().unwrap().into_owned(), bytes));
    }
    entries.push(("../../outside.sh".to_owned(), b"#!/bin/sh\n".to_vec()));
    zip_archive(&home.work().join("crafted.bundle"), &entries);
    let output = home.run(&["db", "verify", "crafted.bundle", "--key", "release.pub"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unexpected entry `../../outside.sh`"),
        "{}",
        stderr(&output)
    );
    assert!(!home.directory.path().join("outside.sh").exists());
}

#[test]
fn keys_made_by_openssl_sign_and_verify() {
    let home = exported();
    let keys = advisory_fixtures().join("keys");
    let private = keys.join("openssl-ed25519.key");
    let public = keys.join("openssl-ed25519.pub");
    home.ok(&[
        "db",
        "export",
        "--bundle",
        "openssl.bundle",
        "--sign-key",
        private.to_str().unwrap(),
    ]);
    let verify = home.ok(&[
        "db",
        "verify",
        "openssl.bundle",
        "--key",
        public.to_str().unwrap(),
    ]);
    assert!(verify.contains("signature verified"), "{verify}");
    // And airlock's own files are what OpenSSL writes: PKCS#8 v1 and SPKI PEM.
    let written = std::fs::read_to_string(home.work().join("release.key")).unwrap();
    assert!(
        written.starts_with("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI"),
        "{written}"
    );
    let written = std::fs::read_to_string(home.work().join("release.pub")).unwrap();
    assert!(
        written.starts_with("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"),
        "{written}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.work().join("release.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = home.run(&["keygen", "release"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
}

/// A bundle cut short is refused whatever it is called and whatever options come with it, and
/// the database answers exactly as before.
#[test]
fn a_truncated_bundle_or_zip_is_refused_without_a_key_too() {
    let home = exported();
    let receiver = receiver(&home);
    let before = answers(&home, &receiver);
    let bundle = std::fs::read(home.work().join("signed.bundle")).unwrap();
    let cut = &bundle[..bundle.len() * 2 / 3];
    std::fs::write(home.work().join("cut.bundle"), cut).unwrap();
    std::fs::write(home.work().join("cut.zip"), cut).unwrap();
    for (name, expected) in [
        (
            "cut.bundle",
            "cut.bundle: not a readable bundle (truncated or not a zip archive)",
        ),
        (
            "cut.zip",
            "cut.zip: not a readable zip archive (truncated or corrupt)",
        ),
    ] {
        let output = import_into(&home, &receiver, &["db", "import", name]);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
        assert!(!String::from_utf8_lossy(&output.stdout).contains("imported"));
        assert_eq!(answers(&home, &receiver), before, "{name}");
    }
}

/// Exports the exporter's database with `SOURCE_DATE_EPOCH` set to `epoch` (its build time).
fn export_at(home: &Home, bundle: &str, epoch: i64) {
    let output = home
        .command(&[
            "db",
            "export",
            "--bundle",
            bundle,
            "--sign-key",
            "release.key",
        ])
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// A replayed older bundle (older data, or the same data built earlier) would take the
/// receiver back in time: refused, then accepted only with --allow-downgrade.
#[test]
fn a_replayed_older_bundle_is_refused_unless_downgrade_is_allowed() {
    let home = exported();
    let now = scanner_core::clock::Clock::system()
        .trusted_now()
        .timestamp();
    // The exporter learns of a newer advisory and exports again.
    std::fs::write(
        home.work().join("newer.json"),
        probe_record("TEST-NEWER-1", &seconds_ago(86_400)),
    )
    .unwrap();
    home.ok(&["db", "import", "newer.json"]);
    export_at(&home, "new.bundle", now);
    export_at(&home, "same-data-built-earlier.bundle", now - 3600);

    let receiver = receiver(&home);
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "new.bundle", "--key", "release.pub"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let before = answers(&home, &receiver);
    assert_eq!(before.info["advisories"], 14);

    // signed.bundle holds the older data (no TEST-NEWER-1).
    let output = import_into(&home, &receiver, &["db", "import", "signed.bundle"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("signed.bundle: the bundle's newest record is 2026-09-04T00:47:46.156672516Z, older than the newest the database holds"),
        "{message}"
    );
    assert!(message.contains("--allow-downgrade"), "{message}");
    assert_eq!(answers(&home, &receiver), before);

    // The same records, in a bundle built an hour before the one the database came from.
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "same-data-built-earlier.bundle"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("before the bundle the database came from"),
        "{}",
        stderr(&output)
    );
    assert_eq!(answers(&home, &receiver), before);

    // The operator means it.
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "signed.bundle", "--allow-downgrade"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("(imported: --allow-downgrade)"),
        "{}",
        stderr(&output)
    );
    let after = answers(&home, &receiver);
    assert_eq!(after.info["advisories"], 13);
}

/// A bundle signed by another key: refused against the operator's pin (naming both keys) and
/// against the key recorded in the database (with no pin at all); accepted only with --repin,
/// after which the old key is the one refused.
#[test]
fn a_key_swap_is_refused_unless_the_new_key_is_repinned() {
    let home = exported();
    home.ok(&["keygen", "other"]);
    let release = home.ok(&["db", "verify", "signed.bundle", "--key", "release.pub"]);
    let release = release
        .split("signature verified with ")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_owned();
    let output = home
        .command(&[
            "db",
            "export",
            "--bundle",
            "other.bundle",
            "--sign-key",
            "other.key",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let other = String::from_utf8_lossy(&output.stdout)
        .split("signed by ")
        .nth(1)
        .unwrap()
        .trim_end()
        .trim_end_matches(')')
        .to_owned();
    assert_ne!(release, other);

    let receiver = receiver(&home);
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "signed.bundle", "--key", "release.pub"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let before = answers(&home, &receiver);
    assert_eq!(before.info["signed_by"], release.as_str());

    // 1. With the operator's pin: `--key other.pub` does not override it.
    let pinned = home.work().join("pinned");
    std::fs::create_dir(&pinned).unwrap();
    std::fs::write(
        pinned.join("airlock.toml"),
        "[database]\npublic_key = \"../release.pub\"\n",
    )
    .unwrap();
    let output = home
        .command(&["db", "import", "../other.bundle", "--key", "../other.pub"])
        .current_dir(&pinned)
        .env("AIRLOCK_DB", &receiver)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!("key {other} is not the pinned key {release}")),
        "{message}"
    );
    assert!(message.contains("--repin ../other.pub"), "{message}");
    assert_eq!(answers(&home, &receiver), before);

    // 2. Without any pin: the key recorded in the database is expected.
    for arguments in [
        &["db", "import", "other.bundle"][..],
        &["db", "import", "other.bundle", "--key", "other.pub"][..],
    ] {
        let output = import_into(&home, &receiver, arguments);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        let message = stderr(&output);
        assert!(message.contains(&release), "{message}");
        assert!(message.contains("--repin NEW.pub"), "{message}");
        assert_eq!(answers(&home, &receiver), before, "{arguments:?}");
    }
    // `db verify` checks against the recorded key too.
    let verify = import_into(&home, &receiver, &["db", "verify", "other.bundle"]);
    assert_eq!(verify.status.code(), Some(2), "{}", stderr(&verify));

    // 3. The operator names the new key.
    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "other.bundle", "--repin", "other.pub"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "the database's signing key changed from {release} to {other}"
        )),
        "{}",
        stderr(&output)
    );
    let repinned = answers(&home, &receiver);
    assert_eq!(repinned.info["signed_by"], other.as_str());
    // Now the old key is the stranger, and the stale pin in the configuration says so.
    let output = import_into(&home, &receiver, &["db", "import", "signed.bundle"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = home
        .command(&["db", "import", "../signed.bundle"])
        .current_dir(&pinned)
        .env("AIRLOCK_DB", &receiver)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "the database holds data signed by {other}, and this import names key {release}"
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(answers(&home, &receiver), repinned);
}

/// An unsigned bundle is refused even where no key is pinned or recorded; --allow-unsigned
/// takes it on its digest alone, and says so.
#[test]
fn an_unsigned_bundle_needs_allow_unsigned() {
    let home = exported();
    home.ok(&["db", "export", "--bundle", "unsigned.bundle"]);
    let receiver = receiver(&home);
    let before = answers(&home, &receiver);
    let output = import_into(&home, &receiver, &["db", "import", "unsigned.bundle"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "unsigned.bundle: the bundle is not signed; import an unsigned bundle only with --allow-unsigned"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(answers(&home, &receiver), before);
    // A signed bundle with no key anywhere to check it is no better than an unsigned one.
    let output = import_into(&home, &receiver, &["db", "import", "signed.bundle"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("but there is no key to check it with"),
        "{}",
        stderr(&output)
    );
    assert_eq!(answers(&home, &receiver), before);
    let verify = import_into(&home, &receiver, &["db", "verify", "unsigned.bundle"]);
    assert_eq!(verify.status.code(), Some(2), "{}", stderr(&verify));

    let output = import_into(
        &home,
        &receiver,
        &["db", "import", "unsigned.bundle", "--allow-unsigned"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("imported without a signature check (--allow-unsigned)"),
        "{}",
        stderr(&output)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("verified (digest only)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let after = answers(&home, &receiver);
    assert_eq!(after.info["advisories"], 13);
    assert_eq!(after.info["signed_by"], serde_json::Value::Null);
}

/// A `[database] public_key` in an `airlock.toml` that is not the operator's never becomes the
/// pin: run from inside an incoming tree whose file pins the attacker's key, `db import` of a
/// bundle signed by that key finds no key to check it with and changes nothing. The same line
/// in the operator's own file is a pin (the control).
#[test]
fn a_key_pinned_by_a_file_above_the_working_directory_is_not_used() {
    let home = exported();
    let incoming = home.work().join("incoming");
    let inside = incoming.join("app");
    std::fs::create_dir_all(&inside).unwrap();
    std::fs::copy(
        home.work().join("release.pub"),
        incoming.join("attacker.pub"),
    )
    .unwrap();
    std::fs::write(
        incoming.join("airlock.toml"),
        "[database]\npublic_key = \"attacker.pub\"\nmax-age = \"none\"\n",
    )
    .unwrap();
    let bundle = home.work().join("signed.bundle");
    let receiver = receiver(&home);
    let before = answers(&home, &receiver);

    let output = home
        .command(&["db", "import", bundle.to_str().unwrap()])
        .current_dir(&inside)
        .env("AIRLOCK_DB", &receiver)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("but there is no key to check it with"),
        "{}",
        stderr(&output)
    );
    assert_eq!(answers(&home, &receiver), before);

    // The operator's own file, named with --config, pins the key.
    let output = home
        .command(&[
            "--config",
            incoming.join("airlock.toml").to_str().unwrap(),
            "db",
            "import",
            bundle.to_str().unwrap(),
        ])
        .current_dir(&inside)
        .env("AIRLOCK_DB", &receiver)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}
