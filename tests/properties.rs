//! Property tests (proptest) for what handles untrusted input: the redactor (README "Security
//! model": no encoding of a secret survives), and the token-response and config parsers
//! (arbitrary bytes never panic).

mod support;

use std::path::Path;

use proptest::prelude::*;
use support::{encodings, shape_encodings};
use tokfetch::{config, oauth, redact};

/// Secrets as awkward as users make them: printable ASCII, spaces, `+`, `%`, quotes,
/// backslashes, slashes, non-ASCII letters and characters outside the BMP.
fn secret() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('!', '~'),
            1 => Just(' '),
            1 => Just('+'),
            1 => Just('%'),
            1 => Just('"'),
            1 => Just('\\'),
            1 => Just('/'),
            1 => Just('é'),
            1 => Just('ß'),
            1 => Just('😀'),
            1 => Just('中'),
        ],
        redact::MIN_LEN..40,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

/// Text around a secret, as a server writes it.
fn filler() -> impl Strategy<Value = String> {
    "[ -~]{0,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_encoding_of_a_secret_survives_redaction(
        s in secret(),
        before in filler(),
        after in filler(),
        pick in 0usize..64,
    ) {
        let forms = shape_encodings(&s);
        // One form embedded, and all of them in a row.
        let one = &forms[pick % forms.len()];
        let texts = [
            format!("{before}{one}{after}"),
            format!("{before}{}{after}", forms.join(" | ")),
        ];
        for text in texts {
            let cleaned = redact::redact_all(&text, &[&s]);
            for form in &forms {
                prop_assert!(
                    !cleaned.contains(form.as_str()),
                    "{form:?} survived in {cleaned:?} (from {text:?})"
                );
            }
        }
    }

    #[test]
    fn the_basic_credential_forms_never_survive(s in secret(), before in filler()) {
        let forms = redact::basic_forms(support::CLIENT_ID, &s);
        let forms: Vec<&str> = forms.iter().map(|f| f.as_str()).collect();
        let text = format!("{before}{}", encodings(&s).join(" "));
        let cleaned = redact::redact_all(&text, &forms);
        for form in encodings(&s) {
            prop_assert!(!cleaned.contains(&form), "{form:?} survived in {cleaned:?}");
        }
    }

    #[test]
    fn base64_of_a_secret_never_survives_in_either_alphabet(
        s in secret(),
        before in filler(),
        after in filler(),
    ) {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        let bearer = format!("Bearer {s}");
        let mut registered = redact::forms(&s);
        registered.extend(redact::forms(&bearer));
        let registered: Vec<&str> = registered.iter().map(|f| f.as_str()).collect();
        for value in [s.as_str(), bearer.as_str()] {
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                let b64 = engine.encode(value.as_bytes());
                // Raw, and as a server may quote it: percent-encoded, JSON-escaped.
                for form in shape_encodings(&b64) {
                    let text = format!("{before}{form}{after}");
                    let cleaned = redact::redact_all(&text, &registered);
                    prop_assert!(
                        !cleaned.contains(&b64) && !cleaned.contains(form.as_str()),
                        "{form:?} survived in {cleaned:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn redaction_never_panics(text in "\\PC{0,200}", s in "\\PC{0,20}") {
        let _ = redact::redact_all(&text, &[&s]);
    }

    #[test]
    fn escaped_text_holds_no_control_characters(text in "\\PC{0,100}|[\\x00-\\x1f\\x7f-\\u{9f}a]{0,50}") {
        let out = redact::escape_controls(&text);
        prop_assert!(!out.chars().any(char::is_control), "{out:?}");
    }

    #[test]
    fn token_and_error_parsers_never_panic_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = oauth::parse_token(&body);
        let _ = oauth::parse_error(&body);
    }

    #[test]
    fn token_parser_never_panics_on_json_shaped_bodies(
        token in prop_oneof![Just(serde_json::json!("abc")), any::<i64>().prop_map(serde_json::Value::from), "\\PC{0,20}".prop_map(serde_json::Value::from)],
        expires in prop_oneof![any::<u64>().prop_map(serde_json::Value::from), any::<i64>().prop_map(serde_json::Value::from), any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)), "[0-9]{0,40}".prop_map(serde_json::Value::from)],
        token_type in prop_oneof![Just(serde_json::Value::Null), "\\PC{0,10}".prop_map(serde_json::Value::from)],
        trailing_comma in any::<bool>(),
    ) {
        let mut body = serde_json::json!({"access_token": token, "expires_in": expires, "token_type": token_type}).to_string();
        if trailing_comma {
            body.insert(body.len() - 1, ',');
        }
        if let Ok(t) = oauth::parse_token(body.as_bytes()) {
            prop_assert!(oauth::is_b64token(&t.access_token));
            prop_assert!(t.expires_in.is_none_or(|e| e <= oauth::MAX_EXPIRES_IN));
        }
    }

    #[test]
    fn config_parser_never_panics_on_text(text in "\\PC{0,400}") {
        let _ = config::parse(Path::new("/t/config.toml"), &text);
    }

    #[test]
    fn config_parser_never_panics_on_toml_shaped_text(
        name in "[a-z.\"\\- ]{0,12}",
        provider in prop_oneof![Just("oauth2".to_string()), Just("andopen".to_string()), Just("onepassword".to_string()), Just("configapi".to_string()), "[a-z]{0,8}"],
        keys in proptest::collection::vec(("[a-z_]{1,12}", "\\PC{0,20}"), 0..6),
    ) {
        let mut text = format!("[profiles.\"{name}\"]\nprovider = \"{provider}\"\n");
        for (k, v) in keys {
            text.push_str(&format!("{k} = {}\n", toml_string(&v)));
        }
        let _ = config::parse(Path::new("/t/config.toml"), &text);
    }
}

fn toml_string(v: &str) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
