//! The simulated Oracle feed the CDC stand-in job reads: a TCP server on 127.0.0.1:0.
//!
//! The job connects, sends `FROM <scn>` (the last SCN it emitted, 0 at first start) and then
//! reads lines. The test drives the feed: `send` change records `<scn>,u,ORDERS`, `send_raw`
//! control lines (`POISON`, `SLOW <ms>`), `close` the socket, or `go_silent` (socket open,
//! nothing sent: half-open from the job's side). Like redo, the feed keeps what it sent: a new
//! connection (a job restarted from a checkpoint or savepoint) gets every change record with an
//! SCN above its `FROM` again, and the control lines sent after that point, so nothing is lost.
//!
//! All socket writes happen on one writer thread, so a test never blocks on a backpressured job.
//!
//! What the job sends after `FROM` is read too, by a reader thread per connection that ends with
//! the connection: a `--source poller` job writes `POLL <scn>` after each empty read, the mining
//! query reaching the database. `Link::polls` and `Link::last_poll` count them on the current
//! connection, so a simulated Oracle can show the session's LAST_CALL_ET and a heartbeat that
//! rises only while polls arrive. While the feed is silent (half-open) nothing reaches the
//! database: the reader stops reading, the job's writes sit in the socket buffers and are never
//! counted.

