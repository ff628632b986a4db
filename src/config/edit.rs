//! Editing the config file for `tokfetch profile add/remove` without disturbing anything else in
//! it: comments, ordering and formatting survive byte for byte (toml_edit).

use toml_edit::{DocumentMut, Item, Table, value};

/// A profile to append: its name and `key = "value"` pairs in the order they should appear.
#[derive(Debug, Clone)]
pub struct NewProfile {
    pub name: String,
    pub keys: Vec<(&'static str, String)>,
    /// The keys among `keys` whose value is a TOML boolean (`dpop = true`), not a string.
    pub booleans: Vec<&'static str>,
    pub make_default: bool,
}

fn parse(text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>()
        .map_err(|e| format!("the config is not valid TOML: {}", e.message().trim()))
}

/// `text` with `[profiles.<name>]` appended (and `default_profile` set if asked).
pub fn add_profile(text: &str, profile: &NewProfile) -> Result<String, String> {
    let mut doc = parse(text)?;
    let profiles = doc.entry("profiles").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let Some(profiles) = profiles.as_table_mut() else {
        return Err(
            "`profiles` in the config is not a table of [profiles.NAME] tables".to_string(),
        );
    };
    if profiles.contains_key(&profile.name) {
        return Err(format!("profile `{}` already exists", profile.name));
    }
    let mut table = Table::new();
    for (k, v) in &profile.keys {
        match v.as_str() {
            b @ ("true" | "false") if profile.booleans.contains(k) => {
                table.insert(k, value(b == "true"))
            }
            text => table.insert(k, value(text)),
        };
    }
    profiles.insert(&profile.name, Item::Table(table));
    if profile.make_default {
        doc.insert("default_profile", value(profile.name.as_str()));
    }
    let mut out = doc.to_string();
    // Keep a blank line between the old content and the new table, as a person would.
    if !text.is_empty() && !profile.make_default {
        let header = format!("[profiles.{}]", profile.name);
        if let Some(at) = out.rfind(&header) {
            let before = &out[..at];
            if !before.ends_with("\n\n") && before.ends_with('\n') {
                out.insert(at, '\n');
            }
        }
    }
    Ok(out)
}

/// `text` without `[profiles.<name>]` (and without `default_profile` if it named it).
/// Returns the new text and whether `default_profile` was removed.
pub fn remove_profile(text: &str, name: &str) -> Result<(String, bool), String> {
    let mut doc = parse(text)?;
    let removed = doc
        .get_mut("profiles")
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.remove(name))
        .is_some();
    if !removed {
        return Err(format!("there is no profile `{name}` in the config"));
    }
    let was_default = doc.get("default_profile").and_then(Item::as_str) == Some(name);
    if was_default {
        // Comments above `default_profile` (often the file's own header) belong to the file,
        // not to that line: hand them to whatever comes first once it is gone.
        let header = doc
            .as_table()
            .key("default_profile")
            .and_then(|k| k.leaf_decor().prefix())
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_string();
        doc.remove("default_profile");
        if !header.trim().is_empty() {
            give_leading_comment(&mut doc, &header);
        }
    }
    let mut out = doc.to_string();
    // Drop the blank line `add_profile` put before a table appended at the end.
    if out.ends_with("\n\n") && !text.ends_with("\n\n") {
        out.pop();
    }
    Ok((out, was_default))
}

/// Prepend `comment` to the decor of the first item of the document.
fn give_leading_comment(doc: &mut DocumentMut, comment: &str) {
    if let Some((mut key, _)) = doc.as_table_mut().iter_mut().next()
        && key.get() != "profiles"
    {
        let old = key
            .leaf_decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_string();
        key.leaf_decor_mut().set_prefix(format!("{comment}{old}"));
        return;
    }
    let Some(profiles) = doc.get_mut("profiles").and_then(Item::as_table_mut) else {
        return;
    };
    let first = profiles
        .iter()
        .filter_map(|(k, v)| {
            v.as_table()
                .map(|t| (k.to_string(), t.position().unwrap_or(isize::MAX)))
        })
        .min_by_key(|(_, pos)| *pos)
        .map(|(k, _)| k);
    if let Some(table) = first
        .and_then(|k| profiles.get_mut(&k))
        .and_then(Item::as_table_mut)
    {
        let old = table
            .decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_string();
        table.decor_mut().set_prefix(format!("{comment}{old}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HAND_WRITTEN: &str = "# My tokens — do not share this file\n\
default_profile = \"op\"   # the one I use most\n\
\n\
[profiles.op]\n\
provider = \"onepassword\"  # EU account\n\
region   = \"eu\"\n\
client_id = \"abc\"\n\
\n\
# staging tenant, ask Sam for access\n\
[profiles.ao]\n\
provider = \"andopen\"\n\
tenant = \"acme\"\n\
client_id = \"xyz\"\n";

    fn corp() -> NewProfile {
        NewProfile {
            name: "corp".into(),
            keys: vec![
                ("provider", "configapi".into()),
                ("host", "example.com".into()),
                ("client_id", "sheila.thomas".into()),
            ],
            booleans: Vec::new(),
            make_default: false,
        }
    }

    #[test]
    fn adding_keeps_every_existing_byte() {
        let out = add_profile(HAND_WRITTEN, &corp()).expect("add");
        assert!(out.starts_with(HAND_WRITTEN), "{out}");
        assert_eq!(
            &out[HAND_WRITTEN.len()..],
            "\n[profiles.corp]\nprovider = \"configapi\"\nhost = \"example.com\"\nclient_id = \"sheila.thomas\"\n"
        );
    }

    #[test]
    fn add_then_remove_is_the_identity() {
        let added = add_profile(HAND_WRITTEN, &corp()).expect("add");
        let (back, was_default) = remove_profile(&added, "corp").expect("remove");
        assert_eq!(back, HAND_WRITTEN);
        assert!(!was_default);
    }

    #[test]
    fn removing_keeps_the_rest_and_drops_a_default_naming_it() {
        let (out, was_default) = remove_profile(HAND_WRITTEN, "op").expect("remove");
        assert!(was_default);
        assert!(
            !out.contains("default_profile") && !out.contains("[profiles.op]"),
            "{out}"
        );
        assert!(
            out.starts_with("# My tokens — do not share this file\n"),
            "{out}"
        );
        assert!(
            out.contains("# staging tenant, ask Sam for access\n[profiles.ao]\n"),
            "{out}"
        );
    }

    #[test]
    fn an_empty_file_gets_a_clean_profile() {
        let out = add_profile("", &corp()).expect("add");
        assert_eq!(
            out,
            "[profiles.corp]\nprovider = \"configapi\"\nhost = \"example.com\"\nclient_id = \"sheila.thomas\"\n"
        );
    }

    #[test]
    fn duplicates_and_missing_profiles_are_refused() {
        let mut dup = corp();
        dup.name = "op".into();
        assert!(
            add_profile(HAND_WRITTEN, &dup)
                .expect_err("dup")
                .contains("already exists")
        );
        assert!(
            remove_profile(HAND_WRITTEN, "nope")
                .expect_err("missing")
                .contains("no profile")
        );
        assert!(
            add_profile("[profiles", &corp())
                .expect_err("bad")
                .contains("not valid TOML")
        );
    }

    #[test]
    fn make_default_sets_default_profile() {
        let mut p = corp();
        p.make_default = true;
        let out = add_profile("[profiles.x]\nprovider = \"oauth2\"\n", &p).expect("add");
        assert!(out.starts_with("default_profile = \"corp\"\n"), "{out}");
    }
}
