//! Actions and the keys bound to them: defaults from assets/keymap.toml, overridden per action by
//! ~/.config/kdeck/keymap.toml. The help screen is generated from the same table.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks the UI to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Back,
    Filter,
    Command,
    Help,
    Refresh,
    Sort,
    Reverse,
    Peek,
    Configs,
    CreateTopic,
    DeleteTopic,
    AddPartitions,
    SetConfig,
    DeleteConfig,
    ErrorDetail,
    Brokers,
    Topics,
    Groups,
}

impl Action {
    pub const ALL: [(Action, &'static str, &'static str); 26] = [
        (Action::Up, "up", "move up"),
        (Action::Down, "down", "move down"),
        (Action::PageUp, "page_up", "page up"),
        (Action::PageDown, "page_down", "page down"),
        (Action::Top, "top", "first row"),
        (Action::Bottom, "bottom", "last row"),
        (Action::Enter, "enter", "open (topic → partitions, group → detail)"),
        (Action::Back, "back", "back / close"),
        (Action::Filter, "filter", "filter rows"),
        (Action::Command, "command", "command: :topics :groups :brokers :t NAME :g NAME :q"),
        (Action::Sort, "sort", "sort by next column"),
        (Action::Reverse, "reverse", "reverse sort"),
        (Action::Peek, "peek", "peek at the last messages of a partition"),
        (Action::Refresh, "refresh", "refresh now"),
        (Action::ErrorDetail, "error_detail", "show the last error in full"),
        (Action::Brokers, "brokers", "brokers"),
        (Action::Topics, "topics", "topics"),
        (Action::Groups, "groups", "consumer groups"),
        (Action::Configs, "configs", "configs of the selected topic"),
        (Action::CreateTopic, "create_topic", "create a topic (name, partitions, replication factor)"),
        (Action::DeleteTopic, "delete_topic", "delete the selected topic (type its name to confirm)"),
        (Action::AddPartitions, "add_partitions", "add partitions to the selected topic (preview first)"),
        (Action::SetConfig, "set_config", "configs view: set the selected config (also enter)"),
        (Action::DeleteConfig, "delete_config", "configs view: delete the selected override"),
        (Action::Help, "help", "this help"),
        (Action::Quit, "quit", "quit"),
    ];

    /// Changes the cluster: hidden and refused in read-only mode.
    pub fn is_mutating(self) -> bool {
        matches!(
            self,
            Action::CreateTopic
                | Action::DeleteTopic
                | Action::AddPartitions
                | Action::SetConfig
                | Action::DeleteConfig
        )
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().find(|(_, n, _)| *n == name).map(|(a, _, _)| *a)
    }
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
            let Some(action) = Action::from_name(&name) else {
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
            prop::sample::select(Action::ALL.iter().map(|(_, n, _)| *n).collect::<Vec<_>>())
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
