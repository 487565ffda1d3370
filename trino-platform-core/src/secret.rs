//! Keeping secrets out of text: what a message, log line or `Debug` output may show of a value
//! that can hold one.

/// Replaces the password of `scheme://user:password@host…` with `***` (and a bare
/// `scheme://token@host…` user part too, since a token often sits there).
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_owned() };
    let authority_end = url[scheme_end..].find(['/', '?', '#']).map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    match authority.rfind('@') {
        Some(at) => match authority[..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end], &url[scheme_end + at..]),
            None => format!("{}***{}", &url[..scheme_end], &url[scheme_end + at..]),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_and_tokens_are_cut() {
        assert_eq!(
            redact_url("postgres://tp:s3cret@db:5432/tp?sslmode=require"),
            "postgres://tp:***@db:5432/tp?sslmode=require"
        );
        assert_eq!(redact_url("http://tok3n@h/x@y"), "http://***@h/x@y");
        assert_eq!(redact_url("postgres://db/tp"), "postgres://db/tp");
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(redact_url("no scheme"), "no scheme");
    }
}
