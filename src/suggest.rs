//! "Did you mean …?": the closest candidate to a misspelt key, provider or profile name, by
//! Levenshtein distance (strsim, which clap already brings in).

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
pub fn closest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(3) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        let keys = ["client_id", "tenant", "token_url", "environment"];
        assert_eq!(closest("tenent", keys), Some("tenant"));
        assert_eq!(closest("client-id", keys), Some("client_id"));
        assert_eq!(closest("enviroment", keys), Some("environment"));
        assert_eq!(closest("TOKEN_URL", keys), Some("token_url"));
    }

    #[test]
    fn suggests_nothing_for_unrelated_words() {
        assert_eq!(closest("colour", ["client_id", "tenant"]), None);
        assert_eq!(closest("x", ["client_id"]), None);
    }
}
