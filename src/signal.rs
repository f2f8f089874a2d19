//! The shutdown signal of `watch`: resolves on the first SIGINT or SIGTERM.
//!
//! Only this module touches process signals; the agent takes any future as its shutdown, so
//! tests pass a oneshot instead.

/// Waits for SIGINT (Ctrl-C in a terminal) or SIGTERM (systemd's and Kubernetes' stop). When
/// a handler cannot be installed, that signal is logged and ignored rather than ending the
/// agent at once.
pub async fn shutdown() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %error, "Cannot listen for SIGINT.");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(error) => {
                tracing::error!(error = %error, "Cannot listen for SIGTERM.");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!(signal = "SIGINT", "Shutting down."),
        () = terminate => tracing::info!(signal = "SIGTERM", "Shutting down."),
    }
}
