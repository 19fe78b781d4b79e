//! `web-fetch`: a tool the research-assistant agent calls to fetch a page.
//! It checks the URL against an allow-list and prints the request it would make as JSON.

use serde::Serialize;
use url::Url;

const ALLOWED_HOSTS: &[&str] = &["arxiv.org", "en.wikipedia.org", "docs.python.org"];

#[derive(Serialize)]
struct FetchRequest<'a> {
    tool: &'a str,
    url: String,
    host: String,
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "https://arxiv.org/abs/1706.03762".into());
    let url = match Url::parse(&arg) {
        Ok(url) => url,
        Err(err) => {
            eprintln!("web-fetch: invalid URL {arg:?}: {err}");
            std::process::exit(2);
        }
    };
    let host = url.host_str().unwrap_or_default().to_owned();
    if !ALLOWED_HOSTS.contains(&host.as_str()) {
        eprintln!("web-fetch: host {host:?} is not on the allow-list");
        std::process::exit(1);
    }
    let request = FetchRequest { tool: "web-fetch", url: url.to_string(), host };
    println!("{}", serde_json::to_string(&request).expect("request serializes"));
}
