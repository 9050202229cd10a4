//! The interactive console. The UI task draws and handles keys; a worker task owns the client and
//! answers requests with events, so no key press ever waits on the network.

pub mod action;
pub mod app;
pub mod backend;
pub mod dialogs;
pub mod keymap;
pub mod lag;
pub mod message;
pub mod panes;
pub mod popups;
pub mod reassign;
pub mod reassign_dialogs;
pub mod theme;
pub mod worker;

#[cfg(test)]
mod tests;

use std::io::{self, Stdout};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use app::{App, Level, Settings};
use backend::ClusterBackend;
use keymap::Keymap;
use theme::Theme;

pub struct Options {
    pub settings: Settings,
    pub no_color: bool,
    pub deadline: Duration,
}

/// Keymap and theme: built-in defaults plus the user's files in the config dir.
pub fn load_looks(no_color: bool) -> (Keymap, Theme, Vec<String>) {
    let dir = crate::config::profile::default_path().and_then(|p| p.parent().map(|d| d.to_path_buf()));
    let read = |name: &str| dir.as_ref().and_then(|d| std::fs::read_to_string(d.join(name)).ok());
    let (keymap, mut warnings) = Keymap::load(read("keymap.toml").as_deref());
    let (theme, w2) = Theme::load(read("theme.toml").as_deref(), no_color);
    warnings.extend(w2);
    (keymap, theme, warnings)
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, crossterm::cursor::Show);
}

fn setup_terminal() -> io::Result<Terminal<CrosstermBackend<Stdout>>> {
    enable_raw_mode()?;
    // Restore before the panic message prints, so it is readable and the shell is usable.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    execute!(io::stdout(), EnterAlternateScreen)?;
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    term.clear()?;
    Ok(term)
}

/// Runs the console until the user quits or the process gets SIGTERM/SIGHUP; always restores
/// the terminal.
pub async fn run(backend: Arc<dyn ClusterBackend>, opts: Options) -> anyhow::Result<()> {
    let (keymap, theme, warnings) = load_looks(opts.no_color);
    let mut app = App::new(opts.settings, keymap, theme, Instant::now());
    if let Some(w) = warnings.first() {
        app.flash(
            format!(
                "config: {w}{}",
                if warnings.len() > 1 { format!(" (+{} more in the log)", warnings.len() - 1) } else { String::new() }
            ),
            Level::Warn,
        );
        for w in &warnings {
            tracing::warn!("{w}");
        }
    }
    let mut worker = worker::Worker::spawn(backend, opts.deadline);
    let mut term = setup_terminal()?;
    let result = event_loop(&mut term, &mut app, &mut worker).await;
    restore_terminal();
    result
}

async fn event_loop(
    term: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    worker: &mut worker::Worker,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let send = |worker: &worker::Worker, reqs: Vec<message::Request>| {
        for r in reqs {
            let _ = worker.requests.send(r);
        }
    };
    let mut dirty = true;
    loop {
        if dirty {
            term.draw(|f| app.draw(f))?;
            dirty = false;
        }
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                    let reqs = app.on_key(k);
                    send(worker, reqs);
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(_, _))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(ev) = worker.events.recv() => {
                let reqs = app.on_event(ev, Instant::now());
                send(worker, reqs);
                dirty = true;
            }
            _ = tick.tick() => {
                let reqs = app.tick(Instant::now());
                send(worker, reqs);
                dirty = true; // the header's "Ns ago" and flash expiry
            }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}
