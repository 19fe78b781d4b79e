//! Attachments against the in-memory registry of `oci::tests`, with and without the referrers
//! API: the layout pushed, discovery, and every way an attachment is refused.

use std::collections::BTreeMap;

use super::*;
use crate::attestation::{Subject, CYCLONEDX_PREDICATE_TYPE};
use crate::oci::tests::MemoryRegistry;
use crate::oci::{digest_of, Platform, OCI_INDEX};
use crate::signing::SecretKey;

/// Pushes a two-layer image tagged `1`; returns it as the client resolves it.
fn push_image(registry: &Registry) -> ResolvedImage {
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    registry.push_blob(config).unwrap();
    registry.push_blob(b"layer one").unwrap();
    registry.push_blob(b"layer two").unwrap();
    let image = ImageManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.to_owned(),
        artifact_type: None,
        config: Descriptor::of("application/vnd.oci.image.config.v1+json", config),
        layers: vec![
            Descriptor::of("application/vnd.oci.image.layer.v1.tar", b"layer one"),
            Descriptor::of("application/vnd.oci.image.layer.v1.tar", b"layer two"),
        ],
        subject: None,
        annotations: BTreeMap::new(),
    };
    registry
        .push_manifest("1", OCI_MANIFEST, &serde_json::to_vec(&image).unwrap())
        .unwrap();
    registry.resolve_image(&Platform::host()).unwrap()
}

fn statement(subjects: &[(&str, &str)]) -> Statement {
    Statement {
        subjects: subjects
            .iter()
            .map(|(name, digest)| Subject {
                name: (*name).to_owned(),
                sha256: digest.trim_start_matches("sha256:").to_owned(),
            })
            .collect(),
        predicate_type: CYCLONEDX_PREDICATE_TYPE.to_owned(),
        predicate: serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6"}),
    }
}

fn envelope(statement: &Statement, key: &SecretKey) -> Vec<u8> {
    Envelope::sign(statement, key).unwrap().to_json().unwrap()
}

fn sbom_bytes() -> Vec<u8> {
    serde_json::to_vec_pretty(&serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6"}))
        .unwrap()
}

#[test]
fn attachments_are_pushed_in_cosign_s_layout_and_found_with_and_without_the_referrers_api() {
    for referrers_api in [true, false] {
        let server = MemoryRegistry::start(referrers_api);
        let registry = server.connect();
        let image = push_image(&registry);
        let digests = ImageDigests::of(&image);
        let key = SecretKey::generate().unwrap();
        let name = format!("127.0.0.1:{}/team/app", server.port);
        let signed = envelope(&statement(&[(&name, &digests.manifest)]), &key);
        let pushed = push(
            &registry,
            &image.manifest.descriptor(),
            &signed,
            CYCLONEDX_PREDICATE_TYPE,
            Some(&sbom_bytes()),
            Some("2026-01-02T03:04:05Z"),
        )
        .unwrap();

        // The attestation manifest, as stored.
        let stored = registry.fetch_manifest(&pushed.attestation).unwrap();
        let manifest: serde_json::Value = serde_json::from_slice(&stored.bytes).unwrap();
        assert_eq!(manifest["mediaType"], OCI_MANIFEST);
        assert_eq!(manifest["artifactType"], IN_TOTO_ARTIFACT);
        assert_eq!(manifest["config"]["mediaType"], OCI_EMPTY);
        assert_eq!(manifest["config"]["digest"], digest_of(b"{}"));
        assert_eq!(manifest["subject"]["digest"], digests.manifest);
        assert_eq!(manifest["subject"]["mediaType"], OCI_MANIFEST);
        assert_eq!(
            manifest["annotations"][CREATED_ANNOTATION],
            "2026-01-02T03:04:05Z"
        );
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0]["mediaType"], DSSE_ENVELOPE);
        assert_eq!(layers[0]["digest"], digest_of(&signed));
        assert_eq!(
            layers[0]["annotations"][PREDICATE_TYPE_ANNOTATION],
            CYCLONEDX_PREDICATE_TYPE
        );
        assert_eq!(layers[0]["annotations"][COSIGN_SIGNATURE_ANNOTATION], "");
        // The empty config blob is there for clients that fetch it.
        assert_eq!(registry.fetch_blob(&digest_of(b"{}"), 10).unwrap(), b"{}");

        // The fallback index exists only where the registry has no referrers API.
        let fallback = registry.fetch_manifest(&Registry::fallback_tag(&digests.manifest));
        if referrers_api {
            assert!(
                matches!(fallback, Err(RegistryError::NotFound { .. })),
                "{fallback:?}"
            );
        } else {
            let index: serde_json::Value =
                serde_json::from_slice(&fallback.unwrap().bytes).unwrap();
            assert_eq!(index["mediaType"], OCI_INDEX);
            let types: Vec<&str> = index["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| entry["artifactType"].as_str().unwrap())
                .collect();
            assert_eq!(types, [IN_TOTO_ARTIFACT, CYCLONEDX_JSON]);
        }

        server.seen.lock().unwrap().clear();
        let found = find_attestations(&registry, &digests, &key.public_key()).unwrap();
        assert_eq!(found.len(), 1, "referrers API: {referrers_api}");
        let accepted = found[0].outcome.as_ref().unwrap();
        assert_eq!(accepted.subjects, SubjectMatch::Manifest);
        assert_eq!(accepted.key, key.public_key().fingerprint());
        assert_eq!(found[0].manifest, pushed.attestation);
        assert_eq!(
            found[0].envelope.as_deref(),
            Some(digest_of(&signed).as_str())
        );
        let sboms = find_sboms(&registry, &digests).unwrap();
        assert_eq!(sboms.len(), 1);
        assert_eq!(Some(sboms[0].manifest.clone()), pushed.sbom);
        assert_eq!(
            sboms[0].document.as_ref().unwrap(),
            &accepted.statement.predicate
        );
        if referrers_api {
            // Discovery asked the referrers API, never the fallback tag.
            let seen = server.seen.lock().unwrap();
            assert!(seen
                .iter()
                .any(|request| request.path.contains("/referrers/")));
            assert!(!seen
                .iter()
                .any(|request| request.path.contains("/manifests/sha256-")));
        }
    }
}

