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

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

enum Cmd {
    Lines(Vec<Line>),
    Attach(TcpStream, u64),
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
    link: Arc<Mutex<Link>>,
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
}

impl Feed {
    pub fn start() -> Feed {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the feed");
        let addr = listener.local_addr().expect("feed address");
        let (tx, rx) = channel::<Cmd>();
        let froms = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let link = Arc::new(Mutex::new(Link::default()));

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
                    let read = stream
                        .try_clone()
                        .map(|s| BufReader::new(s).read_line(&mut first));
                    let from = match (read, first.trim().strip_prefix("FROM ")) {
                        (Ok(Ok(_)), Some(n)) => n.trim().parse::<u64>().ok(),
                        _ => None,
                    };
                    let Some(from) = from else {
                        eprintln!("feed: a connection sent {first:?} instead of FROM <scn>");
                        continue;
                    };
                    froms.lock().unwrap().push(from);
                    if tx.send(Cmd::Attach(stream, from)).is_err() {
                        break;
                    }
                }
            });
        }

        // Owns the current connection and the history; does every write.
        let link_w = link.clone();
        std::thread::spawn(move || {
            let link = link_w;
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
                        link.lock().unwrap().live = false;
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
                    Cmd::Attach(stream, from) => {
                        if let Some(old) = conn.take() {
                            let _ = old.shutdown(Shutdown::Both);
                        }
                        conn = Some(stream);
                        silent = false;
                        {
                            let mut l = link.lock().unwrap();
                            l.connections += 1;
                            l.live = true;
                            l.half_open = false;
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
                        l.live = false;
                        l.half_open = false;
                    }
                    Cmd::Silent => {
                        silent = true;
                        let mut l = link.lock().unwrap();
                        l.live = false;
                        l.half_open = true;
                    }
                    Cmd::Shutdown => {
                        if let Some(old) = conn.take() {
                            let _ = old.shutdown(Shutdown::Both);
                        }
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
        self.link.lock().unwrap().clone()
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
