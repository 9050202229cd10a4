//! Colours from assets/theme.toml (overridable in ~/.config/kdeck/theme.toml), or a monochrome
//! theme for NO_COLOR that marks state with bold/underline/reverse so nothing is lost.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Debug)]
pub struct Theme {
    pub accent: Style,
    pub text: Style,
    pub dim: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub badge: Style,
    pub header: Style,
}

const DEFAULT: &str = include_str!("../../assets/theme.toml");

impl Theme {
    pub fn monochrome() -> Theme {
        let plain = Style::default();
        Theme {
            accent: plain.add_modifier(Modifier::BOLD),
            text: plain,
            dim: plain,
            selected: plain.add_modifier(Modifier::REVERSED),
            ok: plain,
            warn: plain.add_modifier(Modifier::UNDERLINED),
            error: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            badge: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            header: plain.add_modifier(Modifier::BOLD),
        }
    }

    /// Default colours with the user's file on top; warnings for what was ignored.
    pub fn load(user: Option<&str>, no_color: bool) -> (Theme, Vec<String>) {
        if no_color {
            return (Theme::monochrome(), Vec::new());
        }
        let mut warnings = Vec::new();
        let mut colors = std::collections::BTreeMap::new();
        for (text, origin) in [(Some(DEFAULT), "built-in theme"), (user, "theme.toml")] {
            let Some(text) = text else { continue };
            match toml::from_str::<toml::Table>(text) {
                Ok(t) => {
                    for (k, v) in t {
                        match v.as_str().map(Color::from_str) {
                            Some(Ok(c)) if KEYS.contains(&k.as_str()) => {
                                colors.insert(k, c);
                            }
                            _ if !KEYS.contains(&k.as_str()) => {
                                warnings.push(format!("{origin}: unknown colour slot {k:?} ignored"))
                            }
                            _ => warnings.push(format!("{origin}: {k}: {v} is not a colour")),
                        }
                    }
                }
                Err(e) => warnings.push(crate::config::profile::toml_error(origin, text, &e)),
            }
        }
        let c = |k: &str| colors.get(k).copied().unwrap_or(Color::Reset);
        let fg = |k: &str| Style::default().fg(c(k));
        (
            Theme {
                accent: fg("accent").add_modifier(Modifier::BOLD),
                text: fg("text"),
                dim: fg("dim"),
                selected: Style::default().fg(c("selected_fg")).bg(c("selected_bg")).add_modifier(Modifier::BOLD),
                ok: fg("ok"),
                warn: fg("warn"),
                error: fg("error").add_modifier(Modifier::BOLD),
                badge: Style::default().fg(c("badge_fg")).bg(c("badge_bg")).add_modifier(Modifier::BOLD),
                header: fg("accent"),
            },
            warnings,
        )
    }
}

const KEYS: &[&str] =
    &["accent", "text", "dim", "selected_fg", "selected_bg", "ok", "warn", "error", "badge_fg", "badge_bg"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_colours_override_and_bad_ones_warn() {
        let (t, w) = Theme::load(Some("warn = \"#ff8800\"\nsparkle = \"red\"\nerror = \"not-a-colour\"\n"), false);
        assert_eq!(t.warn.fg, Some(Color::Rgb(0xff, 0x88, 0x00)));
        assert_eq!(t.error.fg, Some(Color::LightRed));
        assert_eq!(
            w,
            vec![
                "theme.toml: error: \"not-a-colour\" is not a colour".to_string(),
                "theme.toml: unknown colour slot \"sparkle\" ignored".to_string()
            ]
        );
        let (mono, w) = Theme::load(None, true);
        assert!(w.is_empty());
        assert_eq!(mono.warn.fg, None);
    }

    mod props {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            #[test]
            fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
                let (_, warnings) = Theme::load(Some(&text), false);
                for w in warnings {
                    prop_assert!(w.starts_with("theme.toml") && !w.contains('\n'), "{}", w);
                }
            }

            #[test]
            fn a_bad_colour_is_named(slot in prop::sample::select(KEYS.to_vec()), colour in "\\PC{0,10}") {
                let text = format!("{slot} = {}\n", toml::Value::String(colour.clone()));
                let (_, warnings) = Theme::load(Some(&text), false);
                if Color::from_str(&colour).is_err() {
                    prop_assert_eq!(warnings, vec![format!("theme.toml: {slot}: {} is not a colour", toml::Value::String(colour))]);
                } else {
                    prop_assert!(warnings.is_empty(), "{:?}", warnings);
                }
            }
        }
    }
}
