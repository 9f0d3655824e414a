//! Who may write: the bearer token, and the browser's own word on where a
//! request comes from.
//!
//! A server on loopback without a token is still reachable from every web
//! page its user opens: a page on another site can POST a form (a "simple"
//! request, sent without asking) to `http://127.0.0.1:8080/api/models`, and
//! with `--sign` that upload registers and evaluates with the server's key.
//! Two checks close that, both before any handler runs:
//! - **cross-origin writes**: a writing request whose `Origin` is not this
//!   server (or `null`), or whose `Sec-Fetch-Site` is not `same-origin` or
//!   `none`, is refused with 403. Browsers set both headers themselves and
//!   pages cannot forge them; clients that are not browsers (curl, the SDK)
//!   send neither and are not affected.
//! - **DNS rebinding**: a name the attacker controls can resolve to
//!   127.0.0.1, making its page same-origin with the server. The browser
//!   still sends that name as `Host`, so a server bound to loopback answers
//!   only requests whose `Host` is a loopback address, `localhost` (or a
//!   `*.localhost` name, which browsers resolve to loopback themselves), or a
//!   name given with `--allow-host` (a reverse proxy's, whose pages may also
//!   write when the proxy passes the server's own address as `Host`).
//!
//! Off loopback the token guards every write (a page cannot set an
//! `Authorization` header on another origin without a CORS preflight, which
//! this server never grants) and any name may reach the public pages.

use std::net::IpAddr;

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{ApiError, Shared};

/// What the guard needs to know of the server.
#[derive(Clone, Debug, Default)]
pub(crate) struct Guard {
    /// The bearer token every writing request must carry (`--token`).
    pub token: Option<String>,
    /// Bound to a loopback address: only loopback `Host` names are answered.
    pub loopback: bool,
    /// Further `Host` names answered on loopback (`--allow-host`).
    pub allowed_hosts: Vec<String>,
}

impl Guard {
    /// Why `headers` of a `writes` request may not pass, if they may not:
    /// the status and a sentence naming the header and its value.
    pub(crate) fn refusal(&self, headers: &HeaderMap, writes: bool) -> Option<ApiError> {
        let text = |name: header::HeaderName| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let host = text(header::HOST);
        if self.loopback {
            if let Some(host) = &host {
                if !self.host_allowed(host) {
                    return Some(ApiError(
                        StatusCode::FORBIDDEN,
                        format!(
                            "Host {host:?} is not a loopback name: this server listens on \
                             loopback and answers only localhost, 127.0.0.1 or [::1] (a page \
                             whose name resolves to loopback is refused: DNS rebinding); name \
                             a reverse proxy's host with --allow-host"
                        ),
                    ));
                }
            }
        }
        if !writes {
            return None;
        }
        if let Some(origin) = text(header::ORIGIN) {
            let same = host.as_deref().is_some_and(|host| {
                origin.eq_ignore_ascii_case(&format!("http://{host}"))
                    || origin.eq_ignore_ascii_case(&format!("https://{host}"))
            }) || self.origin_allowed(&origin);
            if !same {
                return Some(ApiError(
                    StatusCode::FORBIDDEN,
                    format!(
                        "cross-origin write refused: Origin {origin:?} is not this server \
                         (Host {}); upload from this server's own page, or from a client that \
                         is not a browser",
                        host.as_deref().unwrap_or("absent")
                    ),
                ));
            }
        }
        if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
            if site != "same-origin" && site != "none" {
                return Some(ApiError(
                    StatusCode::FORBIDDEN,
                    format!(
                        "cross-origin write refused: the browser says the request comes from \
                         another site (Sec-Fetch-Site: {site})"
                    ),
                ));
            }
        }
        if let Some(token) = &self.token {
            let given = text(header::AUTHORIZATION);
            let given = given.as_deref().and_then(|v| v.strip_prefix("Bearer "));
            // Digests compared in constant time: the answer's timing says
            // nothing about how much of the token a guess got right, nor its
            // length.
            let matches = given.is_some_and(|given| {
                use subtle::ConstantTimeEq;
                let digest = |t: &str| alloy::primitives::keccak256(t.as_bytes());
                bool::from(digest(given).0.ct_eq(&digest(token).0))
            });
            if !matches {
                return Some(ApiError(
                    StatusCode::UNAUTHORIZED,
                    "this endpoint writes: send Authorization: Bearer <token>".into(),
                ));
            }
        }
        None
    }

    /// Whether `origin` (`scheme://name[:port]`) is a page of a name given
    /// with `--allow-host`: a reverse proxy that passes the server its own
    /// address as `Host` (nginx's default) keeps the browser's origin.
    fn origin_allowed(&self, origin: &str) -> bool {
        let Some((_, host)) = origin.split_once("://") else {
            return false;
        };
        let name = name_of(host);
        self.allowed_hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(&name))
    }

    /// Whether `host` (a `Host` header: a name or address, perhaps a port)
    /// may reach a loopback server.
    fn host_allowed(&self, host: &str) -> bool {
        let name = name_of(host);
        name == "localhost"
            || name.ends_with(".localhost")
            || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            || self
                .allowed_hosts
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(&name))
    }
}