use std::io::{BufRead, BufReader, Cursor, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

enum Cmd {
    Lines(Vec<Line>),
    /// A new connection, its FROM, and what its BufReader had read past the FROM line.
    Attach(TcpStream, u64, Vec<u8>),
    Close,
    Silent,
    Shutdown,
}

#[derive(Clone)]
struct Line {
    /// The SCN of a change record, or for a control line the last SCN sent before it.
    pos: u64,
    change: bool,
    text: String,
}

pub struct Feed {
    addr: SocketAddr,
    tx: Sender<Cmd>,
    froms: Arc<Mutex<Vec<u64>>>,
    last_scn: Mutex<u64>,
    stop: Arc<AtomicBool>,
    link: Arc<Mutex<Shared>>,
}

/// The link and which connection is current, shared by the writer and the reader threads.
#[derive(Default)]
struct Shared {
    link: Link,
    /// Bumped whenever the current connection ends or is replaced: a reader thread serving an
    /// older generation ends.
    generation: u64,
    /// The current connection is half-open: nothing is read from it either.
    silent: bool,
}

/// The job's current connection as the feed (the database side) sees it.
#[derive(Debug, Clone, Default)]
pub struct Link {
    /// Connections accepted so far.
    pub connections: usize,
    /// The current connection is attached and being served.
    pub live: bool,
    /// The current connection is held open but nothing is sent on it (half-open).
    pub half_open: bool,
    /// When the current connection attached (its `FROM`, the session's first call).
    pub attached_at: Option<Instant>,
    /// `POLL` lines received on the current connection since it attached (not while silent).
    pub polls: u64,
    /// When the latest of those `POLL` lines arrived (None before the first): the session's last
    /// call, so LAST_CALL_ET is `last_poll.or(attached_at)` to now.
    pub last_poll: Option<Instant>,
}

impl Feed {
    pub fn start() -> Feed {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the feed");
        let addr = listener.local_addr().expect("feed address");
        let (tx, rx) = channel::<Cmd>();
        let froms = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let link = Arc::new(Mutex::new(Shared::default()));

        // Accepts connections, reads their FROM line, hands them to the writer.
        {
            let tx = tx.clone();
            let froms = froms.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let mut first = String::new();
                    let mut rest = Vec::new();
                    let read = stream.try_clone().map(|s| {
                        let mut reader = BufReader::new(s);
                        let read = reader.read_line(&mut first);
                        rest = reader.buffer().to_vec();
                        read
                    });
                    let from = match (read, first.trim().strip_prefix("FROM ")) {
                        (Ok(Ok(_)), Some(n)) => n.trim().parse::<u64>().ok(),
                        _ => None,
                    };
                    let Some(from) = from else {
                        eprintln!("feed: a connection sent {first:?} instead of FROM <scn>");
                        continue;
                    };
                    froms.lock().unwrap().push(from);
                    if tx.send(Cmd::Attach(stream, from, rest)).is_err() {
                        break;
                    }
                }
            });
        }

        // Owns the current connection and the history; does every write.
        let link_w = link.clone();
        let stop_w = stop.clone();
        std::thread::spawn(move || {
            let link = link_w;
            // The current connection ended (closed, replaced, failed): its reader thread ends.
            let end_conn = |l: &mut Shared| {
                l.generation += 1;
                l.silent = false;
            };
            let mut history: Vec<Line> = Vec::new();
            let mut conn: Option<TcpStream> = None;
            let mut silent = false;
            let write = |conn: &mut Option<TcpStream>, lines: &[Line]| {
                if let Some(stream) = conn.as_mut() {
                    let mut buf = String::new();
                    for line in lines {
                        buf.push_str(&line.text);
                        buf.push('\n');
                    }
                    if stream.write_all(buf.as_bytes()).is_err() {
                        *conn = None;
                        let mut l = link.lock().unwrap();
                        l.link.live = false;
                        end_conn(&mut l);
                    }
                }
            };
            while let Ok(cmd) = rx.recv() {
                match cmd {
                    Cmd::Lines(lines) => {
                        history.extend(lines.iter().cloned());
                        if !silent {
                            write(&mut conn, &lines);
                        }
                    }
                    Cmd::Attach(stream, from, rest) => {
                        if let Some(old) = conn.take() {
                            let _ = old.shutdown(Shutdown::Both);
                        }
                        let reader = stream.try_clone();
                        conn = Some(stream);
                        silent = false;
                        let generation = {
                            let mut l = link.lock().unwrap();
                            end_conn(&mut l);
                            l.link.connections += 1;
                            l.link.live = true;
                            l.link.half_open = false;
                            l.link.attached_at = Some(Instant::now());
                            l.link.polls = 0;
                            l.link.last_poll = None;
                            l.generation
                        };
                        match reader {
                            Ok(reader) => {
                                let link = link.clone();
                                let stop = stop_w.clone();
                                std::thread::spawn(move || {
                                    read_client(reader, rest, generation, &link, &stop)
                                });
                            }
                            Err(e) => eprintln!("feed: cannot read the connection: {e}"),
                        }
                        let replay: Vec<Line> = history
                            .iter()
                            .filter(|l| {
                                if l.change {
                                    l.pos > from
                                } else {
                                    l.pos >= from
                                }
                            })
                            .cloned()
                            .collect();
                        write(&mut conn, &replay);
                    }
                    Cmd::Close => {
                        if let Some(old) = conn.take() {
                            let _ = old.shutdown(Shutdown::Both);
                        }
                        let mut l = link.lock().unwrap();
                        end_conn(&mut l);
                        l.link.live = false;
                        l.link.half_open = false;
                    }
                    Cmd::Silent => {
                        silent = true;
                        let mut l = link.lock().unwrap();
                        l.silent = conn.is_some();
                        l.link.live = false;
                        l.link.half_open = true;
                    }
                    Cmd::Shutdown => {
                        if let Some(old) = conn.take() {
                            let _ = old.shutdown(Shutdown::Both);
                        }
                        end_conn(&mut link.lock().unwrap());
                        break;
                    }
                }
            }
        });

        Feed {
            addr,
            tx,
            froms,
            last_scn: Mutex::new(0),
            stop,
            link,
        }
    }

    /// The job's connection as the database side sees it.
    pub fn link(&self) -> Link {
        self.link.lock().unwrap().link.clone()
    }

    /// The highest SCN sent so far.
    pub fn last_scn(&self) -> u64 {
        *self.last_scn.lock().unwrap()
    }

    /// `host:port` for the job's `--feed`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Sends change records `<scn>,u,ORDERS` for every SCN in `scns`.
    pub fn send(&self, scns: RangeInclusive<u64>) {
        let mut last = self.last_scn.lock().unwrap();
        let lines: Vec<Line> = scns
            .map(|scn| Line {
                pos: scn,
                change: true,
                text: format!("{scn},u,ORDERS"),
            })
            .collect();
        if let Some(l) = lines.last() {
            *last = (*last).max(l.pos);
        }
        let _ = self.tx.send(Cmd::Lines(lines));
    }

    /// Sends one raw line (`POISON`, `SLOW 20`, ...).
    pub fn send_raw(&self, text: &str) {
        let last = *self.last_scn.lock().unwrap();
        let _ = self.tx.send(Cmd::Lines(vec![Line {
            pos: last,
            change: false,
            text: text.to_string(),
        }]));
    }

    /// Drops the job's socket: the source swallows the error and goes silent.
    pub fn close(&self) {
        let _ = self.tx.send(Cmd::Close);
    }

    /// Keeps the socket open and sends nothing more on it: half-open from the job's side.
    pub fn go_silent(&self) {
        let _ = self.tx.send(Cmd::Silent);
    }

    /// Every `FROM <scn>` received, in order (one per connection).
    pub fn froms(&self) -> Vec<u64> {
        self.froms.lock().unwrap().clone()
    }

    /// Waits until the feed has received `n` connections; returns their FROM values.
    pub async fn wait_connections(&self, n: usize, timeout: Duration) -> Vec<u64> {
        let what = format!("connection #{n} to the feed");
        super::wait_for(&what, timeout, Duration::from_millis(100), || async {
            let froms = self.froms();
            (froms.len() >= n).then_some(froms)
        })
        .await
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.tx.send(Cmd::Shutdown);
        // Wakes the accept loop so that it sees the stop flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Reads what the client sends on one connection after its FROM (`rest`: what the FROM line's
/// reader had already buffered), counting `POLL` lines into the link. Ends when the connection
/// ends (EOF, an error, or the writer ending or replacing it) or the feed stops. While the
/// connection is silent it does not read at all, so the client's writes stay in the buffers.
fn read_client(
    stream: TcpStream,
    rest: Vec<u8>,
    generation: u64,
    link: &Mutex<Shared>,
    stop: &AtomicBool,
) {
    // Short reads, so that a closed or replaced connection is noticed without traffic.
    if stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .is_err()
    {
        return;
    }
    let mut reader = BufReader::new(Cursor::new(rest).chain(stream));
    // A line read only in part before a timeout stays here (read_until keeps what it read).
    let mut line = Vec::new();
    loop {
        {
            let l = link.lock().unwrap();
            if stop.load(Ordering::SeqCst) || l.generation != generation {
                return;
            }
            if l.silent {
                drop(l);
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        }
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) if line.ends_with(b"\n") => {
                let text = String::from_utf8_lossy(&line).trim().to_string();
                line.clear();
                if text == "POLL" || text.starts_with("POLL ") {
                    let mut l = link.lock().unwrap();
                    // Gone silent (or replaced) while this read was in flight: not received.
                    if l.generation == generation && !l.silent {
                        l.link.polls += 1;
                        l.link.last_poll = Some(Instant::now());
                    }
                } else if !text.is_empty() {
                    eprintln!("feed: the client sent {text:?}");
                }
            }
            // EOF in the middle of a line.
            Ok(_) => return,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
