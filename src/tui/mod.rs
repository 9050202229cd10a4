//! The interactive console. The UI task draws and handles keys; a worker task owns the client and
//! answers requests with events, so no key press ever waits on the network.
//!
//! - `app.rs` routes keys, answers and time to the state's concerns: `cluster_view.rs` (the
//!   snapshot and what is derived from it), `jobs.rs` (requests in flight, one slot per kind),
//!   `nav.rs` (the screen trail), `chrome.rs` (flash, errors, the clock) and `mode.rs` (where keys
//!   go, the change in flight; reactions in `change.rs`). `draw.rs` draws it all.
//! - Reassignments: `reassign.rs` (what moves, marked topics, the plan being edited, attached
//!   executions; kept in the cluster view), `reassign_dialogs.rs` (plan/execute/export forms, the
//!   replica editor) and `reassign_flow.rs` (their keys and answers).
//! - `panes/` one file per pane, and the registry of views; a pane declares the data of its own
//!   it needs (`TablePane::need`), and `message::Job` lists the kinds of request with a slot.
//! - `connection.rs`: a refresh that could not connect shows the doctor's steps live and retries
//!   with backoff.
//! - `worker.rs` serves `message::Request`s with `message::Event`s; [`Pump`] is the event loop.

pub mod action;
pub mod app;
pub mod backend;
mod change;
pub mod chrome;
pub mod cluster_view;
pub mod connection;
pub mod dialogs;
mod draw;
pub mod jobs;
pub mod keymap;
pub mod lag;
pub mod memory;
pub mod message;
pub mod mode;
pub mod nav;
pub mod panes;
pub mod perf;
pub mod popups;
pub mod reassign;
pub mod reassign_dialogs;
mod reassign_flow;
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
use futures::stream::{self, BoxStream};
use futures::{FutureExt, Stream, StreamExt};
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::Terminal;

use app::{App, Settings};
use backend::ClusterBackend;
use chrome::Level;
use keymap::Keymap;
use theme::Theme;

pub struct Options {
    pub settings: Settings,
    pub no_color: bool,
    pub deadline: Duration,
}

/// How the console ended.
pub struct Exit {
    /// The MSK cluster to open the console on next, if the user picked one.
    pub switch_to: Option<String>,
    /// What its own work cost (`--stats`).
    pub perf: perf::Perf,
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
    // cleared here, not with Terminal::clear, which asks the terminal for the cursor position: a
    // second console in the same process (`:msk` switches clusters) cannot read the answer while
    // the first one's input thread still waits on the terminal
    execute!(io::stdout(), EnterAlternateScreen, crossterm::terminal::Clear(crossterm::terminal::ClearType::All))?;
    Terminal::new(CrosstermBackend::new(io::stdout()))
}

/// Runs the console until the user quits or the process gets SIGTERM/SIGHUP; always restores
/// the terminal.
pub async fn run(backend: Arc<dyn ClusterBackend>, opts: Options) -> anyhow::Result<Exit> {
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
    let mut inputs = terminal_inputs()?;
    let mut term = setup_terminal()?;
    let mut pump = Pump::new(Instant::now);
    pump.perf = perf::Perf::new(perf::process_started());
    let result = async {
        pump.draw(&mut term, &mut app)?;
        while pump.turn(&mut term, &mut app, &mut worker, &mut inputs).await? {}
        anyhow::Ok(())
    }
    .await;
    restore_terminal();
    result.map(|_| Exit { switch_to: app.switch_to.take(), perf: pump.perf })
}

/// What the console reacts to besides the worker's answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Key(crossterm::event::KeyEvent),
    /// The terminal changed size: draw again.
    Resize,
    /// Time passed (the header's age, flash expiry, refreshes due).
    Tick(Instant),
    /// SIGTERM, SIGHUP or the end of the terminal's input.
    Stop,
}

