//! Colours and emphasis. Colour never carries meaning alone: every coloured
//! thing also has a symbol or position, and selection is reverse video, so
//! `NO_COLOR` and the monochrome theme lose nothing.

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub const COLOR: Theme = Theme { color: true };
    pub const MONO: Theme = Theme { color: false };

    /// Monochrome when `NO_COLOR` is set (to anything non-empty), per no-color.org.
    pub fn from_env(mono: bool) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if mono || no_color {
            Theme::MONO
        } else {
            Theme::COLOR
        }
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// The selected row of the focused panel.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The selected row of a panel without focus: still findable, quieter.
    pub fn selected_unfocused(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn label(self) -> Style {
        self.fg(Color::Cyan)
    }

    pub fn coded(self) -> Style {
        self.fg(Color::Green)
    }

    pub fn bar(self) -> Style {
        self.fg(Color::Green)
    }

    pub fn key(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn warning(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }

    pub fn status(self) -> Style {
        if self.color {
            Style::new().bg(Color::Indexed(236)).fg(Color::Gray)
        } else {
            Style::new()
        }
    }
}
