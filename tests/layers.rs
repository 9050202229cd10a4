//! The architecture, checked: modules depend one way only (README, "Architecture"), and no two
//! files of src/ depend on each other, directly or around a loop. Reads the sources, so it needs
//! no cluster and runs first.
//!
//! A file depends on another when it names an item through `crate::…` or `super::…` (in a `use`
//! or inline) that lives in that file. A `mod.rs` declaring and re-exporting its children is
//! structure, not a dependency; tests (`#[cfg(test)]` to the end of a file, `src/tui/tests/`)
//! may reach anything.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the bottom: a module may use its own layer's modules and those below.
/// `plan` is pure and stands alone; `data` (the data plane) sits below the UI.
const LAYERS: &[(&str, u8)] = &[
    ("plan", 0),
    ("kafka", 1),
    ("config", 2),
    ("cluster", 3),
    ("data", 3),
    ("ops", 4),
    ("tui", 5),
    ("demo", 5),
    ("cli", 6),
];

/// What each layer may use besides lower layers: the rule for `plan` (pure: nothing else).
fn may_use(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    if from == "plan" {
        return false;
    }
    match (layer(from), layer(to)) {
        (Some(a), Some(b)) => b < a,
        // main.rs, lib.rs: the top
        (None, _) => true,
        (_, None) => false,
    }
}

fn layer(top: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == top).map(|(_, l)| *l)
}

struct Source {
    /// Module path: ["kafka", "client"]; a mod.rs is its directory's module.
    module: Vec<String>,
    text: String,
}

fn sources(root: &Path) -> BTreeMap<PathBuf, Source> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src");
                let mut module: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
                let file = module.pop().expect("file name");
                match file.as_str() {
                    "mod.rs" | "lib.rs" | "main.rs" => {}
                    f => module.push(f.trim_end_matches(".rs").to_string()),
                }
                if rel.starts_with("tui/tests") {
                    continue; // tests reach anything
                }
                let text = std::fs::read_to_string(&path).expect("read source");
                let text = match text.find("#[cfg(test)]\nmod tests") {
                    Some(i) => text[..i].to_string(),
                    None => text,
                };
                out.insert(rel.to_path_buf(), Source { module, text: strip_comments(&text) });
            }
        }
    }
    out
}

fn strip_comments(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every path a file names through `crate::` or `super::`, use-trees expanded.
fn named_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let at_word_start = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_' || bytes[i - 1] == ':');
        if at_word_start && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let (tree, used) = read_tree(&bytes[i..]);
            out.extend(expand(&tree));
            i += used.max(1);
        } else {
            i += 1;
        }
    }
    out
}

/// Reads a path with an optional `{…}` use-tree; returns its text and how many chars it used.
fn read_tree(s: &[char]) -> (String, usize) {
    let mut depth = 0;
    let mut out = String::new();
    for (n, &c) in s.iter().enumerate() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return (out, n),
            '}' => depth -= 1,
            c if depth == 0 && !(c.is_alphanumeric() || c == '_' || c == ':' || c == '*') => return (out, n),
            _ => {}
        }
        out.push(c);
    }
    (out, s.len())
}

/// `super::{a, b::{c, d}}` → super::a, super::b::c, super::b::d
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else { return vec![tree] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len().saturating_sub(1)];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            if p == "self" {
                vec![prefix.trim_end_matches("::").to_string()]
            } else {
                expand(&format!("{prefix}{p}"))
            }
        })
        .collect()
}

/// The file a path lives in: the longest module prefix that is a file of src/.
fn resolve(from: &[String], path: &str, files: &BTreeMap<Vec<String>, PathBuf>) -> Option<PathBuf> {
    let mut segs: Vec<&str> = path.split("::").collect();
    let mut module: Vec<String> = match segs.first() {
        Some(&"crate") => {
            segs.remove(0);
            Vec::new()
        }
        _ => {
            let mut m = from.to_vec();
            while segs.first() == Some(&"super") {
                segs.remove(0);
                m.pop();
            }
            m
        }
    };
    let mut best = files.get(&module).cloned();
    for s in segs {
        module.push(s.to_string());
        match files.get(&module) {
            Some(f) => best = Some(f.clone()),
            None => break,
        }
    }
    best
}

fn graph() -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let srcs = sources(&root);
    // a file's module for `super::` is its parent module, unless it is a mod.rs
    let files: BTreeMap<Vec<String>, PathBuf> = srcs.iter().map(|(p, s)| (s.module.clone(), p.clone())).collect();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (path, src) in &srcs {
        let is_mod = path.file_name().is_some_and(|f| f == "mod.rs" || f == "lib.rs" || f == "main.rs");
        let here: Vec<String> = if is_mod {
            // `super::` in a mod.rs means the parent of its directory: push a dummy child
            let mut m = src.module.clone();
            m.push(String::new());
            m
        } else {
            src.module.clone()
        };
        let deps = edges.entry(path.clone()).or_default();
        for named in named_paths(&src.text) {
            let Some(target) = resolve(&here, &named, &files) else { continue };
            if &target == path {
                continue;
            }
            // a mod.rs re-exporting or declaring its own children is structure
            if is_mod && srcs[&target].module.starts_with(&src.module) {
                continue;
            }
            deps.insert(target);
        }
    }
    edges
}

fn top(path: &Path) -> String {
    let first = path.iter().next().map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn no_module_uses_a_layer_above_it() {
    let mut wrong = Vec::new();
    for (from, deps) in graph() {
        for to in deps {
            let (a, b) = (top(&from), top(&to));
            if !may_use(&a, &b) {
                wrong.push(format!("{} uses {} ({a} may not use {b})", from.display(), to.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layering (README, Architecture):\n  {}", wrong.join("\n  "));
}

#[test]
fn no_import_cycles_between_files() {
    let g = graph();
    // Tarjan's strongly connected components: any component of more than one file is a cycle.
    struct State<'a> {
        g: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on: BTreeSet<&'a PathBuf>,
        next: usize,
        cycles: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a PathBuf) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        let g = s.g;
        for w in g.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.display().to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.cycles.push(comp);
            }
        }
    }
    let mut s = State {
        g: &g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        cycles: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    let cycles: Vec<String> = s.cycles.iter().map(|c| c.join(" <-> ")).collect();
    assert!(cycles.is_empty(), "files that depend on each other:\n  {}", cycles.join("\n  "));
}

#[test]
fn the_checker_sees_imports() {
    // guards against a checker that finds nothing: known edges of the tree must be there
    let g = graph();
    let has = |a: &str, b: &str| g.get(Path::new(a)).is_some_and(|d| d.contains(Path::new(b)));
    assert!(has("kafka/client.rs", "kafka/conn.rs"), "super::conn::Connection");
    assert!(has("cluster/load.rs", "kafka/admin.rs"), "crate::kafka::admin::OffsetSpec");
    assert!(has("cli/reassign.rs", "cluster/mod.rs"), "crate::cluster::{{self, LoadOptions, …}}");
    assert_eq!(expand("super::{a, b::{c, d}, self}"), ["super::a", "super::b::c", "super::b::d", "super"]);
}