/// Keys, resizes, ticks every 250 ms and stop signals, as one stream.
fn terminal_inputs() -> anyhow::Result<BoxStream<'static, anyhow::Result<Input>>> {
    use tokio::signal::unix::{signal, SignalKind};
    let keys = EventStream::new()
        .filter_map(|ev| {
            futures::future::ready(match ev {
                Ok(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => Some(Ok(Input::Key(k))),
                Ok(TermEvent::Resize(_, _)) => Some(Ok(Input::Resize)),
                Ok(_) => None,
                Err(e) => Some(Err(e.into())),
            })
        })
        .chain(stream::once(futures::future::ready(Ok(Input::Stop))));
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let ticks = stream::unfold(tick, |mut tick| async move {
        tick.tick().await;
        Some((Ok(Input::Tick(Instant::now())), tick))
    });
    let signals = [signal(SignalKind::terminate())?, signal(SignalKind::hangup())?].map(|sig| {
        stream::unfold(sig, |mut sig| async move {
            sig.recv().await;
            Some((Ok(Input::Stop), sig))
        })
        .boxed()
    });
    let [term, hup] = signals;
    Ok(stream::select_all([keys.boxed(), ticks.boxed(), term, hup]).boxed())
}

/// The event loop's turns (yazi's): wait for something to happen, handle it and everything else
/// already waiting (a burst of keys, several answers), then draw once, and only if something
/// visible changed: a key, a resize, a worker answer, or a tick that moved the header's clock or
/// expired a flash. An idle console does not draw.
pub struct Pump<C: Fn() -> Instant> {
    clock: C,
    dirty: bool,
    /// Frames drawn so far.
    pub frames: u64,
    /// Refresh and frame times (`--stats`).
    pub perf: perf::Perf,
}

impl<C: Fn() -> Instant> Pump<C> {
    /// `clock` stamps worker answers (tests pass their own time).
    pub fn new(clock: C) -> Pump<C> {
        Pump { clock, dirty: false, frames: 0, perf: perf::Perf::new(Instant::now()) }
    }

    pub fn draw<B: Backend>(&mut self, term: &mut Terminal<B>, app: &mut App) -> anyhow::Result<()>
    where
        B::Error: Send + Sync + 'static,
    {
        let start = Instant::now();
        term.draw(|f| app.draw(f))?;
        self.perf.frame(start, Instant::now());
        self.frames += 1;
        self.dirty = false;
        Ok(())
    }

    /// One turn; false when the console is to stop.
    pub async fn turn<B: Backend>(
        &mut self,
        term: &mut Terminal<B>,
        app: &mut App,
        worker: &mut worker::Worker,
        inputs: &mut (impl Stream<Item = anyhow::Result<Input>> + Unpin),
    ) -> anyhow::Result<bool>
    where
        B::Error: Send + Sync + 'static,
    {
        let mut go_on = tokio::select! {
            input = inputs.next() => self.input(app, worker, input.unwrap_or(Ok(Input::Stop))?),
            Some(ev) = worker.events.recv() => self.event(app, worker, ev),
        };
        // everything already waiting, before the one draw (at most a screenful of work per turn,
        // so a flood of input cannot hold the screen back for long)
        for _ in 0..256 {
            if !go_on {
                break;
            }
            if let Ok(ev) = worker.events.try_recv() {
                go_on = self.event(app, worker, ev);
                continue;
            }
            match inputs.next().now_or_never() {
                Some(input) => go_on = self.input(app, worker, input.unwrap_or(Ok(Input::Stop))?),
                None => break,
            }
        }
        if go_on && self.dirty {
            self.draw(term, app)?;
        }
        Ok(go_on)
    }

    fn input(&mut self, app: &mut App, worker: &worker::Worker, input: Input) -> bool {
        match input {
            Input::Key(k) => {
                send(worker, app.on_key(k));
                self.dirty = true;
            }
            Input::Resize => self.dirty = true,
            Input::Tick(now) => {
                let before = app.clock_face();
                send(worker, app.tick(now));
                self.dirty |= app.clock_face() != before;
            }
            Input::Stop => return false,
        }
        !app.quit
    }

    fn event(&mut self, app: &mut App, worker: &worker::Worker, ev: message::Event) -> bool {
        let loaded = match &ev {
            message::Event::Snapshot { result: Ok(_), took } => Some(*took),
            _ => None,
        };
        let arrived = Instant::now();
        send(worker, app.on_event(ev, (self.clock)()));
        if let Some(took) = loaded {
            self.perf.snapshot(took, arrived, Instant::now());
            // the previous snapshot and the responses this one was built from are free now
            memory::release_freed();
        }
        self.dirty = true;
        !app.quit
    }
}

fn send(worker: &worker::Worker, reqs: Vec<message::Request>) {
    for r in reqs {
        let _ = worker.requests.send(r);
    }
}
