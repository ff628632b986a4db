//! ARCHITECTURE.md stays true: every top-level module of `src/` is named in its code map, and
//! the modules' `use crate::…` imports form no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Top-level modules (`src/x.rs` or `src/x/`) and the `.rs` files of each.
fn modules() -> BTreeMap<String, Vec<PathBuf>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("src")).expect("src") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        if path.is_dir() {
            let mut files = Vec::new();
            collect(&path, &mut files);
            out.insert(name, files);
        } else if name != "main" && name != "lib" && path.extension().is_some_and(|e| e == "rs") {
            out.insert(name, vec![path]);
        }
    }
    out
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The modules each module imports (outside its tests).
fn imports(mods: &BTreeMap<String, Vec<PathBuf>>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (name, files) in mods {
        let mut deps = BTreeSet::new();
        for f in files {
            let text = std::fs::read_to_string(f).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                    let group = &group[..group.find('}').unwrap_or(0)];
                    group
                        .split(',')
                        .filter_map(|p| p.trim().split("::").next())
                        .collect()
                } else {
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .into_iter()
                        .collect()
                };
                for n in names {
                    if n != name && mods.contains_key(n) {
                        deps.insert(n.to_string());
                    }
                }
            }
        }
        out.insert(name.clone(), deps);
    }
    out
}

#[test]
fn architecture_md_names_every_module() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    for (name, files) in modules() {
        let shown = if files.len() > 1 || files[0].ends_with("mod.rs") {
            format!("**`{name}/`**")
        } else {
            format!("**`{name}`**")
        };
        assert!(
            text.contains(&shown),
            "ARCHITECTURE.md does not name {shown}"
        );
    }
}

#[test]
fn modules_import_each_other_in_no_cycle() {
    let graph = imports(&modules());
    // Depth-first search for a back edge.
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) {
        match state.get(n).copied().unwrap_or(0) {
            1 => panic!("import cycle: {} -> {n}", path.join(" -> ")),
            2 => return,
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in &graph[n] {
            visit(m, graph, state, path);
        }
        path.pop();
        state.insert(n.to_string(), 2);
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        visit(n, &graph, &mut state, &mut Vec::new());
    }
    // A secret registers itself with the redactor, and knows nothing else.
    assert!(
        graph["secret"].iter().all(|m| m == "redact"),
        "secret imports only redact: {:?}",
        graph["secret"]
    );
}

/// The code of `src/` outside tests, file by file, with the path relative to `src/`.
fn code_by_file() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut files = Vec::new();
    collect(&root().join("src"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
        let rel = f
            .strip_prefix(root().join("src"))
            .expect("under src")
            .display()
            .to_string();
        out.push((rel, code));
    }
    out
}

/// One stderr sink (README "Security model"): nothing but `src/stderr.rs` writes to stderr, so
/// no line can bypass the cleaner.
#[test]
fn only_the_sink_writes_to_stderr() {
    for (file, code) in code_by_file() {
        if file == "stderr.rs" {
            continue;
        }
        for bad in [
            "eprint!",
            "eprintln!",
            "stderr().lock",
            "stderr().write",
            "io::stderr()\n",
        ] {
            assert!(
                !code.contains(bad),
                "src/{file} writes to stderr ({bad}); use crate::stderr"
            );
        }
    }
}

/// One safe reader (README "Security model"): every file a user or profile names is opened
/// through `src/fsread.rs` (non-blocking, type and size checked before the first read).
#[test]
fn files_are_read_only_through_the_safe_reader() {
    // Reading a file's bytes any other way (std::fs::read, read_to_string, File::open).
    for (file, code) in code_by_file() {
        if file == "fsread.rs" || file == "roots.rs" {
            // roots.rs reads the system's CA bundle, which no profile names: it has its own
            // bounded reader (README "Performance").
            continue;
        }
        for bad in ["fs::read(", "fs::read_to_string(", "File::open("] {
            assert!(
                !code.contains(bad),
                "src/{file} reads a file without crate::fsread ({bad})"
            );
        }
    }
}
