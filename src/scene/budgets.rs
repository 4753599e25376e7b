//! Spend budgets in a scenario: the budgets and prices it configures, the
//! requests it sends with a client API key, and what the providers billed
//! for them.
use std::collections::BTreeMap;

use bytes::Bytes;
use failover_contract::{PriceConfig, SpendBudgetConfig};

use super::Scene;
use crate::checks::budget::Billed;
use crate::client::{self, RequestKind};

/// A budget's limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    /// Tokens, request and answer alike.
    Tokens(u64),
    /// US dollars.
    Usd(f64),
}

impl Scene {
    /// Gives budget `id` to the client API key `key` for `model` (`None`:
    /// every model together): `limit` per `window_ms`.
    pub fn budget(
        &mut self,
        id: &str,
        key: &str,
        model: Option<&str>,
        limit: Limit,
        window_ms: u64,
    ) -> Result<(), String> {
        self.configure()?;
        let (tokens, usd) = match limit {
            Limit::Tokens(t) => (Some(t), None),
            Limit::Usd(d) => (None, Some(d)),
        };
        self.draft.budgets.push(SpendBudgetConfig {
            id: id.to_owned(),
            api_key: Some(key.to_owned()),
            api_key_env: None,
            model: model.map(str::to_owned),
            tokens,
            usd,
            window_ms,
            answer_reserve_tokens: 1_024,
        });
        Ok(())
    }

    /// Sets what `provider` charges for `model`'s chain entry, in US dollars
    /// per million tokens of the request (`input`) and of the answer (`output`).
    pub fn price(&mut self, model: &str, provider: &str, input: f64, output: f64) -> Result<(), String> {
        self.configure()?;
        let entry = self.draft.models.iter_mut().find(|m| m.name == model);
        let chain =
            &mut entry.ok_or_else(|| format!("model \"{model}\" has no chain yet; route it first"))?.backend_map;
        let entry = chain
            .iter_mut()
            .find(|e| e.provider == provider)
            .ok_or_else(|| format!("provider \"{provider}\" is not in the chain of model \"{model}\""))?;
        entry.price = Some(PriceConfig { input_usd_per_mtok: input, output_usd_per_mtok: output });
        Ok(())
    }

    /// Sends `count` requests of `kind` for `model` with the client API key
    /// `key`, one after another.
    pub async fn send_with_key(
        &mut self,
        count: usize,
        kind: RequestKind,
        model: &str,
        key: &str,
    ) -> Result<(), String> {
        let options = super::RequestOptions { headers: vec![bearer(key)], ..Default::default() };
        self.send_many_shaped(count, kind, model, &options).await
    }

    /// Sends `count` requests of `kind` for `model` with the client API key
    /// `key`, all at once.
    pub async fn send_at_once_with_key(
        &mut self,
        count: usize,
        kind: RequestKind,
        model: &str,
        key: &str,
    ) -> Result<(), String> {
        let base = self.start_gateway().await?.base_url().to_owned();
        let headers = vec![bearer(key)];
        let bodies: Vec<Bytes> = (0..count)
            .map(|_| {
                self.requests_made += 1;
                Bytes::from(kind.body(model, self.requests_made).to_string())
            })
            .collect();
        let sends = bodies.into_iter().map(|body| {
            let (http, base, headers) = (&self.http, &base, &headers);
            async move { client::send(http, base, reqwest::Method::POST, kind.path(), body, headers).await }
        });
        let exchanges = futures::future::join_all(sends).await.into_iter().collect::<Result<Vec<_>, _>>()?;
        let first = self.exchanges.len();
        self.exchanges.extend(exchanges);
        self.batch = first..self.exchanges.len();
        Ok(())
    }

    /// Sends a request of `kind` for `model` with the client API key `key`
    /// every `every` until one gets `status`, failing if `within` passes first.
    pub async fn send_with_key_until(
        &mut self,
        (kind, model, key): (RequestKind, &str, &str),
        every: std::time::Duration,
        within: std::time::Duration,
        status: u16,
    ) -> Result<(), String> {
        let options = super::RequestOptions { headers: vec![bearer(key)], ..Default::default() };
        let got = async |s: &Scene| Ok(s.last()?.status == status);
        self.send_shaped_until((kind, model, &options), every, within, got).await
    }

    /// The journal of every provider, by id.
    pub fn journals(&self) -> Vec<(String, Vec<crate::mock::Received>)> {
        self.providers.iter().map(|(id, p)| (id.clone(), p.journal())).collect()
    }

    /// What the providers billed for the requests that carried `key`: the
    /// usage each of their answers reported, at the price of the chain entry
    /// of the request's model for the provider that answered.
    pub fn billed(&self, key: &str) -> Result<Billed, String> {
        let mut prices: BTreeMap<(&str, &str), Option<PriceConfig>> = BTreeMap::new();
        for model in &self.draft.models {
            for entry in model.backend_map.iter().chain(&model.content_policy_chain) {
                prices.insert((model.name.as_str(), entry.provider.as_str()), entry.price);
            }
        }
        let mut billed = Billed::default();
        for (provider, mock) in &self.providers {
            crate::checks::budget::bill(&mut billed, &self.exchanges, &mock.journal(), provider, key, &prices)?;
        }
        Ok(billed)
    }
}

fn bearer(key: &str) -> (String, String) {
    ("authorization".to_owned(), format!("Bearer {key}"))
}
