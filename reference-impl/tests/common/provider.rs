//! A provider on a raw socket, answering every request as told, and saying
//! on a channel what happened ("request", "event", "closed"), so that a test
//! sees exactly when a request arrived, when a stream's first event left and
//! when the gateway hung up.
// Each test binary that includes this module uses some of the answers.
#![allow(dead_code)]
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// How the provider answers.
#[derive(Clone, Copy)]
pub enum Answer {
    /// A whole chat completion after this delay.
    After(Duration),
    /// Five stream events this far apart, then `[DONE]`.
    Stream(Duration),
    /// Nothing, ever; says "closed" when the gateway hangs up.
    Never,
    /// As `Never` for the first `n` requests, then a whole answer at once.
    NeverFirst(usize),
}

/// A provider answering every request as told; says on the channel when a
/// request arrived ("request") and when a stream's first event left ("event").
pub async fn provider(answer: Answer) -> (SocketAddr, mpsc::UnboundedReceiver<&'static str>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tell, told) = mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let (tell, seen) = (tell.clone(), seen.clone());
            tokio::spawn(async move { serve(socket, answer, tell, &seen).await });
        }
    });
    (addr, told)
}

async fn serve(socket: TcpStream, answer: Answer, tell: mpsc::UnboundedSender<&'static str>, seen: &AtomicUsize) {
    let mut reader = BufReader::new(socket);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).await.is_err() {
        return;
    }
    let _ = tell.send("request");
    let mut socket = reader.into_inner();
    let answer = match answer {
        Answer::NeverFirst(n) if seen.fetch_add(1, Ordering::SeqCst) < n => Answer::Never,
        Answer::NeverFirst(_) => Answer::After(Duration::ZERO),
        other => other,
    };
    match answer {
        Answer::After(delay) => {
            tokio::time::sleep(delay).await;
            let body = r#"{"id":"c1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"drained"}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
            let head =
                format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len());
            let _ = socket.write_all(format!("{head}{body}").as_bytes()).await;
        }
        Answer::Stream(gap) => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            for i in 0..5 {
                let finish = if i == 4 { r#""stop""# } else { "null" };
                let event = format!(
                    "data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"piece{i} \"}},\"finish_reason\":{finish}}}]}}\n\n"
                );
                let _ = socket.write_all(event.as_bytes()).await;
                if i == 0 {
                    let _ = tell.send("event");
                }
                tokio::time::sleep(gap).await;
            }
            let _ = socket.write_all(b"data: [DONE]\n\n").await;
        }
        Answer::Never | Answer::NeverFirst(_) => {
            // Holds the request until the gateway hangs up, and says when.
            let mut rest = [0u8; 64];
            while socket.read(&mut rest).await.is_ok_and(|n| n > 0) {}
            let _ = tell.send("closed");
        }
    }
}