/// The name or address of `host` (`name[:port]` or `[v6]:port`), lowercase,
/// without a trailing dot.
fn name_of(host: &str) -> String {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The middleware: refuses what [`Guard::refusal`] refuses.
pub(crate) async fn guard(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD);
    match state.guard.refusal(request.headers(), writes) {
        Some(refusal) => refusal.into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_str(value).expect("a header value"));
        }
        h
    }

    fn status(guard: &Guard, pairs: &[(&'static str, &str)], writes: bool) -> Option<u16> {
        guard.refusal(&headers(pairs), writes).map(|e| e.0.as_u16())
    }

    #[test]
    fn loopback_servers_answer_loopback_names_only() {
        let guard = Guard {
            loopback: true,
            allowed_hosts: vec!["board.example".into()],
            ..Guard::default()
        };
        for host in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost:8080",
            "LOCALHOST",
            "app.localhost:3000",
            "[::1]:8080",
            "127.1.2.3:80",
            "board.example:443",
            "localhost.",
        ] {
            assert_eq!(status(&guard, &[("host", host)], false), None, "{host}");
        }
        for host in [
            "evil.example:8080",
            "localhost.evil.example",
            "10.0.0.1:8080",
            "[::2]:8080",
            "127.0.0.1.nip.io",
        ] {
            let refusal = guard
                .refusal(&headers(&[("host", host)]), false)
                .expect(host);
            assert_eq!(refusal.0, StatusCode::FORBIDDEN, "{host}");
            assert!(refusal.1.contains(host), "{}", refusal.1);
        }
        // Off loopback any name reaches the public pages.
        let open = Guard::default();
        assert_eq!(status(&open, &[("host", "evil.example")], false), None);
    }

    #[test]
    fn browsers_writing_from_another_origin_are_refused() {
        let guard = Guard {
            loopback: true,
            ..Guard::default()
        };
        let host = ("host", "127.0.0.1:8080");
        // The server's own page, and clients that are not browsers.
        assert_eq!(
            status(
                &guard,
                &[
                    host,
                    ("origin", "http://127.0.0.1:8080"),
                    ("sec-fetch-site", "same-origin")
                ],
                true
            ),
            None
        );
        assert_eq!(status(&guard, &[host], true), None);
        assert_eq!(status(&guard, &[], true), None);
        // Another site, a sandboxed or file page, another port of this host.
        for origin in [
            "http://evil.example",
            "null",
            "http://127.0.0.1:9090",
            "http://localhost:8080",
        ] {
            let refusal = guard
                .refusal(&headers(&[host, ("origin", origin)]), true)
                .expect(origin);
            assert_eq!(refusal.0, StatusCode::FORBIDDEN);
            assert!(refusal.1.contains(origin), "{}", refusal.1);
        }
        assert_eq!(
            status(&guard, &[host, ("sec-fetch-site", "cross-site")], true),
            Some(403)
        );
        assert_eq!(
            status(&guard, &[host, ("sec-fetch-site", "same-site")], true),
            Some(403)
        );
        // A reverse proxy's name given with --allow-host: its pages may
        // write through a proxy that passes the server its own Host.
        let proxied = Guard {
            loopback: true,
            allowed_hosts: vec!["board.example".into()],
            ..Guard::default()
        };
        assert_eq!(
            status(
                &proxied,
                &[
                    host,
                    ("origin", "https://board.example"),
                    ("sec-fetch-site", "same-origin")
                ],
                true
            ),
            None
        );
        assert_eq!(
            status(&proxied, &[host, ("origin", "https://evil.example")], true),
            Some(403)
        );
        // Reads are not writes: a cross-origin GET is only read by its page
        // when CORS allows it, which this server never does.
        assert_eq!(
            status(&guard, &[host, ("origin", "http://evil.example")], false),
            None
        );
    }

    #[test]
    fn the_token_is_checked_after_the_origin() {
        let guard = Guard {
            token: Some("s3cret".into()),
            ..Guard::default()
        };
        assert_eq!(status(&guard, &[], true), Some(401));
        assert_eq!(
            status(&guard, &[("authorization", "Bearer wrong")], true),
            Some(401)
        );
        assert_eq!(
            status(&guard, &[("authorization", "Bearer s3cret")], true),
            None
        );
        assert_eq!(status(&guard, &[], false), None);
        assert_eq!(
            status(
                &guard,
                &[
                    ("authorization", "Bearer s3cret"),
                    ("host", "board.example"),
                    ("origin", "http://evil.example")
                ],
                true
            ),
            Some(403)
        );
    }
}
