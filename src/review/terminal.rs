//! The console on a real terminal: raw mode and the alternate screen, restored on quit, on panic
//! (ratatui's hook) and on SIGTERM or SIGHUP; the editor run for corrections in between.
use std::io::{self, Write};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::DefaultTerminal;

use super::app::{App, Effect};

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Quit,
    /// SIGTERM or SIGHUP: the terminal was restored and nothing was left half-written.
    Signalled,
}

/// How often the loop looks at the signal flag while no key comes.
const TICK: Duration = Duration::from_millis(200);

/// Runs `app` until the reviewer quits or a signal ends it.
pub fn run(mut app: App) -> io::Result<Ended> {
    let signalled = watch_signals()?;
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&mut terminal, &mut app, &signalled);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    signalled: &AtomicBool,
) -> io::Result<Ended> {
    loop {
        if signalled.load(Ordering::SeqCst) {
            return Ok(Ended::Signalled);
        }
        terminal.draw(|frame| app.draw(frame))?;
        if !event::poll(TICK)? {
            continue;
        }
        // A resize needs only the redraw at the top of the loop.
        let Event::Key(key) = event::read()? else {
            continue;
        };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        let mut effect = app.on_key(key);
        while let Effect::Edit(text) = effect {
            effect = match edit(terminal, &text) {
                Ok(saved) => app.edited(&saved),
                Err(err) => {
                    tracing::warn!(%err, "editor failed");
                    app.edit_failed(&err.to_string());
                    Effect::None
                }
            };
        }
        if effect == Effect::Quit {
            return Ok(Ended::Quit);
        }
    }
}

/// A flag set by SIGTERM or SIGHUP (the terminal closing), checked by the loop every tick.
fn watch_signals() -> io::Result<Arc<AtomicBool>> {
    use tokio::signal::unix::{SignalKind, signal};
    let flag = Arc::new(AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    // The handlers are registered before the terminal changes, so no signal finds it raw.
    let (mut term, mut hup) = runtime.block_on(async {
        Ok::<_, io::Error>((
            signal(SignalKind::terminate())?,
            signal(SignalKind::hangup())?,
        ))
    })?;
    let set = flag.clone();
    std::thread::Builder::new()
        .name("review-signals".into())
        .spawn(move || {
            runtime.block_on(async {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM: closing the console"),
                    _ = hup.recv() => tracing::info!("SIGHUP: closing the console"),
                }
            });
            set.store(true, Ordering::SeqCst);
        })?;
    Ok(flag)
}

/// `$VISUAL`, else `$EDITOR`, else `vi`; split on whitespace so `code --wait` works.
pub fn editor_command() -> Vec<String> {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|value| {
            value
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .find(|words| !words.is_empty())
        .unwrap_or_else(|| vec!["vi".into()])
}

/// Leaves the console, runs the editor on `text` in a temporary file, comes back; returns what
/// was saved.
fn edit(terminal: &mut DefaultTerminal, text: &str) -> io::Result<String> {
    let mut file = tempfile::Builder::new()
        .prefix("aida-correction-")
        .suffix(".txt")
        .tempfile()?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    let command = editor_command();
    ratatui::try_restore()?;
    let status = Command::new(&command[0])
        .args(&command[1..])
        .arg(file.path())
        .status();
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen)?;
    terminal.clear()?;
    let status =
        status.map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", command[0])))?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "{} exited with {status}; nothing saved",
            command.join(" ")
        )));
    }
    std::fs::read_to_string(file.path())
}