#[test]
fn tampered_attachments_are_refused_each_for_its_reason() {
    let server = MemoryRegistry::start(false);
    let registry = server.connect();
    let image = push_image(&registry);
    let digests = ImageDigests::of(&image);
    let subject = image.manifest.descriptor();
    let operator = SecretKey::generate().unwrap();
    let stranger = SecretKey::generate().unwrap();
    let name = "registry.example/team/app";
    let attach = |bytes: &[u8], created: &str| {
        push(
            &registry,
            &subject,
            bytes,
            CYCLONEDX_PREDICATE_TYPE,
            None,
            Some(created),
        )
        .unwrap()
        .attestation
    };
    // Signed by another key.
    let by_stranger = attach(
        &envelope(&statement(&[(name, &digests.manifest)]), &stranger),
        "2026-01-01T00:00:05Z",
    );
    // Signed by the operator, about another layer.
    let other_layer = digest_of(b"another layer");
    let elsewhere = attach(
        &envelope(
            &statement(&[(name, &digests.layers[0]), (name, &other_layer)]),
            &operator,
        ),
        "2026-01-01T00:00:04Z",
    );
    // Signed by the operator, naming one layer of two.
    let partial = attach(
        &envelope(&statement(&[(name, &digests.layers[1])]), &operator),
        "2026-01-01T00:00:03Z",
    );
    // Not an envelope at all.
    let garbage = attach(b"{\"not\": \"dsse\"}", "2026-01-01T00:00:02Z");
    let found = find_attestations(&registry, &digests, &operator.public_key()).unwrap();
    let outcomes: Vec<(String, Rejection, String)> = found
        .iter()
        .map(|found| {
            let (rejection, reason) = found.outcome.clone().unwrap_err();
            (found.manifest.clone(), rejection, reason)
        })
        .collect();
    assert_eq!(outcomes.len(), 4);
    // Newest first.
    assert_eq!(outcomes[0].0, by_stranger);
    assert_eq!(outcomes[0].1, Rejection::Signature);
    assert!(
        outcomes[0].2.contains("signed by another key"),
        "{}",
        outcomes[0].2
    );
    assert_eq!(outcomes[1].0, elsewhere);
    assert_eq!(outcomes[1].1, Rejection::Subjects);
    assert!(
        outcomes[1].2.contains(&other_layer) && outcomes[1].2.contains("other content"),
        "{}",
        outcomes[1].2
    );
    assert_eq!(outcomes[2].0, partial);
    assert_eq!(outcomes[2].1, Rejection::Subjects);
    assert!(
        outcomes[2].2.contains("1 of the image's 2 layers"),
        "{}",
        outcomes[2].2
    );
    assert_eq!(outcomes[3].0, garbage);
    assert_eq!(outcomes[3].1, Rejection::Layout);

    // One valid attestation among them is accepted; the others stay reported.
    let valid = attach(
        &envelope(
            &statement(&[
                (name, &digests.layers[0]),
                (name, &digests.layers[1]),
                (name, &digests.config),
            ]),
            &operator,
        ),
        "2026-01-01T00:00:01Z",
    );
    let found = find_attestations(&registry, &digests, &operator.public_key()).unwrap();
    let accepted: Vec<&FoundAttestation> =
        found.iter().filter(|found| found.outcome.is_ok()).collect();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].manifest, valid);
    assert_eq!(
        accepted[0].outcome.as_ref().unwrap().subjects,
        SubjectMatch::AllLayers(2)
    );

    // The envelope blob altered in the registry's storage: the registry is not read
    // faithfully, an error naming the blob (never a verdict).
    let signed = envelope(&statement(&[(name, &digests.manifest)]), &operator);
    attach(&signed, "2026-01-01T00:00:00Z");
    let mut altered = signed.clone();
    altered[10] ^= 1;
    server
        .blobs
        .lock()
        .unwrap()
        .insert(digest_of(&signed), altered);
    let error = find_attestations(&registry, &digests, &operator.public_key()).unwrap_err();
    assert!(
        matches!(&error, RegistryError::DigestMismatch { what, .. } if what.contains(&digest_of(&signed))),
        "{error}"
    );
}

