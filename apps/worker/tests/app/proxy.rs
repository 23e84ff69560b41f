//! A TCP proxy a test can take down and bring back. The service behind it (a shared fakesnow or
//! milvus-lite, the exchange simulator's WebSocket API) keeps running for everyone else, while
//! whoever goes through the proxy sees it vanish: every open connection is cut and new ones are
//! closed as soon as they are accepted, which a client sees at once (no timeout to sit out).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Proxy {
    addr: SocketAddr,
    up: watch::Sender<bool>,
    accepted: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards every connection to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("proxy binds");
        let addr = listener.local_addr().expect("proxy address");
        let (up, up_rx) = watch::channel(true);
        let accepted = Arc::new(AtomicU64::new(0));
        let count = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::Relaxed);
                if !*up_rx.borrow() {
                    // Down: the connection is dropped unanswered.
                    continue;
                }
                tokio::spawn(forward(client, target, up_rx.clone()));
            }
        });
        Self { addr, up, accepted, task }
    }

    /// `host:port` of the proxy's own side.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Down (`false`): every connection through the proxy is cut now, and new ones are closed
    /// as they arrive, until it is up again.
    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }

    /// Connections accepted so far, refused ones included (a client that keeps trying shows).
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.up.send_replace(false);
    }
}

async fn forward(mut client: TcpStream, target: SocketAddr, mut up: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(target).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = up.wait_for(|up| !*up) => {}
    }
}
