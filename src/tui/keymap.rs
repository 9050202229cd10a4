//! Actions and the keys bound to them: defaults from assets/keymap.toml, overridden per action by
//! ~/.config/kdeck/keymap.toml. The help screen is generated from the same table.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use super::action::Action;
use super::action::{CHANGES, NAVIGATION};
use super::panes::REGISTRY;

/// Every action with its keymap.toml name and help line, in the order help lists them: moving
/// around, the registry's views, then changes.
pub fn actions() -> Vec<(Action, &'static str, String)> {
    let fixed = |list: &'static [super::action::Described]| list.iter().map(|(a, n, h)| (*a, *n, h.to_string()));
    let views = REGISTRY.iter().map(|e| {
        let alias = e.aliases.first().map(|a| format!(" (:{a})")).unwrap_or_default();
        (Action::Open(e.name), e.name, format!("{}{alias}", e.help))
    });
    fixed(NAVIGATION).chain(views).chain(fixed(CHANGES)).collect()
}

/// The action a keymap.toml name stands for.
pub fn action_named(name: &str) -> Option<Action> {
    actions().into_iter().find(|(_, n, _)| *n == name).map(|(a, _, _)| a)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(text: &str) -> Option<Key> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => KeyCode::F(f[1..].parse().ok()?),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::F(n) => format!("f{n}"),
            other => format!("{other:?}").to_lowercase(),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("ctrl-{base}"),
            (_, true) => format!("alt-{base}"),
            _ => base,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

const DEFAULT: &str = include_str!("../../assets/keymap.toml");

impl Keymap {
    /// The defaults, then the user's file on top. Returns warnings for what was ignored.
    pub fn load(user: Option<&str>) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        let mut map = Keymap { bindings: BTreeMap::new() };
        map.apply(DEFAULT, "built-in keymap", &mut warnings);
        if let Some(text) = user {
            map.apply(text, "keymap.toml", &mut warnings);
        }
        (map, warnings)
    }

    fn apply(&mut self, text: &str, origin: &str, warnings: &mut Vec<String>) {
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(crate::config::profile::toml_error(origin, text, &e));
                return;
            }
        };
        for (name, value) in table {
            let Some(action) = action_named(&name) else {
                warnings.push(format!("{origin}: unknown action {name:?} ignored"));
                continue;
            };
            let Some(list) = value.as_array() else {
                warnings.push(format!("{origin}: {name} should be a list of keys, e.g. [\"j\", \"down\"]"));
                continue;
            };
            let mut keys = Vec::new();
            for k in list {
                match k.as_str().and_then(Key::parse) {
                    Some(key) => keys.push(key),
                    None => warnings.push(format!("{origin}: {name}: unknown key {k} ignored")),
                }
            }
            if !keys.is_empty() {
                self.bindings.insert(action, keys);
            }
        }
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        // Shifted letters arrive as uppercase chars with SHIFT set; Key ignores SHIFT.
        self.bindings.iter().find(|(_, keys)| keys.contains(&key)).map(|(a, _)| *a)
    }

    pub fn keys(&self, action: Action) -> Vec<String> {
        self.bindings.get(&action).map(|ks| ks.iter().map(Key::label).collect()).unwrap_or_default()
    }

    /// The first key of an action, for hints in the status line.
    pub fn hint(&self, action: Action) -> String {
        self.keys(action).into_iter().next().unwrap_or_else(|| "?".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let (km, warnings) = Keymap::load(Some("quit = [\"x\"]\nfly = [\"f\"]\ndown = [\"ctrl-n\", \"bogus-key\"]\n"));
        assert_eq!(
            warnings,
            vec![
                "keymap.toml: down: unknown key \"bogus-key\" ignored".to_string(),
                "keymap.toml: unknown action \"fly\" ignored".to_string()
            ]
        );
        assert_eq!(km.keys(Action::Quit), vec!["x"]);
        assert_eq!(km.keys(Action::Down), vec!["ctrl-n"]);
        assert_eq!(km.keys(Action::Up), vec!["k", "↑"]);
        let ev = KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL);
        assert_eq!(km.action(&ev), Some(Action::Down));
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(km.action(&ev), Some(Action::Bottom), "shift is part of the char, not a modifier we match on");
    }

    #[test]
    fn every_action_has_a_default_key_and_no_key_is_bound_twice() {
        let (km, warnings) = Keymap::load(None);
        assert_eq!(warnings, Vec::<String>::new());
        let mut bound_to: std::collections::HashMap<Key, &str> = std::collections::HashMap::new();
        for (action, name, _) in actions() {
            let keys = km.bindings.get(&action).cloned().unwrap_or_default();
            assert!(!keys.is_empty(), "{name} has no key in assets/keymap.toml");
            for key in keys {
                if let Some(other) = bound_to.insert(key, name) {
                    panic!("{} is bound to both {other} and {name}", key.label());
                }
            }
        }
        assert_eq!(km.bindings.len(), actions().len(), "one entry per action");
    }

    #[test]
    fn broken_user_file_is_a_warning() {
        let (km, warnings) = Keymap::load(Some("quit = \n"));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0], "keymap.toml:1:8: string values must be quoted, expected literal string");
        assert_eq!(km.keys(Action::Quit), vec!["q", "ctrl-c"]);
    }

    mod props {
        use proptest::prelude::*;

        use super::super::*;

        fn action_name() -> impl Strategy<Value = &'static str> {
            prop::sample::select(actions().into_iter().map(|(_, n, _)| n).collect::<Vec<_>>())
        }

        proptest! {
            #[test]
            fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
                let (_, warnings) = Keymap::load(Some(&text));
                for w in warnings {
                    prop_assert!(w.starts_with("keymap.toml") && !w.contains('\n'), "{}", w);
                }
            }

            #[test]
            fn arbitrary_keys_never_panic(key in "\\PC{0,12}", action in action_name()) {
                let _ = Key::parse(&key);
                let text = format!("{action} = [{}]\n", toml::Value::String(key));
                let (_, warnings) = Keymap::load(Some(&text));
                for w in warnings {
                    prop_assert!(w.starts_with(&format!("keymap.toml: {action}: unknown key ")), "{}", w);
                }
            }

            #[test]
            fn a_spoiled_entry_is_named(action in action_name(), spoil in prop_oneof![
                Just("\"no-such-key\"".to_string()),
                "[1-9][0-9]{0,3}",
                "\\[[1-9][0-9]{0,2}\\]",
                Just("{ a = 1 }".to_string()),
            ]) {
                let (_, warnings) = Keymap::load(Some(&format!("{action} = {spoil}\n")));
                prop_assert_eq!(warnings.len(), 1, "{:?}", warnings);
                prop_assert!(warnings[0].starts_with(&format!("keymap.toml: {action}")), "{:?}", warnings);
            }
        }
    }
}
