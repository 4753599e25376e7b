//! The gateway's admin API as the suite reads it (`/admin/events`,
//! `/admin/providers`): every request carries the scenario's admin token
//! (`admin.token`), as an operator's would.
use serde_json::Value;

/// Where the admin API is, and the token it takes.
#[derive(Clone, Copy, Debug)]
pub struct Admin<'a> {
    /// The client.
    pub http: &'a reqwest::Client,
    /// The gateway's base URL.
    pub base_url: &'a str,
    /// The token the scenario's config set, if any.
    pub token: Option<&'a str>,
}

impl Admin<'_> {
    /// `GET path` with the token; the body as JSON, or why not.
    pub async fn get(&self, path: &str) -> Result<Value, String> {
        let (status, body) = self.get_as(path, self.token).await?;
        let body: Value =
            serde_json::from_str(&body).map_err(|e| format!("GET {path} did not answer JSON ({e}): {body}"))?;
        match status {
            200..=299 => Ok(body),
            _ => Err(format!("GET {path} answered {status}: {body}")),
        }
    }

    /// `POST path` with a JSON `body` and the token; the answer as JSON, or why not.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, String> {
        let mut request = self.http.post(format!("{}{path}", self.base_url)).json(body);
        if let Some(token) = self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| format!("POST {path} failed: {e}"))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| format!("POST {path}: cannot read the body: {e}"))?;
        let answer: Value =
            serde_json::from_str(&text).map_err(|e| format!("POST {path} did not answer JSON ({e}): {text}"))?;
        match status {
            200..=299 => Ok(answer),
            _ => Err(format!("POST {path} answered {status}: {answer}")),
        }
    }

    /// `GET path` with `token` (or none): the status and the body as text.
    pub async fn get_as(&self, path: &str, token: Option<&str>) -> Result<(u16, String), String> {
        let mut request = self.http.get(format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| format!("GET {path} failed: {e}"))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| format!("GET {path}: cannot read the body: {e}"))?;
        Ok((status, body))
    }
}
