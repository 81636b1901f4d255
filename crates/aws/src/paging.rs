//! Following `nextToken` by hand, for the loops that do not use the SDK's
//! paginators.

/// The token to send for the next page: `Ok(None)` when the list is complete
/// (no token, or an empty one), `Err` when the service answered with the very
/// token it was sent. Stopping there would end with a list that silently
/// lacks the rest, so the caller turns it into a gap.
pub fn next_token(sent: Option<&str>, received: Option<String>) -> Result<Option<String>, String> {
    match received {
        None => Ok(None),
        Some(t) if t.is_empty() => Ok(None),
        Some(t) if sent == Some(t.as_str()) => Err(format!(
            "the service returned the same nextToken twice ({} characters): the list would be incomplete",
            t.len()
        )),
        Some(t) => Ok(Some(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::next_token;

    #[test]
    fn absent_or_empty_token_ends_the_list() {
        assert_eq!(next_token(Some("a"), None), Ok(None));
        assert_eq!(next_token(Some("a"), Some(String::new())), Ok(None));
    }

    #[test]
    fn new_token_continues_and_repeated_token_is_an_error() {
        assert_eq!(next_token(None, Some("a".into())), Ok(Some("a".into())));
        assert_eq!(
            next_token(Some("a"), Some("b".into())),
            Ok(Some("b".into()))
        );
        assert!(next_token(Some("a"), Some("a".into())).is_err());
    }
}
