//! `mcp-literal-secret` and `mcp-credential-passed`: credentials in agent configs. A literal
//! secret written into the file (a token in an `env` block, an `Authorization` header, a key on
//! the command line or in the URL) is exposed to everyone who can read the file or its history;
//! it is reported with its redacted form only. Credentials handed over by reference
//! (`${GITHUB_TOKEN}`, `docker -e NAME`) are listed by name and line: they say which secrets the
//! server can use.

use super::mcp_common::{config_path, enabled_servers, label, server_facts, servers};
use super::{Finding, RuleId};
use crate::component::Component;
use crate::facts::mcp::{CredentialPlace, NamedCredential};
use crate::graph::DependencyGraph;
use crate::location::Location;

fn describe(found: &NamedCredential) -> String {
    match found.credential.flag.as_deref() {
        Some(flag) => format!("{} `{flag}`", found.place.as_str()),
        None if found.place == CredentialPlace::Url => "URL".to_owned(),
        None if found.place == CredentialPlace::Argument => {
            format!("argument {}", found.name)
        }
        None => format!("{} `{}`", found.place.as_str(), found.name),
    }
}

fn credentials(server: &Component) -> Vec<NamedCredential> {
    server_facts(server)
        .map(|facts| facts.credentials())
        .unwrap_or_default()
}

/// A finding about `server` whose evidence is the config lines of the credentials it names
/// (each line once, in order).
fn server_finding(
    graph: &DependencyGraph,
    rule: RuleId,
    server: &Component,
    message: String,
    found: &[NamedCredential],
) -> Finding {
    let mut finding = Finding::new(graph, rule, &server.key, message);
    if let Some(path) = config_path(server) {
        finding.evidence = found
            .iter()
            .map(|found| Location::line(path, found.credential.line))
            .collect();
        finding.evidence.sort();
        finding.evidence.dedup();
    }
    finding
}

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Literal secrets matter even in a disabled server: they are in the file all the same.
    for server in servers(graph) {
        let secrets: Vec<NamedCredential> = credentials(server)
            .into_iter()
            .filter(|found| found.credential.value == "secret")
            .collect();
        if secrets.is_empty() {
            continue;
        }
        let listed: Vec<String> = secrets
            .iter()
            .map(|found| {
                format!(
                    "{} (`{}`, line {})",
                    describe(found),
                    found.credential.redacted.as_deref().unwrap_or("…"),
                    found.credential.line
                )
            })
            .collect();
        let message = format!(
            "{} has literal secrets written into its config: {}; move them to the environment or a secret store and reference them (`${{NAME}}`), and rotate them",
            label(server),
            listed.join(", ")
        );
        findings.push(server_finding(
            graph,
            RuleId::McpLiteralSecret,
            server,
            message,
            &secrets,
        ));
    }
    for server in enabled_servers(graph) {
        let passed: Vec<NamedCredential> = credentials(server)
            .into_iter()
            .filter(|found| {
                found.credential.credential
                    && matches!(
                        found.credential.value.as_str(),
                        "reference" | "inherited" | "placeholder"
                    )
            })
            .collect();
        if passed.is_empty() {
            continue;
        }
        let listed: Vec<String> = passed
            .iter()
            .map(|found| {
                let how = match found.credential.value.as_str() {
                    "reference" => "by reference",
                    "inherited" => "from the environment",
                    _ => "as a placeholder",
                };
                format!("{} {how} (line {})", describe(found), found.credential.line)
            })
            .collect();
        let message = format!(
            "{} receives credentials: {}; give it a token scoped to what its tools need",
            label(server),
            listed.join(", ")
        );
        findings.push(server_finding(
            graph,
            RuleId::McpCredentialPassed,
            server,
            message,
            &passed,
        ));
    }
    findings
}