#[test]
fn a_referrer_whose_manifest_names_another_subject_is_not_this_image_s() {
    let server = MemoryRegistry::start(false);
    let registry = server.connect();
    let image = push_image(&registry);
    let digests = ImageDigests::of(&image);
    let operator = SecretKey::generate().unwrap();
    let signed = envelope(&statement(&[("x/y", &digests.manifest)]), &operator);
    // An attestation attached to another image, then listed in this image's fallback index.
    let mut other = image.manifest.descriptor();
    other.digest = digest_of(b"another image");
    let pushed = push(
        &registry,
        &other,
        &signed,
        CYCLONEDX_PREDICATE_TYPE,
        None,
        None,
    )
    .unwrap();
    let entry = registry
        .referrers(&other.digest, None)
        .unwrap()
        .pop()
        .unwrap();
    let mut index = crate::oci::ImageIndex::empty();
    index.manifests.push(entry);
    registry
        .push_manifest(
            &Registry::fallback_tag(&digests.manifest),
            OCI_INDEX,
            &serde_json::to_vec(&index).unwrap(),
        )
        .unwrap();
    let found = find_attestations(&registry, &digests, &operator.public_key()).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].manifest, pushed.attestation);
    let (rejection, reason) = found[0].outcome.clone().unwrap_err();
    assert_eq!(rejection, Rejection::Layout);
    assert!(reason.contains("as its subject"), "{reason}");
}

#[test]
fn subjects_must_be_this_image_and_cover_it() {
    let image = ImageDigests {
        manifest: digest_of(b"m"),
        index: Some(digest_of(b"i")),
        config: digest_of(b"c"),
        layers: vec![digest_of(b"l1"), digest_of(b"l2")],
    };
    let check = |digests: &[&str]| {
        let subjects: Vec<(&str, &str)> = digests.iter().map(|digest| ("n", *digest)).collect();
        check_subjects(&statement(&subjects), &image)
    };
    assert_eq!(check(&[&image.manifest]), Ok(SubjectMatch::Manifest));
    assert_eq!(
        check(&[image.index.as_deref().unwrap()]),
        Ok(SubjectMatch::Index)
    );
    assert_eq!(
        check(&[&image.layers[1], &image.layers[0]]),
        Ok(SubjectMatch::AllLayers(2))
    );
    assert_eq!(
        check(&[&image.manifest, &image.config, &image.layers[0]]),
        Ok(SubjectMatch::Manifest)
    );
    assert!(check(&[&image.layers[0]]).is_err());
    assert!(check(&[&image.config]).is_err());
    assert!(check(&[]).is_err());
    let other = digest_of(b"other");
    let error = check(&[&image.manifest, &other]).unwrap_err();
    assert!(error.contains(&other), "{error}");
}
